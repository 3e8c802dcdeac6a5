import Analysis
import Foundation
import HashKit
import JSONFiles
import Verification

/// The thumbnail file names of the reported images: the key's base name with `.jpg`, prefixed
/// with the dataset name (`ArtDL_Q20173413.jpg`) when the same base name occurs in several
/// datasets. Characters that are unsafe in file names or links become `_`; a name still taken
/// (same base name twice in one dataset, or names equal up to case, which collide on macOS
/// and Windows) gets `_2`, `_3`, ... in image order, so the naming is deterministic.
enum ThumbnailNames {
    static func assign(_ refs: [ImageRef], datasetNames: [String]) -> [ImageRef: String] {
        let sorted = Array(Set(refs)).sorted()
        let stems = sorted.map { safe(FileKeyDisplay.withoutExtension(FileKeyDisplay.baseName($0.key.display))) }
        var datasetsByStem = [String: Set<Int>]()
        for (ref, stem) in zip(sorted, stems) { datasetsByStem[stem.lowercased(), default: []].insert(ref.dataset) }
        var taken = Set<String>()
        var names = [ImageRef: String]()
        for (ref, stem) in zip(sorted, stems) {
            let shared = (datasetsByStem[stem.lowercased()]?.count ?? 0) > 1
            let dataset = ref.dataset < datasetNames.count ? datasetNames[ref.dataset] : "dataset\(ref.dataset)"
            let base = shared ? safe(dataset) + "_" + stem : stem
            var candidate = base
            var n = 2
            while taken.contains(candidate.lowercased()) {
                candidate = "\(base)_\(n)"
                n += 1
            }
            taken.insert(candidate.lowercased())
            names[ref] = candidate + ".jpg"
        }
        return names
    }

    /// Letters, digits, `-`, `_` and `.` stay; anything else becomes `_`. Not starting with a
    /// dot (hidden file), at most 120 characters (file systems allow 255 bytes).
    static func safe(_ s: String) -> String {
        var out = String(String.UnicodeScalarView(s.unicodeScalars.map { ch in
            ch.properties.isAlphabetic || ch.properties.numericType != nil || ch == "-" || ch == "_" || ch == "." ? ch : "_"
        }))
        if out.hasPrefix(".") { out = "_" + out.dropFirst() }
        if out.count > 120 { out = String(out.prefix(120)) }
        return out.isEmpty ? "image" : out
    }
}

/// Writes the JPEG thumbnails of the reported images into OUT/examples. An image that cannot be
/// read or decoded gets a grey "no preview" picture under its name, so the reports' links
/// always resolve and one bad file never stops the report.
struct ThumbnailWriter {
    static let longestSide = Thumbnail.longestSide
    static let quality = Thumbnail.quality
    var decoder = ImageDecoder()
    /// Thumbnails of earlier runs by content digest: a picture already shrunk is not decoded again.
    var cache: ArtifactCache?
    /// Thumbnails already shrunk from the previews verification decoded.
    var pixels: ThumbnailPixels?

