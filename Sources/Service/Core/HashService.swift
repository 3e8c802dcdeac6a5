import Foundation
import HashKit
import HashStore
import Analysis
import Engines
import JSONFiles
import CPUFallback

/// Why a service call failed, in terms the HTTP layer turns into a status and a problem
/// document; `detail` says what went wrong and what to do.
public struct ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case badRequest, unauthorized, forbidden, notFound, conflict, tooLarge, unsupportedMediaType, unprocessable, busy
        /// The disk holding the store is full (HTTP 507): nothing of the request was stored.
        case insufficientStorage
        /// A fault of the server (HTTP 500): the detail carries only an incident id, logged with
        /// the real error, never the error itself (it may name the store's path).
        case `internal`
    }
    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { detail }

    /// The detail of every full-disk answer: says what happened and what to do, without a path.
    public static let diskFull = ServiceError(.insufficientStorage,
        "the server's disk is full: nothing of this request was stored (reads still work); retry once the server's operator has freed space")

    /// What a client may read of any error: a `ServiceError` as it is; a full disk as 507; a
    /// dataset deleted under a write as 404; anything else (store faults, which name the store's
    /// file, and bugs) as a generic 500 whose incident id is passed to `log` with the real error.
    public static func forClient(_ error: Error, log: (String) -> Void) -> ServiceError {
        if let error = error as? ServiceError { return error }
        if let error = error as? StoreError {
            switch error.kind {
            case .full: return diskFull
            case .datasetMissing: return ServiceError(.notFound, "the dataset was deleted meanwhile; nothing more was stored for it")
            default: break
            }
        }
        let incident = String(format: "%08x", UInt32.random(in: 0...UInt32.max))
        log("internal error \(incident): \(error)")
        return ServiceError(.internal, "internal error (incident \(incident)): the server logged the cause under this id; tell its operator")
    }

    /// The server's own log for faults found outside a request (scan jobs): stderr, like the
    /// HTTP layer's logger.
    static func logToStderr(_ line: String) {
        FileHandle.standardError.write(Data("crosshash: \(line)\n".utf8))
    }
}

/// The service's limits and folders.
public struct ServiceSettings: Sendable {
    public var limits: DecodeLimits
    /// Folders under which dataset roots may lie, resolved (realpath) at start.
    public var roots: [String]
    /// The same folders as the operator spelled them (`--root`), so a root given under a
    /// spelling that goes through a link (`/data` -> `/mnt/data`) passes the lexical check too;
    /// where it really lies is checked against `roots` after resolving.
    public var rootSpellings: [String]
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
    /// Bytes of JPEG the store's thumbnail cache keeps; past it the oldest thumbnails go.
    public var thumbnailCacheBytes = ServiceSettings.defaultThumbnailCacheBytes
    /// With a store that shares jobs: a job whose holder has not written it for this long is
    /// taken over by another replica, which resumes its scan.
    public var scanLeaseSeconds = ServiceSettings.defaultScanLeaseSeconds
    public static let defaultScanLeaseSeconds = 30.0

    public static let defaultMaxInflightPixels = 200_000_000
    public static let defaultMaxPairs = 1_000_000
    public static let defaultThumbnailCacheBytes = HashStore.defaultThumbnailCacheBytes
    public static let defaultMaxImagesPerRequest = 1000
    public static let defaultQueueImages = 256
    public static let defaultMaxQueryMatches = 1_000_000

