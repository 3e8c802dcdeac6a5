import ArgumentParser
import Foundation
import HashKit
import HashStore
import Analysis
import Service

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the hashing service (HTTP): hash images, keep datasets in the store, answer matches.",
        discussion: """
        Binds to loopback unless told otherwise. Routes: POST /v1/hash (and /v1/hash/raw), /v1/datasets..., POST /v1/query (and /v1/query/upload), \
        GET /v1/cross-duplicates, /healthz, /readyz, /metrics, /openapi.json (see the README's Service section). \
        Stops gracefully on SIGTERM or SIGINT.
        """
    )

    @OptionGroup var engineOptions: EngineOptions
    @OptionGroup var storeOptions: StoreOptions

    @Option(name: .long, help: ArgumentHelp("Address to listen on, HOST:PORT (port 0 picks a free one).", valueName: "host:port"))
    var listen = "127.0.0.1:8080"

    @Option(name: .customLong("root"), help: ArgumentHelp("A folder under which dataset roots may lie (repeatable). Without one, nothing can be scanned.", valueName: "dir"))
    var roots: [String] = []

    @Option(name: .long, help: ArgumentHelp("A file of API keys, one per line: then every /v1 route needs Authorization: Bearer KEY.", valueName: "file"))
    var apiKeyFile: String?

    @Option(name: .long, help: "Largest request body in bytes.")
    var maxBodyBytes = ServiceServer.defaultMaxBodyBytes

    @Option(name: .long, help: ArgumentHelp(
        "Bytes of request bodies held in memory at once, all requests together: a body counts from its Content-Length "
            + "(as it arrives when chunked); one that does not fit gets 503 with Retry-After.", valueName: "bytes"))
    var maxInflightBodyBytes = ServiceServer.defaultMaxInflightBodyBytes

    @Option(name: .long, help: "Most images (or queries) in one request.")
    var maxImagesPerRequest = ServiceSettings.defaultMaxImagesPerRequest

    @Option(name: .long, help: "Most matches one POST /v1/query may ask for: queries x limit (more is refused with 413).")
    var maxQueryMatches = ServiceSettings.defaultMaxQueryMatches

    @Option(name: .long, help: "Images waiting to be hashed, all requests together; when full, requests get 503.")
    var queueImages = ServiceSettings.defaultQueueImages

    @Option(name: .long, help: "Seconds a client may take to send a request body (then 408).")
    var requestTimeout = ServiceServer.defaultRequestTimeoutSeconds

    @Option(name: .long, help: "Pixels (from image headers) queued or being hashed, all requests together; a request that does not fit gets 503, one whose own images hold more gets 413. At least --max-pixels.")
    var maxInflightPixels = ServiceSettings.defaultMaxInflightPixels

    @Option(name: .long, help: "Pairs listed per family in a cross-duplicates answer; past it the lists are cut and marked truncated.")
    var maxPairs = ServiceSettings.defaultMaxPairs

    @Option(name: .long, help: "Bytes of JPEG the store keeps as thumbnails (GET .../images/{key}/thumbnail); past it the oldest are dropped.")
    var thumbnailCacheBytes = ServiceSettings.defaultThumbnailCacheBytes

    // Advanced (tests): how long a replica's scan job may go without a heartbeat before another
    // replica on the same PostgreSQL store takes it over and resumes it.
    @Option(name: .long, help: .hidden)
    var scanLeaseSeconds: Double = ServiceSettings.defaultScanLeaseSeconds

    func validate() throws {
        guard scanLeaseSeconds >= 1 else { throw ValidationError("--scan-lease-seconds must be at least 1") }
        _ = try Self.parseListen(listen)
        guard maxBodyBytes > 0, maxImagesPerRequest > 0, queueImages > 0, requestTimeout > 0, maxInflightPixels > 0, maxPairs > 0,
              maxQueryMatches > 0, thumbnailCacheBytes > 0 else {
            throw ValidationError("--max-body-bytes, --max-images-per-request, --max-query-matches, --queue-images, --request-timeout, --max-inflight-pixels, --max-pairs and --thumbnail-cache-bytes must be positive")
        }
        guard maxInflightBodyBytes >= maxBodyBytes else {
            throw ValidationError("--max-inflight-body-bytes (\(maxInflightBodyBytes)) must be at least --max-body-bytes (\(maxBodyBytes)): "
                                  + "otherwise a body of the largest size could never be read")
        }
    }

    static func parseListen(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen '\(text)': expected HOST:PORT, e.g. 127.0.0.1:8080")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("--listen '\(text)': no host") }
        return (host, port)
    }

    static func readKeys(_ path: String) throws -> Set<String> {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("--api-key-file \(path): cannot read it")
        }
        let keys = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard !keys.isEmpty else { throw ValidationError("--api-key-file \(path) holds no key") }
        return Set(keys)
    }

    func run() async throws {
        let logger = Runtime.logger()
        let (host, port) = try Self.parseListen(listen)
        let keys = try apiKeyFile.map(Self.readKeys) ?? []
        var resolvedRoots = [String]()
        for root in roots {
            guard let real = realpath(root, nil) else { throw ValidationError("--root \(root): no such folder") }
            resolvedRoots.append(String(cString: real))
            free(real)
        }
        let store = try storeOptions.open()
        let engines = try Runtime.engines(engineOptions, logger: logger)
        let metrics = ServiceMetrics(deviceKind: engines.description.kind, deviceName: engines.description.name)
        var settings = ServiceSettings(limits: Runtime.limits(engineOptions), roots: resolvedRoots, rootSpellings: roots,
                                       maxImagesPerRequest: maxImagesPerRequest, queueImages: queueImages,
                                       workers: engineOptions.threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                       maxQueryMatches: maxQueryMatches, maxInflightPixels: maxInflightPixels, maxPairs: maxPairs)
        settings.thumbnailCacheBytes = thumbnailCacheBytes
        settings.scanLeaseSeconds = scanLeaseSeconds
        // Replicas (several services on one PostgreSQL store): the change log's position is
        // taken before the service loads the store, so every write after the load is applied.
        let followFrom = try (store as? StoreChangeLog).map { log in
            do { return (log, try log.lastChangeSeq()) } catch {
                FileHandle.standardError.write(Data("crosshash: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        let service = try HashService(
            store: store,
            engines: engines,
            settings: settings,
            observe: { metrics.observe(images: $0, decode: $1, hash: $2) })
        if let (log, seq) = followFrom {
            ReplicaFollower(store: store, log: log, index: service.index, after: seq).start()
        }
        try await ServiceServer(service: service, metrics: metrics, host: host, port: port, apiKeys: keys,
                                maxBodyBytes: maxBodyBytes, requestTimeout: .seconds(requestTimeout),
                                maxInflightBodyBytes: maxInflightBodyBytes).run(logger: logger)
    }
}
