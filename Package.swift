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
        .library(name: "AssayCore", targets: ["AssayCore"]),
        .library(name: "AssayCrypto", targets: ["AssayCrypto"]),
        .library(name: "AssayLedger", targets: ["AssayLedger"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
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

        // The trusted core: what an auditor builds.
        .target(name: "AssayCore"),
        .target(name: "AssayCrypto", dependencies: ["AssayCore", "CAssayOpenSSL"]),
        .target(name: "AssayLedger", dependencies: ["AssayCore", "AssayCrypto"]),

        // The edges.
        .target(name: "AssayGit", dependencies: ["AssayCore", "AssayCrypto", "AssayLedger", "CAssayGit2"]),
        .target(
            name: "AssayCommandLine",
            dependencies: ["AssayCore", "AssayLedger", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // The auditor's build: verification only, no git, SQLite or networking.
        .executableTarget(
            name: "assay-verify",
            dependencies: ["AssayCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .target(name: "AssayBench", dependencies: ["AssayCore", "AssayCrypto", "AssayLedger"]),
        .executableTarget(
            name: "assay",
            dependencies: [
                "AssayCore", "AssayCrypto", "AssayLedger", "AssayBench", "AssayGit", "AssayCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .target(name: "AssayTestSupport", dependencies: ["AssayCore"], path: "Tests/AssayTestSupport"),
        .testTarget(
            name: "AssayCoreTests",
            dependencies: [
                "AssayCore", "AssayTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
        .testTarget(name: "AssayCryptoTests", dependencies: ["AssayCrypto", "AssayTestSupport"]),
        .testTarget(name: "AssayLedgerTests", dependencies: ["AssayLedger", "AssayCore", "AssayCrypto", "AssayTestSupport"]),
        .testTarget(
            name: "AssayCLITests",
            dependencies: ["assay", "assay-verify", "AssayCore", "AssayCrypto", "AssayLedger", "AssayGit", "AssayTestSupport", "CAssaySQLite", "CAssayGit2"]),
    ],
    swiftLanguageModes: [.v6]
)
