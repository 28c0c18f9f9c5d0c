import AssayConfiguration
import AssayCore
import AssayCrypto
import AssayStore
import AsyncHTTPClient
import Logging
import ServiceLifecycle
import UnixSignals

/// The long-running collector (spec/collector.md §4), as services that each own their state:
///
/// - `ScrapeScheduler`: every target on its own schedule, with jitter and backoff;
/// - `EventIntake`: the gateway-event sources (files, the spool) and, as a service of its own,
///   the HTTP listener that spools what gateways POST;
/// - `DaySealer`: each UTC day sealed, committed, pushed, scored and witnessed;
/// - `CollectorMetrics`: the activity log and, as a service of its own, `/metrics` and `/healthz`.
///
/// `run` runs them in one `ServiceGroup` that shuts down gracefully on SIGTERM or SIGINT: the
/// scheduler stops first, then the sealer, the intake and the listeners; every committed page,
/// spooled event and sealed bundle is durable. A driver that steps time itself (the demo,
/// `collect seal`) calls the intake and the sealer directly instead.
public struct Collector: Sendable {
    public let configuration: CollectorConfiguration
    public let clock: CollectorClock
    public let scheduler: ScrapeScheduler
    public let intake: EventIntake
    public let sealer: DaySealer
    public let metrics: CollectorMetrics
    let client: HTTPClient
    let logger: Logger
    let onListening: @Sendable (String, String) -> Void

    /// `onListening(name, address)` reports each local listener once bound ("events", "metrics").
    public init(configuration: CollectorConfiguration, clock: CollectorClock, key: any Ed25519Signer, logger: Logger,
                onListening: @escaping @Sendable (String, String) -> Void = { _, _ in }) throws {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.onListening = onListening
        // Everything that can fail comes before the HTTP client, which must be shut down once made.
        let staging = try StagingActor(path: configuration.staging)
        let store = try StagingStore(path: configuration.staging)
        try store.adoptClock(clock.kind, nowMs: clock.nowMs)
        let staged = try store.days().first
        let started = staged.map { min($0, UTCDay(containing: clock.nowMs)) } ?? UTCDay(containing: clock.nowMs)
        let intake = try EventIntake(configuration: configuration, staging: staging, clock: clock, logger: logger)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        self.client = client
        self.intake = intake
        scheduler = ScrapeScheduler(configuration: configuration, clock: clock, staging: staging, client: client, logger: logger)
        sealer = DaySealer(configuration: configuration, clock: clock, key: key, firstDay: configuration.firstDay ?? started, intake: intake,
                           client: client, logger: logger)
        metrics = CollectorMetrics(configuration: configuration, clock: clock, scheduler: scheduler, intake: intake, sealer: sealer, logger: logger)
        do { probeServices = try Self.probeServices(configuration, clock: clock, client: client, logger: logger, onListening: onListening) } catch {
            try? client.syncShutdown()  // nothing else has used it yet
            throw error
        }
    }

    /// The job tester's webhook listener and the tester, when the configuration has a `probe:` section.
    let probeServices: [any Service]

    /// Runs every service until SIGTERM or SIGINT (or `shutdownSignals`), or until the task is
    /// cancelled; then releases the HTTP client.
    public func run(shutdownSignals: [UnixSignal] = [.sigterm, .sigint]) async throws {
        do {
            // Shut down in reverse order: scraping first, the listeners last.
            let services: [any Service] = try [metrics.listener(onListening: onListening), metrics, intake.listener(onListening: onListening), intake, sealer]
                .compactMap { $0 } + probeServices + [scheduler]
            try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: shutdownSignals, logger: logger)).run()
        } catch {
            await shutdown()
            throw error
        }
        await shutdown()
    }

    /// Releases the HTTP client (after `run`, or when the collector was driven by hand).
    public func shutdown() async {
        do { try await client.shutdown() } catch {
            logger.debug("the HTTP client was already shut down", metadata: ["error": "\(error)"])
        }
    }
}
