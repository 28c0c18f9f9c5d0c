import AssayCollect
import AssayConfiguration
import AssayCore
import AssayGatewayStandIn
import AssayHTTP
import AssayProbe
import AssayStore
import AssayTestSupport
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import Testing

/// The job tester against the gateway stand-in on loopback (real HTTP, a real SQLite staging store): each designed
/// behaviour of the orchestrators behind the gateway shows in its test jobs, every probe goes to its own target, the
/// daily cost cap stops a scenario for the day, and every record validates.
@Suite("job tester", .serialized)
struct ProberTests {
    static let day = UTCDay("2026-12-01")!

    /// Orchestrator `n`'s address and URI.
    static func orchestrator(_ n: Int, _ behaviour: GatewayStandIn.Orchestrator.Behaviour, models: [(String, String)]) -> GatewayStandIn.Orchestrator {
        GatewayStandIn.Orchestrator(address: "0x" + String(repeating: String(n), count: 40), uri: "https://orch-\(n).example:8935",
                                    models: models.map { (pipeline: $0.0, model: $0.1) }, behaviour: behaviour)
    }

    static let t2i = ("text-to-image", "m-t2i"), hang = ("text-to-image", "m-hang"), live = ("live-video-to-video", "m-live")

    /// The scenarios. An answer after its scenario's timeout is a timeout (spec/probe.md §5), and the stand-in runs in this
    /// process, where the rest of the suite can hold it up for tens of seconds: the text-to-image scenario allows ten
    /// minutes, so only the hanging orchestrator's scenario times out.
    static func document(costCap: String? = nil) throws -> ScenarioDocument {
        let cap = costCap.map { ", max_daily_cost_wei: \"\($0)\"" } ?? ""
        return try ScenarioFile.document(yaml: """
            scenarios:
              - id: t2i
                pipeline: text-to-image
                model_id: m-t2i
                request: {json: {model_id: m-t2i, prompt: a bear, width: 64, height: 64}}
                checks: {status: 200, content_type: application/json, images: {count: 1, width: 64, height: 64}}
                timeout_ms: 600000
                schedule: {per_day: 2\(cap)}
              - id: t2i-hang
                pipeline: text-to-image
                model_id: m-hang
                request: {json: {model_id: m-hang, prompt: a bear, width: 64, height: 64}}
                checks: {status: 200}
                timeout_ms: 5000
                schedule: {per_day: 2}
              - id: live
                pipeline: live-video-to-video
                model_id: m-live
                request: {live: {duration_s: 10, params: {}}}
                checks: {status: 200, min_output_fps_mfps: 15000}
                timeout_ms: 20000
                schedule: {per_day: 1}
            version: 1
            """, relativeTo: ".")
    }

    /// A stand-in gateway with `orchestrators` and a tester pointed at it, run through `day`; the records it staged.
    static func run(_ orchestrators: [GatewayStandIn.Orchestrator], document: ScenarioDocument, webhookReachable: Bool = true,
                    afterPlanning: @escaping @Sendable (GatewayStandIn) -> Void = { _ in }) async throws -> (records: [JSONValue], standIn: GatewayStandIn) {
        // The stand-in, its webhook and the tester share this process's two cores with the rest of the suite: never beside
        // the other heavy tests, so a webhook answer is not held up past the gateway's refresh (a target_not_reached).
        try await TestExclusion.exclusively {
            try await runExclusively(orchestrators, document: document, webhookReachable: webhookReachable, afterPlanning: afterPlanning)
        }
    }

