// swift-tools-version:6.0
// crosshash: find the same picture across image collections (decode -> hash -> match -> report).
import PackageDescription

// The pixel loops (HashKit's exact reference maths, the CPU engine, verification) are optimised in
// debug builds too: the test suite and its end-to-end runs of the debug binary push thousands of
// real pictures through them, which unoptimised took most of the suite's time (the golden-fixture
// test: 69 s unoptimised, 7 s optimised). Optimisation does not change results: these modules use
// no fast-math, and release builds, which the conformance checks run, are optimised anyway.
let testSpeed: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "crosshash",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "crosshash", targets: ["App"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        // Hummingbird's own dependencies, named because Service imports them (channel handlers,
        // HTTP field types).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        // Server-rendered templates of the curators' pages (/ui/); {{ }} escapes HTML.
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        // No multipart library: MultipartKit traps (killing the server) on hostile bytes in part
        // headers; Sources/Service/HTTP/Multipart.swift is a small strict parser instead.
    ],
    targets: [
        // C shims over the system codecs: libjpeg-turbo and libpng report errors with longjmp,
        // which Swift cannot catch, so decoding runs in C and hands back pixels or a message.
        // GIF and BMP are decoded in C as Pillow decodes them; WebP through libwebp (+ demux for
        // the animation decoder Pillow uses); TIFF through libtiff.
        .target(
            name: "CCodecs",
            path: "Sources/CCodecs",
            linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16"), .linkedLibrary("z"),
                             .linkedLibrary("webpdemux"), .linkedLibrary("webp"), .linkedLibrary("tiff")]
        ),
        .systemLibrary(name: "CCairo", path: "Sources/CCairo", pkgConfig: "cairo",
                       providers: [.apt(["libcairo2-dev"])]),
        // OpenCL entry points, resolved with dlopen at run time so the binary starts without OpenCL.
        .target(
            name: "COpenCL",
            path: "Sources/COpenCL",
            linkerSettings: [.linkedLibrary("dl")]
        ),

        // OpenSSL's libcrypto, for the SHA-256 content digests the store recognises files by.
        .systemLibrary(name: "CLibCrypto", path: "Sources/CLibCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),

        // openat2(2) for opening dataset files beneath their root with no link followed
        // (glibc has no wrapper; Swift cannot call the variadic syscall()).
        .target(name: "CFileAccess", path: "Sources/CFileAccess"),

        // Core: image and hash value types, hash families, decoders, the exact reference maths
        // both engines share.
        .target(name: "HashKit", dependencies: ["CCodecs", "CLibCrypto", "CFileAccess"], path: "Sources/HashKit",
                swiftSettings: testSpeed),
        // Integer inner loops of the CPU engine in C, so they can use AVX2 when the CPU has it
        // (Swift code is compiled for baseline x86-64).
        .target(name: "CHashKernels", path: "Sources/CHashKernels"),
        // The SIMD CPU engine and matcher.
        .target(name: "CPUFallback", dependencies: ["HashKit", "CHashKernels"], path: "Sources/CPUFallback",
                swiftSettings: testSpeed),
        // The OpenCL engine and matcher; kernels from Kernels/ are embedded at build time.
        .target(name: "GPUHash", dependencies: ["HashKit", "COpenCL"], path: "Sources/GPUHash",
                plugins: ["EmbedKernels"]),
        .executableTarget(name: "EmbedKernelsTool", path: "Plugins/EmbedKernelsTool"),
        .plugin(name: "EmbedKernels", capability: .buildTool(), dependencies: ["EmbedKernelsTool"],
                path: "Plugins/EmbedKernels"),
        // The persistent hash store (SQLite through GRDB, WAL): datasets, files, content digests
        // and the hashes of every family, so runs only decode what changed.
        .target(name: "HashStore", dependencies: ["HashKit", .product(name: "GRDB", package: "GRDB.swift"),
                                                 .product(name: "GRDBSQLite", package: "GRDB.swift")],
                path: "Sources/HashStore"),
        // libpq, PostgreSQL's C client: synchronous, as the store's API is (called from worker threads).
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        // The hash store in PostgreSQL (libpq), behind the same store interface (DatasetStoring)
        // as the SQLite store, with its own versioned migrations.
        .target(name: "HashStorePostgres", dependencies: ["HashKit", "HashStore", "CLibPQ"],
                path: "Sources/HashStorePostgres"),
        // Re-checks candidate pairs from pixels (aligned thumbnails, worst region, contrast, colour)
        // to tell copies from look-alikes that only hash alike.
        .target(name: "Verification", dependencies: ["HashKit"], path: "Sources/Verification", swiftSettings: testSpeed),
        // Feeding engines: the device choice and the engine set it builds (OpenCL with a CPU
        // fallback, or the CPU), the fallback engine, and the one pixel-budgeted batch feeder
        // (decoder threads -> engine) under both the CLI pipeline and the service's pool.
        .target(name: "Engines", dependencies: ["HashKit", "CPUFallback", "GPUHash"], path: "Sources/Engines"),
        // The canonical JSON writer and reader (byte-identical outputs, raw-byte strings) and atomic
        // file writes; used by the analysis outputs, the service and the report.
        .target(name: "JSONFiles", path: "Sources/JSONFiles"),
        // Scanning datasets, the decode/hash pipeline, indexing into the store, cross-dataset
        // matching and the JSON outputs.
        .target(
            name: "Analysis",
            dependencies: ["HashKit", "HashStore", "CPUFallback", "Engines", "Verification", "JSONFiles"],
            path: "Sources/Analysis"
        ),
        // `crosshash serve`: the hashing service (core without HTTP in Core/, Hummingbird routes in
        // HTTP/); its OpenAPI document (openapi.json) is embedded at build time and served.
        .target(
            name: "Service",
            dependencies: [
                "HashKit", "HashStore", "CPUFallback", "Engines", "Analysis", "JSONFiles",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            path: "Sources/Service",
            exclude: ["openapi.json"],
            plugins: ["EmbedAPIDocument"]
        ),
        .plugin(name: "EmbedAPIDocument", capability: .buildTool(), dependencies: ["EmbedKernelsTool"],
                path: "Plugins/EmbedAPIDocument"),
        // Human outputs: Venn diagrams and histograms (cairo), thumbnails, REPORT.md, report.html.
        .target(name: "Report", dependencies: ["HashKit", "Analysis", "Verification", "JSONFiles", "CCairo"], path: "Sources/Report"),
        // The `crosshash` command line.
        .executableTarget(
            name: "App",
            dependencies: [
                "HashKit", "HashStore", "CPUFallback", "GPUHash", "Engines", "Analysis", "Report", "Service", "JSONFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/App"
        ),

        // Shared by the test targets (the ALGORITHMS.md §7 images, the brute-force matcher); never shipped.
        .target(name: "TestSupport", dependencies: ["HashKit"], path: "Tests/Support"),
        .testTarget(name: "HashKitTests", dependencies: ["HashKit", "TestSupport"], path: "Tests/HashKitTests"),
        .testTarget(name: "CPUFallbackTests", dependencies: ["TestSupport", "HashKit", "CPUFallback", "CHashKernels"], path: "Tests/CPUFallbackTests"),
        .testTarget(name: "GPUHashTests", dependencies: ["TestSupport", "HashKit", "CPUFallback", "GPUHash"], path: "Tests/GPUHashTests"),
        .testTarget(name: "JSONFilesTests", dependencies: ["JSONFiles"], path: "Tests/JSONFilesTests"),
        .testTarget(name: "HashStoreTests", dependencies: ["HashKit", "HashStore", "HashStorePostgres"], path: "Tests/HashStoreTests"),
        .testTarget(name: "VerificationTests", dependencies: ["TestSupport", "HashKit", "Verification"], path: "Tests/VerificationTests"),
        .testTarget(name: "AnalysisTests", dependencies: ["TestSupport", "HashKit", "HashStore", "CPUFallback", "Engines", "Analysis", "Verification", "JSONFiles"], path: "Tests/AnalysisTests"),
        .testTarget(name: "ReportTests", dependencies: ["HashKit", "CPUFallback", "Analysis", "Report", "JSONFiles"], path: "Tests/ReportTests"),
        .testTarget(name: "EnginesTests", dependencies: ["HashKit", "CPUFallback", "Engines"], path: "Tests/EnginesTests"),
        // The service's routes in process (HummingbirdTesting's router client, no socket): routing,
        // validation and problem documents, on a temporary store with real pictures.
        .testTarget(name: "ServiceTests",
                    dependencies: ["Service", "HashKit", "HashStore", "CPUFallback", "Engines", "Analysis", "JSONFiles",
                                   .product(name: "Hummingbird", package: "hummingbird"),
                                   .product(name: "HummingbirdTesting", package: "hummingbird"),
                                   .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                   .product(name: "Logging", package: "swift-log")],
                    path: "Tests/ServiceTests"),
        // Runs the built `crosshash` binary on generated datasets (depends on App so it is built first).
        .testTarget(name: "EndToEndTests", dependencies: ["App", "TestSupport", "HashKit"], path: "Tests/EndToEndTests"),
    ],
    swiftLanguageModes: [.v5]
)
