import AssayCollect
import AssayConfiguration
import AssayCore
import AssayCrypto
import AssayGatewayStandIn
import AssayProbe
import AssaySimulate
import Foundation
import Hummingbird
import Logging

/// The demo's job tester (spec/probe.md): the first operator runs `assay probe`'s tester, writing into its collector's
/// staging store, against a gateway stand-in whose orchestrators are the simulation's — the same addresses, with
/// behaviours designed from theirs — all on simulated time, so the test jobs are the same on every run.
///
/// The tester starts on the third day: its seeds are drawn the day before each day, and a collector first publishes at
/// 03:00 of the second day, so from the third day on every day's commitment is witnessed before the day begins.
final class DemoTester {
    /// The two scenarios: one batch, one live (the simulation's batch and live models).
    static let scenariosYAML = """
        # The demo's scenarios (spec/probe.md §2): one batch, one live, sent to every orchestrator that runs them.
        scenarios:
          - id: t2i-bear-64
            pipeline: text-to-image
            model_id: stabilityai/sd-turbo
            request: {json: {model_id: stabilityai/sd-turbo, prompt: a bear, width: 64, height: 64}}
            checks: {status: 200, content_type: application/json, images: {count: 1, width: 64, height: 64}}
            timeout_ms: 30000
            schedule: {per_day: 2, max_daily_cost_wei: "45000000"}
          - id: live-smoke-30s
            pipeline: live-video-to-video
            model_id: streamdiffusion-sdxl
            request: {live: {duration_s: 30, params: {}}}
            checks: {status: 200, min_output_fps_mfps: 12000}
            timeout_ms: 60000
            schedule: {per_day: 1}
        version: 1

        """

    let simulation: Simulation
    let standIn: GatewayStandIn
    let prober: Prober
    let firstDay: UTCDay
    /// The demo's last day: the tester plans no day after it.
    let lastDay: UTCDay
    let servers: [Task<Void, any Error>]

    /// What the stand-in's orchestrator does for a simulated orchestrator of `behaviour` (README, "Run the job tester").
    static func behaviour(_ behaviour: Simulation.Behaviour) -> GatewayStandIn.Orchestrator.Behaviour {
        switch behaviour {
        case .reliable, .offline, .badNetwork: .reliable  // offline-hours: not advertising while its runner is down
        case .slowStart: .slow(ms: 6000)
        case .flaky: .failing(status: 503, message: "insufficient capacity")
        case .zeroFPS: .lowFPS(mfps: 8000)
        case .overReporter: .wrongSize  // what it claims succeeds; the tester checks what it returns
        }
    }

    /// Writes the scenarios and a tester configuration a real operator could run into `directory`, starts the stand-in
    /// and the webhook, and makes the tester (seeded from the demo's seed: insecure, like its keys).
    init(simulation: Simulation, directory: String, staging: String, seed demoSeed: UInt64, firstDay: UTCDay, lastDay: UTCDay,
         logger: Logger) async throws {
        self.simulation = simulation
        self.firstDay = firstDay
        self.lastDay = lastDay
        try Files.writeAtomically("\(directory)/scenarios.yaml", contents: Array(Self.scenariosYAML.utf8))
        let scenarios: (document: ScenarioDocument, inputs: [String: [UInt8]])
        do { scenarios = try ScenarioFile.load("\(directory)/scenarios.yaml") } catch { throw DemoError("\(directory)/scenarios.yaml: \(error)") }
        let time = ProbeTime(simulatedStartMs: firstDay.startMs)
        let webhook = ProbeWebhook(refresh: .milliseconds(1))
        let (ports, found) = AsyncStream.makeStream(of: Int.self)
        let hook = Application(router: webhook.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "assay-demo-tester"),
                               onServerRunning: { found.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let hookServer = Task { try await hook.runService() }
        var hookPort = 0
        for await port in ports {
            hookPort = port
            break
        }
        standIn = GatewayStandIn(orchestrators: simulation.orchestrators.map { orchestrator in
            GatewayStandIn.Orchestrator(address: orchestrator.address, uri: "https://\(orchestrator.observerID).demo.invalid:8935",
                                        models: [(pipeline: "text-to-image", model: "stabilityai/sd-turbo"),
                                                 (pipeline: "live-video-to-video", model: "streamdiffusion-sdxl")],
                                        behaviour: Self.behaviour(orchestrator.behaviour), latencyMs: 800)
        }, webhook: "http://127.0.0.1:\(hookPort)/orchestrators", refresh: .milliseconds(1), time: time)
        let (gateway, standInServer) = await standIn.start(logger: logger)
        servers = [hookServer, standInServer]
        try Files.writeAtomically("\(directory)/probe.yaml", contents: Array("""
            # The demo's job tester, driven by 'assay demo' on simulated time against a go-livepeer stand-in; against a real
            # gateway, 'assay probe run --config probe.yaml' runs the same scenarios (README, "Run the job tester").
            tester:
              id: tester-gw-a
            scenarios: scenarios.yaml
            staging: staging.sqlite
            gateway:
              api: \(gateway)
              cli: \(gateway)
              rtmp: rtmp://127.0.0.1:1935
              webhook_listen: 127.0.0.1:\(hookPort)
              webhook_refresh: 1ms

            """.utf8))
        var settings = Prober.Settings(testerID: "tester-gw-a", region: "eu-west", document: scenarios.document, inputs: scenarios.inputs,
                                       api: gateway, cli: gateway, rtmp: "rtmp://127.0.0.1:1935")
        settings.time = time
        settings.seed = { day in MessageDigest.sha256(Array("assay-demo-insecure-probe-seed-v1\u{0}\(demoSeed)\u{0}\(day)".utf8)).bytes }
        prober = try Prober(settings: settings, staging: staging, webhook: webhook, client: .shared, clock: CollectorClock(startMs: firstDay.startMs),
                            logger: logger, missedBefore: firstDay.startMs)
    }

    /// One simulated hour: orchestrators whose runner is down stop advertising; the day before the tester's first, its
    /// first seed is drawn; then every probe planned before `nowMs` is sent (or recorded as skipped).
    func step(hourStart: Int64, nowMs: Int64) async throws {
        for orchestrator in simulation.orchestrators {
            standIn.setAdvertising(orchestrator.address, !simulation.isOffline(orchestrator, at: hourStart))
        }
        if UTCDay(containing: hourStart) == UTCDay(number: firstDay.number - 1) { try await prober.keepSeed(firstDay) }
        try await prober.runDue(through: min(nowMs, lastDay.next.startMs), firstDay: firstDay)
    }

    func stop() {
        for server in servers { server.cancel() }
    }
}
