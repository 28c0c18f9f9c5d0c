import AssayConfiguration
import AssayCore
import AssayStore
import AsyncHTTPClient

/// The staging store behind an actor: scrapes of many targets commit through it one at a time.
public actor StagingActor {
    let store: StagingStore
    public init(path: String) throws(StoreError) { store = try StagingStore(path: path) }

    public func commit(_ batch: StagingStore.Batch, source: String, receivedMs: Int64) throws(StoreError) {
        try store.commit(batch, source: source, receivedMs: receivedMs)
    }

    public func cursor(target: String) throws(StoreError) -> Int64 { try store.cursor(target: target) }

    public func followState(path: String) throws(StoreError) -> StagingStore.FollowState? { try store.followState(path: path) }

    public func counts() throws(StoreError) -> [(source: String, records: Int64)] { try store.counts() }
}

/// One round: every target scraped once, at most `parallelism` at a time (spec/collector.md §3).
public struct CollectRound {
    public let configuration: CollectorConfiguration
    public let staging: StagingActor
    public let client: HTTPClient
    public let latencyClock: Scraper.LatencyClock

    public init(configuration: CollectorConfiguration, staging: StagingActor, client: HTTPClient, latencyClock: Scraper.LatencyClock = .real) {
        self.configuration = configuration
        self.staging = staging
        self.client = client
        self.latencyClock = latencyClock
    }

    /// Scrapes every target once at `nowMs`; results in configuration order.
    public func run(nowMs: Int64, parallelism: Int = 16) async throws -> [(CollectorConfiguration.Target, Scraper.Report)] {
        let scraper = Scraper(client: client, collectorID: configuration.collectorID, timeoutMs: configuration.scrapeTimeoutMs,
                              latencyClock: latencyClock)
        let staging = staging
        var results = [Scraper.Report?](repeating: nil, count: configuration.targets.count)
        try await withThrowingTaskGroup(of: (Int, Scraper.Report).self) { group in
            var next = 0
            func start(_ index: Int) async throws {
                let target = configuration.targets[index]
                let cursor = try await staging.cursor(target: target.url)
                group.addTask {
                    let outcome = await scraper.scrape(target, startMs: nowMs, cursor: cursor) { batch in
                        try await staging.commit(batch, source: target.url, receivedMs: nowMs)
                    }
                    return (index, outcome)
                }
            }
            while next < min(parallelism, configuration.targets.count) {
                try await start(next)
                next += 1
            }
            while let (index, outcome) = try await group.next() {
                results[index] = outcome
                if next < configuration.targets.count {
                    try await start(next)
                    next += 1
                }
            }
        }
        return zip(configuration.targets, results.map { $0! }).map { ($0, $1) }
    }
}
