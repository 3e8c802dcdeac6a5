import Foundation
import HashKit
import HashStore
import Analysis

/// Why a service call failed, in terms the HTTP layer turns into a status and a problem
/// document; `detail` says what went wrong and what to do.
public struct ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case badRequest, unauthorized, forbidden, notFound, conflict, tooLarge, unsupportedMediaType, unprocessable, busy
    }
    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { detail }
}

/// The service's limits and folders.
public struct ServiceSettings: Sendable {
    public var limits: DecodeLimits
    /// Folders under which dataset roots may lie, resolved (realpath) at start.
    public var roots: [String]
    public var maxImagesPerRequest: Int
    /// Most matches one query request may ask for: queries x limit (`--max-query-matches`).
    public var maxQueryMatches: Int
    public var queueImages: Int
    public var workers: Int
    /// Pixels (from the images' headers) queued or being decoded and hashed, all requests
    /// together: decoded pixels are what memory goes to, about 4 bytes each at most. A request
    /// that does not fit while others run gets 503; one whose own images hold more gets 413.
    public var maxInflightPixels: Int
    /// Pairs listed per family in a cross-duplicates answer (the CLI's `--max-pairs` rule: past
    /// it the lists are cut and the answer says `truncated`).
    public var maxPairs: Int

    public static let defaultMaxInflightPixels = 256_000_000
    public static let defaultMaxPairs = 1_000_000

    public init(limits: DecodeLimits = DecodeLimits(), roots: [String] = [], maxImagesPerRequest: Int = 1000,
                queueImages: Int = 256, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                maxQueryMatches: Int = 1_000_000,
                maxInflightPixels: Int = ServiceSettings.defaultMaxInflightPixels,
                maxPairs: Int = ServiceSettings.defaultMaxPairs) {
        self.limits = limits
        self.maxQueryMatches = maxQueryMatches
        self.roots = roots
        self.maxImagesPerRequest = maxImagesPerRequest
        self.queueImages = queueImages
        self.workers = workers
        // A single image within --max-pixels must always be admissible.
        self.maxInflightPixels = max(maxInflightPixels, limits.maxPixels > 0 ? limits.maxPixels : maxInflightPixels)
        self.maxPairs = maxPairs
    }
}

/// The hashing service without HTTP: one warm engine, the store, the in-memory match index and
/// the scan jobs. Routes are thin translations of requests into these calls, so the same
/// calls give the same answers as the CLI (they share the index step, the store, the matcher
/// and the JSON writers).
public final class HashService: @unchecked Sendable {
    public let store: HashStore
    public let engines: ServiceEngines
    public let settings: ServiceSettings
    public let pool: HashingPool
    public let index = MatchIndex()
    public let jobs = ScanJobs()
    /// The version tag of hashes sent precomputed (`items`): not produced by this code, so never
    /// reused for a file's content.
    static let precomputedVersion = "precomputed"

    public init(store: HashStore, engines: ServiceEngines, settings: ServiceSettings,
                observe: @escaping @Sendable (Int, Double, Double) -> Void = { _, _, _ in }) throws {
        self.store = store
        self.engines = engines
        self.settings = settings
        self.pool = HashingPool(engines: engines, limits: settings.limits, workers: settings.workers,
                                capacity: settings.queueImages, maxInflightPixels: settings.maxInflightPixels,
                                observe: observe)
        for dataset in try store.datasets() { try reload(dataset) }
    }

    public var codeVersion: String { DatasetIndexer.codeVersion(for: settings.limits) }

    // MARK: Hashing

    public func hash(_ images: [[UInt8]], cancellation: CancellationFlag = .never) async throws(ServiceError)
        -> [Result<HashedImage, HashingFailure>] {
        guard images.count <= settings.maxImagesPerRequest else {
            throw ServiceError(.tooLarge, "\(images.count) images in one request, over the limit of \(settings.maxImagesPerRequest) (--max-images-per-request); send them in several requests")
        }
        do {
            return try await pool.hash(images, cancellation: cancellation)
        } catch {
            switch error {
            case .busy(let why):
                throw ServiceError(.busy, "\(why); retry in a moment")
            case .tooManyPixels(let pixels):
                throw ServiceError(.tooLarge, "the images of this request hold \(pixels) pixels, over the \(settings.maxInflightPixels) this server hashes at once (--max-inflight-pixels); send fewer or smaller images per request")
            }
        }
    }

    // MARK: Datasets

