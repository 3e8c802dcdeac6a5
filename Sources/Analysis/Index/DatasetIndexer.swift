import Foundation
import HashKit
import HashStore
import Engines
import CPUFallback

/// A dataset after indexing: its row in the store and what this run did for it.
public struct IndexedDataset: Sendable {
    public var spec: DatasetSpec
    public var stored: StoredDataset
    public var counts: IndexCounts
}

/// The index step: scan each dataset folder and bring the store up to date with it, decoding
/// only what the store cannot answer.
///
/// Per file, cheapest first:
/// 1. path, size, mtime and inode equal the stored row (and the row was written by this
///    version of the hashing code): the stored outcome stands, the file is not even opened;
/// 2. otherwise the file is read and its SHA-256 looked up: a renamed, moved or copied file
///    reuses the hashes of its content without decoding;
/// 3. only new content is decoded and hashed.
/// Results reach the store in short batch transactions while the run goes on, so a killed run
/// keeps what it finished, and files that disappeared are dropped from the dataset at the end.
public final class DatasetIndexer {
    public let store: any HashStoring
    /// Hashes the files the store cannot answer; its decoder (and so its limits) reads every file.
    public let pipeline: HashPipeline
    /// Stored with every result; results of another version are not reused. It covers the
    /// hashing code and the decode limits, since both decide a file's outcome.
    public let codeVersion: String

    /// Runs after every dataset was walked and before any file is opened: the tests swap files
    /// and folders for links there, as a user could while a job runs.
    var beforeReading: (() -> Void)?

    /// The families the pipeline's engine computes: a stored content lacking one of them (PDQ,
    /// when an earlier run did not ask for it) is decoded again, once, and gains it.
    public var families: [HashFamily] { pipeline.engine.families }

    /// `--dihedral`: every hashed content also keeps the dihedral variants of `families`
    /// (computed on the CPU with its hashes, in one pass over the decoded pixels); a content
    /// stored without them is decoded again, once, and gains them.
    public var dihedral = false

    public init(store: any HashStoring, pipeline: HashPipeline) {
        self.store = store
        self.pipeline = pipeline
        self.codeVersion = Self.codeVersion(for: pipeline.decoder.limits)
    }

    /// The version tag of results made under `limits` by this build's hashing code.
    public static func codeVersion(for limits: DecodeLimits) -> String {
        "\(ImageHashes.codeVersion);max-pixels=\(limits.maxPixels);max-file-bytes=\(limits.maxFileBytes)"
    }

    /// One file to read: where it lives, and where its result goes.
    struct Job {
        var dataset: Int
        var entry: ScannedEntry
    }

    /// What reading a job's file told us, kept until its outcome is written to the store.
    struct ReadInfo {
        var stat: FileStat?
        var digest: ContentDigest?
        var reused = false
        /// The picture's dihedral variants, computed while it was decoded (`dihedral` runs).
        var variants: DihedralHashes?
    }

