import AssayCore

/// Deterministic synthetic records for benchmarks and tests: valid records
/// of every kind, members in a producer's order (not canonical), so the
/// pipeline does real canonicalization work. Same seed, same bytes.
public struct SyntheticRecords: Sequence, IteratorProtocol {
    private var generator: SplitMix64
    private var index = 0
    private let count: Int

    public init(count: Int, seed: UInt64 = 0x5EED) {
        self.count = count
        generator = SplitMix64(seed: seed)
    }

    mutating func random() -> UInt64 { generator.next() }

    mutating func pick<T>(_ choices: [T]) -> T { choices[Int(random() % UInt64(choices.count))] }

    static let orchestrators = (0..<24).map { i in "0x" + String(repeating: String(format2(i)), count: 20) }
    static let pipelines = [("live-video-to-video", "streamdiffusion-sdxl"), ("live-video-to-video", "streamdiffusion-sdxl-faceid"),
                            ("text-to-image", "stabilityai/sd-turbo"), ("llm", "meta-llama/Meta-Llama-3.1-8B-Instruct")]
    static let regions = ["us-east", "us-west", "eu-central", "ap-southeast"]

    static func format2(_ i: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[(i / 16) % 16], digits[i % 16]])
    }

    /// The next record as one JSON line (without newline).
    public mutating func next() -> String? {
        guard index < count else { return nil }
        defer { index += 1 }
        let start = 1_767_225_600_000 + Int64(index) * 137 + Int64(random() % 1000)
        let orchestrator = pick(Self.orchestrators)
        let region = pick(Self.regions)
        let roll = random() % 100
        if roll < 70 {
            let (pipeline, model) = Self.pipelines[Int(random() % 2)]
            let ptff = 800 + Int64(random() % 4000)
            let end = start + 60_000 + Int64(random() % 600_000)
            let outputFPS = 12_000 + Int64(random() % 18_000)
            let samples = (end - start) / 10_000
            return """
                {"kind":"live_session","schema":1,"id":"stream-\(index)/1","observer_role":"gateway","observer_id":"gw-synthetic-1",\
                "region":"\(region)","stream_id":"stream-\(index)","request_id":"\(String(random() % 0xFFFF_FFFF, radix: 16))",\
                "attempt":1,"orchestrator":"\(orchestrator)","orchestrator_url":"https://orch-\(orchestrator.suffix(6)).example:8935",\
                "pipeline":"\(pipeline)","model_id":"\(model)","start_ms":\(start),"first_output_ms":\(start + ptff),\
                "end_ms":\(end),"outcome":"completed","swap_count":0,"input_fps_mfps":30000,"output_fps_mfps":\(outputFPS),\
                "status_samples":\(samples),"status_samples_expected":\(samples),"ptff_ms":\(ptff),\
                "e2e_latency_ms":\(200 + random() % 800),"restarts":0}
                """
        } else if roll < 85 {
            let (pipeline, model) = Self.pipelines[2]
            let duration = 300 + Int64(random() % 5000)
            return """
                {"kind":"batch_request","schema":1,"id":"req-\(index)","observer_role":"gateway","observer_id":"gw-synthetic-1",\
                "region":"\(region)","request_id":"req-\(index)","pipeline":"\(pipeline)","model_id":"\(model)",\
                "orchestrator":"\(orchestrator)","start_ms":\(start),"end_ms":\(start + duration),"success":\(roll % 7 != 0),\
                "tries":\(1 + random() % 3),"duration_ms":\(duration),"price_per_unit_wei":"\(1000 + random() % 5000)","pixels_per_unit":1}
                """
        } else if roll < 95 {
            let (pipeline, model) = Self.pipelines[3]
            let duration = 500 + Int64(random() % 20_000)
            return """
                {"kind":"llm_request","schema":1,"id":"llm-\(index)","observer_role":"gateway","observer_id":"gw-synthetic-1",\
                "request_id":"llm-\(index)","pipeline":"\(pipeline)","model_id":"\(model)","orchestrator":"\(orchestrator)",\
                "start_ms":\(start),"end_ms":\(start + duration),"success":true,"tries":1,"duration_ms":\(duration),\
                "ttft_ms":\(100 + random() % 900),"tokens_per_s_milli":\(20_000 + random() % 80_000),"output_tokens":\(random() % 2000)}
                """
        } else {
            return """
                {"kind":"byoc_job","schema":1,"id":"job-\(index)","observer_role":"orchestrator","observer_id":"orch-\(orchestrator.suffix(6))",\
                "capability":"video-upscale","orchestrator":"\(orchestrator)","start_ms":\(start),"end_ms":\(start + 4000),\
                "success":true,"attempts":1,"http_status":200,"duration_ms":4000}
                """
        }
    }
}
