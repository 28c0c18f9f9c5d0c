import AssayConfiguration
import AssayCore
import AssayCrypto
import AssayGit
import AssayIngest
import AssayLedger
import AssayScore
import AssayStore
import AsyncHTTPClient
import Foundation
import Logging

/// The collector's notion of time: UTC milliseconds, optionally compressed
/// (`speed` simulated milliseconds per real millisecond) so tests and the
/// demo can run days in seconds (spec/collector.md §4). Network timeouts are
/// never compressed.
public struct CollectorClock: Sendable {
    public let startMs: Int64
    public let speed: Double
    /// The system's clock, or one started at a given time (`--clock-start`, `--now`, the demo).
    public let kind: StagingStore.ClockKind
    let origin = ContinuousClock.now

    /// A simulated clock starting at `startMs`.
    public init(startMs: Int64, speed: Double = 1) {
        self.init(startMs: startMs, speed: speed, kind: .simulated)
    }

    init(startMs: Int64, speed: Double, kind: StagingStore.ClockKind) {
        self.startMs = startMs
        self.speed = speed
        self.kind = kind
    }

    /// The real clock.
    public static func system() -> CollectorClock {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return CollectorClock(startMs: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000, speed: 1, kind: .system)
    }

    public var nowMs: Int64 {
        let elapsed = ContinuousClock.now - origin
        let realMs = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return startMs + Int64(realMs * speed)
    }

    /// Sleeps until the simulated time `ms`.
    public func sleep(untilMs ms: Int64) async throws {
        let remaining = Double(ms - nowMs) / speed
        if remaining > 0 { try await Task.sleep(for: .milliseconds(Int64(remaining.rounded(.up)))) }
    }
}

/// What a seal-and-publish pass did.
public struct SealReport: Sendable {
    /// The days due at this pass, oldest first (all of them, whether sealed or not).
    public var due: [UTCDay] = []
    public var sealed: [UTCDay] = []
    /// Set when more days were due than `seal.max_catch_up_days` and catching up was not
    /// allowed: nothing was sealed.
    public var refusedCatchUp = false
    public var pushed = false
    public var pushError: String?
    /// Days whose scores this pass published (after the bundles were pushed).
    public var scoresPublished: [UTCDay] = []
    /// Witnesses that cosigned the newest checkpoint in this pass (spec/collector.md §1).
    public var witnessed: [String] = []
}

/// How a seal pass may go (spec/collector.md §4.1).
public struct SealOptions: Sendable {
    /// Seal every due day, however many.
    public var catchUp = false
    /// Work out the due days, seal and publish nothing.
    public var dryRun = false
    public init(catchUp: Bool = false, dryRun: Bool = false) {
        self.catchUp = catchUp
        self.dryRun = dryRun
    }
}

