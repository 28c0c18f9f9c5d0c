import AssayConfiguration
import AssayCore
import AssayLedger
import AssayStore
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// What the collector tells its operator (spec/collector.md §4): a log line a minute (of the
/// collector's clock) for the scrapes since the last one and for each gateway-event source that
/// read something, and, when `metrics.listen` is set, `/metrics` (Prometheus) and `/healthz` on a
/// local listener. It reads the other services' state and owns only what it last logged.
public actor CollectorMetrics: Service {
    let configuration: CollectorConfiguration
    let clock: CollectorClock
    let scheduler: ScrapeScheduler
    let intake: EventIntake
    let sealer: DaySealer
    let logger: Logger
    /// Each event source's (events, records) at the last log line, to log only what changed.
    var eventsLogged: [String: (events: Int64, records: Int64)] = [:]

    init(configuration: CollectorConfiguration, clock: CollectorClock, scheduler: ScrapeScheduler, intake: EventIntake, sealer: DaySealer,
         logger: Logger) {
        self.configuration = configuration
        self.clock = clock
        self.scheduler = scheduler
        self.intake = intake
        self.sealer = sealer
        self.logger = logger
    }

    public func run() async throws {
        try await runUntilShutdown {
            while !Task.isCancelled {
                await self.logActivity()
                try await self.clock.sleep(untilMs: self.clock.nowMs + 60_000)
            }
        }
    }

    /// `/metrics` and `/healthz`, a service of its own, when `metrics.listen` is set.
    nonisolated func listener(onListening: @escaping @Sendable (String, String) -> Void) throws(ConfigurationError) -> (any Service)? {
        guard let listen = configuration.metricsListen else { return nil }
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            let text = await self.text()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let sealer = sealer
        router.get("/healthz") { _, _ -> Response in
            let failures = await sealer.pushFailures
            return Response(status: failures < 10 ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: failures < 10 ? "ok\n" : "push failing \(failures) times in a row\n")))
        }
        return try localApplication(router: router, listen: listen, name: "metrics", logger: logger, onListening: onListening)
    }

    /// One line for the scrapes since the last one, and one per gateway-event source that read
    /// something (events read, records staged, entities still open).
    func logActivity() async {
        let tally = await scheduler.takeTally()
        if tally.scrapes > 0 {
            logger.notice("scraped", metadata: ["scrapes": "\(tally.scrapes)", "targets": "\(tally.targets.count)", "failed_targets": "\(tally.failed.count)",
                                               "records": "\(tally.records)"])
        }
        for follower in intake.followers {
            let stats = await follower.stats
            if let previous = eventsLogged[follower.name], previous == (stats.events, stats.records) { continue }
            eventsLogged[follower.name] = (stats.events, stats.records)
            logger.notice("gateway events", metadata: ["source": "\(follower.name)", "events": "\(stats.events)", "records": "\(stats.records)",
                                                      "open": "\(stats.open)"])
        }
    }

    /// Prometheus text format 0.0.4 (spec/collector.md §4).
    public func text() async -> String {
        var lines = ["# HELP assay_collect_target_up 1 when the latest scrape of the target succeeded.", "# TYPE assay_collect_target_up gauge"]
        let latest = await scheduler.latest
        for target in configuration.targets {
            let up = latest[target.url]?.outcome.succeeded ?? false
            lines.append("assay_collect_target_up{target=\"\(target.url)\"} \(up ? 1 : 0)")
        }
        lines += ["# HELP assay_collect_scrape_duration_seconds Duration of the latest scrape.", "# TYPE assay_collect_scrape_duration_seconds gauge"]
        for target in configuration.targets {
            let ms = latest[target.url]?.outcome.latencyMs ?? 0
            lines.append("assay_collect_scrape_duration_seconds{target=\"\(target.url)\"} \(Double(ms) / 1000)")
        }
        lines += ["# HELP assay_collect_records_staged_total Records staged by the latest scrape of each target.",
                  "# TYPE assay_collect_records_staged_total gauge"]
        for target in configuration.targets {
            lines.append("assay_collect_records_staged_total{target=\"\(target.url)\"} \(latest[target.url]?.outcome.recordsReceived ?? 0)")
        }
        let lastSealed = await sealer.lastSealed, pushFailures = await sealer.pushFailures
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
        for follower in intake.followers {
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
}