    static func runExclusively(_ orchestrators: [GatewayStandIn.Orchestrator], document: ScenarioDocument, webhookReachable: Bool,
                               afterPlanning: @Sendable (GatewayStandIn) -> Void) async throws -> (records: [JSONValue], standIn: GatewayStandIn) {
        let directory = try TemporaryDirectory()
        let webhook = ProbeWebhook(refresh: .milliseconds(30))
        let webhookPort = Port()
        let webhookApp = Application(router: webhook.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                     onServerRunning: { webhookPort.set($0.localAddress?.port ?? 0) })
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await webhookApp.runService() }
            let hookURL = "http://127.0.0.1:\(webhookReachable ? try await webhookPort.value() : try LoopbackPort.free())/orchestrators"
            let standIn = GatewayStandIn(orchestrators: orchestrators, webhook: hookURL, refresh: .milliseconds(30),
                                         webhookTimeoutMs: webhookReachable ? 30_000 : 300)
            let (gateway, server) = await standIn.start()
            defer { server.cancel() }
            var settings = Prober.Settings(testerID: "tester-a", region: nil, document: document, inputs: [:], api: gateway, cli: gateway,
                                           rtmp: "rtmp://127.0.0.1:1935")
            settings.statusInterval = .milliseconds(50)
            settings.liveWindowScale = 0.3  // 10 s streams read for 3 s: enough readings on a loaded machine
            // A day passes in under nine seconds of real time, most of it while the tester starts: its probes are sent
            // one after the other, late (sent_ms after start_ms), all of them, none counted as missed.
            let clock = CollectorClock(startMs: day.startMs, speed: 10_000_000)
            let prober = try Prober(settings: settings, staging: directory.file("staging.sqlite"), webhook: webhook, client: .shared, clock: clock,
                                    logger: Logger(label: "test"), missedBefore: day.startMs)
            _ = try await prober.plan(day)
            afterPlanning(standIn)
            try await prober.recover()
            try await prober.run(day: day)
            group.cancelAll()
            var records: [JSONValue] = []
            let store = try StagingStore(path: directory.file("staging.sqlite"))
            try store.forEachRecord(day: day) { bytes in
                if let value = try? JSONParser().parse(bytes) { records.append(value) }  // staged records are canonical JSON
            }
            return (records, standIn)
        }
    }

    @Test("each designed behaviour shows in the test jobs, and every probe went to its own target")
    func behaviours() async throws {
        let orchestrators = [
            Self.orchestrator(1, .reliable, models: [Self.t2i, Self.live]),
            Self.orchestrator(2, .slow(ms: 300), models: [Self.t2i]),
            Self.orchestrator(3, .failing(status: 503, message: "insufficient capacity"), models: [Self.t2i, Self.live]),
            Self.orchestrator(4, .wrongSize, models: [Self.t2i]),
            Self.orchestrator(5, .lowFPS(mfps: 5000), models: [Self.live]),
            Self.orchestrator(6, .hanging, models: [Self.hang]),
            Self.orchestrator(7, .reliable, models: [Self.t2i]),
        ]
        let (records, standIn) = try await Self.run(orchestrators, document: try Self.document()) { standIn in
            standIn.setAdvertising(orchestrators[6].address, false)  // it stops advertising after the day was planned
        }
        func outcomes(_ n: Int, _ scenario: String) -> [String] {
            records.filter { $0["orchestrator"]?.stringValue == orchestrators[n - 1].address && $0["scenario"]?.stringValue == scenario }
                .compactMap { $0["outcome"]?.stringValue }.sorted()
        }
        let expected = 15  // five targets of t2i and one of t2i-hang, twice a day each; three of live, once
        #expect(records.count == expected)
        #expect(outcomes(1, "t2i") == ["passed", "passed"])
        #expect(outcomes(1, "live") == ["passed"])
        #expect(outcomes(2, "t2i") == ["passed", "passed"])
        #expect(outcomes(3, "t2i") == ["http_error", "http_error"])
        #expect(outcomes(3, "live") == ["http_error"])
        #expect(outcomes(4, "t2i") == ["failed_check", "failed_check"])
        #expect(outcomes(5, "live") == ["failed_check"])
        #expect(outcomes(6, "t2i-hang") == ["timeout", "timeout"],
                "\(records.filter { $0["orchestrator"]?.stringValue == orchestrators[5].address }.map { "\($0["outcome"] ?? .null) \($0["error_type"] ?? .null) \($0["latency_ms"] ?? .null) \($0["error_text"] ?? .null)" })")
        #expect(outcomes(7, "t2i") == ["skipped", "skipped"])
        for record in records {
            let address = record["orchestrator"]?.stringValue ?? ""
            switch address {
            case orchestrators[1].address: #expect((record["latency_ms"]?.intValue ?? 0) >= 300)
            case orchestrators[2].address:
                #expect(record["http_status"] == .integer(503))
                #expect(record["error_text"] == .string("insufficient%20capacity"))
            case orchestrators[3].address: #expect(record["failed_checks"] == .array(["images"]))
            case orchestrators[4].address:
                #expect(record["failed_checks"] == .array(["min_output_fps_mfps"]))
                #expect(record["output_fps_mfps"] == .integer(5000))
            case orchestrators[6].address: #expect(record["skip_reason"] == .string("not_advertising"))
            case orchestrators[0].address where record["scenario"] == .string("live"):
                #expect(record["output_fps_mfps"] == .integer(24000))
                #expect(record["ttfb_ms"] != nil)
            default: break
            }
            // The record is the canonical form of a valid test job of its day.
            let bytes = try CanonicalJSON.encode(record)
            #expect(try Record.parse(bytes).kind == .testJob)
            #expect(record["start_ms"]?.intValue.map { Self.day.contains($0) } == true)
        }
        // Every request reached the orchestrator its probe named: the webhook pointed the gateway at it.
        let sent = records.filter { $0["sent_ms"] != nil }
        let uris = Set(orchestrators.map(\.uri))
        #expect(standIn.served.count == sent.count)
        #expect(standIn.served.allSatisfy { $0.orchestrator.map(uris.contains) == true })
        let servedByOrchestrator = Dictionary(grouping: standIn.served, by: { $0.orchestrator ?? "" }).mapValues(\.count)
        for (index, orchestrator) in orchestrators.enumerated() {
            let expected = sent.filter { $0["orchestrator"]?.stringValue == orchestrator.address }.count
            #expect((servedByOrchestrator[orchestrator.uri] ?? 0) == expected, "orchestrator \(index + 1)")
        }
    }

    @Test("the daily cost cap stops a scenario for the day and says so in the record of each probe it holds back")
    func costCap() async throws {
        // 1000 wei per pixel × 64 × 64 pixels = 4,096,000 wei a probe: the first fits under 5,000,000, the second does not.
        let orchestrators = [Self.orchestrator(1, .reliable, models: [Self.t2i])]
        let (records, _) = try await Self.run(orchestrators, document: try Self.document(costCap: "5000000"))
        let t2i = records.filter { $0["scenario"] == .string("t2i") }.sorted { ($0["start_ms"]?.intValue ?? 0) < ($1["start_ms"]?.intValue ?? 0) }
        #expect(t2i.map { $0["outcome"]?.stringValue ?? "" } == ["passed", "skipped"])
        #expect(t2i.last?["skip_reason"] == .string("cost_cap"))
    }
}