    public init(limits: DecodeLimits = DecodeLimits(), roots: [String] = [], rootSpellings: [String] = [],
                maxImagesPerRequest: Int = ServiceSettings.defaultMaxImagesPerRequest,
                queueImages: Int = ServiceSettings.defaultQueueImages, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                maxQueryMatches: Int = ServiceSettings.defaultMaxQueryMatches,
                maxInflightPixels: Int = ServiceSettings.defaultMaxInflightPixels,
                maxPairs: Int = ServiceSettings.defaultMaxPairs) {
        self.limits = limits
        self.maxQueryMatches = maxQueryMatches
        self.roots = roots
        let cwd = FileManager.default.currentDirectoryPath
        self.rootSpellings = rootSpellings.compactMap { HashService.lexicallyNormalised($0.hasPrefix("/") ? $0 : cwd + "/" + $0) }
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
    public let store: any HashStoring
    public let engines: EngineSet
    public let settings: ServiceSettings
    public let pool: HashingPool
    public let index = MatchIndex()
    /// Thumbnail decodes at once (the hashing workers' number) and waiting (the hashing queue's).
    public let thumbnailGate: WorkGate
    /// One verifying cross-duplicates request at a time (verification uses every core itself),
    /// four more waiting.
    public let verifyGate = WorkGate(width: 1, maxWaiting: 4)
    /// Shared with the store's other services when the store keeps jobs (PostgreSQL).
    public let jobs: ScanJobs
    /// Held around every change of a dataset's existence, root or contents together with its
    /// match index (short, synchronous sections), so a delete, an upload, a PUT of a root and a
    /// scan's final reload never interleave: a deleted dataset never comes back in memory, and
    /// an upload never lands in a dataset that got a root meanwhile.
    private let writes = NSLock()
    /// The version tag of hashes sent precomputed (`items`): not produced by this code, so never
    /// reused for a file's content.
    static let precomputedVersion = "precomputed"

    public init(store: any HashStoring, engines: EngineSet, settings: ServiceSettings,
                observe: @escaping @Sendable (Int, Double, Double) -> Void = { _, _, _ in }) throws {
        self.store = store
        self.jobs = ScanJobs(describe: { error in
            // Scanner errors name the dataset's root (inside a --root, set by a client): shown as
            // they are; store faults are not (they name the store's file).
            if let error = error as? ScanError { return error.description }
            return ServiceError.forClient(error, log: ServiceError.logToStderr).detail
        }, shared: store as? any ScanJobStoring, leaseSeconds: settings.scanLeaseSeconds)
        self.engines = engines
        self.settings = settings
        self.thumbnailGate = WorkGate(width: settings.workers, maxWaiting: settings.queueImages)
        self.pool = HashingPool(engines: engines, limits: settings.limits, workers: settings.workers,
                                capacity: settings.queueImages, maxInflightPixels: settings.maxInflightPixels,
                                observe: observe)
        for dataset in try store.datasets() { try reload(dataset) }
        jobs.resume = { [weak self] job in self?.resumeScan(job) }
    }

    public var codeVersion: String { DatasetIndexer.codeVersion(for: settings.limits) }

    // MARK: Hashing

    /// What became of each image, in order.
    public func hash(_ images: [[UInt8]], cancellation: CancellationFlag = .never) async throws(ServiceError) -> [FileOutcome] {
        try await hashContents(images, cancellation: cancellation).map(\.outcome)
    }

    /// Each image's outcome and what a picture query computes beyond the hashing pool's
    /// default families (`wants`: PDQ and its quality, the dihedral variants), from the one
    /// decode the pool makes.
    public func hash(_ images: [[UInt8]], wanting wants: PictureWants,
                     cancellation: CancellationFlag = .never) async throws(ServiceError) -> [(outcome: FileOutcome, extras: PictureExtras)] {
        try await pooled(images) { () async throws(HashingPool.Refusal) in
            try await pool.hash(images, wanting: wants, cancellation: cancellation).map { ($0.hashed.outcome, $0.extras) }
        }
    }

    /// Each image's outcome with its content's digest (for the store).
    func hashContents(_ images: [[UInt8]], cancellation: CancellationFlag = .never) async throws(ServiceError)
        -> [HashingPool.Hashed] {
        try await pooled(images) { () async throws(HashingPool.Refusal) in try await pool.hash(images, cancellation: cancellation) }
    }

    /// Runs `work` on the pool for a request's `images`, with the pool's refusals as the
    /// service's errors.
    private func pooled<T>(_ images: [[UInt8]], _ work: () async throws(HashingPool.Refusal) -> T) async throws(ServiceError) -> T {
        guard images.count <= settings.maxImagesPerRequest else {
            throw ServiceError(.tooLarge, "\(images.count) images in one request, over the limit of \(settings.maxImagesPerRequest) (--max-images-per-request); send them in several requests")
        }
        do {
            return try await work()
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
    ///
    /// A dataset is either folder-backed (it has a root; its content is that folder, as the last
    /// scan saw it) or upload-backed (no root; its content is what was POSTed). The two never mix:
    /// a scan would drop uploads as vanished files, so giving a root to a dataset that holds
    /// uploads is refused (409), as are uploads to a rooted dataset (`rootedUpload`).
    public func putDataset(_ name: String, root: String?) throws -> (DatasetSummary, created: Bool) {
        try Self.validate(name: name)
        let confined = try root.map(confine)
        let created: Bool = try writes.withLock {
            let existing = try store.dataset(named: name)
            if let existing, existing.root == nil, confined != nil,
               let held = try store.summaries().first(where: { $0.dataset.id == existing.id }), held.files > 0 {
                throw ServiceError(.conflict, "dataset '\(name)' holds \(held.files) uploaded images and so cannot get a root folder (a scan would drop them): DELETE /v1/datasets/\(name) first, or PUT the root on a new dataset")
            }
            _ = try store.upsertDataset(name: name, root: confined ?? existing?.root)
            if existing == nil { index.load(name: name, []) }
            return existing == nil
        }
        return (try summary(name), created)
    }

    /// Deletes the dataset and cancels its scans (queued ones never start; a running one stops
    /// at its next file and writes nothing more).
    public func deleteDataset(_ name: String) throws {
        try writes.withLock {
            guard let dataset = try store.dataset(named: name) else { throw Self.unknown(name) }
            // Cancelled before the delete's transaction: a scan's write transaction that comes
            // after it asks `isCancelled` inside itself and writes nothing.
            jobs.cancel(datasetID: dataset.id, reason: "cancelled: dataset '\(name)' was deleted while this scan was queued or running; nothing more was stored")
            guard try store.deleteDataset(named: name) else { throw Self.unknown(name) }
            index.drop(name: name)
        }
    }

    /// Removes one image from a dataset: its file row and its place in the match index, together
    /// (under `writes`, like every other change). In a dataset with a root, the next scan adds the
    /// file again while it is still in the folder.
    public func deleteImage(_ name: String, key: FileKey) throws {
        try writes.withLock {
            guard let dataset = try store.dataset(named: name) else { throw Self.unknown(name) }
            guard try store.file(key.bytes, in: dataset.id) != nil else { throw Self.unknownImage(key, in: name) }
            try store.removeFiles([key.bytes], from: dataset.id)
            index.remove(name: name, keys: [key])
        }
    }

    static func unknownImage(_ key: FileKey, in name: String) -> ServiceError {
        ServiceError(.notFound, "dataset '\(name)' has no image '\(key.display)' (keys are as the scan or upload stored them, percent-encoded in the path)")
    }

    static func rootedUpload(_ name: String) -> ServiceError {
        ServiceError(.conflict, "dataset '\(name)' has a root folder: its images are that folder's files, read by POST /v1/datasets/\(name)/scan, and uploads would be dropped by the next scan. Copy the images into the folder and scan, or upload them to a dataset without a root")
    }

    /// The dataset as the CLI's errors.json and hash files would show it.
    ///
    /// Entries holding an optional family's hash alone (hash list entries, PDQ items sent without
    /// the default families) read back without the default hashes, as failures; they are
    /// matchable entries, not problems, so they are left out of the issues.
    public func load(_ name: String) throws -> DatasetResult {
        guard let dataset = try store.dataset(named: name) else { throw Self.unknown(name) }
        var result = try StoredDatasets.load(store, dataset, spec: DatasetSpec(name: name, path: dataset.root ?? ""))
        var entries = Set<FileKey>()
        for family in HashFamily.optional {
            for row in try store.familyHashes(in: dataset.id, family: family) { entries.insert(FileKey(bytes: row.path)) }
        }
        if !entries.isEmpty { result.issues.removeAll { !$0.warning && entries.contains($0.key) } }
        return result
    }

    /// Loads the dataset's matchable hashes into the index: its hashed pictures' default
    /// families, and every optional family's stored hashes (PDQ of pictures hashed with it,
    /// of precomputed items and of list entries, which have nothing else), those under the
    /// family's quality floor left out as `analyze` leaves them out.
    func reload(_ dataset: StoredDataset) throws { try Self.reload(store, dataset, into: index) }

    static func reload(_ store: any HashStoring, _ dataset: StoredDataset, into index: MatchIndex) throws {
        // Streamed from the store into the index's columns (no dictionary or object per image),
        // as `StoredDatasets.load` read the dataset: a file counts when its content holds every
        // default family (a hash of the wrong width is damage in this build's rows, an older
        // build's row is left out), each optional family added where matchable.
        // One pass over the store for every group: the default families together, each
        // optional family alone.
        let groups = [HashGroup(families: HashFamily.all, strict: { $0 == ImageHashes.codeVersion })]
            + HashFamily.optional.map { HashGroup(families: [$0], strict: { _ in true }) }
        let positions = groups.map { $0.families.compactMap(MatchIndex.position(of:)) }
        precondition(zip(positions, groups).allSatisfy { $0.count == $1.families.count },
                     "programmer error: the match index lacks a family of \(groups.map(\.families))")
        var loader = MatchIndex.Loader()
        try store.streamHashes(in: dataset.id, groups: groups) { g, key, words, qualities in
            var at = 0
            for (k, family) in groups[g].families.enumerated() {
                let n = family.wordsPerHash
                if family.isMatchable(quality: qualities[k]) {
                    loader.add(key: key, family: positions[g][k], words: UnsafeBufferPointer(rebasing: words[at..<(at + n)]))
                }
                at += n
            }
        }
        index.load(name: dataset.name, loader)
    }

    /// Dataset names become folder names in CLI outputs and appear in URLs: plain names only.
    static func validate(name: String) throws {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 200, bytes.first != UInt8(ascii: "."),
              !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "/") }) else {
            throw ServiceError(.badRequest, "'\(name)' is not a usable dataset name: 1 to 200 bytes, not starting with '.', without '/' or control characters")
        }
    }

