import Foundation
import XCTest
@testable import HashKit

/// Decoding against Pillow 13: every fixture in Tests/Fixtures/expected.json (written by
/// scripts/make_fixtures.py from Pillow's own output) must give the same size and the same bytes
/// for convert('RGB') and convert('L'), and every file Pillow refuses must be a DecodeError.
final class DecodeTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    struct Expected: Decodable {
        let width: Int?
        let height: Int?
        let format: String?
        let mode: String?
        let l_crc32: UInt32?
        let rgb_crc32: UInt32?
        let error: String?
    }

    static func expectations() throws -> [(String, Expected)] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("expected.json"))
        let table = try JSONDecoder().decode([String: Expected].self, from: data)
        return table.sorted { $0.key < $1.key }
    }

    static func path(_ name: String) -> String {
        fixtures.appendingPathComponent("images").appendingPathComponent(name).path
    }

    /// Pillow's convert('RGB') bytes of what we decoded.
    static func rgbBytes(_ image: DecodedImage) -> [UInt8] {
        if image.layout == .rgb { return image.pixels }
        var out = [UInt8](repeating: 0, count: image.pixels.count * 3)
        for (i, v) in image.pixels.enumerated() { out[3 * i] = v; out[3 * i + 1] = v; out[3 * i + 2] = v }
        return out
    }

    /// Pillow's convert('L') (ALGORITHMS §1.2): L = (19595 R + 38470 G + 7471 B + 32768) >> 16.
    static func lBytes(_ image: DecodedImage) -> [UInt8] {
        if image.layout == .gray { return image.pixels }
        var out = [UInt8](repeating: 0, count: image.pixelCount)
        image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<image.pixelCount {
                let r = UInt32(p[3 * i]), g = UInt32(p[3 * i + 1]), b = UInt32(p[3 * i + 2])
                out[i] = UInt8((19595 * r + 38470 * g + 7471 * b + 32768) >> 16)
            }
        }
        return out
    }

    func testEveryFixtureMatchesPillow() throws {
        let decoder = ImageDecoder()
        var checked = 0, refused = 0
        var failures: [String] = []
        for (name, expected) in try Self.expectations() where expected.width != nil || expected.error != nil {
            let pillowRefuses = expected.error != nil
            let otherFormat = expected.format.map { !["JPEG", "PNG", "GIF", "BMP", "TIFF", "WEBP"].contains($0) } ?? false
            do {
                let image = try decoder.decode(path: Self.path(name))
                if pillowRefuses || otherFormat {
                    failures.append("\(name): decoded, but Pillow says \(expected.error ?? "format \(expected.format ?? "?")")")
                    continue
                }
                let rgb = Checksum.crc32(Self.rgbBytes(image)), l = Checksum.crc32(Self.lBytes(image))
                if image.width != expected.width || image.height != expected.height {
                    failures.append("\(name): size \(image.width)x\(image.height), Pillow \(expected.width ?? -1)x\(expected.height ?? -1)")
                } else if rgb != expected.rgb_crc32 || l != expected.l_crc32 {
                    failures.append("\(name): pixels differ (mode \(expected.mode ?? "?"), rgb crc \(rgb) vs \(expected.rgb_crc32 ?? 0), L crc \(l) vs \(expected.l_crc32 ?? 0))")
                }
                checked += 1
            } catch {
                if pillowRefuses || otherFormat {
                    refused += 1
                } else {
                    failures.append("\(name): \(error), but Pillow decodes it")
                }
            }
        }
        XCTAssert(failures.isEmpty, failures.joined(separator: "\n"))
        XCTAssertGreaterThan(checked, 50, "too few fixtures decoded; is Tests/Fixtures complete?")
        XCTAssertGreaterThan(refused, 5)
    }

    // MARK: errors a user can act on

    func decodeError(_ name: String, limits: DecodeLimits = DecodeLimits()) -> DecodeError? {
        do {
            _ = try ImageDecoder(limits: limits).decode(path: Self.path(name))
            return nil
        } catch {
            return error
        }
    }

    func testNotAnImageMessages() {
        XCTAssertEqual(decodeError("hostile/empty.jpg")?.description, "not an image (empty file)")
        guard case .notAnImage(let start)? = decodeError("hostile/html_page.jpg") else {
            return XCTFail("html page should be .notAnImage")
        }
        XCTAssert(start.hasPrefix("<!DOCTYPE") || start.hasPrefix("<html"), start)
        // GIF, BMP and TIFF decode now (their hashes are checked by the golden fixture tests);
        // formats crosshash does not read are still named.
        XCTAssertNil(decodeError("hostile/gif_named.jpg"))
        XCTAssertThrowsError(try ImageDecoder().decode(data: Array("8BPS".utf8) + [0, 1, 0, 0, 0, 0])) { error in
            XCTAssertEqual(error as? DecodeError, .unsupportedFormat("Photoshop PSD"))
        }
        XCTAssertThrowsError(try ImageDecoder().decode(data: [0x00, 0x7F, 0x0A, 0x41]))
    }

    func testBinaryPrefixIsEscaped() {
        XCTAssertThrowsError(try ImageDecoder().decode(data: [0x4D, 0x5A, 0x90, 0x00, 0x0A, 0x60])) { error in
            XCTAssertEqual((error as? DecodeError)?.description, "not an image (starts with `MZ\\x90\\x00\\n\\x60`)")
        }
    }

    func testPixelLimitIsCheckedBeforeDecoding() {
        let limit = DecodeLimits.pillowMaxPixels
        XCTAssertEqual(decodeError("hostile/bomb_60000x60000.png"),
                       .tooManyPixels(format: "PNG", width: 60000, height: 60000, limit: limit))
        XCTAssertEqual(decodeError("hostile/bomb_60000x60000.png")?.description,
                       "PNG declares 60000x60000 pixels, over the limit of \(limit) (--max-pixels)")
        XCTAssertEqual(decodeError("hostile/bomb_65000x65000.jpg"),
                       .tooManyPixels(format: "JPEG", width: 65000, height: 65000, limit: limit))
        XCTAssertEqual(decodeError("jpeg/baseline_420.jpg", limits: DecodeLimits(maxPixels: 100)),
                       .tooManyPixels(format: "JPEG", width: 0, height: 0, limit: 100).withSize(of: Self.path("jpeg/baseline_420.jpg")))
    }

    /// GIF, BMP, TIFF and WebP headers declaring billions of pixels over a few bytes of data: refused
    /// from the header, before anything is allocated (a full-size buffer would take gigabytes).
    func testPixelLimitIsCheckedFromTheHeaderOfEveryNewFormat() {
        let limit = DecodeLimits.pillowMaxPixels
        for (file, format, side) in [("bomb_60000x60000.bmp", "BMP", 60000), ("bomb_60000x60000.gif", "GIF", 60000),
                                     ("bomb_60000x60000.tif", "TIFF", 60000), ("bomb_16384x16384.webp", "WebP", 16384)] {
            XCTAssertEqual(decodeError("formats/bombs/" + file),
                           .tooManyPixels(format: format, width: side, height: side, limit: limit), file)
        }
        // and a real file of each format under a small limit
        for file in ["formats/bmp/grad_pil_RGB.bmp", "formats/gif/grad_pil_P.gif", "formats/tiff/grad_pil_RGB_raw.tif",
                     "formats/webp/grad_pil_lossy.webp"] {
            guard case .tooManyPixels(_, 45, 29, 100)? = decodeError(file, limits: DecodeLimits(maxPixels: 100)) else {
                return XCTFail("\(file): \(String(describing: decodeError(file, limits: DecodeLimits(maxPixels: 100))))")
            }
        }
    }

    func testFileSizeLimitIsCheckedBeforeReading() throws {
        let size = try FileManager.default.attributesOfItem(atPath: Self.path("png/rgb8.png"))[.size] as? Int ?? -1
        XCTAssertEqual(decodeError("png/rgb8.png", limits: DecodeLimits(maxFileBytes: 100)),
                       .fileTooLarge(bytes: size, limit: 100))
    }

    func testTruncatedJPEGSaysHowFarItGot() {
        guard case .truncated(let format, let detail)? = decodeError("hostile/truncated_scan.jpg") else {
            return XCTFail("truncated scan must be .truncated, got \(String(describing: decodeError("hostile/truncated_scan.jpg")))")
        }
        XCTAssertEqual(format, "JPEG")
        XCTAssert(detail.contains("%"), detail)
        guard case .truncated(_, let eoi)? = decodeError("hostile/missing_eoi.jpg") else {
            return XCTFail("missing EOI must be .truncated like Pillow's OSError")
        }
        XCTAssert(eoi.contains("end-of-image"), eoi)
        guard case .truncated? = decodeError("hostile/truncated_header.jpg") else {
            return XCTFail("truncated header must be .truncated")
        }
    }

    func testUnsupportedJPEGVariantsSaySo() throws {
        XCTAssertEqual(decodeError("hostile/precision12_header.jpg")?.description,
                       "unsupported JPEG: 12-bit JPEG (only 8-bit samples are supported, as in Pillow)")
        // A lossless (SOF3) frame header: libjpeg-turbo 2.1 refuses it by SOF type.
        var data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.path("jpeg/grayscale.jpg"))))
        guard let sof = (0..<data.count - 1).first(where: { data[$0] == 0xFF && data[$0 + 1] == 0xC0 }) else {
            return XCTFail("no SOF0")
        }
        data[sof + 1] = 0xC3
        XCTAssertThrowsError(try ImageDecoder().decode(data: data)) { error in
            XCTAssertEqual(error as? DecodeError, .unsupportedVariant(format: "JPEG", detail: "lossless JPEG (SOF marker 0xC3)"))
        }
    }

    func testJPEGCutAtEveryPointFailsLikePillow() throws {
        // Pillow raises for every cut of a JPEG (even one missing only the EOI marker).
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.path("jpeg/progressive.jpg"))))
        XCTAssertNoThrow(try ImageDecoder().decode(data: data))
        for cut in stride(from: 3, to: data.count - 1, by: max(1, data.count / 97)) + [data.count - 2, data.count - 1] {
            XCTAssertThrowsError(try ImageDecoder().decode(data: Array(data[..<cut])), "cut at \(cut)")
        }
    }

    func testJPEGAfterTheLastRowFollowsPillow() throws {
        // Checked with Pillow 13: once every row is out, Pillow lets jpeg_finish_decompress stop
        // at the end of the 64 KiB it has fed, but a libjpeg error inside that data still fails.
        let clean = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.path("jpeg/baseline_420.jpg"))))
        XCTAssertEqual(Array(clean.suffix(2)), [0xFF, 0xD9])
        let scan = Array(clean.dropLast(2))
        let reference = try ImageDecoder().decode(data: clean)
        // A comment marker claiming 65533 bytes where the file ends: Pillow returns the image.
        let longComment = scan + [0xFF, 0xFE, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 10)
        XCTAssertEqual(try ImageDecoder().decode(data: longComment).pixels, reference.pixels)
        // An invalid marker right after the scan: "broken data stream" in Pillow.
        XCTAssertThrowsError(try ImageDecoder().decode(data: scan + [0xFF, 0x67, 0xFF, 0xD9])) { error in
            guard case .corrupt(_, let detail)? = error as? DecodeError else { return XCTFail("\(error)") }
            XCTAssert(detail.contains("0x67"), detail)
        }
    }

    func testCorruptJPEGDataGivesPixelsAndWarnings() throws {
        // Junk before a header marker: libjpeg warns, Pillow 13 decodes the same pixels as the
        // clean file (checked with Pillow when this test was written).
        let clean = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.path("jpeg/baseline_420.jpg"))))
        guard let dht = (0..<clean.count - 1).first(where: { clean[$0] == 0xFF && clean[$0 + 1] == 0xC4 }) else {
            return XCTFail("no DHT marker")
        }
        let junk = Array(clean[..<dht]) + [1, 2, 3] + Array(clean[dht...])
        let image = try ImageDecoder().decode(data: junk)
        XCTAssertEqual(image.warnings, ["Corrupt JPEG data: 3 extraneous bytes before marker 0xc4"])
        let reference = try ImageDecoder().decode(data: clean)
        XCTAssertEqual(image.pixels, reference.pixels)
        XCTAssertEqual(reference.warnings, [])
    }

    func testPNGDamageFollowsPillow() throws {
        guard case .corrupt(_, let detail)? = decodeError("hostile/bad_crc_text.png") else {
            return XCTFail("bad CRC before IDAT must be an error")
        }
        XCTAssert(detail.contains("CRC"), detail)
        guard case .truncated? = decodeError("hostile/truncated_idat.png") else {
            return XCTFail("truncated IDAT must be .truncated")
        }
        // Pillow never checks IDAT CRCs nor anything after the last row.
        XCTAssertNoThrow(try ImageDecoder().decode(path: Self.path("hostile/bad_crc_idat.png")))
        XCTAssertNoThrow(try ImageDecoder().decode(path: Self.path("hostile/bad_crc_after_idat.png")))
        let short = try ImageDecoder().decode(path: Self.path("hostile/short_idat_stream.png"))
        XCTAssertFalse(short.warnings.isEmpty)
    }

    func testPNGCutsFollowPillow() throws {
        // Outcomes checked with Pillow 13 on this very file (png/rgb8.png, one IDAT, then IEND).
        let full = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.path("png/rgb8.png"))))
        let reference = try ImageDecoder().decode(data: full)
        // IEND, the IDAT CRC and 3 Adler-32 bytes missing: every row is there, Pillow decodes it.
        let noTail = try ImageDecoder().decode(data: Array(full.dropLast(12 + 4 + 3)))
        XCTAssertEqual(noTail.pixels, reference.pixels)
        // Cut in the middle of the image data: "image file is truncated".
        XCTAssertThrowsError(try ImageDecoder().decode(data: Array(full[..<(full.count / 2)]))) { error in
            guard case .truncated? = error as? DecodeError else { return XCTFail("\(error)") }
        }
        // A chunk after the image data that runs past the end: Pillow's "Truncated File Read".
        let badText = Array(full.dropLast(12)) + [0, 0, 0, 100] + Array("tEXtabc".utf8)
        XCTAssertThrowsError(try ImageDecoder().decode(data: badText)) { error in
            guard case .truncated(_, let detail)? = error as? DecodeError else { return XCTFail("\(error)") }
            XCTAssert(detail.contains("tEXt"), detail)
        }
    }

    func testLayouts() throws {
        let cases: [(String, DecodedImage.Layout)] = [
            ("png/gray1.png", .gray), ("png/gray16.png", .gray), ("png/la16.png", .gray), ("png/la8.png", .gray),
            ("png/pal4.png", .rgb), ("png/rgba16.png", .rgb), ("jpeg/grayscale.jpg", .gray), ("jpeg/cmyk_adobe.jpg", .rgb),
        ]
        for (name, layout) in cases {
            XCTAssertEqual(try ImageDecoder().decode(path: Self.path(name)).layout, layout, name)
        }
    }

    func testProbeReadsHeaderOnly() throws {
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.path("hostile/bomb_60000x60000.png"))))
        let header = try ImageDecoder.probe(data: data)
        XCTAssertEqual(header.format, .png)
        XCTAssertEqual(header.width, 60000)
        XCTAssertEqual(header.height, 60000)
        let jpeg = try ImageDecoder.probe(data: [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.path("jpeg/progressive.jpg")))))
        XCTAssertEqual(jpeg.format, .jpeg)
        XCTAssertTrue(jpeg.progressive)
    }

    /// The decoding memory a header announces (issue 16): the decoded image's bytes, plus what
    /// the library keeps for the whole picture (lossless WebP's ARGB image, a progressive JPEG's
    /// coefficients, an index a pixel for palette GIF and run-length BMP, lossy WebP's alpha).
    func testHeaderAnnouncesDecodingBytesPerPixel() throws {
        func header(_ name: String) throws -> ImageHeader {
            try ImageDecoder.probe(data: [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.path(name)))))
        }
        let cases: [(String, Int)] = [
            ("png/rgb8.png", 3), ("png/gray16.png", 1), ("jpeg/baseline_420.jpg", 3),
            ("formats/webp/grad_cwebp_q50.webp", 3), ("formats/webp/grad_cwebp_lossless.webp", 7),
            ("formats/webp/grad_pil_alpha_lossy.webp", 5), ("formats/gif/grad_pil_P.gif", 4),
            ("formats/bmp/grad_pil_RGB.bmp", 3), ("formats/bmp/grad_hand_rle8.bmp", 4),
            ("formats/tiff/grad_pil_RGB_raw.tif", 3),
        ]
        for (name, bytes) in cases {
            let h = try header(name)
            XCTAssertEqual(h.decodeBytesPerPixel, bytes, name)
            XCTAssertEqual(h.budgetPixels, max(h.width * h.height, (h.width * h.height * bytes + 3) / 4), name)
        }
        // progressive: 2 bytes a coefficient, one per sample (4:2:0 has 1.5 samples a pixel)
        XCTAssertGreaterThanOrEqual(try header("jpeg/progressive.jpg").workingBytesPerPixel, 3)
    }

    /// One image's decoding memory stays within 4 bytes x --max-pixels: a picture whose decoder
    /// keeps more than 4 bytes a pixel is refused when that passes the limit, although its pixel
    /// count is within it; at the limit it decodes to the same pixels.
    func testDecodingMemoryIsBoundedByTheLimit() throws {
        for name in ["formats/webp/grad_cwebp_lossless.webp", "jpeg/progressive.jpg"] {
            let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.path(name))))
            let h = try ImageDecoder.probe(data: data)
            XCTAssertGreaterThan(h.budgetPixels, h.width * h.height, name)
            XCTAssertThrowsError(try ImageDecoder(limits: DecodeLimits(maxPixels: h.budgetPixels - 1)).decode(data: data), name) { error in
                guard case .tooMuchDecodingMemory(_, h.width, h.height, h.decodeBytesPerPixel, h.budgetPixels - 1)? = error as? DecodeError else {
                    return XCTFail("\(name): \(error)")
                }
                XCTAssertTrue("\(error)".contains("raise --max-pixels"), "\(error)")
            }
            let atLimit = try ImageDecoder(limits: DecodeLimits(maxPixels: h.budgetPixels)).decode(data: data)
            XCTAssertEqual(atLimit.pixels, try ImageDecoder().decode(data: data).pixels, name)
        }
        // 3 bytes a pixel or fewer: the pixel count alone decides, as before
        let png = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.path("png/rgb8.png"))))
        let h = try ImageDecoder.probe(data: png)
        XCTAssertNoThrow(try ImageDecoder(limits: DecodeLimits(maxPixels: h.width * h.height)).decode(data: png))
    }

    func testPathsThatAreNotUTF8AndUnreadablePaths() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("decode-tests-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.path("png/rgb8.png"))))
        var name = Array(dir.path.utf8) + Array("/caf".utf8) + [0xE9, 0xFF] + Array(".png".utf8)
        let fd = (name + [0]).withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { c -> Int32 in
                guard let base = c.baseAddress else { return -1 }
                return open(base, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            }
        }
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(source.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, source.count)
        close(fd)
        let viaBytes = try ImageDecoder().decode(pathBytes: name)
        XCTAssertEqual(viaBytes.pixels, try ImageDecoder().decode(data: source).pixels)

        name.append(0x41)
        XCTAssertThrowsError(try ImageDecoder().decode(pathBytes: name)) { error in
            guard case .unreadable? = error as? DecodeError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try ImageDecoder().decode(path: dir.path)) { error in
            XCTAssertEqual((error as? DecodeError)?.description, "cannot read file: it is a directory")
        }
    }

    func testDescriptorsAreClosed() throws {
        let before = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        for _ in 0..<50 {
            _ = try? ImageDecoder().decode(path: Self.path("png/rgb8.png"))
            _ = try? ImageDecoder().decode(path: Self.path("hostile/truncated_scan.jpg"))
            _ = try? ImageDecoder(limits: DecodeLimits(maxFileBytes: 10)).decode(path: Self.path("png/rgb8.png"))
        }
        let after = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        XCTAssertLessThanOrEqual(after, before + 1)
    }

    // MARK: PNG image data that stops early (outcomes from Pillow 13: fuzz/png_short_streams.py)

    /// A PNG chunk: length, type, data, CRC.
    static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(Checksum.crc32(body))
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    /// A zlib stream of stored deflate blocks, so that the test controls where every byte is.
    static func storedZlib(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var start = 0
        repeat {
            let n = min(65535, data.count - start)
            let last: UInt8 = start + n == data.count ? 1 : 0
            out += [last, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[start..<(start + n)]
            start += n
        } while start < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for v in data {
            a = (a + UInt32(v)) % 65521
            b = (b + a) % 65521
        }
        return out + bigEndian(b << 16 | a)
    }

    /// Filter-0 rows of 8-bit gray pixels (7x + 13y + 1) & 255, never 0 where the row is full.
    static func grayRows(width: Int, height: Int) -> [[UInt8]] {
        (0..<height).map { (y: Int) -> [UInt8] in
            let pixels: [UInt8] = (0..<width).map { (x: Int) -> UInt8 in UInt8((7 * x + 13 * y + 1) & 255) }
            return [0] + pixels
        }
    }

    static func grayPNG(width: Int, height: Int, interlaced: Bool = false, idats: [[UInt8]], end: Bool = true) -> [UInt8] {
        var header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, 0, 0, 0, interlaced ? 1 : 0]
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + pngChunk("IHDR", header)
        for idat in idats { png += pngChunk("IDAT", idat) }
        return end ? png + pngChunk("IEND", []) : png
    }

    func testPNGShortStreamsFollowPillow() throws {
        let rows = Self.grayRows(width: 4, height: 4)
        let two = Self.storedZlib(rows[0] + rows[1])
        let twoRowsThenBlank = Array(rows[0].dropFirst() + rows[1].dropFirst()) + [UInt8](repeating: 0, count: 8)

        // The inflate call that completes row 2 also reaches the end of the stream: rows 3 and 4 blank.
        let ended = try ImageDecoder().decode(data: Self.grayPNG(width: 4, height: 4, idats: [two]))
        XCTAssertEqual(ended.pixels, twoRowsThenBlank)
        XCTAssertFalse(ended.warnings.isEmpty)
        // Nothing after the stream is read: an IDAT of garbage, or no IEND (not even a CRC).
        let garbage = Self.grayPNG(width: 4, height: 4, idats: [two, Array("garbage".utf8)])
        XCTAssertEqual(try ImageDecoder().decode(data: garbage).pixels, twoRowsThenBlank)
        let noEnd = Self.grayPNG(width: 4, height: 4, idats: [two], end: false)
        XCTAssertEqual(try ImageDecoder().decode(data: noEnd).pixels, twoRowsThenBlank)
        XCTAssertEqual(try ImageDecoder().decode(data: Array(noEnd.dropLast(4))).pixels, twoRowsThenBlank)

        // The same rows with the Adler-32 in the next IDAT chunk: a later call ends the stream,
        // and Pillow says "image file is truncated".
        let adlerNext = Self.grayPNG(width: 4, height: 4, idats: [Array(two.dropLast(4)), Array(two.suffix(4))])
        XCTAssertThrowsError(try ImageDecoder().decode(data: adlerNext)) { error in
            guard case .truncated? = error as? DecodeError else { return XCTFail("\(error)") }
        }
        // A stream that ends inside row 3: truncated too.
        let inside = Self.grayPNG(width: 4, height: 4, idats: [Self.storedZlib(rows[0] + rows[1] + rows[2].prefix(3))])
        XCTAssertThrowsError(try ImageDecoder().decode(data: inside)) { error in
            guard case .truncated(_, let detail)? = error as? DecodeError else { return XCTFail("\(error)") }
            XCTAssert(detail.contains("row 3"), detail)
        }
        // A bad Adler-32 read by the call that completes row 2: "broken data stream".
        var badAdler = two
        badAdler[badAdler.count - 1] ^= 1
        XCTAssertThrowsError(try ImageDecoder().decode(data: Self.grayPNG(width: 4, height: 4, idats: [badAdler]))) { error in
            guard case .corrupt? = error as? DecodeError else { return XCTFail("\(error)") }
        }
    }

    func testInterlacedPNGShortStreamsFollowPillow() throws {
        // Adam7 on 4x4: the first pass rows are pass 1 (1 px), pass 4 (1 px), pass 5 (2 px).
        let passRows = Self.grayRows(width: 1, height: 1) + Self.grayRows(width: 1, height: 1) + Self.grayRows(width: 2, height: 1)
        let data = Array(passRows.joined())
        let three = try ImageDecoder().decode(data: Self.grayPNG(width: 4, height: 4, interlaced: true, idats: [Self.storedZlib(data)]))
        XCTAssertEqual(three.pixels, [1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0])
        let inside = Self.grayPNG(width: 4, height: 4, interlaced: true, idats: [Self.storedZlib(Array(data.dropLast()))])
        XCTAssertThrowsError(try ImageDecoder().decode(data: inside)) { error in
            guard case .truncated? = error as? DecodeError else { return XCTFail("\(error)") }
        }
    }

    func testPNGStreamEndFollowsPillowsBlocks() throws {
        // Pillow hands zlib at most 64 KiB of a chunk per call: an Adler-32 just past such a block
        // arrives in a later call (truncated); one inside it ends the stream with row 66.
        let rows = Self.grayRows(width: 1000, height: 70)
        let stream = Self.storedZlib(Array(rows[..<66].joined()))
        let adler = stream.count - 4
        let split = { (at: Int) in Self.grayPNG(width: 1000, height: 70, idats: [Array(stream[..<at]), Array(stream[at...])]) }
        XCTAssertThrowsError(try ImageDecoder().decode(data: split(adler - 65536))) { error in
            guard case .truncated? = error as? DecodeError else { return XCTFail("\(error)") }
        }
        let image = try ImageDecoder().decode(data: split(adler - 65532))
        XCTAssertEqual(Array(image.pixels[(65 * 1000)..<(66 * 1000)]), Array(rows[65].dropFirst()))
        XCTAssertEqual(image.pixels[(66 * 1000)...].max(), 0)
    }
}

private extension DecodeError {
    /// The same .tooManyPixels with the size a fixture really has (read through probe).
    func withSize(of path: String) -> DecodeError {
        guard case .tooManyPixels(let f, _, _, let limit) = self,
              let data = FileManager.default.contents(atPath: path),
              let header = try? ImageDecoder.probe(data: [UInt8](data)) else { return self }
        return .tooManyPixels(format: f, width: header.width, height: header.height, limit: limit)
    }
}
