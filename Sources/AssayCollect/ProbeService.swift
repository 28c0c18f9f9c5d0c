import AssayConfiguration
import AssayCore
import AssayProbe
import AsyncHTTPClient
import Logging
import ServiceLifecycle

extension Prober.Settings {
    /// The settings of a tester configured by `configuration` (spec/probe.md §5), on `clock`: a compressed clock reads a
    /// live stream's status as often and for as long as its compression allows.
    public init(_ configuration: ProbeConfiguration, document: ScenarioDocument, inputs: [String: [UInt8]], clock: CollectorClock) {
        self.init(testerID: configuration.testerID, region: configuration.region, document: document, inputs: inputs, api: configuration.api,
                  cli: configuration.cli, rtmp: configuration.rtmp)
        statusInterval = .milliseconds(max(50, Int64(1000 / clock.speed)))
        liveWindowScale = 1 / clock.speed
    }
}

/// The job tester as a service of the collector daemon (`probe:` in its configuration): day after day until the service
/// group shuts down, writing into the collector's staging store, which the collector's day sealer then seals, reveals
/// and commits to (spec/probe.md §7).
struct ProberService: Service {
    let prober: Prober

    func run() async throws {
        try await runUntilShutdown { try await prober.run() }
    }
}

extension Collector {
    /// The tester's services — its webhook listener and the tester — when the configuration has a `probe:` section.
    static func probeServices(_ configuration: CollectorConfiguration, clock: CollectorClock, client: HTTPClient, logger: Logger,
                              onListening: @escaping @Sendable (String, String) -> Void) throws -> [any Service] {
        guard let probe = configuration.probe else { return [] }
        let scenarios: (document: ScenarioDocument, inputs: [String: [UInt8]])
        do { scenarios = try ScenarioFile.load(probe.scenarios) } catch {
            throw ConfigurationError(line: nil, "probe.scenarios \(probe.scenarios): \(error)")
        }
        let webhook = ProbeWebhook(refresh: .milliseconds(probe.webhookRefreshMs))
        let listener = try localApplication(router: webhook.router(), listen: probe.webhookListen, name: "webhook", logger: logger, onListening: onListening)
        let prober = try Prober(settings: Prober.Settings(probe, document: scenarios.document, inputs: scenarios.inputs, clock: clock),
                                staging: configuration.staging, webhook: webhook, client: client, clock: clock, logger: logger)
        return [listener, ProberService(prober: prober)]
    }
}
