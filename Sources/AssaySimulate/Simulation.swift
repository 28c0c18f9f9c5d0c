import AssayCore

/// A seeded, deterministic workload for the demo and tests: orchestrators
/// with designed behaviours, gateways whose side is emitted as go-livepeer
/// gateway events (the real envelope and event types, spec/gateway-events.md),
/// and each orchestrator's own records for its exporter's ingest API
/// (spec/records.md). Diurnal load; live video-to-video sessions, batch AI,
/// LLM and BYOC jobs across pipelines, models and regions. The same
/// configuration gives the same bytes.
public struct Simulation: Sendable {
    public enum Behaviour: String, Sendable, CaseIterable {
        /// Fast and reliable.
        case reliable
        /// Reliable but slow to start (high time to first frame, slow jobs) — and the cheapest: cheap but slow.
        case slowStart = "slow-start"
        /// Fails to start now and then (half the time its runner crashes while loading) and loses sessions to swaps.
        case flaky
        /// Some sessions run with zero output FPS.
        case zeroFPS = "zero-fps"
        /// Its AI runner is down from 10:00 to 16:00 UTC on odd-numbered days: live sessions never leave LOADING,
        /// its jobs fail, and its exporter has nothing for those hours.
        case offline = "offline-hours"
        /// Reports its own failures as successes.
        case overReporter = "over-reporter"
        /// Reliable itself, but its senders' networks are bad: about a third of its streams arrive with heavy jitter
        /// and packet loss, and half of those run with zero output FPS — not its fault (naap-sla-v2 excuses them).
        case badNetwork = "bad-network"
    }

    public struct Orchestrator: Sendable {
        public let index: Int
        /// The on-chain address, as records name it.
        public let address: String
        /// The exporter's observer id.
        public let observerID: String
        public let url: String
        public let region: String
        public let behaviour: Behaviour
    }

    public struct Configuration: Sendable {
        public var seed: UInt64
        public var orchestrators: Int
        public var gateways: [String]
        /// Jobs per gateway in the busiest hour.
        public var peakJobsPerHour: Int

        public init(seed: UInt64 = 1, orchestrators: Int = 7, gateways: [String] = ["gw-a", "gw-b"], peakJobsPerHour: Int = 12) {
            self.seed = seed
            self.orchestrators = orchestrators
            self.gateways = gateways
            self.peakJobsPerHour = peakJobsPerHour
        }
    }

    /// One simulated UTC day: each gateway's events (sorted by time) and each orchestrator's own records
    /// (sorted by the time the record exists: when its job ended, which may be early the next day).
    public struct Day: Sendable {
        public var events: [String: [(time: Int64, line: String)]] = [:]
        public var records: [String: [(time: Int64, line: String)]] = [:]
    }

    public let configuration: Configuration
    public let orchestrators: [Orchestrator]

