import AssayConfiguration
import AssayCore
import AssayCrypto
import AssayGit
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
    let origin = ContinuousClock.now

    public init(startMs: Int64, speed: Double = 1) {
        self.startMs = startMs
        self.speed = speed
    }

    /// The real clock.
    public static func system() -> CollectorClock {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return CollectorClock(startMs: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
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
    public var sealed: [UTCDay] = []
    public var pushed = false
    public var pushError: String?
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
    /// The simulated time at which the collector first ran, persisted in the staging store's first records.
    let firstDay: UTCDay

    public init(configuration: CollectorConfiguration, clock: CollectorClock, key: Ed25519PrivateKey, logger: Logger) throws {
        self.configuration = configuration
        self.clock = clock
        self.key = key
        self.logger = logger
        staging = try StagingActor(path: configuration.staging)
        client = HTTPClient(eventLoopGroupProvider: .singleton)
        let staged = try StagingStore(path: configuration.staging).days().first
        firstDay = staged.map { min($0, UTCDay(containing: clock.nowMs)) } ?? UTCDay(containing: clock.nowMs)
    }

    /// Releases the HTTP client when the collector was used without `run` (one seal pass by hand).
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Runs until cancelled; `onListening(name, address)` reports each local
    /// listener once bound ("events", "metrics").
    public func run(onListening: @escaping @Sendable (String, String) -> Void = { _, _ in }) async throws {
        defer { Task { [client] in try? await client.shutdown() } }
        let spool = configuration.eventListen != nil || configuration.eventStdin ? try GatewayEventSpool(directory: configuration.eventSpool) : nil
        try await withThrowingTaskGroup(of: Void.self) { group in
            for target in configuration.targets {
                group.addTask { try await self.scrapeLoop(target) }
            }
            group.addTask { try await self.sealLoop() }
            for path in configuration.eventFiles {
                group.addTask { try await self.followLoop(GatewayEventFile(path: path)) }
            }
            if let spool {
                group.addTask { try await self.followLoop(spool) }
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

    func record(_ url: String, _ outcome: Scraper.Outcome, at ms: Int64) { lastScrapes[url] = (outcome, ms) }

    /// Prometheus text format 0.0.4 (spec/collector.md §4).
    public func metricsText() -> String {
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
                  "assay_collect_last_sealed_day_seconds \((lastSealed ?? DatasetDirectory(configuration.repository).days(of: configuration.collectorID).last).map { $0.startMs / 1000 } ?? 0)",
                  "# HELP assay_collect_push_failures Consecutive failed pushes (0: the remote is up to date).",
                  "# TYPE assay_collect_push_failures gauge",
                  "assay_collect_push_failures \(pushFailures)"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// A fixed per-target offset of up to 10 % of the interval, so targets do not all fire at once.
    static func jitter(_ url: String, interval: Int64) -> Int64 {
        let digest = Hasher.sha256(Array(url.utf8)).bytes
        let value = digest[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Int64(value % UInt64(max(interval / 10, 1)))
    }

    /// Follows a gateway-event file or the spool, polling every 250 ms of real time.
    func followLoop(_ source: any GatewayEventSource) async throws {
        let follower = GatewayEventFollower(source: source, staging: staging,
                                            options: .init(observerID: configuration.collectorID, region: configuration.region))
        while !Task.isCancelled {
            do { try await follower.poll() } catch {
                logger.warning("reading gateway events failed", metadata: ["source": "\(source.name)", "error": "\(error)"])
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    func sealLoop() async throws {
        while !Task.isCancelled {
            _ = await sealAndPublish()
            let wait: Int64 = pushFailures > 0 ? min(60_000 << min(pushFailures - 1, 5), 30 * 60_000) : 60_000
            try await clock.sleep(untilMs: clock.nowMs + wait)
        }
    }

    /// Seals every due day not sealed yet (empty ones too), commits, and pushes; `nowMs`
    /// overrides the clock (a driver that steps simulated time itself, such as the demo).
    public func sealAndPublish(nowMs: Int64? = nil) async -> SealReport {
        var report = SealReport()
        let directory = DatasetDirectory(configuration.repository)
        let now = nowMs ?? clock.nowMs
        let newest = directory.days(of: configuration.collectorID).last
        var day = newest?.next ?? firstDay
        do {
            let store = try StagingStore(path: configuration.staging)
            while day.startMs + UTCDay.milliseconds + configuration.sealGraceMs <= now {
                let sealDay = day
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
                // The day's scores over every bundle present now (spec/scoring.md §10); they name their inputs.
                do { try PublishedScores.write(directory, collector: configuration.collectorID, day: sealDay, key: key, signer: configuration.signer) } catch {
                    logger.error("writing the day's scores failed", metadata: ["day": "\(sealDay)", "error": "\(error)"])
                }
                report.sealed.append(sealDay)
                lastSealed = sealDay
                day = day.next
            }
        } catch {
            logger.error("sealing failed", metadata: ["day": "\(day)", "error": "\(error)"])
        }
        do {
            let repository = try GitRepository.open(configuration.repository)
            _ = try DatasetPublisher(repository: repository, remote: configuration.remote)
                .publish(key: key, signer: configuration.signer, time: now / 1000, push: true)
            report.pushed = true
            pushFailures = 0
        } catch {
            pushFailures += 1
            report.pushError = "\(error)"
            logger.warning("publishing failed; the local commit is kept and the push retried", metadata: ["error": "\(error)"])
        }
        return report
    }
}

#if canImport(Glibc)
import Glibc
#endif
