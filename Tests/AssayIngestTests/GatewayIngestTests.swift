import AssaySimulate
import AssayCore
import AssayIngest
import AssayScore
import AssayTestSupport
import Foundation
import Testing

/// go-livepeer gateway events → job records (spec/gateway-events.md).
@Suite("gateway events")
struct GatewayIngestTests {
    static let options = GatewaySessionizer.Options(observerID: "gw-test", idleTimeoutMs: 120_000)

    /// Feeds lines in order and returns the canonical records.
    static func records(_ lines: [String], options: GatewaySessionizer.Options = options) -> (lines: [String], ingest: GatewayIngest) {
        let ingest = GatewayIngest(options: options)
        var output: [Record] = []
        for (index, line) in lines.enumerated() {
            output += Array(line.utf8).withUnsafeBytes { ingest.add(line: $0, number: index + 1) }
        }
        output += ingest.finish()
        return (output.map { String(decoding: $0.canonicalBytes(), as: UTF8.self) }, ingest)
    }

    static func record(_ lines: [String], id: String) throws -> JSONValue {
        try JSONParser().parse(try #require(lines.first { $0.contains("\"id\":\"\(id)\"") }))
    }

    @Test("the shared fixtures become four live sessions and two capability snapshots with hand-checked values",
          .enabled(if: Shared.isAvailable, Shared.skipReason))
    func fixtures() throws {
        let (lines, ingest) = Self.records(try Fixtures.gatewayEventLines())
        #expect(lines.count == 6)
        #expect(ingest.summary.lines == 100)
        #expect(ingest.summary.malformed.isEmpty && ingest.summary.unknownTypes.isEmpty)

        // Two requests that found no orchestrator: excused, with their errors.
        let none = try Self.record(lines, id: "stream-n8v0ru-mk6xm6s4/d738bce0/1")
        #expect(none["outcome"] == "no_orchestrator")
        #expect(none["orchestrator"] == nil)
        #expect(none["start_ms"] == .integer(1_767_966_517_287))  // gateway_receive_stream_request
        #expect(none["end_ms"] == .integer(1_767_966_519_407))  // gateway_ingest_stream_closed
        #expect(none["error_codes"] == ["no_orchestrators_available", "whip_disconnected"])

        // The long session, checked against the trace timestamps and the 22 status samples.
        let session = try Self.record(lines, id: "stream-374e1e-mk6xofol/ce6ee475/1")
        #expect(session["outcome"] == "completed")
        // orchestrator_info names the node's local address 0x52cf…; network_capabilities maps it to the on-chain 0xd003….
        #expect(session["orchestrator"] == "0xd00354656922168815fcd1e51cbddb9e359e3c7f")
        #expect(session["orchestrator_url"] == "https://rtav-orch2.xodeapp.xyz:28935")
        #expect(session["gpu_id"] == "GPU-a8d13655-197b-2226-d09f-b4b81e07504b")
        #expect(session["model_id"] == "streamdiffusion-sdxl-faceid")
        #expect(session["start_ms"] == .integer(1_767_966_622_124))
        #expect(session["first_output_ms"] == .integer(1_767_966_625_424))
        #expect(session["end_ms"] == .integer(1_767_966_850_976))
        #expect(session["ptff_ms"] == .integer(3300))  // 625424 − 622124
        #expect(session["e2e_latency_ms"] == .integer(1222))  // 625424 − 624202
        #expect(session["status_samples"] == .integer(22))
        #expect(session["status_samples_expected"] == .integer(22))  // (850976 − 622510) / 10000
        // Means of ⌊fps × 1000⌋ over the 22 samples; p10 = 3rd smallest output sample.
        #expect(session["input_fps_mfps"] == .integer(21453))
        #expect(session["output_fps_mfps"] == .integer(18809))
        #expect(session["output_fps_p10_mfps"] == .integer(18088))
        #expect(session["error_codes"] == ["whip_disconnected"])
        // Schema 2: what the gateway saw of the stream (spec/records.md §3.5), from the same events.
        #expect(session["schema"] == .integer(4))
        #expect(session["session_request_ms"] == .integer(1_767_966_622_124))  // gateway_receive_stream_request
        #expect(session["session_playable_ms"] == .integer(1_767_966_629_915))  // gateway_receive_few_processed_segments
        #expect(session["session_last_ms"] == .integer(1_767_966_850_976))  // the error event and the close, last of all
        #expect(session["session_swaps"] == .integer(0))
        #expect(session["runner_start_ms"] == .integer(1_767_966_622_510))  // every status sample's start_time
        #expect(session["ingest_sent_ms"] == .integer(1_767_966_624_202))
        #expect(session["runner_output_ms"] == .integer(1_767_966_623_931))  // before the ingest on the gateway's clock: skew
        // All 22 samples fall in 2026-01-09T13:00Z; the first (DEGRADED_INFERENCE, fps 0) runs but shows no frame;
        // Σ ⌊fps × 1000⌋ of the other 21: 17584 + 20086 + 19983 + … + 20087 = 413806. No sample has a latency_ms.
        #expect(session["status_hours"] == .array([.object([
            .init("fps_positive_samples", .integer(21)), .init("hour_ms", .integer(1_767_963_600_000)),
            .init("latency_samples", .integer(0)), .init("latency_sum_ms", .integer(0)),
            .init("output_fps_sum_mfps", .integer(413_806)), .init("running_samples", .integer(22)), .init("samples", .integer(22)),
        ])]))

        // The session the capture cut off: closed at the end of input, marked so.
        let cut = try Self.record(lines, id: "stream-3c1jio-mk6xu4go/12b4ba45/1")
        #expect(cut["error_codes"] == ["no_close_event"])
        #expect(cut["ptff_ms"] == .integer(2847))
    }

    @Test("the shared fixtures' payments, ingest reports and capabilities, mapped by hand (schema 4)",
          .enabled(if: Shared.isAvailable, Shared.skipReason))
    func fixtureCostAndInput() throws {
        let (lines, _) = Self.records(try Fixtures.gatewayEventLines())
        let session = try Self.record(lines, id: "stream-374e1e-mk6xofol/ce6ee475/1")
        // Eight create_new_payment events share sessionID ff083926 and the orchestrator rtav-orch2. The first (at …622460)
        // names request ce6ee475; the next six name none, so they are ce6ee475's too; the last (…890408) names 12b4ba45.
        // ce6ee475's, numTickets × faceValue × winProb:
        //   2 × 2400000000000000 × 0.0010000000 = 4800000000000
        //   4 × (1 × 2400000000000000 × 0.0010000000) = 9600000000000        (at …628188, …634175, …736211, …844183)
        //   1 × 2407920000000000 × 0.0009967109 = 240792 × 9967109 = 2400000110328
        //   1 × 2400240000000000 × 0.0009999000 = 240024 × 9999000 = 2399999976000
        // sum 19200000086328 wei, exactly; 2 + 6 = 8 tickets.
        #expect(session["cost_wei"] == "19200000086328")
        #expect(session["tickets"] == .integer(8))
        // "1646.821 wei/pixel" is 1646821 / 1000; the orchestrator advertises 1630 wei per 1 pixel for its model.
        #expect(session["paid_price_per_unit_wei"] == "1646821" && session["paid_pixels_per_unit"] == .integer(1000))
        #expect(session["advertised_price_per_unit_wei"] == "1630" && session["advertised_pixels_per_unit"] == .integer(1))
        #expect(session["billable_ms"] == nil)  // no remote signer: no create_signed_ticket
        // 45 stream_ingest_metrics reports of ce6ee475, each a video and an audio track. A report's jitter is its worse
        // track's ⌊ms × 1000⌋ µs: mostly the audio's ~20 ms; the first report's video 38.377307… ms is the greatest.
        // Sorted, the 23rd (⌈0.5 × 45⌉) is 20063 and the 41st (⌈0.9 × 45⌉) 20262.
        #expect(session["ingest_samples"] == .integer(45))
        #expect(session["ingest_jitter_p50_us"] == .integer(20063))
        #expect(session["ingest_jitter_p90_us"] == .integer(20262))
        // Counters are cumulative: the greatest per track, video 41614 + audio 11266 received, none lost.
        #expect(session["ingest_packets_received"] == .integer(52880))
        #expect(session["ingest_packets_lost"] == .integer(0) && session["ingest_loss_ppm"] == .integer(0))
        #expect(session["ingest_conn_quality"] == "good")
        #expect(session["ingest_rtt_p50_us"] == nil)  // every rtt is 0: not measured
        // The last payment, 2 × 2.4e15 × 0.001, is the cut session's.
        let cut = try Self.record(lines, id: "stream-3c1jio-mk6xu4go/12b4ba45/1")
        #expect(cut["cost_wei"] == "4800000000000" && cut["tickets"] == .integer(2))
        #expect(cut["ingest_samples"] == .integer(1))

        // network_capabilities lists two orchestrators, one live-video-to-video model each: one snapshot per model and hour.
        let snapshot = try Self.record(lines, id: "0xd00354656922168815fcd1e51cbddb9e359e3c7f/live-video-to-video/streamdiffusion-sdxl-faceid/1767963600000")
        #expect(snapshot["kind"] == "capability_snapshot" && snapshot["schema"] == .integer(4))
        #expect(snapshot["start_ms"] == .integer(1_767_966_595_221))
        #expect(snapshot["orchestrator_url"] == "https://rtav-orch2.xodeapp.xyz:28935")
        #expect(snapshot["warm"] == .bool(true) && snapshot["runner_version"] == "0.14.0" && snapshot["capacity_in_use"] == .integer(1))
        #expect(snapshot["capacity"] == .integer(1))  // capacities["35"]
        #expect(snapshot["node_version"] == "0.8.8-3a5678ec-dirty")
        #expect(snapshot["gpu_ids"] == ["GPU-a8d13655-197b-2226-d09f-b4b81e07504b"])
        #expect(snapshot["gpu_models"] == ["NVIDIA%20GeForce%20RTX%205090"])
        #expect(snapshot["gpu_memory_bytes"] == .integer(34_190_917_632))
        #expect(snapshot["price_per_unit_wei"] == "1630" && snapshot["pixels_per_unit"] == .integer(1))
        let other = try Self.record(lines, id: "0x47a907a0bd1627d71cd14430a721d1550d6d6f58/live-video-to-video/streamdiffusion-sdxl/1767963600000")
        #expect(other["runner_version"] == "0.14.1" && other["node_version"] == "0.8.9")
    }

    @Test("a batch request's payments, named by its request id, are its cost (schema 4); without payments it stays schema 1")
    func batchCost() throws {
        let t: Int64 = 1_767_966_600_000
        func event(_ id: String, _ type: String, _ time: Int64, _ data: String) -> String {
            #"{"id":"\#(id)","type":"\#(type)","timestamp":"\#(time)","data":\#(data)}"#
        }
        let lines = [
            event("r1", "ai_batch_request", t, #"{"type":"ai_batch_request_received","timestamp":\#(t),"request_id":"job-1","pipeline":"text-to-image","model_id":"m"}"#),
            event("p1", "create_new_payment", t + 10, #"{"orchestrator":"https://o.example:1","numTickets":"2","faceValue":"262144000 WEI","price":"1 wei/pixel","requestID":"job-1","winProb":"0.0010000000","recipient":"0x1111111111111111111111111111111111111111","sessionID":"x","manifestID":"job-1"}"#),
            event("c1", "ai_batch_request", t + 900, #"{"type":"ai_batch_request_completed","timestamp":\#(t + 900),"request_id":"job-1","pipeline":"text-to-image","model_id":"m","success":true,"tries":1,"duration_ms":900,"orch_url":"https://o.example:1"}"#),
            event("r2", "ai_batch_request", t, #"{"type":"ai_batch_request_received","timestamp":\#(t),"request_id":"job-2","pipeline":"text-to-image","model_id":"m"}"#),
        ]
        let (records, _) = Self.records(lines)
        let paid = try Self.record(records, id: "job-1")
        // 2 tickets × 262144000 wei × 0.001 = 524288 wei.
        #expect(paid["schema"] == .integer(4) && paid["cost_wei"] == "524288" && paid["tickets"] == .integer(2))
        let unpaid = try Self.record(records, id: "job-2")
        #expect(unpaid["schema"] == .integer(1) && unpaid["cost_wei"] == nil)
    }

    @Test("payments without a request, a second snapshot in the hour, and exact sums of odd probabilities")
    func costEdges() throws {
        func event(_ id: String, _ type: String, _ time: Int64, _ data: String) -> String {
            #"{"id":"\#(id)","type":"\#(type)","timestamp":"\#(time)","data":\#(data)}"#
        }
        let t: Int64 = 1_767_966_600_000
        let url = "https://o.example:1"
        let trace = { (id: String, sub: String, time: Int64) in
            event(id, "stream_trace", time, #"{"type":"\#(sub)","stream_id":"s","request_id":"r","orchestrator_info":{"address":"0x1111111111111111111111111111111111111111","url":"\#(url)"}}"#)
        }
        let payment = { (id: String, time: Int64, request: String, face: String, prob: String) in
            event(id, "create_new_payment", time, #"{"orchestrator":"\#(url)","numTickets":"3","faceValue":"\#(face) WEI","price":"0.5 wei/pixel","requestID":"\#(request)","winProb":"\#(prob)","recipient":"0x1111111111111111111111111111111111111111","sessionID":"x","manifestID":"m"}"#)
        }
        let capabilities = { (id: String, time: Int64, price: Int) in
            event(id, "network_capabilities", time, #"[{"address":"0x1111111111111111111111111111111111111111","orch_uri":"\#(url)","capabilities_prices":[{"capability":27,"constraint":"sd","pricePerUnit":\#(price),"pixelsPerUnit":3}],"capabilities":{"constraints":{"PerCapability":{"27":{"models":{"sd":{"warm":false}}}}}}}]"#)
        }
        let lines = [
            payment("p0", t - 5, "", "7", "0.5"),  // before any payment names a request: nobody's
            trace("a", "gateway_receive_stream_request", t), payment("p1", t + 1, "r", "3", "0.333"),
            payment("p2", t + 2, "", "1", "0.000000000000000001"), trace("b", "gateway_ingest_stream_closed", t + 3),
            capabilities("c2", t + 60_000, 9), capabilities("c1", t + 30_000, 8),
        ]
        let (records, ingest) = Self.records(lines)
        let session = try Self.record(records, id: "s/r/1")
        // 3 × 3 × 0.333 + 3 × 1 × 10⁻¹⁸ = 2.997 + 0.000000000000000003
        #expect(session["cost_wei"] == "2.997000000000000003" && session["tickets"] == .integer(6))
        #expect(session["paid_price_per_unit_wei"] == "5" && session["paid_pixels_per_unit"] == .integer(10))
        #expect(ingest.summary.sessionizer.unusablePayments == 0)
        // The hour's first snapshot, whatever the arrival order: the price 8, not 9.
        let snapshot = try Self.record(records, id: "0x1111111111111111111111111111111111111111/text-to-image/sd/1767963600000")
        #expect(snapshot["price_per_unit_wei"] == "8" && snapshot["pixels_per_unit"] == .integer(3))
        #expect(snapshot["warm"] == .bool(false) && snapshot["start_ms"] == .integer(t + 30_000))
        #expect(records.count == 2)
    }

    @Test("the real session scored by naap-sla-v1 from its gateway evidence, by hand", .enabled(if: Shared.isAvailable, Shared.skipReason))
    func fixturesUnderNaaP() throws {
        let (lines, _) = Self.records(try Fixtures.gatewayEventLines())
        let scorer = Scorer(profile: ScoringProfile.naapSLAv1(), lastDay: UTCDay("2026-01-09")!, days: 1)
        scorer.add(bundle: "gw", day: UTCDay("2026-01-09")!, manifestSHA256: String(repeating: "0", count: 64))
        for line in lines { try scorer.add(line: Array(line.utf8)) }
        let scores = try JSONParser().parse(scorer.output(verified: true).dropLast())["scores"]
        #expect(scores?["excused"] == .integer(2))  // the two requests that found no orchestrator
        #expect(scores?["without_status_hours"] == .integer(1))  // the session the capture cut before any status report
        let entry = try #require(scores?["orchestrators"]?.arrayValue.first)
        #expect(entry["orchestrator"] == "0xd00354656922168815fcd1e51cbddb9e359e3c7f")
        let group = try #require(entry["live"]?.arrayValue.first)
        #expect(group["sessions"] == .integer(1) && group["hours"] == .integer(1))
        #expect(group["reliability"] == .integer(1_000_000))  // requested, playable, running, frames, no swap
        #expect(group["coverage"] == .integer(1_000_000))  // 3 health signals of 3
        #expect(group["ptff"]?["mean"] == .integer(7405))  // few processed segments 629915 − runner start_time 622510
        #expect(group["e2e"]?["mean"] == .null)  // runner output before the gateway's ingest (clock skew): no E2E
        #expect(group["fps"]?["mean"] == .integer(18809))  // div(413806, 22): the zero sample counts
        // No benchmark before 2026-01-09: every quality component is ½, so 0.7 + 0.3 × 0.5.
        #expect(group["score"] == .integer(850_000))
        #expect(entry["slo"]?["not_judged_because"] == ["few_samples", "thin_benchmark"])
    }

    @Test("any arrival order within the idle timeout yields the same bytes", .enabled(if: Shared.isAvailable, Shared.skipReason),
          arguments: [1, 2, 3, 4, 5])
    func orderIndependence(seed: UInt64) throws {
        let lines = try Fixtures.gatewayEventLines()
        let expected = Self.records(lines).lines
        var generator = SplitMix64(seed: seed)
        // Shuffle within windows of 20 events (at most ~50 s apart here, under the 120 s timeout), and duplicate some.
        var shuffled: [String] = []
        for window in stride(from: 0, to: lines.count, by: 20) {
            var chunk = Array(lines[window..<min(window + 20, lines.count)])
            chunk.shuffle(using: &generator)
            shuffled += chunk
            shuffled.append(chunk[0])
        }
        let (result, ingest) = Self.records(shuffled)
        #expect(result.sorted() == expected.sorted())
        #expect(ingest.summary.sessionizer.duplicates == (lines.count + 19) / 20)
    }

    @Test("a synthetic hour of 400 concurrent streams: every session closes, memory stays bounded")
    func syntheticHour() throws {
        var generator = SyntheticGatewayEvents(streams: 400)
        let events = generator.events()
        let ingest = GatewayIngest(options: Self.options)
        var records = 0
        var maxOpen = 0
        for (index, event) in events.enumerated() {
            records += Array(event.line.utf8).withUnsafeBytes { ingest.add(line: $0, number: index + 1) }.count
            maxOpen = max(maxOpen, ingest.sessionizer.openEntities)
        }
        let stillOpen = ingest.sessionizer.openEntities
        records += ingest.finish().count
        let byKind = ingest.summary.sessionizer.recordsByKind
        #expect(byKind["live_session"] == 400)
        #expect(byKind["batch_request"] == 400)
        #expect(byKind["llm_request"] == 100)
        #expect(byKind["byoc_job"] == 80)
        #expect(records == 980)
        #expect(ingest.summary.sessionizer.dropped.isEmpty, "\(ingest.summary.sessionizer.dropped)")
        // Sessions last 1–10 minutes: far fewer are open at once than were seen, and entities close as time passes.
        #expect(maxOpen < 600, "max open entities \(maxOpen)")
        #expect(stillOpen < 400)
    }

    @Test("an endless stream keeps a bounded number of open entities")
    func endless() throws {
        let ingest = GatewayIngest(options: .init(observerID: "gw-test", idleTimeoutMs: 30_000))
        var maxOpen = 0
        var number = 0
        for hour in 0..<6 {
            var generator = SyntheticGatewayEvents(streams: 60, startMs: 1_767_225_600_000 + Int64(hour) * 3_600_000, seed: UInt64(hour + 1))
            for event in generator.events() {
                number += 1
                _ = Array(event.line.utf8).withUnsafeBytes { ingest.add(line: $0, number: number) }
                maxOpen = max(maxOpen, ingest.sessionizer.openEntities)
            }
        }
        #expect(maxOpen < 150, "open entities grew to \(maxOpen)")
    }

    @Test("malformed events and unknown types are counted with their first line, never fatal")
    func malformed() throws {
        let lines = [
            "not json",
            #"{"id":"a","type":"stream_trace","timestamp":"1767966517287","data":{"type":"gateway_receive_stream_request","request_id":"r"}}"#,
            #"{"id":"b","timestamp":"1767966517287","data":{}}"#,
            #"{"id":"c","type":"worker_registered","timestamp":"1767966517287","data":{}}"#,
            #"{"id":"d","type":"ai_batch_request","timestamp":"x","data":{"type":"ai_batch_request_received"}}"#,
            #"[1,2]"#,
            #"{"id":"e","type":"worker_registered","timestamp":"1767966517290","data":{}}"#,
        ]
        let (records, ingest) = Self.records(lines)
        #expect(records.isEmpty)
        #expect(ingest.summary.malformed["not JSON"]?.firstLine == 1)
        #expect(ingest.summary.malformed["stream event without stream_id"]?.firstLine == 2)
        #expect(ingest.summary.malformed["no string type"]?.firstLine == 3)
        #expect(ingest.summary.malformed["no valid timestamp"]?.firstLine == 5)
        #expect(ingest.summary.malformed["not an object"]?.firstLine == 6)
        #expect(ingest.summary.unknownTypes["worker_registered"]?.count == 2)
        #expect(ingest.summary.unknownTypes["worker_registered"]?.firstLine == 4)
    }

    @Test("batch, LLM and BYOC events map to their record kinds")
    func requests() throws {
        let lines = [
            #"{"id":"1","type":"ai_batch_request","timestamp":"1776384000000","data":{"type":"ai_batch_request_received","timestamp":1776384000000,"request_id":"req-001","pipeline":"text-to-image","model_id":"stabilityai/sd-turbo"}}"#,
            #"{"id":"2","type":"ai_batch_request","timestamp":"1776384004000","data":{"type":"ai_batch_request_completed","timestamp":1776384004000,"request_id":"req-001","pipeline":"text-to-image","model_id":"stabilityai/sd-turbo","success":true,"tries":2,"duration_ms":4000,"orch_url":"https://orch-01.example.com:8935","latency_score":0.9,"price_per_unit":1646.821,"error_type":""}}"#,
            #"{"id":"3","type":"ai_llm_request","timestamp":"1776384002500","data":{"type":"llm_stream_completed","timestamp":1776384002500,"request_id":"req-002","model":"meta-llama/Llama-3.1-8B-Instruct","orch_url":"https://orch-01.example.com:8935","completion_tokens":200,"total_duration_ms":2500,"tokens_per_second":80.25,"ttft_ms":180,"error":""}}"#,
            #"{"id":"4","type":"job_gateway","timestamp":"1776384000000","data":{"type":"job_gateway_submitted","request_id":"req-003","attempt_index":0,"capability":"video-upscale","orchestrator_info":{"address":"0x4A9B6c3d2e1f0a8b7c6d5e4f3a2b1c0d9e8f7a6b","url":"https://orch-01.example.com:8935"}}}"#,
            #"{"id":"5","type":"job_gateway","timestamp":"1776384001000","data":{"type":"job_gateway_completed","request_id":"req-003","attempt_index":0,"capability":"video-upscale","success":false,"error":"connection reset","duration_ms":1000,"completed_at":1776384001000,"orchestrator_info":{"address":"0x4a9b6c3d2e1f0a8b7c6d5e4f3a2b1c0d9e8f7a6b","url":"https://orch-01.example.com:8935"}}}"#,
            #"{"id":"6","type":"job_gateway","timestamp":"1776384001100","data":{"type":"job_gateway_submitted","request_id":"req-003","attempt_index":1,"capability":"video-upscale","orchestrator_info":{"address":"0x1111111111111111111111111111111111111111","url":"https://orch-02.example.com:8935"}}}"#,
            #"{"id":"7","type":"job_gateway","timestamp":"1776384003445","data":{"type":"job_gateway_completed","request_id":"req-003","attempt_index":1,"capability":"video-upscale","success":true,"error":null,"duration_ms":2345,"completed_at":1776384003445,"http_status":200,"orchestrator_info":{"address":"0x1111111111111111111111111111111111111111","url":"https://orch-02.example.com:8935"}}}"#,
        ]
        let (records, _) = Self.records(lines)
        let batch = try Self.record(records, id: "req-001")
        #expect(batch["kind"] == "batch_request")
        #expect(batch["start_ms"] == .integer(1_776_384_000_000) && batch["end_ms"] == .integer(1_776_384_004_000))
        #expect(batch["success"] == .bool(true) && batch["tries"] == .integer(2) && batch["duration_ms"] == .integer(4000))
        #expect(batch["price_per_unit_wei"] == "1646821" && batch["pixels_per_unit"] == .integer(1000))
        #expect(batch["orchestrator_url"] == "https://orch-01.example.com:8935")
        let llm = try Self.record(records, id: "req-002")
        #expect(llm["kind"] == "llm_request")
        #expect(llm["ttft_ms"] == .integer(180) && llm["tokens_per_s_milli"] == .integer(80250) && llm["output_tokens"] == .integer(200))
        #expect(llm["start_ms"] == .integer(1_776_384_000_000) && llm["success"] == .bool(true))
        let job = try Self.record(records, id: "req-003")
        #expect(job["kind"] == "byoc_job")
        #expect(job["attempts"] == .integer(2) && job["success"] == .bool(true) && job["http_status"] == .integer(200))
        #expect(job["orchestrator"] == "0x1111111111111111111111111111111111111111")
        #expect(job["start_ms"] == .integer(1_776_384_000_000) && job["duration_ms"] == .integer(3445))
    }

    @Test("a swap splits a stream into attempts: the first is swapped, the second completes")
    func swap() throws {
        func trace(_ id: Int, _ type: String, _ time: Int64, _ orchestrator: String) -> String {
            #"{"id":"s\#(id)","type":"stream_trace","timestamp":"\#(time)","data":{"orchestrator_info":{"address":"\#(orchestrator)","url":""},"stream_id":"st","request_id":"rq","type":"\#(type)","timestamp":\#(time)}}"#
        }
        let a = "0x" + String(repeating: "a", count: 40), b = "0x" + String(repeating: "b", count: 40)
        let lines = [
            trace(1, "gateway_receive_stream_request", 1_776_384_000_000, ""),
            trace(2, "runner_receive_first_ingest_segment", 1_776_384_001_000, a),
            trace(3, "gateway_receive_first_processed_segment", 1_776_384_002_000, a),
            trace(4, "orchestrator_swap", 1_776_384_030_000, a),
            trace(5, "runner_receive_first_ingest_segment", 1_776_384_031_000, b),
            trace(6, "gateway_receive_first_processed_segment", 1_776_384_033_000, b),
            trace(7, "gateway_ingest_stream_closed", 1_776_384_090_000, ""),
        ]
        let (records, _) = Self.records(lines)
        let first = try Self.record(records, id: "st/rq/1"), second = try Self.record(records, id: "st/rq/2")
        #expect(first["outcome"] == "swapped" && first["swap_count"] == .integer(1) && first["orchestrator"] == .string(a))
        #expect(first["end_ms"] == .integer(1_776_384_031_000))
        #expect(second["outcome"] == "completed" && second["attempt"] == .integer(2) && second["orchestrator"] == .string(b))
        #expect(second["ptff_ms"] == .integer(2000))
        // Both attempts carry the stream's facts: one swap, requested at the first trace.
        for attempt in [first, second] {
            #expect(attempt["session_swaps"] == .integer(1) && attempt["session_request_ms"] == .integer(1_776_384_000_000))
            #expect(attempt["session_last_ms"] == .integer(1_776_384_090_000) && attempt["session_playable_ms"] == nil)
        }
    }

    /// 1,200 status samples at 8.9 × 10¹² fps each: their sum passes 2⁶³ (an arithmetic trap on main);
    /// the session's mean is capped to the unit's limit instead.
    @Test("a live session with thousands of huge fps samples closes with capped means, not an overflow")
    func hugeFrameRates() throws {
        let a = "0x" + String(repeating: "a", count: 40)
        let start: Int64 = 1_776_384_000_000
        var lines = [
            #"{"id":"t1","type":"stream_trace","timestamp":"\#(start)","data":{"orchestrator_info":{"address":"\#(a)","url":""},"stream_id":"st","request_id":"rq","type":"gateway_receive_stream_request","timestamp":\#(start)}}"#,
        ]
        for index in 0..<1200 {
            let time = start + Int64(index) * 100
            lines.append(#"{"id":"u\#(index)","type":"ai_stream_status","timestamp":"\#(time)","data":{"orchestrator_info":{"address":"\#(a)","url":""},"stream_id":"st","request_id":"rq","pipeline":"p","state":"ONLINE","input_status":{"fps":8.9e12},"inference_status":{"fps":8.9e12},"timestamp":\#(time)}}"#)
        }
        let (records, _) = Self.records(lines)
        let record = try Self.record(records, id: "st/rq/1")
        #expect(record["input_fps_mfps"] == .integer(10_000_000) && record["output_fps_mfps"] == .integer(10_000_000), "\(record)")
    }

}
