import AssayConfiguration
import AssayCore
import AssayCrypto
import AssayStore
import AsyncHTTPClient
import Logging
import ServiceLifecycle

/// The collector's scrape scheduler (spec/collector.md §4): every target on its own schedule,
/// offset by a fixed per-target jitter, with exponential backoff after failures (capped at
/// 30 minutes). It owns the latest outcome of each target, which the metrics read.
public actor ScrapeScheduler: Service {
    public struct Latest: Sendable {
        public let outcome: Scraper.Report
        public let atMs: Int64
    }

    /// What was scraped since the activity log's last line.
    public struct Tally: Sendable {
        public var scrapes = 0
        public var targets: Set<String> = []
        public var failed: Set<String> = []
        public var records: Int64 = 0
    }

    let configuration: CollectorConfiguration
    let clock: CollectorClock
    let staging: StagingActor
    let client: HTTPClient
    let logger: Logger
    /// The latest scrape of each target, by URL.
    public private(set) var latest: [String: Latest] = [:]
    var tally = Tally()

    init(configuration: CollectorConfiguration, clock: CollectorClock, staging: StagingActor, client: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.clock = clock
        self.staging = staging
        self.client = client
        self.logger = logger
    }

    public func run() async throws {
        let targets = configuration.targets
        try await runUntilShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for target in targets { group.addTask { try await self.loop(target) } }
                try await group.waitForAll()
            }
        }
    }

    /// Returns the scrapes since the previous call and starts a new tally.
    func takeTally() -> Tally {
        defer { tally = Tally() }
        return tally
    }

    func loop(_ target: CollectorConfiguration.Target) async throws {
        let scraper = Scraper(client: client, collectorID: configuration.collectorID, timeoutMs: configuration.scrapeTimeoutMs)
        var failures = 0
        var next = clock.nowMs + Self.jitter(target.url, interval: target.intervalMs)
        while !Task.isCancelled {
            try await clock.sleep(untilMs: next)
            let start = clock.nowMs
            let cursor = try await staging.cursor(target: target.url)
            let staging = staging
            let result = await scraper.scrape(target, startMs: start, cursor: cursor) { batch in
                try await staging.commit(batch, source: target.url, receivedMs: start)
            }
            record(target.url, result, at: start)
            if result.succeeded {
                failures = 0
                next = start + target.intervalMs
            } else {
                failures += 1
                logger.warning("scrape failed", metadata: ["target": "\(target.url)", "outcome": "\(result.outcome.rawValue)",
                                                          "reason": "\(result.reason ?? "")"])
                next = start + min(target.intervalMs << min(failures - 1, 20), 30 * 60_000)
            }
        }
    }

    func record(_ url: String, _ result: Scraper.Report, at ms: Int64) {
        latest[url] = Latest(outcome: result, atMs: ms)
        tally.scrapes += 1
        tally.targets.insert(url)
        tally.records += Int64(result.recordsReceived)
        if !result.succeeded { tally.failed.insert(url) }
    }

    /// A fixed per-target offset of up to 10 % of the interval, so targets do not all fire at once.
    static func jitter(_ url: String, interval: Int64) -> Int64 {
        let digest = MessageDigest.sha256(Array(url.utf8)).bytes
        let value = digest[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Int64(value % UInt64(max(interval / 10, 1)))
    }
}
