import Analysis
import HashKit
import Foundation
import JSONFiles

/// Writes the human outputs of `crosshash analyze` into the output folder: the Venn (or UpSet)
/// diagrams and distance histograms as PNG and SVG, the thumbnails in examples/, REPORT.md and
/// report.html. The JSON files are the Analysis module's.
public struct ReportWriter: Sendable {
    /// Pairs listed per hash in the reports; the closest ones are kept, the JSON has them all.
    public var maxReportPairs: Int
    /// The thumbnail decoder honours the same pixel and file-size limits as hashing.
    public var limits: DecodeLimits
    /// Thumbnails and charts of earlier runs; nil draws everything.
    public var cache: ArtifactCache?
    /// Thumbnails shrunk from the pictures verification decoded (decoded under the same limits).
    public var pixels: ThumbnailPixels?

    /// `--max-report-pairs` unless the user says otherwise.
    public static let defaultMaxReportPairs = 500

    public init(maxReportPairs: Int = ReportWriter.defaultMaxReportPairs, limits: DecodeLimits = DecodeLimits(), cache: ArtifactCache? = nil,
                pixels: ThumbnailPixels? = nil) {
        self.maxReportPairs = maxReportPairs
        self.limits = limits
        self.cache = cache
        self.pixels = pixels
    }

    public struct Written: Sendable, Equatable {
        public var thumbnails: Int
        /// Thumbnails that show "no preview" because the image could not be read or decoded.
        public var placeholders: Int
    }

    @discardableResult
    public func write(_ result: AnalysisResult, to outDir: String) throws -> Written {
        try AtomicFile.makeFolder(outDir)
        let data = ReportData(result, maxReportPairs: maxReportPairs)
        // Every chart, drawn on all cores: each is a cairo surface of its own.
        var charts: [(file: String, key: String, render: (String, String) throws -> Void)] = []
        for v in data.views {
            let vennTitle = data.names.count <= 3
                ? "\(v.name): overlap of the datasets (threshold \(v.result.threshold))"
                : "\(v.name): groups per combination of datasets (threshold \(v.result.threshold))"
            let vennChart = VennChart(title: vennTitle, names: data.names, overlap: v.overlap)
            charts.append(("\(v.prefix)_venn_diagram", vennChart.cacheKey, vennChart.render))
            let histChart = HistogramChart(title: "\(v.family.id): each image's nearest distance to another dataset", stats: v.nearest)
            charts.append(("\(v.prefix)_distance_histogram", histChart.cacheKey, histChart.render))
        }
        if let overlap = data.verifiedOverlap {
            let chart = VennChart(title: data.names.count <= 3 ? "Verified copies: overlap of the datasets" : "Verified copies: groups per combination of datasets",
                                  names: data.names, overlap: overlap)
            charts.append(("verified_venn_diagram", chart.cacheKey, chart.render))
        }
        let figures = CachedFigure(cache: cache)
        let thumbnails = ThumbnailWriter(decoder: ImageDecoder(limits: limits), cache: cache, pixels: pixels)
        // Charts and thumbnails side by side (each spreads over the cores itself): neither waits
        // for the other's last job or file flushes. A chart error is reported first.
        var drawn = [Result<String, Error>]()
        var thumbnailsWritten: Result<Int, Error> = .success(0)
        try SideBySide.run({
            drawn = ParallelMap.map(charts) { chart in
                Result { try figures.write(key: chart.key, png: "\(outDir)/\(chart.file).png", svg: "\(outDir)/\(chart.file).svg", draw: chart.render) }
            }
        }, {
            thumbnailsWritten = Result { try thumbnails.write(data.thumbnails, datasets: result.datasets, to: outDir + "/examples") }
        })
        var svgs = [String: String]()
        for (chart, svg) in zip(charts, drawn) { svgs[chart.file + ".svg"] = try svg.get() }
        let placeholders = try thumbnailsWritten.get()
        try AtomicFile.write(MarkdownReport.render(data), to: outDir + "/REPORT.md")
        try AtomicFile.write(HTMLReport.render(data, svgs: svgs), to: outDir + "/report.html")
        return Written(thumbnails: data.thumbnails.count, placeholders: placeholders)
    }
}