    /// `root` resolved (symbolic links followed to the real folder), which must lie inside an
    /// allowed `--root`.
    ///
    /// Nothing is said about what exists outside the roots, and nothing about the server's own
    /// paths: the path is first decided lexically (absolute, no NUL, `.`/`..`/`//` folded without
    /// touching the disk); one outside every `--root` is refused with the same 403 whether or not
    /// it exists. Only then is it resolved: a target outside (through a link) gets that same 403,
    /// and "does not exist" / "is not a folder" are said only of paths inside a root. Details
    /// quote only what the client sent.
    func confine(_ root: String) throws -> String {
        guard root.hasPrefix("/") else { throw ServiceError(.badRequest, "root '\(root)' must be an absolute path") }
        // A C path ends at NUL: "/allowed/x\0/etc" would otherwise be checked as one path and
        // opened as another.
        guard !root.utf8.contains(0), let path = Self.lexicallyNormalised(root) else {
            throw ServiceError(.badRequest, "a root must be an absolute folder path without NUL bytes")
        }
        let refused = ServiceError(.forbidden, settings.roots.isEmpty
            ? "root '\(root)' is outside the folders this server may read: it was started without --root, so it reads none"
            : "root '\(root)' is outside the folders this server may read (its --root folders)")
        guard Self.inside(path, settings.roots + settings.rootSpellings) else { throw refused }
        guard let real = Self.realPath(path) else {
            // Missing or unreadable: said only when what does exist of it resolves inside a root
            // (a link inside a root may lead anywhere; a dangling one is refused too).
            guard let existing = Self.deepestEntry(path), Self.inside(existing, settings.roots) else { throw refused }
            throw ServiceError(.badRequest, "root '\(root)' does not exist")
        }
        guard Self.inside(real, settings.roots) else { throw refused }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: real, isDirectory: &isDir), isDir.boolValue else {
            throw ServiceError(.badRequest, "root '\(root)' is not a folder")
        }
        return real
    }

    /// Whether `path` (absolute, normalised) is one of `folders` or lies under one.
    static func inside(_ path: String, _ folders: [String]) -> Bool {
        folders.contains { path == $0 || path.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
    }

    /// An absolute path with `.` and empty segments dropped and `..` taking off the segment
    /// before it (never above `/`), without looking at the disk; nil when not absolute.
    static func lexicallyNormalised(_ path: String) -> String? {
        guard path.hasPrefix("/") else { return nil }
        var segments = [Substring]()
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." { _ = segments.popLast(); continue }
            segments.append(segment)
        }
        return "/" + segments.joined(separator: "/")
    }

    /// The longest leading part of `path` that is an entry on disk (`lstat`), resolved; nil when
    /// that entry does not resolve (a dangling link: where it leads is unknown).
    static func deepestEntry(_ path: String) -> String? {
        var candidate = path
        var info = stat()
        while lstat(candidate, &info) != 0 {
            guard candidate != "/", let slash = candidate.lastIndex(of: "/") else { return nil }
            candidate = slash == candidate.startIndex ? "/" : String(candidate[..<slash])
        }
        return realPath(candidate)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    // MARK: Adding images

    /// The upload-backed dataset `name`: 404 when there is none, 409 when it has a root folder.
    public func uploadTarget(_ name: String) throws -> StoredDataset {
        guard let dataset = try store.dataset(named: name) else { throw Self.unknown(name) }
        guard dataset.root == nil else { throw Self.rootedUpload(name) }
        return dataset
    }

    /// Writes hashed uploads (hashes and failures) to dataset `datasetID` (found by
    /// `uploadTarget(name)` before hashing) in one transaction and updates the index. Called
    /// after `hash` of the uploads' bytes; blocking (the store). Returns each upload's outcome.
    public func recordUploads(_ uploads: [(key: FileKey, bytes: [UInt8])], _ results: [HashingPool.Hashed],
                              name: String, datasetID: Int64) throws -> [(key: FileKey, outcome: FileOutcome)] {
        let changes = zip(uploads, results).map { upload, result in
            FileChange(path: upload.key.bytes, stat: nil, digest: result.digest, outcome: result.outcome, codeVersion: codeVersion)
        }
        let added = zip(uploads, results).map { (key: $0.key, outcome: $1.outcome) }
        try writes.withLock {
            // Hashing took a while: the dataset may have been deleted or given a root meanwhile.
            try storeUploads(changes, name: name, id: datasetID)
            index.upsert(name: name, added.compactMap { item in
                item.outcome.hashes.map { (item.key, MatchIndex.entry($0, families: HashFamily.all)) }
            })
            // A key that failed now must not keep matching with its old hashes.
            index.remove(name: name, keys: added.compactMap { $0.outcome.failure == nil ? nil : $0.key })
        }
        return added
    }

    /// Writes uploaded rows into dataset `id` if it is still the upload-backed dataset `name`;
    /// called with `writes` held. A dataset gone meanwhile is 404 with nothing stored.
    private func storeUploads(_ changes: [FileChange], list: [HashListEntry] = [], name: String, id: Int64) throws {
        let gone = ServiceError(.notFound, "dataset '\(name)' was deleted while its images were being stored; nothing was stored")
        guard let current = try store.dataset(id: id), current.name == name else { throw gone }
        guard current.root == nil else { throw Self.rootedUpload(name) }
        do {
            try store.apply(changes, to: id, list: (PrecomputedItem.listFamily, list))
        } catch let error as StoreError where error.kind == .datasetMissing {
            throw gone  // deleted by another process between the check and the write
        }
    }

    /// Stores precomputed hashes (no image bytes). An item with the default families is a
    /// precomputed picture: its "content" is named by the hashes themselves, so equal hashes share
    /// one row and never pass for a file's content (with a PDQ, its hash and quality are part of
    /// the name and stored beside them). An item with a PDQ alone is stored as `crosshash import`
    /// stores a list line. All in one transaction; a key that exists is replaced.
    public func addHashes(_ name: String, _ items: [PrecomputedItem]) throws {
        let dataset = try uploadTarget(name)
        var changes = [FileChange](), list = [HashListEntry](), entries = [(FileKey, MatchIndex.Entry)]()
        // A key sent twice: its last item wins, in the store as in the index (the store writes
        // pictures and list entries in two passes, so earlier duplicates are dropped here).
        var last = [FileKey: Int]()
        for (i, item) in items.enumerated() { last[item.key] = i }
        for (i, item) in items.enumerated() where last[item.key] == i {
            switch item.hashes {
            case .picture(let hashes, let families):
                var text = "crosshash-precomputed\0" + HashFamily.all.map { "\($0.id)=\($0.hex(of: hashes))" }.joined(separator: ";")
                for family in families where !HashFamily.all.contains(family) {
                    text += ";\(family.id)=\(family.hex(of: hashes))"
                    if let q = family.quality(of: hashes) { text += ";\(family.id)_quality=\(q)" }
                }
                changes.append(FileChange(path: item.key.bytes, stat: nil, digest: ContentDigest.of(Array(text.utf8)),
                                          outcome: .hashed(hashes, warnings: []), codeVersion: Self.precomputedVersion,
                                          families: families))
                entries.append((item.key, MatchIndex.entry(hashes, families: families)))
            case .listEntry(let words, let quality):
                list.append(HashListEntry(id: item.key.bytes, words: words, quality: quality))
                var entry = MatchIndex.Entry()
                if PrecomputedItem.listFamily.isMatchable(quality: quality) { entry[PrecomputedItem.listFamily.id] = words }
                entries.append((item.key, entry))
            }
        }
        try writes.withLock {
            try storeUploads(changes, list: list, name: name, id: dataset.id)
            index.upsert(name: name, entries)
        }
    }

    // MARK: Scans

    /// Starts indexing the dataset's root folder in the background; returns the job id.
    public func scan(_ name: String) throws -> String {
        // Under `writes`: a delete cannot fall between the lookup and the job's registration
        // (it would then miss the job it must cancel).
        try writes.withLock { try startScan(name) }
    }

    private func startScan(_ name: String) throws -> String {
        guard let dataset = try store.dataset(named: name) else { throw Self.unknown(name) }
        guard let root = dataset.root else {
            throw ServiceError(.conflict, "dataset '\(name)' has no root folder to scan: PUT /v1/datasets/\(name) with {\"root\": DIR}, or add images by upload")
        }
        return try jobs.start(dataset: name, datasetID: dataset.id, root: root, work: scanWork(name: name, id: dataset.id, root: root))
    }

    /// Runs again, under its own id, a scan job taken over from a replica that stopped writing it
    /// (the scan reuses what that replica stored, so it resumes); a job whose dataset is gone or
    /// has no root fails.
    private func resumeScan(_ taken: StoredScanJob) {
        writes.withLock {
            let dataset = try? store.dataset(named: taken.dataset)
            guard let dataset, let root = dataset.root else {
                jobs.adopt(taken, datasetID: dataset?.id ?? -1) { _ in
                    throw ServiceError(.conflict, "dataset '\(taken.dataset)' is gone or has no root folder to scan")
                }
                return
            }
            jobs.adopt(taken, datasetID: dataset.id, work: scanWork(name: dataset.name, id: dataset.id, root: root))
        }
    }

    private func scanWork(name: String, id: Int64, root: String) -> @Sendable (ScanJobs.Handle) throws -> Void {
        { [self] job in
            // The root is checked again: it may have been replaced by a link since it was set.
            let real = try confine(root)
            let pipeline = HashPipeline(engines: engines, decoder: ImageDecoder(limits: settings.limits), workers: settings.workers)
            let indexer = DatasetIndexer(store: store, pipeline: pipeline)
            // By id, never by name: a dataset deleted (and perhaps re-created) meanwhile is not
            // written to or re-created; a delete cancels the job, which then stops at its next file.
            let done = try indexer.index([DatasetSpec(name: name, path: real)], existing: [id], stillWanted: { !job.isCancelled },
                                         showProgress: false) { done, total in
                job.progress(done: done, total: total)
            }
            if let item = done.first { job.finish(counts: item.counts) }
            try writes.withLock {
                guard !job.isCancelled, let fresh = try store.dataset(id: id), fresh.name == name else { return }
                try reload(fresh)
            }
        }
    }

    // MARK: Matching

    /// Queries with `variants` (dihedral: the picture's 8 transposes) are searched variant by
    /// variant (`MatchIndex.queryDihedral`); either way one index pass per request.
    public func query(_ queries: [MatchIndex.Query], datasets: [String]?, thresholds: [HashFamily.ID: Int],
                      limit: Int, shouldStop: @escaping @Sendable () -> Bool = { false }) throws -> [MatchIndex.Answer] {
        let known = try store.datasets().map(\.name)
        let names = datasets ?? known
        let knownNames = Set(known.map(DatasetName.init))
        for n in names where !knownNames.contains(DatasetName(n)) { throw Self.unknown(n) }
        if queries.contains(where: { $0.variants != nil }) {
            return try index.queryDihedral(queries, datasets: names, thresholds: thresholds, limit: limit, shouldStop: shouldStop)
        }
        return try index.query(queries, datasets: names, thresholds: thresholds, limit: limit, shouldStop: shouldStop)
    }

    /// Exactly what `crosshash analyze` writes as `<prefix>_cross_duplicates.json` for the same
    /// stored datasets in the same order.
    /// The pair lists are lazy (pairs beyond a million wait in a scratch file), so the answer is
    /// meant to be serialised in pieces; at most `settings.maxPairs` pairs per list.
    ///
    /// `verify`: each pair whose two pictures are in folders gains the verdict `analyze`
    /// writes (`similarity`, `verified`, and `verified_groups`), see `verifiedCrossDuplicates`.
    public func crossDuplicates(datasets names: [String]?, options: MatchOptions, family: HashFamily, verify: Bool = false,
                                cancellation: CancellationFlag = .never) throws -> JSONValue {
        let (matches, results, folders) = try matchStored(datasets: names, options: options, family: family, verify: verify,
                                                          cancellation: cancellation)
        guard verify else { return AnalysisJSON.crossDuplicates(matches, results) }
        try cancellation.check()
        return try verifiedCrossDuplicates(matches, results, reachable: folders.map { $0 != nil })
    }

    /// The cross-dataset pairs of the stored datasets `names` (nil: all), with the datasets as
    /// loaded and each one's folder (nil: no pictures to verify from).
    func matchStored(datasets names: [String]?, options: MatchOptions, family: HashFamily, verify: Bool,
                     cancellation: CancellationFlag) throws -> (FamilyMatches, [DatasetResult], [String?]) {
        let stored = try store.datasets()
        let chosen = try (names ?? stored.map(\.name)).map { name -> StoredDataset in
            guard let d = stored.first(where: { DatasetName.same($0.name, name) }) else { throw Self.unknown(name) }
            return d
        }
        // With verification, a dataset's pictures are read beneath its root confined again (it
        // may have become a link since it was set); one without a root, or whose root is no
        // longer allowed, has no pictures: its path stays empty and its pairs are not verified.
        let folders = chosen.map { dataset in verify ? dataset.root.flatMap { try? confine($0) } : dataset.root }
        let results = try zip(chosen, folders).map { dataset, folder in
            try StoredDatasets.load(store, dataset, spec: DatasetSpec(name: dataset.name, path: folder ?? ""))
        }
        var cross = CrossDatasetMatch(matcher: engines.matcher, within: options.within, maxPairs: settings.maxPairs)
        cross.shouldStop = { cancellation.isCancelled }
        let matches = try cross.run(results, family: family, other: options.otherFamily(family), threshold: options.threshold(family))
        return (matches, results, folders)
    }

    /// The cross-duplicates answer with the verdicts of the pairs whose two datasets have
    /// folders, as `analyze --verify` adds them, from the store's verdict cache where the
    /// same two contents were judged before (by `analyze --store` too) and kept there for
    /// next time. Bounded like `analyze`: past `PairVerification.maxCandidates` pairs or
    /// `maxImages` pictures nothing is verified and `verification_skipped` says why. Pairs
    /// with a dataset without pictures get no verdict; `unverified_pairs` counts them and
    /// `unverified_reason` says why.
    func verifiedCrossDuplicates(_ matches: FamilyMatches, _ results: [DatasetResult], reachable: [Bool]) throws -> JSONValue {
        var keys = [PairKey]()
        var unreachable = 0
        for i in 0..<matches.pairs.count {
            let pair = matches.pairs[i]
            if reachable[pair.a.dataset] && reachable[pair.b.dataset] { keys.append(PairKey(pair.a, pair.b)) } else { unreachable += 1 }
        }
        // The candidates are given as `extra` of a result with no pairs of its own, so only
        // pairs with pictures are ever opened.
        var none = AnalysisResult(datasets: results, matches: [], device: engines.description, timings: StageTimings())
        // Curators' reviews decide the pairs they name, as in `analyze --store`: raw pairs gain
        // "review", the verified groups follow the human. Pairs without pictures can be reviewed
        // too (reviews are kept by content digest), so every pair of the answer is looked up.
        let all = (0..<matches.pairs.count).map { PairKey(matches.pairs[$0].a, matches.pairs[$0].b) }
        none.reviews = try PairReviews.load(store, for: none, extra: all)
        let verdicts = PairVerification.run(none, extra: keys, limits: settings.limits, store: store)
        let answer = AnalysisJSON.crossDuplicates(matches, results, verdicts: verdicts, reviews: none.reviews)
        guard case .object(var fields) = answer else { return answer }
        if let skipped = verdicts.skipped { fields.append((Array("verification_skipped".utf8), .str(skipped))) }
        if unreachable > 0 {
            fields.append((Array("unverified_pairs".utf8), .int(unreachable)))
            fields.append((Array("unverified_reason".utf8),
                           .str("a dataset of these pairs has no pictures on this server (no root folder, or its root is no longer inside a --root): only their hashes are kept")))
        }
        return .object(fields)
    }
}

