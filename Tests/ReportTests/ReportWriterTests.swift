import Analysis
import Foundation
@testable import HashKit
import XCTest
@testable import Report

/// Builds small datasets of real JPEG files and an AnalysisResult over them, then checks every
/// human output the report writer produces.
final class ReportWriterTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "crosshash-report-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// A 600×400 gradient JPEG (landscape, so its thumbnail is 256×171).
    func writeJPEG(_ path: String, seed: Int, width: Int = 600, height: Int = 400) throws {
        var px = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let o = (y * width + x) * 3
                px[o] = UInt8((x + seed * 40) % 256)
                px[o + 1] = UInt8((y + seed * 70) % 256)
                px[o + 2] = UInt8((x + y) / 4 % 256)
            }
        }
        let jpeg = try JPEGEncoder.encode(pixels: px, width: width, height: height, channels: 3, quality: 90)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(jpeg)))
    }

    func hashes(_ n: UInt64) -> ImageHashes { ImageHashes(phash: n, blockmean: Hash256(words: SIMD4(n, 0, 0, 0))) }

    /// Two datasets sharing the base name Q1.jpg, one file that is not a JPEG at all, and a
    /// dataset name that needs escaping.
    func makeResult(nameB: String = "wiki <i>|x") throws -> AnalysisResult {
        let dirA = root + "/artdl", dirB = root + "/wiki"
        try writeJPEG(dirA + "/Q1.jpg", seed: 1)
        try writeJPEG(dirA + "/part3/1939_1_291.jpg", seed: 2)
        try writeJPEG(dirA + "/solo.jpg", seed: 3)
        try writeJPEG(dirB + "/Q1.jpg", seed: 1)
        try writeJPEG(dirB + "/Q20173065.jpg", seed: 2)
        XCTAssertTrue(FileManager.default.createFile(atPath: dirB + "/broken.jpg", contents: Data("not a picture".utf8)))
        let keysA = ["Q1.jpg", "part3/1939_1_291.jpg", "solo.jpg"].map(FileKey.init).sorted()
        let keysB = ["Q1.jpg", "Q20173065.jpg", "broken.jpg"].map(FileKey.init).sorted()
        let a = DatasetResult(spec: DatasetSpec(name: "ArtDL", path: dirA), keys: keysA,
                              hashes: keysA.indices.map { hashes(UInt64($0)) }, issues: [FileIssue(key: FileKey("x.txt"), message: "not an image")])
        let b = DatasetResult(spec: DatasetSpec(name: nameB, path: dirB), keys: keysB,
                              hashes: keysB.indices.map { hashes(UInt64($0)) }, issues: [])
        func r(_ d: Int, _ k: String) -> ImageRef { ImageRef(dataset: d, key: FileKey(k)) }
        let pairs = [
            CrossPair(a: r(0, "Q1.jpg"), b: r(1, "Q1.jpg"), distance: 4, otherDistance: 6),
            CrossPair(a: r(0, "part3/1939_1_291.jpg"), b: r(1, "Q20173065.jpg"), distance: 1, otherDistance: 2),
            CrossPair(a: r(0, "solo.jpg"), b: r(1, "broken.jpg"), distance: 7, otherDistance: 30),
        ]
        let groups = [[r(0, "Q1.jpg"), r(1, "Q1.jpg")], [r(0, "part3/1939_1_291.jpg"), r(1, "Q20173065.jpg")],
                      [r(0, "solo.jpg"), r(1, "broken.jpg")]]
        let phash = FamilyMatches(family: .phash, otherFamily: .blockmean, threshold: 8, pairs: PairList(pairs), within: nil, groups: groups,
                                  nearestOtherDistance: [4, 1, 7, 4, 1, 7])
        let bm = FamilyMatches(family: .blockmean, otherFamily: .phash, threshold: 8, pairs: PairList(Array(pairs.prefix(2)).map {
            CrossPair(a: $0.a, b: $0.b, distance: $0.otherDistance, otherDistance: $0.distance)
        }), within: nil, groups: Array(groups.prefix(2)), nearestOtherDistance: [6, 2, 30, 6, 2, 30])
        return AnalysisResult(datasets: [a, b], matches: [phash, bm],
                              device: EngineDescription(kind: "cpu", name: "test"), timings: StageTimings())
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func pngSize(_ path: String) throws -> (width: Int, height: Int) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(path) is not a PNG")
        guard bytes.count > 24 else { return (0, 0) }
        func be32(_ i: Int) -> Int { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }

    /// The frame size from a JPEG's SOF marker.
    func jpegSize(_ path: String) throws -> (width: Int, height: Int)? {
        let b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard b.count > 4, b[0] == 0xFF, b[1] == 0xD8 else { return nil }
        var i = 2
        while i + 9 < b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1], len = Int(b[i + 2]) << 8 | Int(b[i + 3])
            if (0xC0...0xC2).contains(marker) {
                return (Int(b[i + 7]) << 8 | Int(b[i + 8]), Int(b[i + 5]) << 8 | Int(b[i + 6]))
            }
            i += 2 + len
        }
        return nil
    }

    func testReportSectionsPairsAndTruncation() throws {
        let out = root + "/out"
        try ReportWriter(maxReportPairs: 2).write(try makeResult(), to: out)
        let md = try read(out + "/REPORT.md")
        let headings = ["# Cross-dataset image duplicates", "| Dataset | Images | Errors |", "## Methodology", "## Results",
                        "perceptual_venn_diagram.png", "robust_venn_diagram.png", "### Pairs per dataset pair",
                        "## Files", "## All similar image pairs", "## Summary"]
        var last = md.startIndex
        for h in headings {
            guard let r = md.range(of: h, range: last..<md.endIndex) else { return XCTFail("\(h) missing or out of order") }
            last = r.upperBound
        }
        // Datasets table: escaped name, counts.
        XCTAssertTrue(md.contains("| ArtDL | 3 | 1 |"))
        XCTAssertTrue(md.contains("| wiki \\<i\\>\\|x | 3 | 0 |"), md)

        // phash: 3 pairs, 2 shown (closest first), truncation sentence; blockmean: 2 of 2.
        let pairSection = String(md[md.range(of: "## All similar image pairs")!.upperBound...])
        let rows = pairSection.split(separator: "\n").filter { $0.hasPrefix("| ![") }
        XCTAssertEqual(rows.count, 4)
        XCTAssertEqual(rows[0], "| ![part3/1939\\_1\\_291.jpg](examples/1939_1_291.jpg) <br> **Dataset:** ArtDL <br> **Filename:** part3/1939\\_1\\_291 "
                       + "| ![Q20173065.jpg](examples/Q20173065.jpg) <br> **Dataset:** wiki \\<i\\>\\|x <br> **Filename:** Q20173065 | 1 | 2 |")
        XCTAssertTrue(rows[1].hasPrefix("| ![Q1.jpg](examples/ArtDL_Q1.jpg) <br> **Dataset:** ArtDL <br> **Filename:** Q1 | ![Q1.jpg](examples/wiki__i__x_Q1.jpg)"), String(rows[1]))
        XCTAssertTrue(rows[1].hasSuffix("| 4 | 6 |"))
        XCTAssertTrue(pairSection.contains("Showing the 2 closest of 3 pairs; 1 more is left out here."))
        XCTAssertFalse(md.contains("solo"), "the farthest pair is left out of the report")
        XCTAssertEqual(md.components(separatedBy: "left out here").count - 1, 1, "blockmean has only 2 pairs")

        // Thumbnails: only for shown pairs, collision names prefixed, real 256-px JPEGs.
        let thumbs = try FileManager.default.contentsOfDirectory(atPath: out + "/examples").sorted()
        XCTAssertEqual(thumbs, ["1939_1_291.jpg", "ArtDL_Q1.jpg", "Q20173065.jpg", "wiki__i__x_Q1.jpg"])
        for t in thumbs {
            let size = try jpegSize(out + "/examples/" + t)
            XCTAssertNotNil(size, "\(t) is not a JPEG")
            XCTAssertEqual(size?.width, 256, t)
            XCTAssertEqual(size?.height, 171, t)
        }
    }

    func testThumbnailOfUnreadableImageIsAPlaceholder() throws {
        let out = root + "/out"
        let written = try ReportWriter(maxReportPairs: 10).write(try makeResult(), to: out)
        XCTAssertEqual(written.thumbnails, 6)
        XCTAssertEqual(written.placeholders, 1)
        let size = try jpegSize(out + "/examples/broken.jpg")
        XCTAssertEqual(size?.width, 256)
        XCTAssertEqual(size?.height, 192)
        XCTAssertTrue(try read(out + "/REPORT.md").contains("examples/broken.jpg"))
    }

    func testNoPairsListedWhenTheLimitIsZero() throws {
        let out = root + "/out"
        let written = try ReportWriter(maxReportPairs: 0).write(try makeResult(), to: out)
        XCTAssertEqual(written.thumbnails, 0)
        let md = try read(out + "/REPORT.md")
        XCTAssertFalse(md.contains("| Image A |"))
        XCTAssertTrue(md.contains("Showing the 0 closest of 3 pairs; 3 more are left out here."))
        XCTAssertFalse(md.contains("No pairs at threshold"))
    }

    func testReportIsByteIdenticalAcrossRuns() throws {
        let result = try makeResult()
        try ReportWriter().write(result, to: root + "/one")
        try ReportWriter().write(result, to: root + "/two")
        if ProcessInfo.processInfo.environment["KEEP_REPORT"] != nil { try? FileManager.default.copyItem(atPath: root, toPath: "/tmp/report-keep") }
        for file in ["REPORT.md", "report.html", "perceptual_venn_diagram.svg", "examples/ArtDL_Q1.jpg"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: root + "/one/" + file))
            let b = try Data(contentsOf: URL(fileURLWithPath: root + "/two/" + file))
            XCTAssertEqual(a, b, file)
        }
    }

    func testHTMLIsSelfContainedAndEscaped() throws {
        let out = root + "/out"
        try ReportWriter().write(try makeResult(), to: out)
        let html = try read(out + "/report.html")
        for banned in ["http://", "https://", "src=\"//", "href=\"//", "src='//", "href='//", "@import", "url(http"] {
            XCTAssertFalse(html.contains(banned), "report.html contains \(banned)")
        }
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 4, "two Venn and two histogram SVGs inline")
        XCTAssertFalse(html.contains("<i>|x"), "dataset name must be escaped")
        XCTAssertTrue(html.contains("wiki &lt;i&gt;|x"))
        XCTAssertTrue(html.contains("<img src=\"examples/ArtDL_Q1.jpg\""))
        XCTAssertTrue(html.contains("data-alg=\"blockmean\""))
        XCTAssertTrue(html.contains("<script>") && html.contains("<style>"))
        // Glyph ids are unique per inline chart (ids are page-wide in HTML).
        let ids = html.components(separatedBy: " id=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        XCTAssertEqual(ids.count, Set(ids).count, "duplicate ids in report.html")
    }

    /// A reviewed pair shows its decision in both reports, the note escaped (it is anyone's text).
    func testReviewDecisionsAreShownAndEscaped() throws {
        var result = try makeResult()
        let pair = result.matches(.phash).pairs[0]
        result.reviews = PairReviews([PairKey(pair.a, pair.b): PairReview(decision: .different, note: "<script>x|y</script>")])
        let out = root + "/out"
        try ReportWriter().write(result, to: out)
        let html = try read(out + "/report.html"), md = try read(out + "/REPORT.md")
        XCTAssertTrue(html.contains("<span class=\"badge review\">reviewed: different (&lt;script&gt;x|y&lt;/script&gt;)</span>"))
        XCTAssertFalse(html.contains("<script>x"))
        XCTAssertTrue(md.contains("| Review |"))
        XCTAssertTrue(md.contains("reviewed\\: different (\\<script\\>x\\|y\\</script\\>) |"), md)
        // Without reviews: no Review column.
        try ReportWriter().write(try makeResult(), to: root + "/plain")
        XCTAssertFalse(try read(root + "/plain/REPORT.md").contains("Review |"))
    }

    func testChartsAreWidePNGsWithSVGTwins() throws {
        let out = root + "/out"
        try ReportWriter().write(try makeResult(), to: out)
        for name in ["perceptual_venn_diagram", "robust_venn_diagram", "perceptual_distance_histogram", "robust_distance_histogram"] {
            let size = try pngSize(out + "/\(name).png")
            XCTAssertGreaterThanOrEqual(size.width, 800, name)
            XCTAssertTrue(try read(out + "/\(name).svg").contains("<svg"), name)
        }
    }

    /// Large inputs: nearest distances exact up to a radius, the rest in one "farther" bar,
    /// said in the chart, REPORT.md and report.html.
    func testNearestDistancesUpToARadiusGetAFartherBar() throws {
        var result = try makeResult()
        var m = result.matches[HashFamily.phash.id]!
        m.nearestRadius = 10
        m.nearestOtherDistance = [4, 1, FamilyMatches.fartherThanRadius, 4, 1, FamilyMatches.fartherThanRadius]
        result.matches[HashFamily.phash.id] = m
        let stats = NearestDistances(m)
        XCTAssertEqual(stats.farther, 2)
        XCTAssertEqual(stats.total, 6)
        XCTAssertEqual(stats.bars.count, 12, "0...10 and the farther bar")
        XCTAssertEqual(stats.bars.last?.label, "> 10")
        XCTAssertEqual(stats.bars.last?.count, 2)
        XCTAssertEqual(stats.emptyRunAroundThreshold, 5...10, "empty from 5, known (and empty) only up to the radius")
        let out = root + "/out"
        try ReportWriter().write(result, to: out)
        // Cairo draws text as glyph outlines, so the chart is checked by its bars above; here
        // only that it differs from the chart of exact distances.
        let exact = root + "/exact"
        try ReportWriter().write(try makeResult(), to: exact)
        XCTAssertNotEqual(try read(out + "/perceptual_distance_histogram.svg"), try read(exact + "/perceptual_distance_histogram.svg"))
        XCTAssertTrue(try read(out + "/REPORT.md").contains("exact up to 10 (2 images farther)"))
        XCTAssertTrue(try read(out + "/report.html").contains("exact up to 10 (2 images farther)"))
    }

    func testOneAndFourDatasets() throws {
        let base = try makeResult()
        var one = base
        one.datasets = [base.datasets[0]]
        one.matches[HashFamily.phash.id] = FamilyMatches(family: .phash, otherFamily: .blockmean, threshold: 8, pairs: [], within: nil,
                                                         groups: [], nearestOtherDistance: [nil, nil, nil])
        one.matches[HashFamily.blockmean.id] = FamilyMatches(family: .blockmean, otherFamily: .phash, threshold: 8, pairs: [], within: nil,
                                                             groups: [], nearestOtherDistance: [nil, nil, nil])
        try ReportWriter().write(one, to: root + "/one")
        XCTAssertGreaterThanOrEqual(try pngSize(root + "/one/perceptual_venn_diagram.png").width, 800)
        XCTAssertTrue(try read(root + "/one/REPORT.md").contains("With a single dataset there are no cross-dataset pairs."))

        var four = base
        four.datasets = base.datasets + [base.datasets[0], base.datasets[1]].enumerated().map { i, d in
            var copy = d
            copy.spec.name = "extra\(i)"
            return copy
        }
        try ReportWriter().write(four, to: root + "/four")
        XCTAssertGreaterThanOrEqual(try pngSize(root + "/four/robust_venn_diagram.png").width, 800)
        XCTAssertEqual(ReportData(four, maxReportPairs: 500).pairCounts.count, 6)
    }

    func testThumbnailNamesStayUniqueAndSafe() {
        func r(_ d: Int, _ k: String) -> ImageRef { ImageRef(dataset: d, key: FileKey(k)) }
        let names = ThumbnailNames.assign([r(0, "a/x.jpg"), r(0, "b/x.png"), r(1, "X.jpg"), r(1, "y z(1).jpg"), r(0, ".hidden")],
                                          datasetNames: ["A", "B"])
        XCTAssertEqual(names[r(0, "a/x.jpg")], "A_x.jpg")
        XCTAssertEqual(names[r(0, "b/x.png")], "A_x_2.jpg")
        XCTAssertEqual(names[r(1, "X.jpg")], "B_X.jpg")
        XCTAssertEqual(names[r(1, "y z(1).jpg")], "y_z_1_.jpg")
        XCTAssertEqual(names[r(0, ".hidden")], "_hidden.jpg")
    }

    func testAreaDownscaleAveragesBlocks() throws {
        // 4×2 grey → longest side 2: each output pixel is the mean of a 2×2 block.
        let img = DecodedImage(width: 4, height: 2, layout: .gray, pixels: [0, 100, 200, 250, 0, 100, 50, 50])
        let small = AreaDownscale.fit(img, longestSide: 2)
        XCTAssertEqual(small.width, 2)
        XCTAssertEqual(small.height, 1)
        XCTAssertEqual(small.pixels, [50, 138])  // (0+100+0+100)/4, (200+250+50+50)/4 = 137.5 -> 138
    }
}
