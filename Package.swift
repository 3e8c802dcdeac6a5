// swift-tools-version:6.0
// crosshash: find the same picture across image collections (decode -> hash -> match -> report).
import PackageDescription

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
        .target(name: "HashKit", dependencies: ["CCodecs", "CLibCrypto", "CFileAccess"], path: "Sources/HashKit"),
        // Integer inner loops of the CPU engine in C, so they can use AVX2 when the CPU has it
        // (Swift code is compiled for baseline x86-64).
        .target(name: "CHashKernels", path: "Sources/CHashKernels"),
        // The SIMD CPU engine and matcher.
        .target(name: "CPUFallback", dependencies: ["HashKit", "CHashKernels"], path: "Sources/CPUFallback"),
        // The OpenCL engine and matcher; kernels from Kernels/ are embedded at build time.
        .target(name: "GPUHash", dependencies: ["HashKit", "COpenCL"], path: "Sources/GPUHash",
                plugins: ["EmbedKernels"]),
        .executableTarget(name: "EmbedKernelsTool", path: "Plugins/EmbedKernelsTool"),
        .plugin(name: "EmbedKernels", capability: .buildTool(), dependencies: ["EmbedKernelsTool"],
                path: "Plugins/EmbedKernels"),
        // The persistent hash store (SQLite through GRDB, WAL): datasets, files, content digests
        // and the hashes of every family, so runs only decode what changed.
        .target(name: "HashStore", dependencies: ["HashKit", .product(name: "GRDB", package: "GRDB.swift")],
                path: "Sources/HashStore"),
        // Re-checks candidate pairs from pixels (aligned thumbnails, worst region, contrast, colour)
        // to tell copies from look-alikes that only hash alike.
        .target(name: "Verification", dependencies: ["HashKit"], path: "Sources/Verification"),
        // Scanning datasets, the decode/hash pipeline, indexing into the store, cross-dataset
        // matching and the JSON outputs.
        .target(
            name: "Analysis",
            dependencies: ["HashKit", "HashStore", "CPUFallback", "GPUHash", "Verification", .product(name: "Logging", package: "swift-log")],
            path: "Sources/Analysis"
        ),
        // `crosshash serve`: the hashing service (core without HTTP in Core/, Hummingbird routes in
        // HTTP/); its OpenAPI document (openapi.json) is embedded at build time and served.
        .target(
            name: "Service",
            dependencies: [
                "HashKit", "HashStore", "Analysis",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Service",
            exclude: ["openapi.json"],
            plugins: ["EmbedAPIDocument"]
        ),
        .plugin(name: "EmbedAPIDocument", capability: .buildTool(), dependencies: ["EmbedKernelsTool"],
                path: "Plugins/EmbedAPIDocument"),
        // Human outputs: Venn diagrams and histograms (cairo), thumbnails, REPORT.md, report.html.
        .target(name: "Report", dependencies: ["HashKit", "Analysis", "Verification", "CCairo", "CCodecs"], path: "Sources/Report"),
        // The `crosshash` command line.
        .executableTarget(
            name: "App",
            dependencies: [
                "HashKit", "HashStore", "CPUFallback", "GPUHash", "Analysis", "Report", "Service",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/App"
        ),

        // Shared by the test targets (the ALGORITHMS.md §7 images, the brute-force matcher); never shipped.
        .target(name: "TestSupport", dependencies: ["HashKit"], path: "Tests/Support"),
        .testTarget(name: "HashKitTests", dependencies: ["HashKit", "TestSupport"], path: "Tests/HashKitTests"),
        .testTarget(name: "CPUFallbackTests", dependencies: ["TestSupport", "HashKit", "CPUFallback"], path: "Tests/CPUFallbackTests"),
        .testTarget(name: "GPUHashTests", dependencies: ["TestSupport", "HashKit", "CPUFallback", "GPUHash"], path: "Tests/GPUHashTests"),
        .testTarget(name: "HashStoreTests", dependencies: ["HashKit", "HashStore"], path: "Tests/HashStoreTests"),
        .testTarget(name: "VerificationTests", dependencies: ["HashKit", "CCodecs", "Verification"], path: "Tests/VerificationTests"),
        .testTarget(name: "AnalysisTests", dependencies: ["TestSupport", "HashKit", "HashStore", "CPUFallback", "Analysis", "Verification"], path: "Tests/AnalysisTests"),
        .testTarget(name: "ReportTests", dependencies: ["HashKit", "CPUFallback", "Analysis", "Report"], path: "Tests/ReportTests"),
        // The service's routes in process (HummingbirdTesting's router client, no socket): routing,
        // validation and problem documents, on a temporary store with real pictures.
        .testTarget(name: "ServiceTests",
                    dependencies: ["Service", "HashKit", "HashStore", "CPUFallback", "Analysis",
                                   .product(name: "Hummingbird", package: "hummingbird"),
                                   .product(name: "HummingbirdTesting", package: "hummingbird"),
                                   .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                   .product(name: "Logging", package: "swift-log")],
                    path: "Tests/ServiceTests"),
        // Runs the built `crosshash` binary on generated datasets (depends on App so it is built first).
        .testTarget(name: "EndToEndTests", dependencies: ["App"], path: "Tests/EndToEndTests"),
    ],
    swiftLanguageModes: [.v5]
)
