import ArgumentParser
import AssayCollect
import AssayCommandLine
import AssayConfiguration
import AssayCore
import AssayCrypto
import AssayLedger
import Logging
import AssayStore
import AsyncHTTPClient
import Foundation

struct CollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "The gateway operator's collector: configuration, scraping and staging.",
        discussion: """
            'run' is the daemon: it scrapes every target on its schedule, seals each UTC day after the \
            grace period into the dataset repository (missed days on restart, empty days too), \
            commits with an SSH-signed commit and pushes, retrying the push with backoff. \
            'scrape' runs one round by hand; 'seal' seals and publishes the due days by hand; \
            'status' shows cursors and staged days; 'check-config' \
            explains every configuration error with its line. Format: spec/collector.md.

            Example:
              assay collect check-config collector.yaml && assay collect run --config collector.yaml
            """,
        subcommands: [CollectRun.self, CollectCheckConfig.self, CollectScrape.self, CollectSeal.self, CollectStatus.self])
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
        for path in configuration.eventFiles { print("  gateway events: follow \(path)") }
        if let listen = configuration.eventListen { print("  gateway events: POST http://\(listen)/v1/events (spooled in \(configuration.eventSpool))") }
        if configuration.eventStdin { print("  gateway events: standard input (spooled in \(configuration.eventSpool))") }
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
        abstract: "Show each target's cursor, staged records, last attempt and failure, and the next seal.",
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
        let probes = try store.latestProbes()
        for target in configuration.targets {
            print("\(target.url)  cursor \(try store.cursor(target: target.url))  staged \(counts[target.url] ?? 0)")
            let latest = probes[target.url]
            print("  last attempt: \(latest.map { Self.describe($0.latest) } ?? "none yet")")
            if let failure = latest?.latestFailure { print("  last failure: \(Self.describe(failure))") }
        }
        let days = try store.days()
        print("staged days: \(days.isEmpty ? "none" : days.map(\.description).joined(separator: ", "))")
        print("late records (arrived after their day was sealed, kept in quarantine): \(try store.lateRecords())")
        let sealed = DatasetDirectory(configuration.repository).days(of: configuration.collectorID).last
        if let next = sealed?.next ?? days.first {
            let due = next.startMs + UTCDay.milliseconds + configuration.sealGraceMs
            print("last sealed day: \(sealed.map(\.description) ?? "none"); next seal: \(next) at \(UTCTime.iso8601(milliseconds: due)) "
                  + "(the day's end plus the \(configuration.sealGraceMs / 60_000) min grace)")
        } else {
            print("last sealed day: none; next seal: the first day with staged data, after its end plus the grace period")
        }
    }

    /// "ok at 2026-01-01T00:10:00.000Z (HTTP 200, 25 records)" from a probe record's bytes.
    static func describe(_ probe: [UInt8]) -> String {
        guard let value = try? JSONParser().parse(probe) else { return "unreadable probe record" }
        let outcome = value["outcome"]?.stringValue ?? "?"
        let start = value["start_ms"].flatMap { if case .integer(let ms) = $0 { ms } else { nil } }
        var details: [String] = []
        if case .integer(let status)? = value["http_status"] { details.append("HTTP \(status)") }
        if case .integer(let records)? = value["records_received"] { details.append("\(records) records") }
        return "\(outcome) at \(start.map { UTCTime.iso8601(milliseconds: $0) } ?? "?")\(details.isEmpty ? "" : " (\(details.joined(separator: ", ")))")"
    }
}

struct CollectSeal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Seal every due day from the staging store, commit, and push (what the daemon does each minute).",
        discussion: """
            A day is due when its end plus the seal grace has passed. Days without records are sealed \
            too, so the chain has no silent gaps. When other collectors pushed to the same dataset \
            first, the commit is replayed on top of theirs and pushed again. --now fixes the current \
            time (a UTC time YYYY-MM-DDTHH:MM:SSZ), for tests and for sealing a backlog exactly.

            Example:
              assay collect seal --config collector.yaml
            """)

    @Option(help: "The YAML configuration file.")
    var config: String

    @Option(help: "The current time, YYYY-MM-DDTHH:MM:SSZ (default: the clock).")
    var now: String?

    func run() async throws {
        let configuration = try loadCollectorConfiguration(config)
        let key = try KeyFiles.readPrivateKey(at: configuration.key).key
        var clock = CollectorClock.system()
        if let now {
            guard let seconds = UTCTime.parseSeconds(now) else { throw ValidationError("--now must be YYYY-MM-DDTHH:MM:SSZ") }
            clock = CollectorClock(startMs: seconds * 1000, speed: 1)
        }
        var logger = Logger(label: "assay.collect")
        logger.logLevel = .warning
        let collector = try Collector(configuration: configuration, clock: clock, key: key, logger: logger)
        let report = await collector.sealAndPublish()
        await collector.shutdown()
        print(report.sealed.isEmpty ? "No day is due" : "Sealed \(report.sealed.map(\.description).joined(separator: ", "))")
        if report.pushed { print("Published to \(configuration.remote)") }
        if let error = report.pushError { throw Failure(message: "publishing failed: \(error)") }
    }
}

struct CollectRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the collector: scrape on schedule, seal and publish every UTC day.",
        discussion: """
            Stops cleanly on SIGTERM or SIGINT (every committed page and bundle is durable). \
            --clock-start and --speed compress time for tests and demos: the collector's clock \
            starts at the given UTC millisecond and runs SPEED times faster than real time \
            (network timeouts stay real).

            Example:
              assay collect run --config collector.yaml
              assay collect run --config collector.yaml --clock-start 1767225600000 --speed 1440
            """)

    @Option(help: "The YAML configuration file.")
    var config: String

    @Option(help: "Start the collector's clock at this UTC time in milliseconds (testing, demos).")
    var clockStart: Int64?

    @Option(help: "Simulated milliseconds per real millisecond (with --clock-start).")
    var speed: Double = 1

    func validate() throws {
        guard speed > 0 else { throw ValidationError("--speed must be positive") }
    }

    func run() async throws {
        let configuration = try loadCollectorConfiguration(config)
        let key = try KeyFiles.readPrivateKey(at: configuration.key).key
        let clock = clockStart.map { CollectorClock(startMs: $0, speed: speed) } ?? CollectorClock.system()
        var logger = Logger(label: "assay.collect")
        logger.logLevel = .notice
        let collector = try Collector(configuration: configuration, clock: clock, key: key, logger: logger)
        let task = Task {
            try await collector.run { name, address in Diagnostics.printToStandardOutput("\(name) listening on http://\(address)") }
        }
        let signals = TerminationSignals(cancelling: task)
        Diagnostics.printToStandardOutput("collector \(configuration.collectorID) running with \(configuration.targets.count) targets")
        do { try await task.value } catch is CancellationError {} catch where Task.isCancelled || task.isCancelled {}
        signals.stop()
        Diagnostics.printToStandardOutput("collector stopped")
    }
}