    /// Returns how many thumbnails fell back to the placeholder.
    @discardableResult
    func write(_ names: [ImageRef: String], datasets: [DatasetResult], to folder: String) throws -> Int {
        try AtomicFile.makeFolder(folder)
        // Files are read beneath their dataset's root with no link followed, as the scan reads them.
        let roots = DatasetRoots(datasets)
        let jobs = Self.largestFirst(names.sorted { $0.key < $1.key }, datasets: datasets, roots: roots)
        let placeholder = Self.placeholder()
        let lock = NSLock()
        var failures = 0
        var writeError: Error?
        var made = [(key: String, bytes: [UInt8])]()
        DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
            let (ref, name) = jobs[i]
            let bytes: [UInt8]
            let digest = ref.dataset < datasets.count ? datasets[ref.dataset].digest(of: ref.key) : nil
            let key = digest.map(ArtifactKey.thumbnail)
            if let key, let cached = cache?.artifact(key) {
                bytes = cached
            } else if ref.dataset < datasets.count,
                      let jpeg = try? pixels?.take(ref).map(Self.encode) ?? thumbnail(roots.source(dataset: ref.dataset, key: ref.key)) {
                bytes = jpeg
                if let key { lock.lock(); made.append((key, jpeg)); lock.unlock() }
            } else {
                bytes = placeholder
                lock.lock(); failures += 1; lock.unlock()
            }
            let path = folder + "/" + name
            // Atomic like every output, but without fsync: a thumbnail is a preview every run
            // rewrites, and 288 fsyncs were a tenth of the thumbnail time on the corpus.
            do {
                try AtomicFile.write(bytes, to: path, sync: false)
            } catch {
                lock.lock()
                writeError = ReportError.cannotWrite(path: path, reason: "\(error)")
                lock.unlock()
            }
        }
        if !made.isEmpty { cache?.storeArtifacts(made.sorted { $0.key < $1.key }) }
        if let writeError { throw writeError }
        return failures
    }

    /// concurrentPerform hands out iterations in index order, so starting the biggest files
    /// first keeps one large image from running alone on one core at the end. File size is the
    /// cost estimate: it needs only a `stat`, and decode time grows with it. Ties (and files that
    /// cannot be read, which fail fast) keep name order, so the order is deterministic.
    static func largestFirst(_ jobs: [(key: ImageRef, value: String)], datasets: [DatasetResult], roots: DatasetRoots? = nil)
        -> [(key: ImageRef, value: String)] {
        let roots = roots ?? DatasetRoots(datasets)
        let sizes = jobs.map { job -> Int in
            guard job.key.dataset < datasets.count else { return 0 }
            return FileSize.bytes(roots.source(dataset: job.key.dataset, key: job.key.key))
        }
        let order = jobs.indices.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
        return order.map { jobs[$0] }
    }

    func thumbnail(_ source: FileSource) throws -> [UInt8] {
        try Self.encode(ThumbnailPixels.Small(try decoder.decodePreview(source, minSide: Self.longestSide)))
    }

    static func encode(_ small: ThumbnailPixels.Small) throws -> [UInt8] {
        try small.jpeg()
    }

    /// A grey picture saying the preview is missing (the reason is in the logs / errors.json).
    static func placeholder() -> [UInt8] {
        let w = 256, h = 192
        let rgb = Figure.renderRGB(width: w, height: h) { canvas in
            canvas.fillRect(x: 0, y: 0, w: Double(w), h: Double(h), color: Color(hex: 0xe6e6e6))
            canvas.strokeRect(x: 0.5, y: 0.5, w: Double(w) - 1, h: Double(h) - 1, color: Color(hex: 0xaaaaaa))
            canvas.text("no preview", x: Double(w) / 2, y: Double(h) / 2 + 6, size: 20, bold: true, align: .center, color: .muted)
        } ?? [UInt8](repeating: 0xe6, count: w * h * 3)
        return (try? JPEGEncoder.encode(pixels: rgb, width: w, height: h, channels: 3, quality: quality)) ?? []
    }
}

/// Thumbnail pictures shrunk from previews an earlier stage decoded anyway: verification
/// decodes every candidate picture with the same decoder, limits and preview size as the
/// thumbnails (`Verifier.previewSide` == `ThumbnailWriter.longestSide`), so the report encodes
/// these instead of decoding the pictures a second time. Bounded in bytes; a picture past the
/// bound is simply decoded again by the report.
public final class ThumbnailPixels: @unchecked Sendable {
    typealias Small = Thumbnail.Pixels

    private let lock = NSLock()
    private var kept = [ImageRef: Small]()
    private var bytesLeft: Int

    /// 128 MiB holds ~680 thumbnails of 256 x 256 RGB.
    public init(maxBytes: Int = 128 << 20) { bytesLeft = maxBytes }

    /// Shrinks and keeps the thumbnail of `ref` from its decoded preview (from any thread).
    public func keep(_ ref: ImageRef, _ image: DecodedImage) {
        guard Verifier.previewSide == ThumbnailWriter.longestSide else { return }
        let small = Small(image)
        lock.lock(); defer { lock.unlock() }
        guard kept[ref] == nil, small.pixels.count <= bytesLeft else { return }
        bytesLeft -= small.pixels.count
        kept[ref] = small
    }

    /// The kept thumbnail of `ref`, handed over once (its memory goes with it).
    func take(_ ref: ImageRef) -> Small? {
        lock.lock(); defer { lock.unlock() }
        guard let small = kept.removeValue(forKey: ref) else { return nil }
        bytesLeft += small.pixels.count
        return small
    }
}
