import ArgumentParser
import AssayCollect
import AssayCommandLine
import AssayCore
import AssayStore
import AsyncHTTPClient
import Foundation

struct CollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "The gateway operator's collector: configuration, scraping and staging.",
        discussion: """
            Today: check-config, scrape (one round over every target, staged durably), status. The \
            long-running daemon with the daily seal and publish is specified in spec/collector.md §4 \
            and not built yet; seal a day from the staging store with \
            'assay seal --staging FILE' and publish it with 'assay publish'.
            """,
        subcommands: [CollectCheckConfig.self, CollectScrape.self, CollectStatus.self])
}

/// Loads a configuration or fails with every error and its line.
func loadCollectorConfiguration(_ path: String) throws -> CollectorConfiguration {
    let text = String(decoding: try Files.read(path, limit: 4 << 20), as: UTF8.self)
    let (configuration, errors) = CollectorConfiguration.parse(yaml: text, relativeTo: (path as NSString).deletingLastPathComponent)
    guard let configuration else {
        throw Failure(message: errors.map { "\(path):\($0.line.map(String.init) ?? "-"): \($0.reason)" }.joined(separator: "\n"))
    }
    return configuration
}

struct CollectCheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a collector configuration; every error is reported with its line.",
        discussion: """
            Example:
              assay collect check-config collector.yaml
            The format is spec/collector.md §1.
            """)

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() throws {
        let configuration = try loadCollectorConfiguration(file)
        print("\(file): ok — collector \(configuration.collectorID) (signer \(configuration.signer)), \(configuration.targets.count) targets, "
              + "scrape every \(configuration.scrapeIntervalMs / 1000) s with a \(configuration.scrapeTimeoutMs) ms timeout, "
              + "seal \(configuration.sealGraceMs / 60_000) min after each UTC day")
        for target in configuration.targets {
            print("  \(target.url)  \(target.orchestrator)\(target.region.map { "  \($0)" } ?? "")  every \(target.intervalMs / 1000) s")
        }
    }
}

struct CollectScrape: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scrape",
        abstract: "Scrape every target once and stage what they serve (one round).",
        discussion: """
            Each target: /v1/info is checked (api, schema, orchestrator address), pages are fetched \
            from the committed cursor, records validated, and each page committed with its cursor in \
            one transaction; a probe record states how the attempt went. Exit status 0 even when \
            targets fail: failures are data (probe records), listed below.

            Example:
              assay collect scrape --config collector.yaml
            """)

    @Option(help: "The YAML configuration file.")
    var config: String

    func run() async throws {
        let configuration = try loadCollectorConfiguration(config)
        let staging = try StagingActor(path: configuration.staging)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let results: [(CollectorConfiguration.Target, Scraper.Outcome)]
        do {
            results = try await CollectRound(configuration: configuration, staging: staging, client: client)
                .run(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        for (target, outcome) in results {
            print("\(outcome.outcome.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)) \(target.url)  records \(outcome.recordsReceived), quarantined \(outcome.quarantined), pages \(outcome.pages)\(outcome.reason.map { "  — \($0)" } ?? "")")
        }
    }
}

struct CollectStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each target's cursor and the staged record counts.",
        discussion: """
            Example:
              assay collect status --config collector.yaml
            """)

    @Option(help: "The YAML configuration file.")
    var config: String

    func run() throws {
        let configuration = try loadCollectorConfiguration(config)
        let store = try StagingStore(path: configuration.staging)
        let counts = Dictionary(try store.counts().map { ($0.source, $0.records) }, uniquingKeysWith: +)
        for target in configuration.targets {
            print("\(target.url)  cursor \(try store.cursor(target: target.url))  staged \(counts[target.url] ?? 0)")
        }
        let days = try store.days()
        print("staged days: \(days.isEmpty ? "none" : days.map(\.description).joined(separator: ", "))")
    }
}