/// The long-running collector (spec/collector.md §4): every target on its own
/// schedule with jitter and backoff; each UTC day sealed after the grace
/// period (missed days on restart, empty ones included), committed with a
/// signed commit and pushed, the push retried with backoff until it succeeds.
public actor Collector {
    public let configuration: CollectorConfiguration
    public let clock: CollectorClock
    let logger: Logger
    let key: Ed25519PrivateKey
    let staging: StagingActor
    let client: HTTPClient
    /// The latest scrape of each target, for /metrics and /healthz.
    public private(set) var lastScrapes: [String: (outcome: Scraper.Outcome, atMs: Int64)] = [:]
    /// Push failures in a row (0 when the remote is up to date).
    public private(set) var pushFailures = 0
    public private(set) var lastSealed: UTCDay?
    /// Bundles already verified for published scores, by manifest hash.
    let bundleVerdicts = BundleVerdicts()
    /// The simulated time at which the collector first ran, persisted in the staging store's first records.
    let firstDay: UTCDay
    /// The spool of events that arrive over HTTP or standard input, when configured.
    let spool: GatewayEventSpool?
    /// One follower per gateway-event source (each file, and the spool).
    public let followers: [GatewayEventFollower]

    public init(configuration: CollectorConfiguration, clock: CollectorClock, key: Ed25519PrivateKey, logger: Logger) throws {
        self.configuration = configuration
        self.clock = clock
        self.key = key
        self.logger = logger
        // Everything that can fail comes before the HTTP client, which must be shut down once made.
        let staging = try StagingActor(path: configuration.staging)
        self.staging = staging
        let store = try StagingStore(path: configuration.staging)
        try store.adoptClock(clock.kind, nowMs: clock.nowMs)
        let staged = try store.days().first
        let started = staged.map { min($0, UTCDay(containing: clock.nowMs)) } ?? UTCDay(containing: clock.nowMs)
        firstDay = configuration.firstDay ?? started
        let spool = configuration.eventListen != nil || configuration.eventStdin ? try GatewayEventSpool(directory: configuration.eventSpool) : nil
        self.spool = spool
        let options = GatewaySessionizer.Options(observerID: configuration.collectorID, region: configuration.region)
        let sources: [any GatewayEventSource] = configuration.eventFiles.map { GatewayEventFile(path: $0) } + (spool.map { [$0] } ?? [])
        followers = sources.map { GatewayEventFollower(source: $0, staging: staging, options: options) }
        client = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    /// Releases the HTTP client when the collector was used without `run` (one seal pass by hand).
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Runs until cancelled; `onListening(name, address)` reports each local
    /// listener once bound ("events", "metrics").
    public func run(onListening: @escaping @Sendable (String, String) -> Void = { _, _ in }) async throws {
        defer { Task { [client] in try? await client.shutdown() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for target in configuration.targets {
                group.addTask { try await self.scrapeLoop(target) }
            }
            group.addTask { try await self.sealLoop() }
            for follower in followers {
                group.addTask { try await self.followLoop(follower) }
            }
            if let spool {
                if let listen = configuration.eventListen {
                    let router = GatewayEventListener(spool: spool).router()
                    group.addTask { try await localApplication(router: router, listen: listen, name: "events", logger: self.logger, onListening: onListening).run() }
                }
                if configuration.eventStdin { readStandardInput(into: spool) }
            }
            if let listen = configuration.metricsListen {
                group.addTask { try await CollectorMetricsServer(collector: self, listen: listen, logger: self.logger).run(onListening: onListening) }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Copies complete lines from standard input into the spool, on a thread of
    /// its own (the reads block); at end of input the last line is completed.
    nonisolated func readStandardInput(into spool: GatewayEventSpool) {
        let logger = logger
        let thread = Thread {
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 {
                    if !pending.isEmpty { try? spool.append(pending + [0x0A]) }
                    logger.notice("standard input ended; gateway events from the other sources are still taken")
                    return
                }
                pending += buffer[..<count]
                guard let newline = pending.lastIndex(of: 0x0A) else { continue }
                do { try spool.append(Array(pending[...newline])) } catch {
                    logger.error("spooling gateway events from standard input failed", metadata: ["error": "\(error)"])
                }
                pending.removeSubrange(...newline)
            }
        }
        thread.name = "assay-stdin"
        thread.start()
    }

    func scrapeLoop(_ target: CollectorConfiguration.Target) async throws {
        let scraper = Scraper(client: client, collectorID: configuration.collectorID, timeoutMs: configuration.scrapeTimeoutMs)
        var failures = 0
        var next = clock.nowMs + Self.jitter(target.url, interval: target.intervalMs)
        while !Task.isCancelled {
            try await clock.sleep(untilMs: next)
            let start = clock.nowMs
            let cursor = try await staging.cursor(target: target.url)
            let staging = staging
            let outcome = await scraper.scrape(target, startMs: start, cursor: cursor) { batch in
                try await staging.commit(batch, source: target.url, receivedMs: start)
            }
            record(target.url, outcome, at: start)
            if outcome.outcome == .ok || outcome.outcome == .pruned {
                failures = 0
                next = start + target.intervalMs
            } else {
                failures += 1
                logger.warning("scrape failed", metadata: ["target": "\(target.url)", "outcome": "\(outcome.outcome.rawValue)",
                                                          "reason": "\(outcome.reason ?? "")"])
                next = start + min(target.intervalMs << min(failures - 1, 20), 30 * 60_000)
            }
        }
    }

    func record(_ url: String, _ outcome: Scraper.Outcome, at ms: Int64) {
        lastScrapes[url] = (outcome, ms)
        scrapesSinceLog.scrapes += 1
        scrapesSinceLog.targets.insert(url)
        scrapesSinceLog.records += Int64(outcome.recordsReceived)
        if outcome.outcome != .ok && outcome.outcome != .pruned { scrapesSinceLog.failed.insert(url) }
    }

    /// Scrapes since the last summary line of the log.
    var scrapesSinceLog = ScrapeTally()
    struct ScrapeTally {
        var scrapes = 0
        var targets: Set<String> = []
        var failed: Set<String> = []
        var records: Int64 = 0
    }
    /// Each event source's (events, records) at the last log line, to log only what changed.
    var eventsLogged: [String: (events: Int64, records: Int64)] = [:]

    /// One line for the scrapes since the last one, and one per gateway-event source that read
    /// something (events read, records staged, entities still open).
    func logActivity() async {
        let tally = scrapesSinceLog
        scrapesSinceLog = ScrapeTally()
        if tally.scrapes > 0 {
            logger.notice("scraped", metadata: ["scrapes": "\(tally.scrapes)", "targets": "\(tally.targets.count)", "failed_targets": "\(tally.failed.count)",
                                               "records": "\(tally.records)"])
        }
        for follower in followers {
            let stats = await follower.stats
            let previous = eventsLogged[follower.name]
            guard previous == nil || previous! != (stats.events, stats.records) else { continue }
            eventsLogged[follower.name] = (stats.events, stats.records)
            logger.notice("gateway events", metadata: ["source": "\(follower.name)", "events": "\(stats.events)", "records": "\(stats.records)",
                                                      "open": "\(stats.open)"])
        }
    }

    /// Prometheus text format 0.0.4 (spec/collector.md §4).
    public func metricsText() async -> String {
        var lines = ["# HELP assay_collect_target_up 1 when the latest scrape of the target succeeded.", "# TYPE assay_collect_target_up gauge"]
        for target in configuration.targets {
            let up = lastScrapes[target.url].map { $0.outcome.outcome == .ok || $0.outcome.outcome == .pruned } ?? false
            lines.append("assay_collect_target_up{target=\"\(target.url)\"} \(up ? 1 : 0)")
        }
        lines += ["# HELP assay_collect_scrape_duration_seconds Duration of the latest scrape.", "# TYPE assay_collect_scrape_duration_seconds gauge"]
        for target in configuration.targets {
            let ms = lastScrapes[target.url]?.outcome.latencyMs ?? 0
            lines.append("assay_collect_scrape_duration_seconds{target=\"\(target.url)\"} \(Double(ms) / 1000)")
        }
        lines += ["# HELP assay_collect_records_staged_total Records staged by the latest scrape of each target.",
                  "# TYPE assay_collect_records_staged_total gauge"]
        for target in configuration.targets {
            lines.append("assay_collect_records_staged_total{target=\"\(target.url)\"} \(lastScrapes[target.url]?.outcome.recordsReceived ?? 0)")
        }
        lines += ["# HELP assay_collect_last_sealed_day_seconds Start of the newest sealed UTC day, seconds since the epoch.",
                  "# TYPE assay_collect_last_sealed_day_seconds gauge",
                  // 0 when nothing is sealed yet, or the dataset cannot be listed (the seal pass logs that).
                  "assay_collect_last_sealed_day_seconds \((lastSealed ?? (try? DatasetDirectory(configuration.repository).days(of: configuration.collectorID))?.last).map { $0.startMs / 1000 } ?? 0)",
                  "# HELP assay_collect_push_failures Consecutive failed pushes (0: the remote is up to date).",
                  "# TYPE assay_collect_push_failures gauge",
                  "assay_collect_push_failures \(pushFailures)"]
        // Gateway events (spec/collector.md §5.2): what each source has read and what is still open.
        var events = ["# HELP assay_collect_gateway_events_read_total Gateway-event lines read since the collector started.",
                      "# TYPE assay_collect_gateway_events_read_total counter"]
        var records = ["# HELP assay_collect_gateway_records_staged_total Records staged from gateway events since the collector started.",
                       "# TYPE assay_collect_gateway_records_staged_total counter"]
        var open = ["# HELP assay_collect_gateway_entities_open Sessions, requests and jobs open (waiting for more events or the idle timeout).",
                    "# TYPE assay_collect_gateway_entities_open gauge"]
        var oldest = ["# HELP assay_collect_gateway_oldest_open_seconds Age of the oldest open entity on the collector's clock (0: none open).",
                      "# TYPE assay_collect_gateway_oldest_open_seconds gauge"]
        var lastRead = ["# HELP assay_collect_gateway_last_read_seconds When the source last had new bytes, seconds since the epoch (0: never).",
                        "# TYPE assay_collect_gateway_last_read_seconds gauge"]
        let now = clock.nowMs
        for follower in followers {
            let label = "{source=\"\(follower.name)\"}"
            let stats = await follower.stats, detail = await follower.detail
            events.append("assay_collect_gateway_events_read_total\(label) \(stats.events)")
            records.append("assay_collect_gateway_records_staged_total\(label) \(stats.records)")
            open.append("assay_collect_gateway_entities_open\(label) \(stats.open)")
            oldest.append("assay_collect_gateway_oldest_open_seconds\(label) \(detail.oldestFirstMs.map { max(0, now - $0) / 1000 } ?? 0)")
            lastRead.append("assay_collect_gateway_last_read_seconds\(label) \((detail.lastReadMs ?? 0) / 1000)")
        }
        lines += events + records + open + oldest + lastRead
        let store = try? StagingStore(path: configuration.staging)
        if let store, let kinds = try? store.countsByKind(), let late = try? store.lateRecords() {
            lines += ["# HELP assay_collect_staged_records Records in the staging store by kind.", "# TYPE assay_collect_staged_records gauge"]
            lines += kinds.map { "assay_collect_staged_records{kind=\"\($0.kind)\"} \($0.records)" }
            lines += ["# HELP assay_collect_late_records Records that arrived after their day was sealed (kept in quarantine).",
                      "# TYPE assay_collect_late_records gauge", "assay_collect_late_records \(late)"]
        } else {
            lines += ["# HELP assay_collect_staging_readable 0 when the staging store could not be read for these metrics.",
                      "# TYPE assay_collect_staging_readable gauge", "assay_collect_staging_readable 0"]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A fixed per-target offset of up to 10 % of the interval, so targets do not all fire at once.
    static func jitter(_ url: String, interval: Int64) -> Int64 {
        let digest = MessageDigest.sha256(Array(url.utf8)).bytes
        let value = digest[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Int64(value % UInt64(max(interval / 10, 1)))
    }

    /// Follows a gateway-event file or the spool, polling every 250 ms of real time; the
    /// collector's clock closes entities that have gone silent (spec/collector.md §5).
    func followLoop(_ follower: GatewayEventFollower) async throws {
        while !Task.isCancelled {
            do { try await follower.poll(nowMs: clock.nowMs) } catch {
                logger.warning("reading gateway events failed", metadata: ["source": "\(follower.name)", "error": "\(error)"])
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Reads every gateway-event source to its end and closes what the clock says is over,
    /// before a day is sealed (spec/collector.md §4). A source that cannot be read is logged
    /// and the seal goes on: its events stay in the source for the next pass.
    public func advanceEvents(nowMs: Int64) async {
        for follower in followers {
            do { try await follower.poll(nowMs: nowMs) } catch {
                logger.warning("reading gateway events failed", metadata: ["source": "\(follower.name)", "error": "\(error)"])
            }
        }
    }

    func sealLoop() async throws {
        while !Task.isCancelled {
            await logActivity()
            _ = await sealAndPublish(options: sealOptions)
            let wait: Int64 = pushFailures > 0 ? min(60_000 << min(pushFailures - 1, 5), 30 * 60_000) : 60_000
            try await clock.sleep(untilMs: clock.nowMs + wait)
        }
    }

    /// The days due at `nowMs`, oldest first: from the day after the newest sealed one (or the
    /// collector's first day) through the last day whose end plus the grace has passed.
    public func dueDays(nowMs: Int64) throws(FileError) -> [UTCDay] {
        let newest = try DatasetDirectory(configuration.repository).days(of: configuration.collectorID).last
        var day = max(newest?.next ?? firstDay, configuration.firstDay ?? firstDay)
        var due: [UTCDay] = []
        while day.startMs + UTCDay.milliseconds + configuration.sealGraceMs <= nowMs {
            due.append(day)
            day = day.next
        }
        return due
    }

    /// Set by the daemon's `--catch-up` (`collect run`).
    var sealOptions = SealOptions()

    /// Lets the daemon seal any number of missed days (`collect run --catch-up`).
    public func allowCatchUp() { sealOptions.catchUp = true }

    /// Seals every due day not sealed yet (empty ones too), commits, and pushes; `nowMs`
    /// overrides the clock (a driver that steps simulated time itself, such as the demo).
    /// More than `seal.max_catch_up_days` due days are sealed only with `catchUp`; a dry
    /// run reports the due days and changes nothing (spec/collector.md §4.1).
    public func sealAndPublish(nowMs: Int64? = nil, options: SealOptions = SealOptions()) async -> SealReport {
        var report = SealReport()
        let directory = DatasetDirectory(configuration.repository)
        let now = nowMs ?? clock.nowMs
        do { report.due = try dueDays(nowMs: now) } catch {
            // Without knowing what is sealed, nothing may be sealed.
            logger.error("sealing failed: the dataset cannot be listed", metadata: ["error": "\(error)"])
            report.pushError = "the dataset cannot be listed: \(error)"
            return report
        }
        if options.dryRun { return report }
        if report.due.count > configuration.maxCatchUpDays && !options.catchUp {
            report.refusedCatchUp = true
            logger.error("not sealing: more days are due than seal.max_catch_up_days allows; run 'assay collect seal --dry-run' to see them and '--catch-up' to seal them",
                         metadata: ["due": "\(report.due.count)", "first": "\(report.due.first!)", "last": "\(report.due.last!)",
                                    "max_catch_up_days": "\(configuration.maxCatchUpDays)"])
            return report
        }
        // Every session that the clock has closed is staged before its day is sealed.
        if !report.due.isEmpty { await advanceEvents(nowMs: now) }
        var day = report.due.first ?? firstDay
        do {
            let store = try StagingStore(path: configuration.staging)
            try store.adoptClock(clock.kind, nowMs: now)
            for sealDay in report.due {
                day = sealDay
                let bundle = try directory.seal(collector: configuration.collectorID, day: sealDay, key: key, signer: configuration.signer) {
                    (sealer) throws(LedgerError) in
                    do {
                        try store.forEachRecord(day: sealDay) { bytes in
                            if let record = try? Record.parse(bytes) { sealer.add(record, canonical: bytes) }
                        }
                        for (reason, count) in try store.quarantinedCounts(day: sealDay) { sealer.reject(reason, count: count) }
                    } catch {
                        throw LedgerError(.io, "staging: \(error)")
                    }
                }
                logger.notice("sealed", metadata: ["day": "\(sealDay)", "records": "\(bundle.manifest.recordsTotal)",
                                                  "manifest": "\(bundle.manifestHash)"])
                try store.markSealed(through: sealDay)
                report.sealed.append(sealDay)
                lastSealed = sealDay
            }
        } catch {
            logger.error("sealing failed", metadata: ["day": "\(day)", "error": "\(error)"])
        }
        do {
            let repository = try GitRepository.open(configuration.repository)
            let outcome = try DatasetPublisher(repository: repository, remote: configuration.remote, branch: configuration.branch)
                .publish(key: key, signer: configuration.signer, time: now / 1000, push: true)
            report.pushed = true
            if let commit = outcome.commit {
                logger.notice("pushed", metadata: ["commit": "\(commit.prefix(12))", "files": "\(outcome.files.count)", "remote": "\(configuration.remote)",
                                                  "branch": "\(configuration.branch)"])
            }
            pushFailures = 0
        } catch {
            pushFailures += 1
            report.pushError = "\(error)"
            logger.warning("publishing failed; the local commit is kept and the push retried", metadata: ["error": "\(error)"])
            return report
        }
        await publishScores(directory, nowMs: now, report: &report)
        report.witnessed = await submitToWitnesses(nowMs: now)
        return report
    }

    /// Submits the newest checkpoint to the configured witnesses and commits and pushes their cosignatures
    /// (spec/collector.md §1). Failures are logged; the next pass tries again.
    func submitToWitnesses(nowMs: Int64) async -> [String] {
        guard !configuration.witnesses.isEmpty else { return [] }
        let targets = configuration.witnesses.map { WitnessPass.Target(name: $0.name, url: $0.url) }
        let outcome = await WitnessPass(dataset: configuration.repository, targets: targets).run(client: client)
        if let reason = outcome.skipped { logger.info("witnesses: nothing submitted", metadata: ["reason": "\(reason)"]) }
        for (witness, reason) in outcome.failures {
            logger.warning("witness did not cosign; tried again after the next publication", metadata: ["witness": "\(witness)", "reason": "\(reason)"])
        }
        guard !outcome.files.isEmpty else { return [] }
        let configuration = configuration, key = key, logger = logger
        return await Task.detached(priority: .utility) {
            do {
                let repository = try GitRepository.open(configuration.repository)
                let published = try DatasetPublisher(repository: repository, remote: configuration.remote, branch: configuration.branch)
                    .publish(key: key, signer: configuration.signer, time: nowMs / 1000, push: true)
                logger.notice("witnessed", metadata: ["checkpoint": "\(outcome.size ?? 0)", "witnesses": "\(outcome.cosigned.joined(separator: ","))",
                                                      "commit": "\(published.commit?.prefix(12) ?? "-")"])
                return outcome.cosigned
            } catch {
                logger.warning("witness cosignatures are written but not pushed; the next publication pushes them", metadata: ["error": "\(error)"])
                return []
            }
        }.value
    }

    /// Publishes the scores of the collector's recent days that have none yet (spec/scoring.md §10),
    /// each computed over the bundles of the tree it is committed onto, after the bundles are pushed.
    /// Scoring and its git round trip run off the actor, so scrapes and event passes go on meanwhile
    /// (a seal pass is awaited by one loop, so no other seal pass runs in between).
    func publishScores(_ directory: DatasetDirectory, nowMs: Int64, report: inout SealReport) async {
        let configuration = configuration, key = key, verdicts = bundleVerdicts, logger = logger
        let recentCount = max(configuration.maxCatchUpDays, report.sealed.count)
        let published: [UTCDay] = await Task.detached(priority: .utility) {
            do {
                let own = try directory.days(of: configuration.collectorID)
                let missing = own.suffix(recentCount).filter {
                    !Files.exists("\(directory.root)/\(DatasetDirectory.scoresRelativePath(collector: configuration.collectorID, day: $0))")
                }
                guard !missing.isEmpty else { return [] }
                let repository = try GitRepository.open(configuration.repository)
                let outcome = try DatasetPublisher(repository: repository, remote: configuration.remote, branch: configuration.branch)
                    .publishScores(days: Array(missing), collector: configuration.collectorID, key: key, signer: configuration.signer, time: nowMs / 1000) { day in
                        try PublishedScores.write(directory, collector: configuration.collectorID, day: day, key: key, signer: configuration.signer,
                                                  verdicts: verdicts) != nil
                    }
                if let reason = outcome.deferred {
                    logger.notice("scores deferred", metadata: ["reason": "\(reason)"])
                } else if !outcome.published.isEmpty {
                    logger.notice("scores published", metadata: ["days": "\(outcome.published.map(\.description).joined(separator: ","))"])
                }
                return outcome.published
            } catch {
                logger.error("publishing the scores failed; the next seal pass tries again", metadata: ["error": "\(error)"])
                return []
            }
        }.value
        report.scoresPublished = published
    }
}

#if canImport(Glibc)
import Glibc
#endif
