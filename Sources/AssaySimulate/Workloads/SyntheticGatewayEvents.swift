import AssayCore
/// Deterministic synthetic go-livepeer gateway events (the real envelope and
/// event types), for tests and benchmarks: live streams with status every
/// 10 s, swaps, failures, and batch, LLM and BYOC requests.
public struct SyntheticGatewayEvents {
    public let streams: Int
    public let startMs: Int64
    public let durationMs: Int64
    private var generator: SplitMix64

    public init(streams: Int, startMs: Int64 = 1_767_225_600_000, durationMs: Int64 = 3_600_000, seed: UInt64 = 11) {
        self.streams = streams
        self.startMs = startMs
        self.durationMs = durationMs
        generator = SplitMix64(seed: seed)
    }

    mutating func random() -> UInt64 { generator.next() }

    static let orchestrators = (0..<8).map { "0x" + String(repeating: format($0 * 17 + 1), count: 20) }
    static func format(_ value: Int) -> String { let digits = Array("0123456789abcdef"); return String([digits[value / 16 % 16], digits[value % 16]]) }

    /// All events, sorted by time (as a gateway would emit them), one JSON object per element.
    public mutating func events() -> [(time: Int64, line: String)] {
        var events: [(Int64, String)] = []
        var counter = 0
        func envelope(_ type: String, _ time: Int64, _ data: String) -> (Int64, String) {
            counter += 1
            return (time, #"{"id":"evt-\#(counter)","type":"\#(type)","timestamp":"\#(time)","gateway":"","data":\#(data)}"#)
        }
        for stream in 0..<streams {
            let streamID = "stream-syn-\(stream)"
            let requestID = String(random() % 0xFFFF_FFFF, radix: 16)
            let begin = startMs + Int64(random() % UInt64(max(durationMs - 600_000, 1)))
            let length = 60_000 + Int64(random() % 540_000)
            let roll = random() % 100
            let orchestrator = Self.orchestrators[Int(random() % 8)]
            let info = #"{"address":"\#(orchestrator)","url":"https://orch-\#(orchestrator.suffix(4)).example:8935"}"#
            func trace(_ type: String, _ time: Int64, orchestrator: Bool = true) -> (Int64, String) {
                envelope("stream_trace", time, #"{"orchestrator_info":\#(orchestrator ? info : #"{"address":"","url":""}"#),"stream_id":"\#(streamID)","pipeline_id":"","type":"\#(type)","request_id":"\#(requestID)","timestamp":\#(time)}"#)
            }
            events.append(trace("gateway_receive_stream_request", begin, orchestrator: false))
            if roll < 5 {
                events.append(envelope("ai_stream_events", begin + 2000, #"{"pipeline":"streamdiffusion-sdxl","stream_id":"\#(streamID)","message":"no orchestrators available within 2s timeout","type":"error","request_id":"\#(requestID)"}"#))
                events.append(trace("gateway_ingest_stream_closed", begin + 2100, orchestrator: false))
                continue
            }
            events.append(trace("gateway_send_first_ingest_segment", begin + 1500))
            events.append(trace("runner_receive_first_ingest_segment", begin + 1510))
            let ptff = 1000 + Int64(random() % 4000)
            if roll >= 10 { events.append(trace("gateway_receive_first_processed_segment", begin + ptff)) }
            var time = begin + 10_000
            while time < begin + length {
                let fps = roll < 15 ? 0.0 : 15.0 + Double(random() % 10_000) / 1000
                events.append(envelope("ai_stream_status", time, #"{"orchestrator_info":\#(info),"inference_status":{"restart_count":0,"fps":\#(fps)},"input_status":{"fps":30.0},"type":"status","pipeline":"streamdiffusion-sdxl","start_time":\#(begin + 1000),"stream_id":"\#(streamID)","state":"ONLINE","request_id":"\#(requestID)","timestamp":\#(time)}"#))
                time += 10_000
            }
            if roll % 7 != 3 { events.append(trace("gateway_ingest_stream_closed", begin + length, orchestrator: false)) }
        }
        for request in 0..<streams {
            let time = startMs + Int64(random() % UInt64(durationMs))
            let orchestrator = Self.orchestrators[Int(random() % 8)]
            let url = "https://orch-\(orchestrator.suffix(4)).example:8935"
            events.append(envelope("ai_batch_request", time, #"{"type":"ai_batch_request_received","timestamp":\#(time),"request_id":"req-syn-\#(request)","pipeline":"text-to-image","model_id":"stabilityai/sd-turbo"}"#))
            events.append(envelope("ai_batch_request", time + 1500, #"{"type":"ai_batch_request_completed","timestamp":\#(time + 1500),"request_id":"req-syn-\#(request)","pipeline":"text-to-image","model_id":"stabilityai/sd-turbo","success":\#(request % 9 != 0),"tries":1,"duration_ms":1500,"orch_url":"\#(url)","latency_score":0.9,"price_per_unit":0.0001,"error_type":""}"#))
            if request % 4 == 0 {
                events.append(envelope("ai_llm_request", time + 100, #"{"type":"llm_stream_completed","timestamp":\#(time + 1400),"request_id":"llm-syn-\#(request)","model":"meta-llama/Llama-3.1-8B-Instruct","orch_url":"\#(url)","completion_tokens":200,"total_duration_ms":1300,"tokens_per_second":80.5,"ttft_ms":180,"error":""}"#))
            }
            if request % 5 == 0 {
                events.append(envelope("job_gateway", time, #"{"type":"job_gateway_submitted","request_id":"job-syn-\#(request)","attempt_index":0,"capability":"video-upscale","orchestrator_info":{"address":"\#(orchestrator)","url":"\#(url)"}}"#))
                events.append(envelope("job_gateway", time + 4000, #"{"type":"job_gateway_completed","request_id":"job-syn-\#(request)","attempt_index":0,"capability":"video-upscale","success":true,"error":null,"duration_ms":4000,"completed_at":\#(time + 4000),"http_status":200,"orchestrator_info":{"address":"\#(orchestrator)","url":"\#(url)"}}"#))
            }
        }
        return events.sorted { $0.0 < $1.0 }
    }
}