    /// `onProgress(done, total)` counts every file of the datasets: those settled without reading
    /// (unchanged, or not a readable file) are done at once, the others as they finish.
    ///
    /// `existing` (the service's scans): the stored id of each spec's dataset, which is then
    /// never created or renamed: a dataset deleted meanwhile stays deleted (`.datasetMissing`).
    /// `stillWanted`: asked before each file and inside each write transaction; once it says no,
    /// no file is read and nothing more is written (the run ends with `.datasetMissing`).
    public func index(_ specs: [DatasetSpec], existing: [Int64]? = nil, stillWanted: (@Sendable () -> Bool)? = nil,
                      showProgress: Bool = true,
                      onProgress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [IndexedDataset] {
        var indexed = [IndexedDataset]()
        var jobs = [Job]()
        var problems = [[FileChange]](repeating: [], count: specs.count)
        var vanished = [[[UInt8]]](repeating: [], count: specs.count)

        var scannedFiles = 0
        for (d, spec) in specs.enumerated() {
            let scanned = try DatasetScanner.scan(root: spec.path)
            scannedFiles += scanned.count
            let stored: StoredDataset
            if let existing {
                guard d < existing.count, let found = try store.dataset(id: existing[d]), stillWanted?() ?? true else {
                    throw StoreError(kind: .datasetMissing, path: store.path ?? "(in-memory store)", detail: "dataset '\(spec.name)' was deleted")
                }
                stored = found
            } else {
                stored = try store.upsertDataset(name: spec.name, root: spec.path)
            }
            let known = Dictionary(try store.files(in: stored.id).map { ($0.path, $0) }, uniquingKeysWith: { $1 })
            let withVariants = dihedral ? Set(try store.variants(in: stored.id, families: families).keys) : []
            var counts = IndexCounts()
            var seen = Set<[UInt8]>()
            for entry in scanned {
                seen.insert(entry.key.bytes)
                if let problem = entry.problem {
                    counts.errors += 1
                    let change = FileChange(path: entry.key.bytes, stat: nil, digest: nil, outcome: .failed(problem), codeVersion: codeVersion)
                    if let old = known[entry.key.bytes], old.digest == nil, old.stat == nil, old.outcome == change.outcome,
                       old.codeVersion == codeVersion { continue }
                    problems[d].append(change)
                } else if let old = known[entry.key.bytes], let stat = entry.stat, old.stat == stat, old.codeVersion == codeVersion,
                          old.covers(families), !dihedral || old.outcome.hashes == nil || withVariants.contains(entry.key.bytes) {
                    counts.reused += 1
                    if case .failed = old.outcome { counts.errors += 1 }
                } else {
                    jobs.append(Job(dataset: d, entry: entry))
                }
            }
            vanished[d] = known.keys.filter { !seen.contains($0) }.sorted { $0.lexicographicallyPrecedes($1) }
            indexed.append(IndexedDataset(spec: spec, stored: stored, counts: counts))
        }

        beforeReading?()
        let infos = ReadInfos(count: jobs.count)
        let writer = StoreBatchWriter(store: store, stillWanted: stillWanted)
        let progress = showProgress ? ProgressReporter(label: "hashing", total: jobs.count) : nil
        let (decoder, store, codeVersion, datasetIDs) = (pipeline.decoder, self.store, self.codeVersion, indexed.map(\.stored.id))
        let families = self.families
        let variantEngine = dihedral ? CPUEngine() : nil
        // Only contents the store may know are looked up (most files read are new content).
        let known = jobs.isEmpty ? .empty : try store.digestPrefixes(codeVersion: codeVersion)
        let jobList = jobs
        let finished = Counter()
        let allFiles = scannedFiles
        let settled = allFiles - jobs.count
        onProgress?(settled, allFiles)
        let outcomes = pipeline.run(count: jobs.count, progress: progress, completed: { i, outcome in
            if let onProgress { onProgress(settled + finished.increment(), allFiles) }
            let info = infos[i]
            writer.add(FileChange(path: jobList[i].entry.key.bytes, stat: info.stat, digest: info.digest, outcome: outcome,
                                  codeVersion: codeVersion, families: families, variants: info.variants),
                       to: datasetIDs[jobList[i].dataset])
        }, intake: { i in
            if let stillWanted, !stillWanted() { return .done(.failed("not read: the scan was cancelled")) }
            let snapshot: FileSnapshot
            do {
                // Beneath the root the scan listed, with no link followed at any level: a file
                // or folder swapped for a link since the walk is reported, never read.
                snapshot = try decoder.readStable(jobList[i].entry.source)
            } catch {
                // Not read (too large, unreadable): remembered by stat when there is one, so an
                // unchanged file is not tried again; a file that kept changing is retried next run.
                if case DecodeError.fileTooLarge = error { infos[i] = ReadInfo(stat: jobList[i].entry.stat) }
                return .done(.failed("\(error)"))
            }
            let digest = ContentDigest.of(snapshot.bytes)
            let stat = FileStat(size: snapshot.size, mtimeNs: snapshot.mtimeNs, inode: snapshot.inode)
            if known.mayContain(digest), let known = try? store.outcome(of: digest, codeVersion: codeVersion, families: families),
               variantEngine == nil || known.hashes == nil || (try? store.hasVariants(digest, families: families)) == true {
                infos[i] = ReadInfo(stat: stat, digest: digest, reused: true)
                return .done(known)
            }
            infos[i] = ReadInfo(stat: stat, digest: digest)
            do {
                let image = try decoder.decode(data: snapshot.bytes)
                guard let variantEngine else { return .image(image) }
                // `--dihedral`: hashed here with the variants, in one pass (no second decode,
                // no second hashing by the engine).
                let (intake, variants) = HashPipeline.dihedralIntake(image, engine: variantEngine, families: families)
                infos[i].variants = variants
                return intake
            } catch {
                return .done(.failed("\(error)"))
            }
        })
        try writer.finish()

        for (d, item) in indexed.enumerated() {
            if !problems[d].isEmpty { try store.apply(problems[d], to: item.stored.id, stillWanted: stillWanted) }
            if !vanished[d].isEmpty { try store.removeFiles(vanished[d], from: item.stored.id, stillWanted: stillWanted) }
        }
        for (i, job) in jobs.enumerated() {
            if infos[i].reused { indexed[job.dataset].counts.reused += 1 } else { indexed[job.dataset].counts.decoded += 1 }
            if case .failed = outcomes[i] { indexed[job.dataset].counts.errors += 1 }
        }
        return indexed
    }
}

/// A thread-safe count.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

/// Per-job read results, written by the one decoder thread that owns job `i` and read when its
/// outcome is complete; a lock keeps the hand-over between threads well-defined.
final class ReadInfos: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [DatasetIndexer.ReadInfo]

