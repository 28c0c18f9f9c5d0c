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
    try loadConfiguration(path, limit: 4 << 20) { CollectorConfiguration.parse(yaml: $0, relativeTo: $1) }
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
        if let share = configuration.scrapeShare {
            print("  scrape share (spec/scale.md §3): \(configuration.targets.count) of \(configuration.targets.count + configuration.targetsOutsideShare.count) "
                  + "targets are this collector's, each orchestrator scraped by \(share.copies) of \(share.collectors.count) collectors; the others are left to them:")
            for target in configuration.targetsOutsideShare {
                print("    not scraped here: \(target.url)  \(target.orchestrator)  (scraped by \(ScrapeAssignment.scrapers(of: target.orchestrator, collectors: share.collectors, copies: share.copies).joined(separator: ", ")))")
            }
        }
        for path in configuration.eventFiles { print("  gateway events: follow \(path)") }
        if let listen = configuration.eventListen { print("  gateway events: POST http://\(listen)/v1/events (spooled in \(configuration.eventSpool))") }
        if configuration.eventStdin { print("  gateway events: standard input (spooled in \(configuration.eventSpool))") }
        if let probe = configuration.probe {
            print("  job tester \(probe.testerID): scenarios \(probe.scenarios), gateway \(probe.api) (CLI \(probe.cli)), webhook http://\(probe.webhookListen)/orchestrators")
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

    @Option(help: "The current time on the collector's clock, YYYY-MM-DDTHH:MM:SS[.mmm]Z (default: the system clock; required when the staging store runs on a simulated clock).")
    var now: String?

    func validate() throws {
        if let now, UTCTime.parseMilliseconds(now) == nil { throw ValidationError("--now must be YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS.mmmZ") }
    }

    func run() async throws {
        let configuration = try loadCollectorConfiguration(config)
        let clock = now.flatMap(UTCTime.parseMilliseconds).map { CollectorClock(startMs: $0) } ?? CollectorClock.system()
        let nowMs = clock.startMs  // the time given, exactly (or the system clock's, read once)
        // One clock per store: probes are staged under the clock's day, never another.
        try StagingStore(path: configuration.staging).adoptClock(clock.kind, nowMs: nowMs)
        let staging = try StagingActor(path: configuration.staging)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let results: [(CollectorConfiguration.Target, Scraper.Report)]
        do {
            results = try await CollectRound(configuration: configuration, staging: staging, client: client)
                .run(nowMs: nowMs)
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
        let sources = configuration.eventFiles + (configuration.eventListen != nil || configuration.eventStdin ? [configuration.eventSpool] : [])
        let stats = Dictionary(try store.followStats().map { ($0.path, $0) }, uniquingKeysWith: { $1 })
        for source in sources {
            guard let stat = stats[source] else {
                print("gateway events \(source): not read yet")
                continue
            }
            func time(_ ms: Int64?) -> String { ms.map { UTCTime.iso8601(milliseconds: $0) } ?? "never" }
            func age(_ ms: Int64?) -> String {
                guard let ms else { return "" }
                let seconds = max(0, stat.polledMs - ms) / 1000
                return seconds >= 3600 ? "\(seconds / 3600) h \(seconds % 3600 / 60) min" : seconds >= 60 ? "\(seconds / 60) min \(seconds % 60) s" : "\(seconds) s"
            }
            print("gateway events \(source): \(stat.events) events read, \(stat.records) records staged (since the collector started); "
                  + "newest event \(time(stat.lastEventMs)); last new bytes at \(time(stat.lastReadMs)); last pass at \(time(stat.polledMs))")
            print(stat.openEntities == 0 ? "  no session, request or job open"
                  : "  \(stat.openEntities) open (sessions, requests, jobs): the oldest began \(age(stat.oldestOpenFirstMs)) before the last pass, "
                    + "the quietest has been silent \(age(stat.stalestOpenLastMs)); each closes after the idle timeout (spec/collector.md §5)")
        }
        let kinds = try store.countsByKind()
        print("staged records by kind: \(kinds.isEmpty ? "none" : kinds.map { "\($0.kind) \($0.records)" }.joined(separator: ", "))")
        let days = try store.days()
        print("staged days: \(days.isEmpty ? "none" : days.map(\.description).joined(separator: ", "))")
        print("late records (arrived after their day was sealed, kept in quarantine): \(try store.lateRecords())")
        if let clock = try store.clock() {
            print("clock: \(clock.kind == .system ? "the system clock" : "simulated"), last used at \(UTCTime.iso8601(milliseconds: clock.latestMs))")
        }
        let sealed = try DatasetDirectory(configuration.repository).days(of: configuration.collectorID).last
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
            too, so the chain has no silent gaps; nothing before collector.first_day is sealed. First \
            every gateway-event source is read to its end and the sessions the clock has closed are \
            staged. When more days are due than seal.max_catch_up_days (default 7), nothing is sealed \
            unless --catch-up is given: --dry-run lists the due days and changes nothing. When other \
            collectors pushed to the same dataset first, the commit is replayed on top of theirs and \
            pushed again. --now fixes the current time, for tests and for sealing a backlog exactly; \
            a staging store that runs on a simulated clock needs it.

            Examples:
              assay collect seal --config collector.yaml --dry-run
              assay collect seal --config collector.yaml
              assay collect seal --config collector.yaml --now 2026-01-10T03:00:00Z --catch-up
            """)

    @Option(help: "The YAML configuration file.")
    var config: String

    @Option(help: "The current time, YYYY-MM-DDTHH:MM:SS[.mmm]Z (default: the system clock).")
    var now: String?

    @Flag(help: "List the days that are due, and seal nothing.")
    var dryRun = false

    @Flag(help: "Seal every due day, even more than seal.max_catch_up_days.")
    var catchUp = false

    func validate() throws {
        if let now, UTCTime.parseMilliseconds(now) == nil { throw ValidationError("--now must be YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS.mmmZ") }
    }

    func run() async throws {
        let configuration = try loadCollectorConfiguration(config)
        let key = try KeyFiles.readPrivateKey(at: configuration.key).key
        let clock = now.flatMap(UTCTime.parseMilliseconds).map { CollectorClock(startMs: $0) } ?? CollectorClock.system()
        LineLogHandler.bootstrap(format: .text)
        var logger = Logger(label: "assay.collect")
        logger.logLevel = .warning
        let collector = try Collector(configuration: configuration, clock: clock, key: key, logger: logger)
        let report = await collector.sealer.sealAndPublish(nowMs: clock.startMs, options: SealOptions(catchUp: catchUp, dryRun: dryRun))
        await collector.shutdown()
        let range = report.due.isEmpty ? "" : report.due.count == 1 ? "\(report.due[0])" : "\(report.due.first!) … \(report.due.last!)"
        if dryRun {
            print(report.due.isEmpty ? "No day is due at \(UTCTime.iso8601(milliseconds: clock.startMs))"
                  : "Due at \(UTCTime.iso8601(milliseconds: clock.startMs)): \(report.due.count) day\(report.due.count == 1 ? "" : "s"), \(range)")
            for day in report.due { print("  \(day)") }
            if report.due.count > configuration.maxCatchUpDays {
                print("More than seal.max_catch_up_days (\(configuration.maxCatchUpDays)): sealing them needs --catch-up.")
            }
            print("Dry run: nothing was sealed or published.")
            return
        }
        if report.refusedCatchUp {
            throw Failure(message: "\(report.due.count) days are due (\(range)), more than seal.max_catch_up_days (\(configuration.maxCatchUpDays)); "
                + "nothing was sealed. Check the list with --dry-run, then seal them all with --catch-up, or set collector.first_day "
                + "in \(config) to start later.")
        }
        print(report.sealed.isEmpty ? "No day is due" : "Sealed \(report.sealed.map(\.description).joined(separator: ", "))")
        if report.pushed { print("Published to \(configuration.remote) (branch \(configuration.branch))") }
        if let error = report.pushError { throw Failure(message: "publishing failed: \(error)") }
    }
}

struct CollectRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the collector: scrape on schedule, seal and publish every UTC day.",
        discussion: """
            Stops cleanly on SIGTERM or SIGINT (every committed page and bundle is durable). \
            Logs one line per scrape summary, gateway-event pass, seal and push (--log-format json \
            for machines). More missed days than seal.max_catch_up_days are sealed only with \
            --catch-up. --clock-start and --speed compress time for tests and demos: the \
            collector's clock starts at the given UTC time and runs SPEED times faster than real \
            time (network timeouts stay real); a staging store keeps the clock it started with.

            Examples:
              assay collect run --config collector.yaml
              assay collect run --config collector.yaml --clock-start 2026-01-01T00:00:00Z --speed 1440
            """)

    @Option(help: "The YAML configuration file.")
    var config: String

    @OptionGroup var clockOptions: ClockOptions

    @Flag(help: "Seal every missed day, even more than seal.max_catch_up_days.")
    var catchUp = false

    @Option(help: "The log's format: text (one line per event) or json (one object per line).")
    var logFormat: LogFormat = .text

    func run() async throws {
        let configuration = try loadCollectorConfiguration(config)
        let key = try KeyFiles.readPrivateKey(at: configuration.key).key
        let clock = clockOptions.clock
        LineLogHandler.bootstrap(format: logFormat)
        var logger = Logger(label: "assay.collect")
        logger.logLevel = .notice
        let collector = try Collector(configuration: configuration, clock: clock, key: key, logger: logger) { name, address in
            Diagnostics.printToStandardOutput("\(name) listening on http://\(address)")
        }
        if catchUp { await collector.sealer.allowCatchUp() }
        Diagnostics.printToStandardOutput("collector \(configuration.collectorID) running with \(configuration.targets.count) targets")
        try await collector.run()
        Diagnostics.printToStandardOutput("collector stopped")
    }
}

/// `--clock-start` and `--speed`: a daemon's clock compressed for tests and demos (network timeouts never are).
struct ClockOptions: ParsableArguments {
    @Option(help: "Start the clock at this UTC time, YYYY-MM-DDTHH:MM:SS[.mmm]Z (testing, demos).")
    var clockStart: String?

    @Option(help: "Simulated milliseconds per real millisecond (with --clock-start).")
    var speed: Double = 1

    func validate() throws {
        guard speed > 0 else { throw ValidationError("--speed must be positive") }
        if let clockStart, UTCTime.parseMilliseconds(clockStart) == nil {
            throw ValidationError("--clock-start must be YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS.mmmZ")
        }
        if speed != 1 && clockStart == nil { throw ValidationError("--speed needs --clock-start") }
    }

    /// The system's clock, or the simulated one the options start.
    var clock: CollectorClock {
        clockStart.flatMap(UTCTime.parseMilliseconds).map { CollectorClock(startMs: $0, speed: speed) } ?? CollectorClock.system()
    }
}