extension ProberTests {
    @Test("a gateway that does not take the tester's list: its answers are credited to no orchestrator (target_not_reached)")
    func targetNotReached() async throws {
        let orchestrators = [Self.orchestrator(1, .reliable, models: [Self.t2i])]
        let (records, standIn) = try await Self.run(orchestrators, document: try Self.document(), webhookReachable: false)
        let t2i = records.filter { $0["scenario"] == .string("t2i") }
        #expect(t2i.count == 2)
        #expect(t2i.allSatisfy { $0["outcome"] == .string("connect_error") && $0["error_type"] == .string("target_not_reached") }, "\(t2i)")
        #expect(t2i.allSatisfy { $0["http_status"] == nil })
        #expect(standIn.served.count == 2 && standIn.served.allSatisfy { $0.orchestrator == nil })
    }

    @Test("a gateway that cannot be read after the day was planned: every probe recorded as gateway_down, none sent")
    func gatewayDown() async throws {
        let directory = try TemporaryDirectory()
        let standIn = GatewayStandIn(orchestrators: [Self.orchestrator(1, .reliable, models: [Self.t2i])], webhook: "http://127.0.0.1:9/orchestrators")
        let (gateway, server) = await standIn.start()
        let document = try Self.document()
        func prober(_ cli: String) throws -> Prober {
            var settings = Prober.Settings(testerID: "tester-a", region: nil, document: document, inputs: [:], api: gateway, cli: cli,
                                           rtmp: "rtmp://127.0.0.1:1935")
            settings.capabilitiesTimeoutMs = 500  // a refused connection is retried until then
            return try Prober(settings: settings,
                       staging: directory.file("staging.sqlite"), webhook: ProbeWebhook(refresh: .milliseconds(30)), client: .shared,
                       clock: CollectorClock(startMs: Self.day.startMs, speed: 10_000_000), logger: Logger(label: "test"), missedBefore: Self.day.startMs)
        }
        _ = try await prober(gateway).plan(Self.day)
        server.cancel()
        // The same store, the plan kept; the gateway's CLI API now refuses connections.
        let closed = "http://127.0.0.1:\(try LoopbackPort.free())"
        try await prober(closed).run(day: Self.day)
        let store = try StagingStore(path: directory.file("staging.sqlite"))
        var reasons: [String] = []
        try store.forEachRecord(day: Self.day) { bytes in
            let value = try? JSONParser().parse(bytes)  // staged records are canonical JSON
            reasons.append(value?["skip_reason"]?.stringValue ?? "sent")
        }
        #expect(reasons == ["gateway_down", "gateway_down"])
        #expect(standIn.served.isEmpty)
    }
}