/// One item of `POST /v1/datasets/{name}/images` with JSON: hashes computed elsewhere.
public struct PrecomputedItem: Sendable {
    public enum Hashes: Sendable {
        /// A picture's default families, plus optional ones (`families` lists all it holds).
        case picture(ImageHashes, families: [HashFamily])
        /// A hash of `listFamily` alone, as a hash list line (quality nil when not sent).
        case listEntry(words: [UInt64], quality: Int?)
    }

    /// The family an item may give alone (the lists trust & safety teams exchange are PDQ).
    public static let listFamily = HashFamily.pdq

    public var key: FileKey
    public var hashes: Hashes

    public init(key: FileKey, hashes: Hashes) {
        self.key = key
        self.hashes = hashes
    }
}

/// A picture query's hashes beyond the default families (see `PictureWants`).
public struct PictureExtras: Sendable {
    public var hashes = [HashFamily.ID: [UInt64]]()
    public var quality = [HashFamily.ID: Int]()
    public var variants: DihedralHashes?

    public init() {}
}

/// What a picture query computes beyond the hashing pool's default families: the optional
/// families asked for (PDQ and its quality) and, for a dihedral query, the 8 variants of every
/// family asked for, on the CPU engine.
public struct PictureWants: Sendable {
    public var families: [HashFamily]
    public var dihedral: Bool