    public func summaries() throws -> [DatasetSummary] { try store.summaries() }

    public func summary(_ name: String) throws -> DatasetSummary {
        guard let s = try store.summaries().first(where: { DatasetName.same($0.dataset.name, name) }) else { throw Self.unknown(name) }
        return s
    }

    static func unknown(_ name: String) -> ServiceError {
        ServiceError(.notFound, "no dataset named '\(name)' (GET /v1/datasets lists them; PUT /v1/datasets/\(name) creates it)")
    }

    /// Creates the dataset, or updates its root when one is given. Returns whether it was created.
    public func putDataset(_ name: String, root: String?) throws -> (DatasetSummary, created: Bool) {
        try Self.validate(name: name)
        let existing = try store.dataset(named: name)
        var resolved = existing?.root
        if let root { resolved = try confine(root) }
        _ = try store.upsertDataset(name: name, root: resolved)
        if existing == nil { index.load(name: name, DatasetResult(spec: DatasetSpec(name: name, path: ""), keys: [], hashes: [], issues: [])) }
        return (try summary(name), existing == nil)
    }

    public func deleteDataset(_ name: String) throws {
        guard try store.deleteDataset(named: name) else { throw Self.unknown(name) }
        index.drop(name: name)
    }

    /// The dataset as the CLI's errors.json and hash files would show it.
    public func load(_ name: String) throws -> DatasetResult {
        guard let dataset = try store.dataset(named: name) else { throw Self.unknown(name) }
        return try StoredDatasets.load(store, dataset, spec: DatasetSpec(name: name, path: dataset.root ?? ""))
    }

    func reload(_ dataset: StoredDataset) throws {
        index.load(name: dataset.name, try StoredDatasets.load(store, dataset, spec: DatasetSpec(name: dataset.name, path: dataset.root ?? "")))
    }

