import Analysis
import Foundation
import HashKit
import JSONFiles

/// Where finished report artifacts (thumbnails, charts) are kept between runs, keyed by what
/// they show, so a re-run does not decode the same pictures or draw the same charts again.
/// The hash store is one; the report works without any.
public protocol ArtifactCache: Sendable {
    func artifact(_ key: String) -> [UInt8]?
    func storeArtifact(_ key: String, _ bytes: [UInt8])
    /// Many at once (one transaction in the store: a first report stores hundreds of thumbnails).
    func storeArtifacts(_ items: [(key: String, bytes: [UInt8])])
}

extension ArtifactCache {
    public func storeArtifacts(_ items: [(key: String, bytes: [UInt8])]) {
        for item in items { storeArtifact(item.key, item.bytes) }
    }
}

/// Cache keys: a label, a version (bump it when the artifact's drawing or encoding changes)
/// and the SHA-256 of everything the artifact is drawn from, written out in a fixed order.
enum ArtifactKey {
    static func thumbnail(_ digest: ContentDigest) -> String {
        "thumbnail-v1-\(ThumbnailWriter.longestSide)-q\(ThumbnailWriter.quality)-\(digest.hex)"
    }

    static func chart(_ kind: String, _ inputs: [String]) -> String {
        // Unit separators between fields, so ["ab", "c"] and ["a", "bc"] differ.
        "\(kind)-v1-" + ContentDigest.of(Array(inputs.joined(separator: "\u{1F}").utf8)).hex
    }
}

extension VennChart {
    var cacheKey: String {
        let regions = overlap.exactly.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
        return ArtifactKey.chart("venn", [title, names.joined(separator: "\u{1E}"),
                                          overlap.sizes.map(String.init).joined(separator: ","), regions])
    }
}

extension HistogramChart {
    var cacheKey: String {
        ArtifactKey.chart("histogram", [title, String(stats.bits), String(stats.threshold),
                                        stats.counts.map(String.init).joined(separator: ",")])
    }
}

/// Draws a chart's PNG and SVG into the output folder, or writes them from the cache when the
/// same chart was drawn before. Returns the SVG text (the HTML report inlines it).
struct CachedFigure {
    var cache: ArtifactCache?

    func write(key: String, png: String, svg: String, draw: (String, String) throws -> Void) throws -> String {
        if let cache, let cachedPNG = cache.artifact(key + ".png"), let cachedSVG = cache.artifact(key + ".svg") {
            try AtomicFile.write(cachedPNG, to: png, sync: false)
            try AtomicFile.write(cachedSVG, to: svg, sync: false)
            return String(decoding: cachedSVG, as: UTF8.self)
        }
        try draw(png, svg)
        guard let pngBytes = FileManager.default.contents(atPath: png), let svgBytes = FileManager.default.contents(atPath: svg) else {
            throw ReportError.cannotRead(path: svg, reason: "the chart just drawn is not there")
        }
        cache?.storeArtifacts([(key + ".png", [UInt8](pngBytes)), (key + ".svg", [UInt8](svgBytes))])
        return String(decoding: svgBytes, as: UTF8.self)
    }
}
