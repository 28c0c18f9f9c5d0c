import AssayCore

/// Deterministic synthetic records for scoring: orchestrators with distinct
/// behaviours (reliable, slow to start, flaky with swaps, zero-FPS failures,
/// one that over-reports its own success), live sessions seen by gateways and
/// partly also reported by the orchestrator, batch, LLM and BYOC jobs, several
/// regions, spread evenly over the given days. Same seed, same bytes.
public struct SyntheticScoringRecords {
    public let orchestrators: Int
    var generator: SplitMix64
    var index = 0

    /// The gateways jobs go through, one drawn at random per job.
    public let gateways: [String]
    /// The share of jobs, in percent, whose orchestrator reports the job too (runs an exporter).
    public let reportingPercent: Int

    /// `firstJob` numbers the jobs (ids, streams and requests carry the number): generators of different days give
    /// different ranges, so no two days share a job key.
    public init(orchestrators: Int = 40, seed: UInt64 = 0x5C0_4E, gateways: [String] = ["gw-1", "gw-2"], reportingPercent: Int = 30,
                firstJob: Int = 0) {
        precondition(!gateways.isEmpty && (0...100).contains(reportingPercent), "a workload needs a gateway and a percentage")
        self.orchestrators = orchestrators
        index = firstJob
        self.gateways = gateways
        self.reportingPercent = reportingPercent
        generator = SplitMix64(seed: seed)
    }

    /// The orchestrator's exporter's observer id for orchestrator `index` (1-based).
    public static func observer(_ index: Int) -> String { "orch-\(index)" }

    mutating func random(_ bound: Int) -> Int { Int(generator.next() % UInt64(bound)) }

    static func address(_ i: Int) -> String {
        let hex = String(i, radix: 16)
        return "0x" + String(repeating: "0", count: 40 - hex.count) + hex
    }

    static let models = Simulation.liveModels
    /// The simulator's behaviours that this generator gives orchestrators, in turn by index (no offline hours: a
    /// scoring workload has no exporters to take down).
    static let behaviours: [Simulation.Behaviour] = [.reliable, .slowStart, .flaky, .zeroFPS, .overReporter]
    static let regions = Simulation.regions

    /// The lines of one job starting at `startMs` as (collector, line): one gateway line, sometimes an orchestrator's too
    /// (given to the gateway's collector).
    public mutating func job(startMs: Int64) -> [(collector: String, line: String)] {
        let lines = jobLines(startMs: startMs)
        return [(lines.gateway, lines.gatewayLine)] + (lines.orchestratorLine.map { [(lines.gateway, $0)] } ?? [])
    }