    /// Dataset names become folder names in CLI outputs and appear in URLs: plain names only.
    static func validate(name: String) throws {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 200, bytes.first != UInt8(ascii: "."),
              !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "/") }) else {
            throw ServiceError(.badRequest, "'\(name)' is not a usable dataset name: 1 to 200 bytes, not starting with '.', without '/' or control characters")
        }
    }

    /// `root` resolved (symbolic links and `..` followed to the real folder), which must lie
    /// inside an allowed `--root`.
    func confine(_ root: String) throws -> String {
        guard root.hasPrefix("/") else { throw ServiceError(.badRequest, "root '\(root)' must be an absolute path") }
        guard let real = Self.realPath(root) else { throw ServiceError(.badRequest, "root '\(root)' does not exist") }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: real, isDirectory: &isDir), isDir.boolValue else {
            throw ServiceError(.badRequest, "root '\(root)' is not a folder")
        }
        guard settings.roots.contains(where: { real == $0 || real.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }) else {
            let allowed = settings.roots.isEmpty ? "none: start the server with --root DIR" : settings.roots.joined(separator: ", ")
            throw ServiceError(.forbidden, "root '\(root)' (resolved: \(real)) is outside the folders this server may read (--root: \(allowed))")
        }
        return real
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    // MARK: Adding images

    public enum Added: Sendable {
        case hashed(key: FileKey, ImageHashes, warnings: [String])
        case failed(key: FileKey, String)
    }

    /// Hashes uploads and writes them (hashes and failures) to the store in one transaction
    /// before returning; the index is updated at once.
    public func addImages(_ name: String, _ uploads: [(key: FileKey, bytes: [UInt8])]) async throws -> [Added] {
        guard let dataset = try store.dataset(named: name) else { throw Self.unknown(name) }
        let results = try await hash(uploads.map(\.bytes))
        var changes = [FileChange](), added = [Added]()
        for (upload, result) in zip(uploads, results) {
            switch result {
            case .success(let h):
                changes.append(FileChange(path: upload.key.bytes, stat: nil, digest: h.digest,
                                          outcome: .hashed(h.hashes, warnings: h.warnings), codeVersion: codeVersion))
                added.append(.hashed(key: upload.key, h.hashes, warnings: h.warnings))
            case .failure(let failure):
                let message: String
                if case .image(let m) = failure { message = m } else { message = "not hashed: the server was busy" }
                changes.append(FileChange(path: upload.key.bytes, stat: nil, digest: ContentDigest.of(upload.bytes),
                                          outcome: .failed(message), codeVersion: codeVersion))
                added.append(.failed(key: upload.key, message))
            }
        }
        try store.apply(changes, to: dataset.id)
        index.upsert(name: name, added.compactMap { if case .hashed(let k, let h, _) = $0 { return (k, h) } else { return nil } })
        // A key that failed now must not keep matching with its old hashes.
        index.remove(name: name, keys: added.compactMap { if case .failed(let k, _) = $0 { return k } else { return nil } })
        return added
    }

    /// Stores precomputed hashes (no image bytes). Their "content" is named by the hashes
    /// themselves, so equal hashes share one row and never pass for a file's content.
    public func addHashes(_ name: String, _ items: [(key: FileKey, hashes: ImageHashes)]) throws {
        guard let dataset = try store.dataset(named: name) else { throw Self.unknown(name) }
        let changes = items.map { item in
            let text = "crosshash-precomputed\0" + HashFamily.all.map { "\($0.id)=\($0.hex(of: item.hashes))" }.joined(separator: ";")
            return FileChange(path: item.key.bytes, stat: nil, digest: ContentDigest.of(Array(text.utf8)),
                              outcome: .hashed(item.hashes, warnings: []), codeVersion: Self.precomputedVersion)
        }
        try store.apply(changes, to: dataset.id)
        index.upsert(name: name, items.map { ($0.key, $0.hashes) })
    }

    // MARK: Scans

    /// Starts indexing the dataset's root folder in the background; returns the job id.
    public func scan(_ name: String) throws -> String {
        guard let dataset = try store.dataset(named: name) else { throw Self.unknown(name) }
        guard let root = dataset.root else {
            throw ServiceError(.conflict, "dataset '\(name)' has no root folder to scan: PUT /v1/datasets/\(name) with {\"root\": DIR}, or add images by upload")
        }
        return jobs.start(dataset: name) { [self] job in
            // The root is checked again: it may have been replaced by a link since it was set.
            let real = try confine(root)
            let pipeline = HashPipeline(decode: { _ in throw DecodeError.unreadable("not used") }, engine: engines.engine,
                                        fallback: engines.fallback, mode: engines.mode, workers: settings.workers)
            let indexer = DatasetIndexer(store: store, pipeline: pipeline, limits: settings.limits)
            let done = try indexer.index([DatasetSpec(name: name, path: real)], showProgress: false) { done, total in
                job.progress(done: done, total: total)
            }
            if let item = done.first { job.finish(counts: item.counts) }
            if let fresh = try store.dataset(named: name) { try reload(fresh) }
        }
    }

    // MARK: Matching

    public func query(_ queries: [MatchIndex.Query], datasets: [String]?, thresholds: [HashFamily.ID: Int],
                      limit: Int, shouldStop: @escaping @Sendable () -> Bool = { false }) throws -> [MatchIndex.Answer] {
        let known = try store.datasets().map(\.name)
        let names = datasets ?? known
        let knownNames = Set(known.map(DatasetName.init))
        for n in names where !knownNames.contains(DatasetName(n)) { throw Self.unknown(n) }
        return try index.query(queries, datasets: names, thresholds: thresholds, limit: limit, matcher: engines.matcher,
                               shouldStop: shouldStop)
    }

    /// Exactly what `crosshash analyze` writes as `<prefix>_cross_duplicates.json` for the same
    /// stored datasets in the same order.
    /// The pair lists are lazy (pairs beyond a million wait in a scratch file), so the answer is
    /// meant to be serialised in pieces; at most `settings.maxPairs` pairs per list.
    public func crossDuplicates(datasets names: [String]?, options: MatchOptions, family: HashFamily,
                                cancellation: CancellationFlag = .never) throws -> JSONValue {
        let stored = try store.datasets()
        let chosen = try (names ?? stored.map(\.name)).map { name -> StoredDataset in
            guard let d = stored.first(where: { DatasetName.same($0.name, name) }) else { throw Self.unknown(name) }
            return d
        }
        let results = try chosen.map { try StoredDatasets.load(store, $0, spec: DatasetSpec(name: $0.name, path: $0.root ?? "")) }
        var cross = CrossDatasetMatch(matcher: engines.matcher, within: options.within, maxPairs: settings.maxPairs)
        cross.shouldStop = { cancellation.isCancelled }
        let matches = try cross.run(results, family: family, other: options.otherFamily(family), threshold: options.threshold(family))
        return AnalysisJSON.crossDuplicates(matches, results)
    }
}
