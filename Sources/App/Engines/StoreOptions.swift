import ArgumentParser
import Foundation
import HashStore
import HashStorePostgres
import Report

/// `--store PATH|URL` / `--store-password-file` / `--no-store`, shared by the commands that keep
/// hashes between runs.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The hash store: an SQLite file (default: $XDG_CACHE_HOME/crosshash/store.sqlite, else ~/.cache/crosshash/store.sqlite) or postgresql://USER@HOST[:PORT]/DB (password from --store-password-file or PGPASSWORD).",
        valueName: "path|url"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp(Self.passwordFileHelp, valueName: "file"))
    var storePasswordFile: String?

    @Flag(name: .long, help: "Keep nothing between runs: decode every file (a private store in memory).")
    var noStore = false

    static let passwordFileHelp = "The password of a postgresql:// --store (its first line); default: PGPASSWORD."

    func validate() throws {
        if noStore && store != nil { throw ValidationError("--store and --no-store exclude each other") }
        if noStore && storePasswordFile != nil { throw ValidationError("--store-password-file and --no-store exclude each other") }
    }

    static func defaultPath(_ env: [String: String]) -> String {
        if let cache = env["XDG_CACHE_HOME"], cache.hasPrefix("/") { return cache + "/crosshash/store.sqlite" }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.cache/crosshash/store.sqlite"
    }

    /// Opens the store, or says on stderr what is wrong with it and exits with status 2: a store
    /// that cannot be used must stop the run before any work, and is never overwritten.
    func open() throws -> any HashStoring {
        try Self.open(store: store, passwordFile: storePasswordFile, inMemory: noStore)
    }

    /// Where `--store` (nil: the default file) and `--store-password-file` point; says on
    /// stderr and exits with status 2 when the value is neither an SQLite path nor a usable
    /// postgresql:// URL (or its password file cannot be read).
    static func location(store: String?, passwordFile: String?) throws -> StoreLocation {
        do {
            return try StoreLocation.parse(store ?? defaultPath(ProcessInfo.processInfo.environment), passwordFile: passwordFile)
        } catch let error as StoreLocationError {
            FileHandle.standardError.write(Data("crosshash: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// Opens the store `store` names (an SQLite path or a postgresql:// URL; nil: the default
    /// file), or a private SQLite store in memory, as `open()` does.
    static func open(store: String?, passwordFile: String? = nil, inMemory: Bool = false) throws -> any HashStoring {
        try open(inMemory ? nil : location(store: store, passwordFile: passwordFile))
    }

    /// Opens the store at `location` (nil: a private SQLite store in memory).
    static func open(_ location: StoreLocation?) throws -> any HashStoring {
        do {
            switch location {
            case nil: return try HashStore(inMemory: ())
            case .sqlite(let path)?: return try HashStore(path: path)
            case .postgres(let location)?: return try PostgresStore(location)
            }
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