    init(count: Int) { items = Array(repeating: DatasetIndexer.ReadInfo(), count: count) }

    subscript(i: Int) -> DatasetIndexer.ReadInfo {
        get { lock.lock(); defer { lock.unlock() }; return items[i] }
        set { lock.lock(); items[i] = newValue; lock.unlock() }
    }
}

/// Collects finished files and writes them to the store in batches, one short transaction
/// each, on a queue of its own so decoder threads never wait for SQLite: batches big enough
/// that commits cost little, small enough that a kill loses little and another process waiting
/// for the write lock waits briefly.
final class StoreBatchWriter: @unchecked Sendable {
    static let batchSize = 256
    static let maxDelay = 1.0

    private let store: any HashStoring
    private let stillWanted: (@Sendable () -> Bool)?
    private let lock = NSLock()
    private var pending = [Int64: [FileChange]]()
    private var pendingCount = 0
    private var lastFlush = Date()
    private var failure: Error?
    /// Serial: batches reach the store in completion order.
    private let queue = DispatchQueue(label: "crosshash.store-writer")

    init(store: any HashStoring, stillWanted: (@Sendable () -> Bool)? = nil) {
        self.store = store
        self.stillWanted = stillWanted
    }

    func add(_ change: FileChange, to dataset: Int64) {
        lock.lock()
        pending[dataset, default: []].append(change)
        pendingCount += 1
        let due = pendingCount >= Self.batchSize || Date().timeIntervalSince(lastFlush) >= Self.maxDelay
        let batch = due ? takePending() : nil
        lock.unlock()
        if let batch { queue.async { self.write(batch) } }
    }

    /// Called with `lock` held.
    private func takePending() -> [Int64: [FileChange]] {
        let batch = pending
        pending = [:]
        pendingCount = 0
        lastFlush = Date()
        return batch
    }

    private func write(_ batch: [Int64: [FileChange]]) {
        for (dataset, changes) in batch.sorted(by: { $0.key < $1.key }) {
            do {
                try store.apply(changes, to: dataset, stillWanted: stillWanted)
            } catch {
                lock.lock()
                if failure == nil { failure = error }
                lock.unlock()
            }
        }
    }

    /// Writes what is left and waits for every batch; throws the first write error of the run.
    func finish() throws {
        lock.lock()
        let batch = takePending()
        lock.unlock()
        queue.sync { self.write(batch) }
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
    }
}