/// A port reported by a server once it listens.
final class Port: Sendable {
    let stream: AsyncStream<Int>
    let continuation: AsyncStream<Int>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream(of: Int.self) }

    func set(_ port: Int) { continuation.yield(port) }

    func value() async throws -> Int {
        for await port in stream { return port }
        throw CancellationError()
    }
}

/// The seal's side of "nothing lost, nothing twice" (spec/probe.md §5): before a day is sealed, every probe of its plan
/// has exactly one record, and a result the tester finishes after the seal began is late, never a second record.
@Suite("sealing a tested day")
struct SealingTestedDayTests {
    @Test("a day's unrecorded probes become interrupted (sent) or tester_down (never sent); a result after the close is quarantined as late")
    func completion() throws {
        let directory = try TemporaryDirectory()
        let store = try StagingStore(path: directory.file("staging.sqlite"))
        let document = try ProberTests.document()
        let day = ProberTests.day
        let targets = Array(#"{"t2i":["0x1111111111111111111111111111111111111111","0x2222222222222222222222222222222222222222"]}"#.utf8)
        let seed = [UInt8](repeating: 9, count: 32)
        _ = try store.keepProbeDay(day, targets: targets, tester: "tester-a", document: document.bytes, inputs: [], seed: seed)
        let plan = try ProbePlan(input: ProbePlan.input(day: day, seed: seed, targets: targets), document: document)
        #expect(plan.probes.count == 4)
        func id(_ probe: ProbePlan.Probe) -> String { "\(day)/\(probe.scenario)/\(probe.orchestrator)/\(probe.k)" }
        func record(_ probe: ProbePlan.Probe, _ outcome: TestJobOutcome) throws -> (Record, [UInt8]) {
            let scenario = document[probe.scenario]!
            var members: [JSONValue.Member] = [
                .init("schema", 3), .init("kind", "test_job"), .init("id", .string(id(probe))), .init("observer_role", "tester"),
                .init("observer_id", "tester-a"), .init("scenario", .string(scenario.id)), .init("scenario_sha256", .string(scenario.sha256)),
                .init("slot", .integer(probe.k)), .init("orchestrator", .string(probe.orchestrator)), .init("pipeline", .string(scenario.pipeline.rawValue)),
                .init("model_id", .string(scenario.modelID)), .init("start_ms", .integer(probe.atMs)), .init("outcome", .string(outcome.rawValue)),
                .init("sent_ms", .integer(probe.atMs)),
            ]
            if outcome == .passed { members += [.init("http_status", 200), .init("latency_ms", 10)] }
            let record = try Record.validate(.object(members))
            return (record, record.canonicalBytes())
        }
        // Probe 0 recorded by the tester; probe 1 sent and not finished (its mark); probes 2 and 3 never sent.
        let (first, firstBytes) = try record(plan.probes[0], .passed)
        try store.finishProbe(id: id(plan.probes[0]), record: first, canonical: firstBytes, source: "probe", receivedMs: 0)
        let (_, markBytes) = try record(plan.probes[1], .interrupted)
        try store.beginProbe(id: id(plan.probes[1]), day: day, interrupted: markBytes, spend: nil)
        #expect(try store.completeProbes(day: day, receivedMs: 0) == 3)
        #expect(try store.probeDay(day)?.closed == true)
        var staged: [String: String] = [:]
        try store.forEachRecord(day: day) { bytes in
            if let parsed = try? Record.parse(bytes) { staged[parsed.id] = parsed["skip_reason"]?.stringValue ?? parsed["outcome"]?.stringValue }
        }
        #expect(staged == [id(plan.probes[0]): "passed", id(plan.probes[1]): "interrupted", id(plan.probes[2]): "tester_down", id(plan.probes[3]): "tester_down"])
        #expect(try store.inflightProbes().isEmpty)
        // The tester finishing probe 1 after the close: quarantined as late, the bundle keeps the interrupted record.
        let (late, lateBytes) = try record(plan.probes[1], .passed)
        try store.finishProbe(id: id(plan.probes[1]), record: late, canonical: lateBytes, source: "probe", receivedMs: 0)
        var after = 0
        try store.forEachRecord(day: day) { _ in after += 1 }
        #expect(after == 4)
        #expect(try store.lateRecords() == 1)
        // A second completion adds nothing.
        #expect(try store.completeProbes(day: day, receivedMs: 0) == 0)
    }
}