    public static let regions = ["us-east", "eu-central", "ap-southeast"]
    /// Load per UTC hour, in percent of the peak (quiet at night UTC, busiest in the evening).
    static let diurnal = [30, 25, 20, 20, 25, 30, 40, 50, 60, 70, 75, 80, 85, 85, 90, 95, 100, 100, 95, 90, 80, 65, 50, 40]
    static let liveModels = ["streamdiffusion-sdxl", "streamdiffusion-sdxl-faceid"]

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        let behaviours = Behaviour.allCases
        orchestrators = (0..<configuration.orchestrators).map { index in
            let hex = String(index + 1, radix: 16)
            let address = "0x" + String(repeating: "0", count: 38 - hex.count) + "5e" + hex
            return Orchestrator(index: index, address: address, observerID: "orch-\(index + 1)",
                                url: "https://orch-\(index + 1).sim.invalid:8935", region: Self.regions[index % Self.regions.count],
                                behaviour: behaviours[index % behaviours.count])
        }
    }

    /// The profiles as JSON, for people and for the demo's summary.
    public var profilesJSON: JSONValue {
        .array(orchestrators.map { orchestrator in
            .object([.init("address", .string(orchestrator.address)), .init("observer_id", .string(orchestrator.observerID)),
                     .init("url", .string(orchestrator.url)), .init("region", .string(orchestrator.region)),
                     .init("behaviour", .string(orchestrator.behaviour.rawValue))])
        })
    }

    /// Whether `orchestrator` is unreachable at `time` (the offline-hours behaviour).
    public func isOffline(_ orchestrator: Orchestrator, at time: Int64) -> Bool {
        guard orchestrator.behaviour == .offline else { return false }
        let day = UTCDay(containing: time)
        let hour = Int((time - day.startMs) / 3_600_000)
        return day.number % 2 == 1 && (10..<16).contains(hour)
    }

    /// Everything that happens on `day`.
    public func day(_ day: UTCDay) -> Day {
        var result = Day()
        var random = SplitMix64(seed: configuration.seed &* 0x9E37_79B9 &+ UInt64(truncatingIfNeeded: day.number))
        func roll(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
        var sequence = 0
        for (gatewayIndex, gateway) in configuration.gateways.enumerated() {
            var events: [(Int64, String)] = []
            func event(_ type: String, _ time: Int64, _ data: String) {
                events.append((time, #"{"id":"\#(gateway)-\#(day)-\#(events.count)","type":"\#(type)","timestamp":"\#(time)","gateway":"\#(gateway)","data":\#(data)}"#))
            }
            // What the gateway knows of the orchestrators: their addresses and URLs.
            event("discovery_results", day.startMs + Int64(gatewayIndex),
                  "[" + orchestrators.map { #"{"address":"\#($0.address)","url":"\#($0.url)","latency_ms":"40"}"# }.joined(separator: ",") + "]")
            for hour in 0..<24 {
                // What the orchestrators advertise, as go-livepeer's network_capabilities reports it: every four hours
                // here (a gateway keeps one snapshot an hour at most), enough to chart a day and keep the sample small.
                if hour % 4 == 0 {
                    let hourStart = day.startMs + Int64(hour) * 3_600_000
                    event("network_capabilities", hourStart + 5_000 + Int64(gatewayIndex), capabilities(at: hourStart + 5_000))
                }
                let jobs = max(1, configuration.peakJobsPerHour * Self.diurnal[hour] / 100)
                for slot in 0..<jobs {
                    sequence += 1
                    let start = day.startMs + Int64(hour) * 3_600_000 + Int64(slot) * (3_600_000 / Int64(jobs)) + Int64(roll(60_000))
                    let orchestrator = orchestrators[roll(orchestrators.count)]
                    let kind = roll(100)
                    let id = "\(gateway)-\(day.number)-\(sequence)"
                    if kind < 60 {
                        live(id: id, start: start, orchestrator: orchestrator, random: &random, event: event, records: &result.records)
                    } else {
                        job(id: id, kind: kind < 85 ? "batch" : kind < 95 ? "llm" : "byoc", start: start, orchestrator: orchestrator,
                            random: &random, event: event, records: &result.records)
                    }
                }
            }
            result.events[gateway] = events.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        }
        for key in result.records.keys { result.records[key]!.sort { $0.time != $1.time ? $0.time < $1.time : $0.line < $1.line } }
        return result
    }

    func info(_ orchestrator: Orchestrator) -> String { #"{"address":"\#(orchestrator.address)","url":"\#(orchestrator.url)"}"# }

    /// The live price an orchestrator advertises and is paid, wei per pixel: the slow starter is the cheapest.
    public func price(_ orchestrator: Orchestrator) -> Int64 {
        orchestrator.behaviour == .slowStart ? 700 : 1_200 + 100 * Int64(orchestrator.index)
    }

    /// Pixels per second of a simulated live stream (512 × 512 at 20 FPS): what a minute of it costs.
    static let livePixelsPerSecond: Int64 = 512 * 512 * 20

    /// A network_capabilities event's data: every orchestrator, its live models (cold while its runner is down), one
    /// GPU per model, its price (spec/gateway-events.md §8).
    func capabilities(at time: Int64) -> String {
        "[" + orchestrators.map { orchestrator in
            let warm = !isOffline(orchestrator, at: time)
            let models = Self.liveModels.map { #""\#($0)":{"warm":\#(warm),"runnerVersion":"0.14.1","capacityInUse":0}"# }.joined(separator: ",")
            let prices = Self.liveModels.map { #"{"capability":35,"pixelsPerUnit":1,"constraint":"\#($0)","pricePerUnit":\#(price(orchestrator))}"# }
                .joined(separator: ",")
            let hardware = Self.liveModels.enumerated().map { index, model in
                #"{"pipeline":"live-video-to-video","gpu_info":{"0":{"memory_free":20000000000,"major":8,"name":"NVIDIA GeForce RTX 4090","id":"GPU-sim-\#(orchestrator.index + 1)-\#(index)","memory_total":25757220864}},"model_id":"\#(model)"}"#
            }.joined(separator: ",")
            return #"{"address":"\#(orchestrator.address)","local_address":"\#(orchestrator.address)","orch_uri":"\#(orchestrator.url)","capabilities":{"bitstring":[34426871807],"capacities":{"35":2},"version":"0.8.9","constraints":{"PerCapability":{"35":{"models":{\#(models)}}}}},"capabilities_prices":[\#(prices)],"hardware":[\#(hardware)]}"#
        }.joined(separator: ",") + "]"
    }

    /// A live video-to-video session: the gateway's trace and status events; the orchestrator's own record when it is up.
    func live(id: String, start: Int64, orchestrator: Orchestrator, random: inout SplitMix64,
              event: (String, Int64, String) -> Void, records: inout [String: [(time: Int64, line: String)]]) {
        func roll(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
        let stream = "stream-\(id)", request = "req-\(id)"
        let model = Self.liveModels[roll(Self.liveModels.count)]
        let length = Int64(60_000 + roll(540_000))
        func trace(_ type: String, _ time: Int64, _ who: Orchestrator?) {
            event("stream_trace", time, #"{"orchestrator_info":\#(who.map(info) ?? #"{"address":"","url":""}"#),"stream_id":"\#(stream)","pipeline_id":"","type":"\#(type)","request_id":"\#(request)","timestamp":\#(time)}"#)
        }
        func status(_ time: Int64, _ who: Orchestrator, fps: Int, state: String = "ONLINE", since runnerStart: Int64) {
            event("ai_stream_status", time, #"{"orchestrator_info":\#(info(who)),"inference_status":{"restart_count":0,"fps":\#(fps / 1000).\#(String(fps % 1000 + 1000).dropFirst())},"input_status":{"fps":30.0},"type":"status","pipeline":"\#(model)","start_time":\#(runnerStart),"stream_id":"\#(stream)","state":"\#(state)","request_id":"\#(request)","timestamp":\#(time)}"#)
        }
        trace("gateway_receive_stream_request", start, nil)
        let behaviour = orchestrator.behaviour
        let failure = roll(1000)
        // The sender's network (spec/gateway-events.md §4.6): bad for about a third of a bad-network orchestrator's streams.
        let badNetwork = behaviour == .badNetwork && roll(100) < 35
        let jitterBase = badNetwork ? 60 + roll(90) : 4 + roll(20)
        let lossPercent = badNetwork ? 3 + roll(6) : 0
        func ingestReports(until end: Int64) {
            var time = start + 5_000
            while time <= max(end, start + 5_000) {
                let seconds = (time - start) / 1000
                let video = seconds * 300, audio = seconds * 50
                let lostVideo = video * Int64(lossPercent) / 100, lostAudio = audio * Int64(lossPercent) / 100
                let jitter = jitterBase + Int((time / 1000) % 7)
                event("stream_ingest_metrics", time, #"{"stats":{"track_stats":[{"type":"video","jitter":\#(jitter).25,"packets_received":\#(video - lostVideo),"packets_lost":\#(lostVideo),"rtt":0},{"type":"audio","jitter":\#(jitter / 2).5,"packets_received":\#(audio - lostAudio),"packets_lost":\#(lostAudio),"rtt":0}],"conn_quality":"\#(badNetwork ? "bad" : "good")"},"stream_id":"\#(stream)","request_id":"\#(request)","timestamp":\#(time)}"#)
                time += 30_000
            }
        }
        // The tickets the gateway sends (create_new_payment): one a minute at the orchestrator's price, winning
        // probability 1/1000; go-livepeer names the request on the first payment only (spec/gateway-events.md §4.5).
        func payments(to who: Orchestrator, from first: Int64, until end: Int64) {
            let ev = price(who) * Self.livePixelsPerSecond * 60
            var time = first
            var named = true
            while time < max(end, first + 1) {
                event("create_new_payment", time, #"{"orchestrator":"\#(who.url)","capability":"","numTickets":"1","sender":"0x5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e","faceValue":"\#(ev * 1000) WEI","price":"\#(price(who)) wei/pixel","requestID":"\#(named ? request : "")","clientIP":"","winProb":"0.0010000000","recipient":"\#(who.address)","sessionID":"pm-\#(id)-\#(who.index)","manifestID":"\#(named ? "35_\(model)" : "m-\(id)")"}"#)
                named = false
                time += 60_000
            }
        }
        // Down: the session never produces output there. A crashed or absent runner reports LOADING once or twice
        // (the runner was reached); an unreachable one reports nothing.
        if isOffline(orchestrator, at: start) || (behaviour == .flaky && failure < 60) {
            trace("gateway_send_first_ingest_segment", start + 1200, orchestrator)
            if isOffline(orchestrator, at: start) || failure >= 30 {
                trace("runner_receive_first_ingest_segment", start + 1300, orchestrator)
                status(start + 5000, orchestrator, fps: 0, state: "LOADING", since: start + 1000)
                status(start + 8000, orchestrator, fps: 0, state: "LOADING", since: start + 1000)
            }
            trace("gateway_ingest_stream_closed", start + 9000, nil)
            payments(to: orchestrator, from: start + 1500, until: start + 9000)
            ingestReports(until: start + 9000)
            return
        }
        let ptff = Int64(behaviour == .slowStart ? 3500 + roll(4000) : 800 + roll(1700))
        let e2e = Int64(behaviour == .slowStart ? 700 + roll(800) : 200 + roll(500))
        // Bad input starves the runner: half of the bad-network streams run with zero output FPS.
        let zero = (behaviour == .zeroFPS && failure < 150) || (badNetwork && failure % 2 == 0)
        let swapped = behaviour == .flaky && failure >= 60 && failure < 160
        // An over-reporter's runner sometimes never gets past loading; it reports the session completed all the same.
        let stuck = behaviour == .overReporter && failure < 120
        let fps = zero ? 0 : 14_000 + roll(behaviour == .slowStart ? 6000 : 12_000)
        let sendFirst = start + ptff - e2e
        trace("gateway_send_first_ingest_segment", sendFirst, orchestrator)
        trace("runner_receive_first_ingest_segment", sendFirst + 30, orchestrator)
        if !stuck {
            trace("runner_send_first_processed_segment", sendFirst + e2e - 40, orchestrator)
            trace("gateway_receive_first_processed_segment", sendFirst + e2e, orchestrator)
            trace("gateway_receive_few_processed_segments", sendFirst + e2e + 1500, orchestrator)
        }
        let end = start + length
        let swapAt = swapped ? start + length / 2 : end
        var time = start + 10_000
        while time < swapAt {
            status(time, orchestrator, fps: stuck ? 0 : fps, state: stuck ? "LOADING" : "ONLINE", since: start + 1000)
            time += 10_000
        }
        var claimed = zero ? "zero_fps" : "completed"
        if swapped {
            // The session moves to another orchestrator half way: any other that is up.
            let others = orchestrators.filter { $0.index != orchestrator.index && $0.behaviour != .flaky && !isOffline($0, at: swapAt) }
            let other = others.isEmpty ? orchestrator : others[roll(others.count)]
            event("stream_trace", swapAt, #"{"orchestrator_info":\#(info(other)),"stream_id":"\#(stream)","pipeline_id":"","type":"orchestrator_swap","request_id":"\#(request)","timestamp":\#(swapAt)}"#)
            trace("gateway_send_first_ingest_segment", swapAt + 100, other)
            trace("runner_receive_first_ingest_segment", swapAt + 130, other)
            trace("runner_send_first_processed_segment", swapAt + 860, other)
            trace("gateway_receive_first_processed_segment", swapAt + 900, other)
            time = swapAt + 10_000
            while time < end {
                status(time, other, fps: 24_000, since: swapAt + 130)
                time += 10_000
            }
            payments(to: other, from: swapAt + 1000, until: end)
            claimed = "swapped"
        }
        trace("gateway_ingest_stream_closed", end, nil)
        payments(to: orchestrator, from: start + 1500, until: swapAt)
        ingestReports(until: end)
        // The orchestrator's own view of attempt 1; an over-reporter calls every session it served completed.
        if stuck { claimed = "completed" }
        let ownEnd = swapped ? swapAt : end
        let expected = max(1, (ownEnd - (start + 1000)) / 10_000)
        var fields = [#""schema":1"#, #""kind":"live_session""#, #""id":"\#(stream)/\#(request)/1""#, #""observer_role":"orchestrator""#,
                      #""observer_id":"\#(orchestrator.observerID)""#, #""region":"\#(orchestrator.region)""#, #""stream_id":"\#(stream)""#,
                      #""request_id":"\#(request)""#, #""attempt":1"#, #""pipeline":"live-video-to-video""#, #""model_id":"\#(model)""#,
                      #""orchestrator":"\#(orchestrator.address)""#, #""start_ms":\#(start)"#, #""end_ms":\#(ownEnd)"#,
                      #""outcome":"\#(claimed)""#, #""swap_count":\#(swapped ? 1 : 0)"#, #""restarts":0"#,
                      #""status_samples":\#(expected)"#, #""status_samples_expected":\#(expected)"#,
                      #""first_output_ms":\#(sendFirst + e2e)"#, #""ptff_ms":\#(sendFirst + e2e - start)"#, #""output_fps_mfps":\#(claimed == "completed" && fps == 0 ? 15_000 : fps)"#]
        if claimed == "zero_fps" || claimed == "swapped" || claimed == "completed" { fields.append(#""input_fps_mfps":30000"#) }
        records[orchestrator.observerID, default: []].append((ownEnd, "{" + fields.joined(separator: ",") + "}"))
    }

    /// A batch, LLM or BYOC job: the gateway's request events; the orchestrator's record when it is up.
    func job(id: String, kind: String, start: Int64, orchestrator: Orchestrator, random: inout SplitMix64,
             event: (String, Int64, String) -> Void, records: inout [String: [(time: Int64, line: String)]]) {
        func roll(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
        let behaviour = orchestrator.behaviour
        let down = isOffline(orchestrator, at: start)
        let failure = roll(1000)
        let success = !down && failure >= (behaviour == .flaky ? 120 : behaviour == .overReporter ? 100 : 15)
        let duration = Int64(behaviour == .slowStart ? 4000 + roll(6000) : 600 + roll(2400))
        let end = start + duration
        let claimed = behaviour == .overReporter ? !down : success
        if !down && kind != "byoc" {
            // One ticket for the job (a 512 × 512 image's pixels at the orchestrator's price), named by its request id.
            let ev = price(orchestrator) * 512 * 512
            event("create_new_payment", start + 50, #"{"orchestrator":"\#(orchestrator.url)","capability":"","numTickets":"1","sender":"0x5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e","faceValue":"\#(ev * 1000) WEI","price":"\#(price(orchestrator)) wei/pixel","requestID":"\#(id)","clientIP":"","winProb":"0.0010000000","recipient":"\#(orchestrator.address)","sessionID":"pm-\#(id)","manifestID":"\#(id)"}"#)
        }
        switch kind {
        case "batch":
            event("ai_batch_request", start, #"{"type":"ai_batch_request_received","timestamp":\#(start),"request_id":"\#(id)","pipeline":"text-to-image","model_id":"stabilityai/sd-turbo"}"#)
            event("ai_batch_request", end, #"{"type":"ai_batch_request_completed","timestamp":\#(end),"request_id":"\#(id)","pipeline":"text-to-image","model_id":"stabilityai/sd-turbo","success":\#(success),"tries":1,"duration_ms":\#(duration),"orch_url":"\#(orchestrator.url)","latency_score":0.9,"price_per_unit":0.0001,"error_type":"\#(success ? "" : "inference_failed")"}"#)
            if !down {
                records[orchestrator.observerID, default: []].append((end, #"{"schema":1,"kind":"batch_request","id":"\#(id)","observer_role":"orchestrator","observer_id":"\#(orchestrator.observerID)","region":"\#(orchestrator.region)","request_id":"\#(id)","pipeline":"text-to-image","model_id":"stabilityai/sd-turbo","orchestrator":"\#(orchestrator.address)","start_ms":\#(start),"end_ms":\#(end),"success":\#(claimed),"tries":1,"duration_ms":\#(duration)}"#))
            }
        case "llm":
            let ttft = 120 + duration / 25
            event("ai_llm_request", end, #"{"type":"llm_request_completed","timestamp":\#(end),"request_id":"\#(id)","model":"meta-llama/Meta-Llama-3.1-8B-Instruct","orch_url":"\#(orchestrator.url)","completion_tokens":200,"total_duration_ms":\#(duration),"tokens_per_second":80.5,"ttft_ms":\#(ttft),"error":"\#(success ? "" : "inference failed")"}"#)
            if !down {
                records[orchestrator.observerID, default: []].append((end, #"{"schema":1,"kind":"llm_request","id":"\#(id)","observer_role":"orchestrator","observer_id":"\#(orchestrator.observerID)","region":"\#(orchestrator.region)","request_id":"\#(id)","pipeline":"llm","model_id":"meta-llama/Meta-Llama-3.1-8B-Instruct","orchestrator":"\#(orchestrator.address)","start_ms":\#(start),"end_ms":\#(end),"success":\#(claimed),"tries":1,"duration_ms":\#(duration),"ttft_ms":\#(ttft)}"#))
            }
        default:
            event("job_gateway", start, #"{"type":"job_gateway_submitted","request_id":"\#(id)","attempt_index":0,"capability":"video-upscale","orchestrator_info":\#(info(orchestrator))}"#)
            event("job_gateway", end, #"{"type":"job_gateway_completed","request_id":"\#(id)","attempt_index":0,"capability":"video-upscale","success":\#(success),"error":\#(success ? "null" : "\"job failed\""),"duration_ms":\#(duration),"completed_at":\#(end),"http_status":\#(success ? 200 : 500),"orchestrator_info":\#(info(orchestrator))}"#)
            if !down {
                records[orchestrator.observerID, default: []].append((end, #"{"schema":1,"kind":"byoc_job","id":"\#(id)","observer_role":"orchestrator","observer_id":"\#(orchestrator.observerID)","region":"\#(orchestrator.region)","capability":"video-upscale","attempts":1,"orchestrator":"\#(orchestrator.address)","start_ms":\#(start),"end_ms":\#(end),"success":\#(claimed),"http_status":\#(claimed ? 200 : 500),"duration_ms":\#(duration)}"#))
            }
        }
    }
}
