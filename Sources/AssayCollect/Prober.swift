import AssayCore
import AssayCrypto
import AssayProbe
import AssayStore
import AsyncHTTPClient
import Foundation
import Logging

/// Why the tester stopped.
public struct ProberError: Error, CustomStringConvertible {
    public let description: String
}

/// The job tester (spec/probe.md §5): each UTC day it draws a seed, fixes the targets of every scenario (the
/// orchestrators the gateway lists as running its pipeline and model), and sends the day's probes in the seeded
/// order, one at a time through the gateway pointed at exactly the probe's target, writing one `test_job` record per
/// probe into the staging store — sent or, with its reason, not.
public actor Prober {
    public struct Settings: Sendable {
        public var testerID: String
        public var region: String?
        public var document: ScenarioDocument
        /// Input files of multipart requests, by SHA-256.
        public var inputs: [String: [UInt8]]
        /// The gateway's AI API (`/text-to-image`, `/live/video-to-video/smoketest`, …), its CLI API
        /// (`/getNetworkCapabilities`), and its RTMP ingest (the smoke test's `stream_url`).
        public var api: String
        public var cli: String
        public var rtmp: String
        /// How often a live stream's status is read.
        public var statusInterval: Duration = .seconds(1)
        /// The share of a live stream's duration its status is read for: 1 in real time; a compressed clock (tests,
        /// demos) reads a compressed stream, at least one second.
        public var liveWindowScale: Double = 1
        /// How long a read of the gateway's capabilities may take before the gateway counts as down.
        public var capabilitiesTimeoutMs: Int64 = 10_000
        /// What attempts are measured by: the machine's clock, or (the demo) a simulated one shared with the stand-in.
        public var time: ProbeTime = .real
        /// Each day's seed (spec/probe.md §3.1): by default 32 bytes from the system's CSPRNG. The demo derives them from
        /// its published seed instead, so its dataset is the same on every run (and its seeds, like its keys, are insecure).
        public var seed: @Sendable (UTCDay) throws -> [UInt8] = { _ in try ProbePlan.drawSeed() }

        public init(testerID: String, region: String?, document: ScenarioDocument, inputs: [String: [UInt8]], api: String, cli: String, rtmp: String) {
            self.testerID = testerID
            self.region = region
            self.document = document
            self.inputs = inputs
            self.api = api
            self.cli = cli
            self.rtmp = rtmp
        }
    }

    let settings: Settings
    let store: StagingStore
    let webhook: ProbeWebhook
    let client: HTTPClient
    let clock: CollectorClock
    let logger: Logger
    let sender: ProbeSender
    /// When this run began (simulated ms): probes planned before it were missed (`tester_down`).
    let startedMs: Int64
    var offers: (atMs: Int64, byAddress: [String: GatewayOffer])?

    /// A tester writing into the staging store at `staging` (opened here, the actor's own connection). Probes planned
    /// before `missedBefore` (default: now) were missed while no tester ran: they are recorded as `tester_down`.
    public init(settings: Settings, staging: String, webhook: ProbeWebhook, client: HTTPClient, clock: CollectorClock, logger: Logger,
                missedBefore: Int64? = nil) throws(StoreError) {
        self.settings = settings
        self.store = try StagingStore(path: staging)
        self.webhook = webhook
        self.client = client
        self.clock = clock
        self.logger = logger
        sender = ProbeSender(client: client, api: settings.api, rtmp: settings.rtmp, inputs: settings.inputs, statusInterval: settings.statusInterval,
                             liveWindowScale: settings.liveWindowScale, time: settings.time)
        startedMs = missedBefore ?? clock.nowMs
    }

    /// Runs day after day, from the day the tester started, until `lastDay` (inclusive; forever when nil) or
    /// cancellation. Attempts a crash cut short are recorded first, as `interrupted`.
    public func run(through lastDay: UTCDay? = nil) async throws {
        try recover()
        var day = UTCDay(containing: startedMs)
        while lastDay.map({ day <= $0 }) ?? true {
            try await run(day: day)
            try Task.checkCancellation()
            day = day.next
            try await clock.sleep(untilMs: day.startMs)
        }
    }

    /// Records each attempt sent and not recorded before a crash as `interrupted` (spec/records.md §4.6).
    public func recover() throws {
        for (id, interrupted) in try store.inflightProbes() {
            let record: Record
            do { record = try Record.parse(interrupted) } catch {
                throw ProberError(description: "the staging store's interrupted record of \(id) does not validate: \(error)")
            }
            try store.finishProbe(id: id, record: record, canonical: interrupted, source: "probe", receivedMs: clock.nowMs)
            logger.warning("probe interrupted by a restart; recorded as such", metadata: ["id": "\(id)"])
        }
    }

    /// The day's plan: its seed and targets as kept, or drawn now and kept (the first drawn wins). A day is never
    /// planned from a gateway that cannot be read: the tester asks again every `retry` until it can.
    public func plan(_ day: UTCDay, retry: Duration = .seconds(10)) async throws -> ProbePlan {
        if let kept = try store.probeDay(day) { return try ProbePlan(input: ProbePlan.input(day: day, seed: kept.seed, targets: kept.targets), document: settings.document) }
        var read = try await currentOffers(force: true)
        while read == nil {
            try await Task.sleep(for: retry)
            read = try await currentOffers(force: true)
        }
        let offers = read ?? [:]
        var targets: [String: [String]] = [:]
        for scenario in settings.document.scenarios {
            let key = GatewayOffer.key(scenario.pipeline.rawValue, scenario.modelID)
            let addresses = offers.values.filter { $0.models[key] != nil }.map(\.address).sorted()
            if !addresses.isEmpty { targets[scenario.id] = addresses }
        }
        let targetsJSON = CanonicalJSON.encodeBuilt(.object(targets.sorted { $0.key < $1.key }.map { .init($0.key, .array($0.value.map { .string($0) })) }),
                                                    "a day's targets")
        let inputs = settings.document.inputFiles.compactMap { settings.inputs[$0.sha256] }
        let kept = try store.keepProbeDay(day, targets: targetsJSON, tester: settings.testerID, document: settings.document.bytes, inputs: inputs,
                                          seed: try settings.seed(day))
        logger.info("planned the day's probes", metadata: ["day": "\(day)", "targets": "\(targets.values.map(\.count).reduce(0, +))"])
        return try ProbePlan(input: ProbePlan.input(day: day, seed: kept.seed, targets: kept.targets), document: settings.document)
    }

    /// Draws the seeds of `day` and the next unless they are kept (spec/probe.md §5 "Seeds"): the collector publishes the
    /// next day's commitment during this one.
    public func drawSeeds(_ day: UTCDay) throws {
        for day in [day, day.next] { try keepSeed(day) }
    }

    /// Draws `day`'s seed unless one is kept (the first drawn wins).
    public func keepSeed(_ day: UTCDay) throws {
        _ = try store.keepProbeSeed(day, seed: try settings.seed(day))
    }

    /// Sends (or records as skipped) every probe of `day` not recorded yet, each at its time.
    public func run(day: UTCDay) async throws {
        try drawSeeds(day)
        let plan = try await plan(day)
        let recorded = try store.stagedIDs(observer: settings.testerID, day: day)
        for probe in plan.probes {
            try Task.checkCancellation()
            let id = probe.id(on: day)
            guard !recorded.contains(id), let scenario = settings.document[probe.scenario] else { continue }
            if probe.atMs < startedMs {
                try finish(id, scenario, probe, sentMs: nil, AttemptResult(outcome: .skipped), skip: .testerDown)
                continue
            }
            try await clock.sleep(untilMs: probe.atMs)
            // The collector began sealing the day (the tester fell that far behind): its seal has recorded the rest.
            if try store.isProbeDayClosed(day) {
                logger.warning("the day was sealed before its probes were all sent; the seal recorded the rest as tester_down", metadata: ["day": "\(day)"])
                return
            }
            try await attempt(id, scenario, probe, day: day)
        }
    }

    /// Sends (or records as skipped) every probe planned before `nowMs` that is not recorded yet, each as if at its
    /// planned time, without waiting: a driver that steps simulated time itself (the demo) calls this once a step. Days
    /// are planned (and their seeds and the next day's drawn) as they are reached; `firstDay` is the tester's first.
    public func runDue(through nowMs: Int64, firstDay: UTCDay) async throws {
        guard nowMs > firstDay.startMs else { return }
        var day = max(firstDay, UTCDay(containing: steppedThrough ?? firstDay.startMs))
        while day.startMs < nowMs {
            try drawSeeds(day)
            let plan = try await plan(day)
            let recorded = try store.stagedIDs(observer: settings.testerID, day: day)
            for probe in plan.probes where probe.atMs < nowMs {
                let id = probe.id(on: day)
                guard !recorded.contains(id), let scenario = settings.document[probe.scenario] else { continue }
                steppedNowMs = probe.atMs
                try await attempt(id, scenario, probe, day: day)
            }
            day = day.next
        }
        steppedThrough = nowMs
        steppedNowMs = nil
    }
    /// Where `runDue` has stepped to, and the planned time of the probe it is sending (the tester's "now" then).
    var steppedThrough: Int64?
    var steppedNowMs: Int64?
    var nowMs: Int64 { steppedNowMs ?? clock.nowMs }

    /// The gateway's offers, read again when older than five (simulated) minutes; nil when the gateway cannot be read.
    func currentOffers(force: Bool = false) async throws -> [String: GatewayOffer]? {
        if !force, let offers, nowMs - offers.atMs < 300_000 { return offers.byAddress }
        do {
            let response = try await client.execute(HTTPClientRequest(url: "\(settings.cli)/getNetworkCapabilities"), timeout: .milliseconds(settings.capabilitiesTimeoutMs))
            let body = try await response.body.collect(upTo: 64 << 20)
            guard response.status == .ok else { return nil }
            let value = try JSONParser(limits: .init(maxDepth: 64, maxBytes: 64 << 20)).parse(Array(buffer: body))
            let read = GatewayOffer.read(value)
            offers = (nowMs, read)
            return read
        } catch {
            logger.warning("the gateway's network capabilities cannot be read", metadata: ["error": "\(error)"])
            return nil
        }
    }

    func attempt(_ id: String, _ scenario: Scenario, _ probe: ProbePlan.Probe, day: UTCDay) async throws {
        guard let offers = try await currentOffers() else {
            return try finish(id, scenario, probe, sentMs: nil, AttemptResult(outcome: .skipped), skip: .gatewayDown)
        }
        guard let offer = offers[probe.orchestrator], let price = offer.models[GatewayOffer.key(scenario.pipeline.rawValue, scenario.modelID)] else {
            return try finish(id, scenario, probe, sentMs: nil, AttemptResult(outcome: .skipped), skip: .notAdvertising)
        }
        var spend: (String, String)?
        if let cap = scenario.maxDailyCostWei {
            let total = Wei.add(try store.probeSpend(day: day, scenario: scenario.id), scenario.cost(pricePerUnit: price.price, pixelsPerUnit: price.pixels))
            if Wei.less(cap, total) {
                logger.info("the scenario's daily cost cap is reached; its probes are skipped for the day", metadata: ["scenario": "\(scenario.id)", "day": "\(day)"])
                return try finish(id, scenario, probe, sentMs: nil, AttemptResult(outcome: .skipped), skip: .costCap)
            }
            spend = (scenario.id, total)
        }
        try await webhook.point(at: offer.uri)
        let sentMs = max(nowMs, probe.atMs)
        let interrupted = try Self.record(settings, scenario, probe, id: id, sentMs: sentMs, AttemptResult(outcome: .interrupted), skip: nil, uri: offer.uri)
        try store.beginProbe(id: id, day: day, interrupted: interrupted.canonical, spend: spend)
        var result = await sender.send(scenario, streamID: Hex.encode(MessageDigest.sha256(Array(id.utf8)).bytes.prefix(12)))
        if !webhook.holds(offer.uri) {
            // The gateway did not take the target: whatever answered was not necessarily the target (spec/probe.md §5).
            logger.warning("the gateway did not take the tester's orchestrator list; the attempt is not the target's", metadata: ["id": "\(id)"])
            result = AttemptResult(outcome: .connectError, latencyMs: result.latencyMs, errorType: "target_not_reached")
        }
        try finish(id, scenario, probe, sentMs: sentMs, result, skip: nil, uri: offer.uri)
    }

    func finish(_ id: String, _ scenario: Scenario, _ probe: ProbePlan.Probe, sentMs: Int64?, _ result: AttemptResult, skip: SkipReason?,
                uri: String? = nil) throws {
        let (record, canonical) = try Self.record(settings, scenario, probe, id: id, sentMs: sentMs, result, skip: skip, uri: uri)
        try store.finishProbe(id: id, record: record, canonical: canonical, source: "probe", receivedMs: nowMs)
    }

    /// The test job of a probe (spec/records.md §3.4): its identity, and what the attempt measured.
    static func record(_ settings: Settings, _ scenario: Scenario, _ probe: ProbePlan.Probe, id: String, sentMs: Int64?, _ result: AttemptResult,
                       skip: SkipReason?, uri: String?) throws(ProberError) -> (record: Record, canonical: [UInt8]) {
        var members: [JSONValue.Member] = [
            .init("schema", .integer(AssayVersion.testJobSchema)), .init("kind", .string(RecordKind.testJob.rawValue)), .init("id", .string(id)),
            .init("observer_role", .string(ObserverRole.tester.rawValue)), .init("observer_id", .string(settings.testerID)),
            .init("scenario", .string(scenario.id)), .init("scenario_sha256", .string(scenario.sha256)), .init("slot", .integer(probe.k)),
            .init("orchestrator", .string(probe.orchestrator)), .init("pipeline", .string(scenario.pipeline.rawValue)),
            .init("model_id", .string(scenario.modelID)), .init("start_ms", .integer(probe.atMs)),
            .init("outcome", .string(result.outcome.rawValue)),
        ]
        if let region = settings.region { members.append(.init("region", .string(region))) }
        if let skip { members.append(.init("skip_reason", .string(skip.rawValue))) }
        if let uri, uri.hasPrefix("http://") || uri.hasPrefix("https://") { members.append(.init("orchestrator_url", .string(uri))) }
        if let sentMs {
            members.append(.init("sent_ms", .integer(sentMs)))
            if let latency = result.latencyMs, result.outcome != .interrupted { members.append(.init("end_ms", .integer(sentMs + latency))) }
        }
        let measured: [(String, Int64?)] = [("http_status", result.httpStatus), ("ttfb_ms", result.ttfbMs.map { min($0, 86_400_000) }),
                                            ("latency_ms", result.latencyMs.map { min($0, 86_400_000) }), ("output_fps_mfps", result.outputFPS.map { min($0, 10_000_000) })]
        for (name, value) in measured { if let value, result.outcome != .interrupted { members.append(.init(name, .integer(value))) } }
        if !result.failedChecks.isEmpty { members.append(.init("failed_checks", .array(result.failedChecks.map { .string($0) }))) }
        if let type = result.errorType { members.append(.init("error_type", .string(type))) }
        if let text = result.errorText { members.append(.init("error_text", .string(text))) }
        do {
            let record = try Record.validate(.object(members))
            return (record, record.canonicalBytes())
        } catch {
            // A clock far outside the record range (a simulated one run absurdly fast) is the one way here: stop, say why.
            throw ProberError(description: "the test job of \(id) does not validate (\(error)); is the tester's clock (--clock-start, --speed) sane?")
        }
    }
}
