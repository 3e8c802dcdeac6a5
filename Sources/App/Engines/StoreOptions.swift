import ArgumentParser
import Foundation
import HashStore
import Report

/// `--store PATH` / `--no-store`, shared by the commands that keep hashes between runs.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The hash store (SQLite). Default: $XDG_CACHE_HOME/crosshash/store.sqlite, else ~/.cache/crosshash/store.sqlite.",
        valueName: "path"))
    var store: String?

    @Flag(name: .long, help: "Keep nothing between runs: decode every file (a private store in memory).")
    var noStore = false

    func validate() throws {
        if noStore && store != nil { throw ValidationError("--store and --no-store exclude each other") }
    }

    /// The store file this run uses, nil with --no-store.
    var path: String? { Self.path(store: store, noStore: noStore) }

    /// The store file of `--store` (nil: the default one), nil with `--no-store`; also for a
    /// command with its own `--store` option (match).
    static func path(store: String?, noStore: Bool = false) -> String? {
        if noStore { return nil }
        if let store { return store }
        return defaultPath(ProcessInfo.processInfo.environment)
    }

    static func defaultPath(_ env: [String: String]) -> String {
        if let cache = env["XDG_CACHE_HOME"], cache.hasPrefix("/") { return cache + "/crosshash/store.sqlite" }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.cache/crosshash/store.sqlite"
    }

    /// Opens the store, or says on stderr what is wrong with the file and exits with status 2:
    /// a store that cannot be used must stop the run before any work, and is never overwritten.
    func open() throws -> HashStore { try Self.open(path: path) }

    /// Opens the store at `path` (nil: a private store in memory), as `open()` does.
    static func open(path: String?) throws -> HashStore {
        do {
            if let path { return try HashStore(path: path) }
            return try HashStore(inMemory: ())
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("crosshash: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// The store as the report's artifact cache. A cache that fails to read or write only costs
/// time (the artifact is drawn again), so errors are not passed on.
struct StoreArtifactCache: ArtifactCache {
    let store: any HashStoring

    func artifact(_ key: String) -> [UInt8]? { (try? store.artifact(key)) ?? nil }
    func storeArtifact(_ key: String, _ bytes: [UInt8]) { try? store.storeArtifact(key, bytes) }
    func storeArtifacts(_ items: [(key: String, bytes: [UInt8])]) { try? store.storeArtifacts(items) }
}