    /// One job starting at `startMs`: the gateway that ran it and its record, and the record of the orchestrator's
    /// exporter when it reports the job (`orchestrator` is its observer id, `address` the orchestrator's address).
    public mutating func jobLines(startMs: Int64) -> (gateway: String, gatewayLine: String, orchestrator: String, address: String, orchestratorLine: String?) {
        index += 1
        let orchestratorIndex = 1 + random(orchestrators)
        let orchestrator = Self.address(orchestratorIndex)
        let behaviour = Self.behaviours[orchestratorIndex % Self.behaviours.count]
        let gateway = gateways[random(gateways.count)]
        let region = Self.regions[random(Self.regions.count)]
        let reported = random(100) < reportingPercent
        let orchestratorObserver = Self.observer(orchestratorIndex)
        let roll = random(100)
        if roll < 70 {
            let model = Self.models[random(Self.models.count)]
            let failure = random(1000)
            var outcome = "completed"
            if random(1000) < 5 { outcome = "no_orchestrator" }
            else if behaviour == .flaky && failure < 120 { outcome = failure < 60 ? "swapped" : "startup_failed" }
            else if behaviour == .zeroFPS && failure < 80 { outcome = "zero_fps" }
            else if behaviour == .overReporter && failure < 60 { outcome = "no_output" }
            else if failure < 10 { outcome = "loading_only" }
            let ptff = Int64(behaviour == .slowStart ? 3000 + random(4000) : 700 + random(2500))
            let e2e = Int64(behaviour == .slowStart ? 600 + random(900) : 180 + random(700))
            let fps = outcome == "zero_fps" ? 0 : Int64(12_000 + random(behaviour == .zeroFPS ? 8000 : 18_000))
            let duration = Int64(60_000 + random(900_000))
            let expected = duration / 10_000
            let started = outcome != "no_orchestrator" && outcome != "startup_failed"
            let samples = !started ? 0 : behaviour == .flaky ? expected - Int64(random(Int(expected / 4) + 1)) : expected
            let hasOutput = ["completed", "zero_fps", "swapped"].contains(outcome)
            func live(observer: String, role: String, outcome: String, withRegion: Bool) -> String {
                let gateway = role == "gateway"
                var fields = [
                    "\"kind\":\"live_session\"", "\"schema\":\(gateway ? 2 : 1)", "\"id\":\"\(gateway ? "s" : "o")-\(index)/1\"",
                    "\"observer_role\":\"\(role)\"", "\"observer_id\":\"\(observer)\"", "\"stream_id\":\"s-\(index)\"",
                    "\"request_id\":\"r-\(index)\"", "\"attempt\":1", "\"pipeline\":\"live-video-to-video\"", "\"model_id\":\"\(model)\"",
                    "\"start_ms\":\(startMs)", "\"end_ms\":\(startMs + duration)", "\"outcome\":\"\(outcome)\"",
                    "\"swap_count\":\(outcome == "swapped" ? 1 : 0)", "\"restarts\":0",
                    "\"status_samples\":\(outcome == "no_orchestrator" ? 0 : samples)",
                ]
                if outcome != "no_orchestrator" {
                    fields += ["\"orchestrator\":\"\(orchestrator)\"", "\"status_samples_expected\":\(expected)"]
                }
                if withRegion { fields.append("\"region\":\"\(region)\"") }
                if hasOutput || outcome == "completed" {
                    fields += ["\"first_output_ms\":\(startMs + ptff)", "\"ptff_ms\":\(ptff)", "\"e2e_latency_ms\":\(e2e)",
                               "\"output_fps_mfps\":\(outcome == "completed" && fps == 0 ? 15_000 : fps)"]
                }
                if gateway {
                    // The gateway's session evidence (spec/records.md §3.5): one status report every 10 s from 10 s in.
                    fields += ["\"session_request_ms\":\(startMs)", "\"session_last_ms\":\(startMs + duration)",
                               "\"session_swaps\":\(outcome == "swapped" ? 1 : 0)", "\"ingest_sent_ms\":\(startMs + max(ptff - e2e, 0))"]
                    if hasOutput {
                        fields += ["\"session_playable_ms\":\(startMs + ptff + 1500)", "\"runner_output_ms\":\(startMs + max(ptff - 40, 0))"]
                    }
                    if samples > 0 {
                        fields.append("\"runner_start_ms\":\(startMs + 500)")
                        let running = outcome != "loading_only", mean = outcome == "loading_only" ? 0 : fps
                        var hours: [String] = []
                        var sample: Int64 = 0
                        while sample < samples {
                            let time = startMs + 10_000 * (sample + 1)
                            let hour = time - time % 3_600_000
                            let count = min(samples - sample, (hour + 3_600_000 - time + 9_999) / 10_000)
                            hours.append("{\"fps_positive_samples\":\(mean > 0 ? count : 0),\"hour_ms\":\(hour),\"latency_samples\":0,"
                                + "\"latency_sum_ms\":0,\"output_fps_sum_mfps\":\(mean * count),\"running_samples\":\(running ? count : 0),"
                                + "\"samples\":\(count)}")
                            sample += count
                        }
                        fields.append("\"status_hours\":[" + hours.joined(separator: ",") + "]")
                    }
                }
                return "{" + fields.joined(separator: ",") + "}"
            }
            let gatewayLine = live(observer: gateway, role: "gateway", outcome: outcome, withRegion: true)
            guard reported && outcome != "no_orchestrator" else { return (gateway, gatewayLine, orchestratorObserver, orchestrator, nil) }
            let claimed = behaviour == .overReporter ? "completed" : outcome
            return (gateway, gatewayLine, orchestratorObserver, orchestrator,
                    live(observer: orchestratorObserver, role: "orchestrator", outcome: claimed, withRegion: false))
        }
        let kind = roll < 85 ? "batch_request" : roll < 95 ? "llm_request" : "byoc_job"
        let success = random(1000) >= (behaviour == .flaky ? 90 : 15)
        let duration = Int64(300 + random(behaviour == .slowStart ? 9000 : 4000))
        func job(observer: String, role: String, success: Bool, withRegion: Bool) -> String {
            var fields = ["\"kind\":\"\(kind)\"", "\"schema\":1", "\"id\":\"\(role == "gateway" ? "j" : "oj")-\(index)\"",
                          "\"observer_role\":\"\(role)\"", "\"observer_id\":\"\(observer)\"", "\"orchestrator\":\"\(orchestrator)\"",
                          "\"start_ms\":\(startMs)", "\"end_ms\":\(startMs + duration)", "\"success\":\(success)", "\"duration_ms\":\(duration)"]
            switch kind {
            case "batch_request":
                fields += ["\"request_id\":\"j-\(index)\"", "\"pipeline\":\"text-to-image\"", "\"model_id\":\"stabilityai/sd-turbo\"", "\"tries\":1"]
            case "llm_request":
                fields += ["\"request_id\":\"j-\(index)\"", "\"pipeline\":\"llm\"", "\"model_id\":\"meta-llama/Meta-Llama-3.1-8B-Instruct\"",
                           "\"tries\":1", "\"ttft_ms\":\(100 + duration / 20)"]
            default:
                fields += ["\"capability\":\"video-upscale\"", "\"attempts\":1"]
            }
            if withRegion { fields.append("\"region\":\"\(region)\"") }
            return "{" + fields.joined(separator: ",") + "}"
        }
        let gatewayLine = job(observer: gateway, role: "gateway", success: success, withRegion: true)
        guard reported && kind != "byoc_job" else { return (gateway, gatewayLine, orchestratorObserver, orchestrator, nil) }
        return (gateway, gatewayLine, orchestratorObserver, orchestrator,
                job(observer: orchestratorObserver, role: "orchestrator", success: behaviour == .overReporter ? true : success, withRegion: false))
    }
}
