// swift-tools-version: 6.1
//
// Assay: verifiable, signed, content-addressed job-level metrics for the
// Livepeer network. Imports run one way, from the edges (CLI, servers, git,
// site) toward the trusted core (AssayCore, AssayCrypto, AssayLedger), which
// knows nothing of networking, servers, SQLite or git.

import PackageDescription

let package = Package(
    name: "Assay",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "assay", targets: ["assay"]),
        .executable(name: "assay-verify", targets: ["assay-verify"]),
        .executable(name: "assay-bench", targets: ["assay-bench"]),
        .library(name: "AssayCore", targets: ["AssayCore"]),
        .library(name: "AssayCrypto", targets: ["AssayCrypto"]),
        .library(name: "AssayLedger", targets: ["AssayLedger"]),
        .library(name: "AssayScore", targets: ["AssayScore"]),
        // For Tests/fuzz/, a package of its own built with libFuzzer and AddressSanitizer.
        .library(name: "AssayIngest", targets: ["AssayIngest"]),
        .library(name: "AssayConfiguration", targets: ["AssayConfiguration"]),
        .library(name: "AssayProbe", targets: ["AssayProbe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // C libraries of the system, one module each (pkg-config names, apt providers).
        .systemLibrary(
            name: "CAssayOpenSSL", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),
        .systemLibrary(
            name: "CAssaySQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),
        .systemLibrary(
            name: "CAssayGit2", pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"]), .brew(["libgit2"])]),
        .systemLibrary(
            name: "CAssayZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .systemLibrary(
            name: "CAssayZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),

        // The trusted core: what an auditor builds.
        .target(name: "AssayCore"),
        .target(name: "AssayCrypto", dependencies: ["AssayCore", "CAssayOpenSSL"]),
        // The stored form of large dataset files (spec/dataset.md §4.7): libzstd, transport only.
        .target(name: "AssayZstd", dependencies: ["AssayCore", "CAssayZstd"]),
        .target(name: "AssayLedger", dependencies: ["AssayCore", "AssayCrypto", "AssayProbe", "AssayZstd"]),
        .target(name: "AssayScore", dependencies: ["AssayCore", "AssayCrypto", "AssayLedger", "AssayZstd"]),
        // `assay export`: verified records as zstd JSON Lines, Parquet (through DuckDB), a Data Package and a data card.
        .target(name: "AssayExport", dependencies: ["AssayCore", "AssayCrypto", "AssayLedger", "AssayZstd"]),

        // The edges.
        // libgit2, wrapped: owned pointers and nothing else.
        .target(name: "AssayGit", dependencies: ["AssayCore", "CAssayGit2"]),
        // What operators do to a dataset's repository: publish (with replay), co-sign, amend the policy, check the history.
        .target(name: "AssayWorkflows", dependencies: ["AssayCore", "AssayCrypto", "AssayLedger", "AssayProbe", "AssayScore", "AssayGit", "AssayZstd"]),
        .target(name: "AssayStore", dependencies: ["AssayCore", "AssayCrypto", "CAssaySQLite"]),
        .target(name: "AssayIngest", dependencies: ["AssayCore"]),
        // The exporter's and the collector's YAML configurations: parsing and validation only.
        // The job tester's formats (spec/probe.md): scenario documents and the daily probe order; no networking.
        .target(name: "AssayProbe", dependencies: ["AssayCore", "AssayCrypto"]),
        .target(name: "AssayConfiguration", dependencies: ["AssayCore", "AssayLedger", "AssayProbe", .product(name: "Yams", package: "Yams")]),
        // A stand-in for a go-livepeer gateway (the API subset the job tester uses), for tests and the demo.
        .target(name: "AssayGatewayStandIn", dependencies: [
            "AssayCore", "AssayHTTP", "AssayProbe",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "AssayCollect", dependencies: [
            "AssayCore", "AssayCrypto", "AssayLedger", "AssayStore", "AssayIngest", "AssayGit", "AssayWorkflows", "AssayHTTP", "AssayScore", "AssayConfiguration",
            "AssayProbe",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ]),
        .target(name: "AssayHTTP", dependencies: [
            "CAssayZlib",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
        ]),
        .target(name: "AssayExporter", dependencies: [
            "AssayCore", "AssayStore", "AssayHTTP", "AssayConfiguration",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `assay witness`: a c2sp.org/tlog-witness server with its SQLite state (spec/log.md §9).
        .target(name: "AssayWitness", dependencies: [
            "AssayCore", "AssayCrypto", "AssayLedger", "AssayStore", "AssayHTTP",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(
            name: "AssayCommandLine",
            dependencies: ["AssayCore", "AssayCrypto", "AssayLedger", "AssayScore", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // The auditor's build: verification only, no git, SQLite or networking.
        .executableTarget(
            name: "assay-verify",
            dependencies: ["AssayCore", "AssayCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // The fuzz targets (Tests/fuzz/): every parser of outside input, with the properties it keeps;
        // assay-fuzz runs them under libFuzzer (Tests/fuzz/run) or replays files through them.
        .target(name: "AssayFuzzTargets", dependencies: ["AssayCore", "AssayCrypto", "AssayLedger", "AssayScore", "AssayIngest", "AssayConfiguration", "AssayProbe", "AssayZstd"]),
        .executableTarget(name: "assay-fuzz", dependencies: ["AssayFuzzTargets"]),
        // The workload simulator of the demo and tests.
        // The workload simulator of the demo, the benchmarks and the tests (records, gateway events, sealed datasets).
        .target(name: "AssaySimulate", dependencies: ["AssayCore", "AssayCrypto", "AssayLedger"]),
        // The static site: not part of the verification core.
        .target(name: "AssaySite", dependencies: [
            "AssayCore", "AssayCrypto", "AssayLedger", "AssayScore", "AssayStore", "AssayHTTP",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `assay demo`: the whole system on loopback (exporters, collectors, git, co-signing, the site).
        .target(name: "AssayDemo", dependencies: [
            "AssayCore", "AssayCrypto", "AssayLedger", "AssayScore", "AssayExporter", "AssayCollect", "AssayGit", "AssayWorkflows",
            "AssaySimulate", "AssaySite", "AssayConfiguration", "AssayWitness", "AssayGatewayStandIn", "AssayProbe",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ]),
        // The benchmarks, out of the product: `assay-bench`, which runs the `assay` built next to it.
        .target(name: "AssayBench", dependencies: [
            "AssayCore", "AssayCrypto", "AssayLedger", "AssayStore", "AssayIngest", "AssayCollect", "AssayScore", "AssaySite",
            "AssayConfiguration", "AssaySimulate", "AssayHTTP", "AssayGatewayStandIn",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .executableTarget(
            name: "assay-bench",
            dependencies: ["AssayBench", "AssayCommandLine", "AssaySimulate", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "assay",
            dependencies: [
                "AssayCore", "AssayCrypto", "AssayLedger", "AssayGit", "AssayWorkflows", "AssayCommandLine",
                "AssayStore", "AssayExporter", "AssayIngest", "AssayCollect", "AssayScore", "AssaySite", "AssaySimulate", "AssayDemo", "AssayConfiguration",
                "AssayWitness", "AssayProbe", "AssayExport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]),

        .target(name: "AssayTestSupport", dependencies: ["AssayCore", "AssayStore", "AssaySimulate", "AssayIngest", "AssayCollect"], path: "Tests/AssayTestSupport"),
        .testTarget(
            name: "AssayCoreTests",
            dependencies: [
                "AssayCore", "AssayTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
        .testTarget(name: "AssayCryptoTests", dependencies: ["AssayCrypto", "AssayTestSupport"]),
        .testTarget(name: "AssayLedgerTests", dependencies: ["AssayLedger", "AssayCore", "AssayCrypto", "AssayScore", "AssayZstd", "AssayTestSupport"]),
        .testTarget(name: "AssayScoreTests", dependencies: ["AssayScore", "AssayLedger", "AssayCore", "AssayCrypto", "AssayTestSupport"]),
        // One test target per module with logic, testing it in process (real SQLite files, real git repositories,
        // HTTP routers through HummingbirdTesting); AssayCLITests keeps what is about the command line and processes.
        .testTarget(name: "AssayProbeTests", dependencies: ["AssayProbe", "AssayConfiguration", "AssayCore", "AssayCrypto", "AssayScore", "AssayTestSupport"]),
        .testTarget(name: "AssayStoreTests", dependencies: ["AssayStore", "AssayCore", "AssayTestSupport"]),
        .testTarget(name: "AssayConfigurationTests", dependencies: [
            "AssayConfiguration", "AssayCore", "AssayCrypto", "AssayLedger", "AssayTestSupport", .product(name: "Yams", package: "Yams"),
        ]),
        .testTarget(name: "AssayIngestTests", dependencies: ["AssayIngest", "AssayCore", "AssayScore", "AssaySimulate", "AssayTestSupport"]),
        .testTarget(name: "AssayCollectTests", dependencies: [
            "AssayCollect", "AssayCore", "AssayIngest", "AssayStore", "AssaySimulate", "AssayTestSupport", "AssayProbe", "AssayGatewayStandIn", "AssayHTTP",
            "AssayConfiguration",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .testTarget(name: "AssayWitnessTests", dependencies: ["AssayWitness", "AssayCore", "AssayCrypto", "AssayLedger", "AssayTestSupport"]),
        .testTarget(name: "AssayExporterTests", dependencies: [
            "AssayExporter", "AssayConfiguration", "AssayCore", "AssayHTTP", "AssayStore", "AssayTestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "AssaySiteTests", dependencies: ["AssaySite", "AssayCore", "AssayCrypto", "AssayLedger", "AssaySimulate", "AssayTestSupport"]),
        .testTarget(name: "AssayGitTests", dependencies: ["AssayGit", "AssayCore", "AssayCrypto", "AssayTestSupport"]),
        .testTarget(name: "AssayWorkflowsTests", dependencies: [
            "AssayWorkflows", "AssayGit", "AssayCore", "AssayCrypto", "AssayLedger", "AssayTestSupport",
        ]),
        .testTarget(
            name: "AssayCLITests",
            dependencies: [
                "assay", "assay-verify", "AssayCore", "AssayCrypto", "AssayLedger", "AssayGit", "AssayWorkflows", "AssayStore", "AssayExporter",
                "AssayIngest", "AssayCollect", "AssayHTTP", "AssaySimulate", "AssayConfiguration", "AssayFuzzTargets", "AssayDemo", "AssayScore",
                "AssayWitness", "AssayTestSupport", "CAssaySQLite", "CAssayGit2", "AssayGatewayStandIn", "AssayProbe", .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