    public init(families: [HashFamily], dihedral: Bool) {
        self.families = families
        self.dihedral = dihedral
    }

    /// Whether the pool's hashes alone answer the query.
    public var isEmpty: Bool { !dihedral && families.allSatisfy { HashFamily.all.contains($0) } }

    /// One decoded picture's intake for the pool and its extras, on the decoder thread: a
    /// dihedral query's hashes and variants come from one pass over the pixels (`Intake.hashed`,
    /// the engine does not hash it again; the CPU's hashes stand for any engine's, every engine
    /// returning the same bits by `HashEngine`'s contract, which the engine tests enforce);
    /// otherwise PDQ is computed here and the engine hashes the rest. PDQ's scratch memory
    /// failing fails the picture with PDQ's message.
    func intake(_ image: DecodedImage, engine: CPUEngine) -> (Intake, PictureExtras) {
        var extras = PictureExtras()
        func keepPDQ(_ hash: Hash256, _ quality: Int) {
            extras.hashes[HashFamily.pdq.id] = hash.wordArray
            extras.quality[HashFamily.pdq.id] = quality
        }
        guard dihedral else {
            if families.contains(.pdq) {
                do {
                    let (hash, quality) = try PDQ.hash(image)
                    keepPDQ(hash, quality)
                } catch {
                    return (.done(.failed("\(error)")), PictureExtras())
                }
            }
            return (.image(image), extras)
        }
        let intake = Intake.hashedHere(image) {
            do {
                let (hashes, variants) = try engine.hashWithDihedral(image, families: families)
                if families.contains(.pdq) { keepPDQ(hashes.pdq, hashes.pdqQuality) }
                extras.variants = variants
                // The outcome holds the pool's families only, as the pool's engine gives them; the
                // optional ones travel in the extras.
                var pooled = ImageHashes.zero
                for family in HashFamily.all { family.set(family.words(of: hashes), in: &pooled) }
                return .hashed(pooled, warnings: image.warnings)
            } catch {
                return .failed("\(error)")
            }
        }
        return (intake, extras)
    }
}
