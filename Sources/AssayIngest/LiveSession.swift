import AssayCore

/// One live stream request (stream_id, request_id) and its attempts (spec/gateway-events.md §4).
struct LiveSession {
    struct Sample {
        let state: String
        let inputMfps: Int64
        let outputMfps: Int64
        /// ⌊inference_status.latency_ms⌋ when above 0, else 0.
        let latencyMs: Int64
    }

    struct Attempt {
        let address: String
        var url: String?
        var first: Int64 = .max
        var last: Int64 = .min
        var sentFirstIngest: Int64?
        var runnerReceivedIngest: Int64?
        var runnerSentProcessed: Int64?
        var receivedFirstProcessed: Int64?
        var samples: [Int64: Sample] = [:]
        var restarts: Int64 = 0
        var runnerStart: Int64?
        var errors: Set<String> = []
    }

    let key: SessionKey
    var start: Int64?
    var closed: Int64?
    var first: Int64 = .max
    var last: Int64 = .min
    var model: String?
    var noOrchestrators = false
    /// The least time of `gateway_receive_few_processed_segments` (spec/gateway-events.md §4.1).
    var playable: Int64?
    var swapEvents: Set<String> = []
    var errors: Set<String> = []
    var attempts: [String: Attempt] = [:]
    /// The stream's ingest reports (spec/gateway-events.md §4.6): they join the session without extending it.
    var ingest = IngestReports()

    init(key: SessionKey) { self.key = key }

    mutating func add(_ event: GatewayEvent) {
        first = min(first, event.time)
        last = max(last, event.time)
        let address = event.orchestratorAddress
        if let address {
            var attempt = attempts[address] ?? Attempt(address: address)
            attempt.first = min(attempt.first, event.time)
            attempt.last = max(attempt.last, event.time)
            if attempt.url == nil { attempt.url = event.orchestratorURL }
            attempts[address] = attempt
        }
        switch (event.type, event.subtype) {
        case ("stream_trace", "gateway_receive_stream_request"): start = min(start ?? .max, event.time)
        case ("stream_trace", "gateway_ingest_stream_closed"): closed = min(closed ?? .max, event.time)
        case ("stream_trace", "gateway_no_orchestrators_available"): noOrchestrators = true
        case ("stream_trace", "gateway_receive_few_processed_segments"): playable = min(playable ?? .max, event.time)
        case ("stream_trace", "orchestrator_swap"): swapEvents.insert(event.id.isEmpty ? "\(event.time)" : event.id)
        case ("stream_trace", let subtype):
            guard let address else { return }
            updateAttempt(address) { attempt in
                switch subtype {
                case "gateway_send_first_ingest_segment": attempt.sentFirstIngest = min(attempt.sentFirstIngest ?? .max, event.time)
                case "runner_receive_first_ingest_segment": attempt.runnerReceivedIngest = min(attempt.runnerReceivedIngest ?? .max, event.time)
                case "runner_send_first_processed_segment": attempt.runnerSentProcessed = min(attempt.runnerSentProcessed ?? .max, event.time)
                case "gateway_receive_first_processed_segment":
                    attempt.receivedFirstProcessed = min(attempt.receivedFirstProcessed ?? .max, event.time)
                default: break
                }
            }
        case ("ai_stream_status", _):
            if let pipeline = event.string("pipeline"), model == nil || pipeline < model! { model = pipeline }
            guard let address else { return }
            let latency = event.data["inference_status"]?["latency_ms"]?.doubleValue ?? 0
            let sample = Sample(state: event.string("state") ?? "",
                                inputMfps: Units.milli(event.data["input_status"]?["fps"]?.doubleValue),
                                outputMfps: Units.milli(event.data["inference_status"]?["fps"]?.doubleValue),
                                latencyMs: latency.isFinite && latency >= 1 ? Int64(min(latency, 86_400_000).rounded(.down)) : 0)
            updateAttempt(address) { attempt in
                attempt.samples[event.time] = attempt.samples[event.time] ?? sample
                attempt.restarts = max(attempt.restarts, event.data["inference_status"]?["restart_count"]?.integerValue ?? 0)
                if let started = GatewayEvent.milliseconds(event.data["start_time"]) {
                    attempt.runnerStart = min(attempt.runnerStart ?? .max, started)
                }
            }
        case ("ai_stream_events", let subtype):
            if let pipeline = event.string("pipeline"), model == nil || pipeline < model! { model = pipeline }
            guard subtype == "error" else { return }
            let message = event.string("message") ?? ""
            if message.lowercased().contains("no orchestrators available") { noOrchestrators = true }
            let code = Units.errorCode(message)
            if let address { updateAttempt(address) { $0.errors.insert(code) } } else { errors.insert(code) }
        default: break
        }
    }

    mutating func updateAttempt(_ address: String, _ change: (inout Attempt) -> Void) {
        var attempt = attempts[address] ?? Attempt(address: address)
        change(&attempt)
        attempts[address] = attempt
    }

    /// The records of this session's attempts (§4.2).
    func records(options: GatewaySessionizer.Options, directory: OrchestratorDirectory, paymentModel: String?,
                 payments: [Payment] = [], signed: [SignedTicket] = []) -> [JSONValue] {
        let modelID = model ?? paymentModel
        let sessionStart = start ?? first
        var sessionErrors = errors
        if closed == nil { sessionErrors.insert("no_close_event") }
        let ordered = attempts.values.sorted { ($0.first, $0.address) < ($1.first, $1.address) }
        guard !ordered.isEmpty else {
            var builder = base(options: options, attempt: 1, modelID: modelID)
            builder.set("start_ms", sessionStart)
            if let end = closed ?? Optional(last), end >= sessionStart { builder.set("end_ms", end) }
            builder.set("outcome", LiveOutcome.noOrchestrator.rawValue)
            builder.set("swap_count", Int64(0))
            builder.set("status_samples", Int64(0))
            builder.set("restarts", Int64(0))
            setSessionEvidence(&builder)
            ingest.set(&builder)
            setErrors(&builder, sessionErrors)
            return [builder.value]
        }
        let resolved = ordered.map {
            directory.resolve(address: $0.address, url: $0.url, pipeline: "live-video-to-video", model: modelID)
        }
        // Each payment pays the attempt whose URL it names, else whose address it paid (spec/gateway-events.md §4.5).
        func payee(url: String?, address: String?) -> Int? {
            ordered.firstIndex { url != nil && $0.url == url } ?? resolved.firstIndex { address != nil && $0.address == address }
        }
        let paymentsByAttempt = Dictionary(grouping: payments) { payee(url: $0.orchestratorURL, address: $0.recipient) ?? -1 }
        let signedByAttempt = Dictionary(grouping: signed) { payee(url: $0.orchestratorURL, address: $0.address) ?? -1 }
        var values: [JSONValue] = []
        for (index, attempt) in ordered.enumerated() {
            let isLast = index == ordered.count - 1
            var builder = base(options: options, attempt: index + 1, modelID: modelID)
            let (orchestrator, gpu) = resolved[index]
            builder.set("orchestrator", orchestrator ?? attempt.address)
            builder.url("orchestrator_url", attempt.url)
            builder.identifier("gpu_id", gpu)
            let startMs = index == 0 ? min(sessionStart, attempt.first) : attempt.first
            let endMs = isLast ? (closed ?? last) : ordered[index + 1].first
            builder.set("start_ms", startMs)
            let end = endMs >= startMs ? endMs : nil
            builder.set("end_ms", end)
            var firstOutput = attempt.receivedFirstProcessed
            if let output = firstOutput, output < startMs || (end.map { output > $0 } ?? false) { firstOutput = nil }
            builder.set("first_output_ms", firstOutput)
            builder.set("ptff_ms", firstOutput.map { $0 - startMs })
            if let sent = attempt.sentFirstIngest, let received = attempt.receivedFirstProcessed, received >= sent {
                builder.set("e2e_latency_ms", min(received - sent, 86_400_000))
            }
            // The samples of the attempt's first 240 status hours (spec/gateway-events.md §4.2).
            let times = Self.firstHours(attempt.samples.keys.sorted())
            let samples = times.map { attempt.samples[$0]! }
            builder.set("status_samples", Int64(samples.count))
            builder.set("runner_start_ms", attempt.runnerStart)
            builder.set("ingest_sent_ms", attempt.sentFirstIngest)
            builder.set("runner_output_ms", attempt.runnerSentProcessed)
            setSessionEvidence(&builder)
            if !samples.isEmpty { builder.members.append(.init("status_hours", Self.statusHours(times: times, samples: samples))) }
            if let runnerStart = attempt.runnerStart ?? attempt.samples.keys.min(), let end {
                builder.set("status_samples_expected", max(1, (end - runnerStart) / 10_000))
            }
            let active = samples.filter { $0.state != "LOADING" }
            var outputMean: Int64?
            if !active.isEmpty {
                // Sums in 128 bits: thousands of samples near the unit's limit cannot overflow.
                let count = Int128(active.count)
                builder.set("input_fps_mfps", Int64(min(active.reduce(Int128(0)) { $0 + Int128($1.inputMfps) } / count, 10_000_000)))
                outputMean = Int64(min(active.reduce(Int128(0)) { $0 + Int128($1.outputMfps) } / count, 10_000_000))
                builder.set("output_fps_mfps", outputMean)
                let sorted = active.map(\.outputMfps).sorted()
                let rank = (sorted.count + 9) / 10  // ⌈0.10 × n⌉
                builder.set("output_fps_p10_mfps", min(sorted[max(rank, 1) - 1], 10_000_000))
            }
            builder.set("restarts", min(attempt.restarts, 10_000))
            builder.set("swap_count", Int64(isLast ? 0 : 1))
            let outcome: LiveOutcome
            if samples.isEmpty && attempt.runnerReceivedIngest == nil && attempt.receivedFirstProcessed == nil
                && attempt.runnerSentProcessed == nil {
                outcome = .startupFailed
            } else if !samples.isEmpty && samples.allSatisfy({ $0.state == "LOADING" }) && firstOutput == nil {
                outcome = .loadingOnly
            } else if firstOutput == nil {
                outcome = .noOutput
            } else if outputMean == 0 {
                outcome = .zeroFPS
            } else if !isLast {
                outcome = .swapped
            } else {
                outcome = .completed
            }
            builder.set("outcome", outcome.rawValue)
            setErrors(&builder, sessionErrors.union(attempt.errors))
            AttemptCost.set(&builder, payments: paymentsByAttempt[index] ?? [], signed: signedByAttempt[index] ?? [])
            builder.set("advertised_price_per_unit_wei",
                        directory.advertisedPrice(address: attempt.address, url: attempt.url, capability: CapabilitySnapshots.liveVideoToVideo, model: modelID),
                        pixels: "advertised_pixels_per_unit")
            ingest.set(&builder)
            values.append(builder.value)
        }
        return values
    }

    /// The stream's facts every attempt record carries (spec/records.md §3.5).
    func setSessionEvidence(_ builder: inout RecordBuilder) {
        builder.set("session_request_ms", start)
        builder.set("session_playable_ms", playable)
        builder.set("session_last_ms", last)
        builder.set("session_swaps", Int64(min(swapEvents.count, 10_000)))
    }

    /// The sample times of the first `StatusHour.maxCount` UTC hours that have samples (`times` sorted).
    static func firstHours(_ times: [Int64]) -> [Int64] {
        var hours = 0, previous: Int64?
        for (index, time) in times.enumerated() {
            let hour = time - ((time % 3_600_000) + 3_600_000) % 3_600_000
            if hour != previous {
                hours += 1
                previous = hour
                if hours > StatusHour.maxCount { return Array(times[..<index]) }
            }
        }
        return times
    }

    /// The status hours of samples at `times` (sorted, one sample each): spec/records.md §3.5.
    static func statusHours(times: [Int64], samples: [Sample]) -> JSONValue {
        var hours: [JSONValue] = []
        var index = 0
        while index < times.count {
            let hour = times[index] - ((times[index] % 3_600_000) + 3_600_000) % 3_600_000
            var count: Int64 = 0, running: Int64 = 0, positive: Int64 = 0, fpsSum: Int64 = 0, latencyCount: Int64 = 0, latencySum: Int64 = 0
            while index < times.count && times[index] >= hour && times[index] < hour + 3_600_000 {
                let sample = samples[index]
                count += 1
                if ["ONLINE", "DEGRADED_INPUT", "DEGRADED_INFERENCE"].contains(sample.state) { running += 1 }
                if sample.outputMfps > 0 { positive += 1 }
                fpsSum += min(sample.outputMfps, 10_000_000)
                if sample.latencyMs > 0 {
                    latencyCount += 1
                    latencySum += sample.latencyMs
                }
                index += 1
            }
            hours.append(.object([
                .init("fps_positive_samples", .integer(positive)), .init("hour_ms", .integer(hour)),
                .init("latency_samples", .integer(latencyCount)), .init("latency_sum_ms", .integer(latencySum)),
                .init("output_fps_sum_mfps", .integer(fpsSum)), .init("running_samples", .integer(running)),
                .init("samples", .integer(count)),
            ]))
        }
        return .array(hours)
    }

    func base(options: GatewaySessionizer.Options, attempt: Int, modelID: String?) -> RecordBuilder {
        let stream = safeIdentifier(key.stream), request = safeIdentifier(key.request.isEmpty ? "none" : key.request)
        var builder = RecordBuilder(kind: .liveSession, id: "\(stream)/\(request)/\(attempt)", options: options,
                                    schema: AssayVersion.liveSessionSchema)
        builder.set("stream_id", stream)
        builder.set("request_id", request)
        builder.set("attempt", Int64(min(attempt, 1000)))
        builder.set("pipeline", "live-video-to-video")
        builder.identifier("model_id", modelID)
        return builder
    }

    func setErrors(_ builder: inout RecordBuilder, _ codes: Set<String>) {
        guard !codes.isEmpty else { return }
        let sorted = codes.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.prefix(32)
        builder.members.append(.init("error_codes", .array(sorted.map { .string($0) })))
    }
}

/// A batch or LLM request (§5).
struct BatchRequest {
    let id: String
    var first: Int64 = .max
    var last: Int64 = .min
    var pipeline: String?
    var model: String?
    var received: Int64?
    var completed: Int64?
    var success: Bool?
    var tries: Int64?
    var duration: Int64?
    var url: String?
    var price: Double?
    var errorType: String?
    var llm = false
    var llmCompleted: Int64?
    var llmModel: String?
    var llmError: String?
    var ttft: Int64?
    var tokensPerSecond: Double?
    var completionTokens: Int64?
    var llmDuration: Int64?

    init(id: String) { self.id = id }

    mutating func add(_ event: GatewayEvent) {
        first = min(first, event.time)
        last = max(last, event.time)
        if event.type == "ai_batch_request" {
            if pipeline == nil { pipeline = event.string("pipeline") }
            if model == nil { model = event.string("model_id") }
            switch event.subtype {
            case "ai_batch_request_received": received = min(received ?? .max, event.time)
            case "ai_batch_request_completed":
                completed = max(completed ?? .min, event.time)
                success = event.data["success"]?.boolValue ?? success
                tries = event.data["tries"]?.integerValue ?? tries
                duration = event.data["duration_ms"]?.integerValue ?? duration
                url = event.string("orch_url") ?? url
                price = event.data["price_per_unit"]?.doubleValue ?? price
                errorType = event.string("error_type") ?? errorType
            default: break
            }
        } else {
            llm = true
            llmModel = llmModel ?? event.string("model")
            url = url ?? event.string("orch_url")
            if event.subtype == "llm_request_completed" || event.subtype == "llm_stream_completed" {
                llmCompleted = max(llmCompleted ?? .min, event.time)
                llmError = event.string("error") ?? llmError
                ttft = event.data["ttft_ms"]?.integerValue ?? ttft
                tokensPerSecond = event.data["tokens_per_second"]?.doubleValue ?? tokensPerSecond
                completionTokens = event.data["completion_tokens"]?.integerValue ?? completionTokens
                llmDuration = event.data["total_duration_ms"]?.integerValue ?? llmDuration
                if price == nil { price = event.data["price_per_unit"]?.doubleValue }
            }
        }
    }

    /// The request's record; with `payments` (spec/gateway-events.md §5), schema 4 with what it cost.
    func record(options: GatewaySessionizer.Options, directory: OrchestratorDirectory, payments: [Payment] = []) -> JSONValue? {
        let isLLM = llm || pipeline == "llm"
        let kind: RecordKind = isLLM ? .llmRequest : .batchRequest
        let requestID = safeIdentifier(id)
        var builder = RecordBuilder(kind: kind, id: requestID, options: options)
        let pipelineName = pipeline ?? (isLLM ? "llm" : "unknown")
        let modelID = model ?? llmModel ?? "unknown"
        builder.set("request_id", requestID)
        builder.set("pipeline", safeIdentifier(pipelineName))
        builder.set("model_id", safeIdentifier(modelID))
        let (orchestrator, gpu) = directory.resolve(address: nil, url: url, pipeline: pipelineName, model: modelID)
        builder.set("orchestrator", orchestrator)
        builder.url("orchestrator_url", url)
        builder.identifier("gpu_id", gpu)
        let end = [completed, llmCompleted].compactMap { $0 }.max()
        let durationMs = duration ?? llmDuration
        guard let start = received ?? end.map({ $0 - max(durationMs ?? 0, 0) }) else { return nil }
        builder.set("start_ms", start)
        if let end, end >= start { builder.set("end_ms", end) }
        let finished = completed != nil || llmCompleted != nil
        let succeeded = success ?? (llmCompleted != nil ? (llmError ?? "").isEmpty : false)
        builder.set("success", finished && succeeded)
        builder.set("tries", min(max(tries ?? 1, 1), 1000))
        if let value = durationMs ?? end.map({ $0 - start }), value >= 0 { builder.set("duration_ms", min(value, 2_592_000_000)) }
        if !finished {
            builder.set("error_type", "no_completion_event")
        } else if let errorType {
            builder.identifier("error_type", safeIdentifier(errorType))
        } else if let llmError, !llmError.isEmpty, !succeeded {
            builder.set("error_type", Units.errorCode(llmError))
        }
        if let (wei, pixels) = Units.price(price) {
            builder.set("price_per_unit_wei", wei)
            builder.set("pixels_per_unit", pixels)
        }
        if isLLM {
            if let ttft, ttft >= 0 { builder.set("ttft_ms", min(ttft, 86_400_000)) }
            if tokensPerSecond != nil { builder.set("tokens_per_s_milli", min(Units.milli(tokensPerSecond), 1_000_000_000)) }
            if let completionTokens, completionTokens >= 0 { builder.set("output_tokens", min(completionTokens, 1_000_000_000)) }
        }
        if !payments.isEmpty, AttemptCost.setCost(&builder, payments: payments) {
            builder.setSchema(AssayVersion.costSchema)
        }
        return builder.value
    }
}

/// A BYOC job (§6).
struct ByocJob {
    struct Attempt {
        var submitted: Int64?
        var completed: Int64?
        var success: Bool?
        var httpStatus: Int64?
        var duration: Int64?
        var failedWithError = false
        var address: String?
        var url: String?
    }

    let id: String
    var first: Int64 = .max
    var last: Int64 = .min
    var capability: String?
    var attempts: [Int64: Attempt] = [:]

    init(id: String) { self.id = id }

    mutating func add(_ event: GatewayEvent) {
        first = min(first, event.time)
        last = max(last, event.time)
        capability = capability ?? event.string("capability")
        let index = event.data["attempt_index"]?.integerValue ?? 0
        var attempt = attempts[index] ?? Attempt()
        attempt.address = attempt.address ?? event.orchestratorAddress
        attempt.url = attempt.url ?? event.orchestratorURL
        switch event.subtype {
        case "job_gateway_submitted": attempt.submitted = min(attempt.submitted ?? .max, event.time)
        case "job_gateway_completed":
            attempt.completed = max(attempt.completed ?? .min, event.time)
            attempt.success = event.data["success"]?.boolValue ?? attempt.success
            attempt.httpStatus = event.data["http_status"]?.integerValue ?? attempt.httpStatus
            attempt.duration = event.data["duration_ms"]?.integerValue ?? attempt.duration
            if case .string(let error)? = event.data["error"], !error.isEmpty { attempt.failedWithError = true }
        default: return
        }
        attempts[index] = attempt
    }

    func record(options: GatewaySessionizer.Options, directory: OrchestratorDirectory) -> JSONValue? {
        guard !attempts.isEmpty else { return nil }
        let finalIndex = attempts.filter { $0.value.completed != nil }.keys.max() ?? attempts.keys.max()!
        let final = attempts[finalIndex]!
        var builder = RecordBuilder(kind: .byocJob, id: safeIdentifier(id), options: options)
        let capabilityName = safeIdentifier(capability ?? "unknown")
        builder.set("capability", capabilityName)
        let (orchestrator, gpu) = directory.resolve(address: final.address, url: final.url, pipeline: capabilityName, model: nil)
        builder.set("orchestrator", orchestrator)
        builder.url("orchestrator_url", final.url)
        builder.identifier("gpu_id", gpu)
        let end = attempts.values.compactMap(\.completed).max()
        let submitted = attempts.values.compactMap(\.submitted).min()
        guard let start = submitted ?? end.map({ $0 - max(final.duration ?? 0, 0) }) else { return nil }
        builder.set("start_ms", start)
        if let end, end >= start {
            builder.set("end_ms", end)
            builder.set("duration_ms", min(end - start, 2_592_000_000))
        }
        builder.set("success", final.completed != nil && (final.success ?? false))
        builder.set("attempts", Int64(min(max(attempts.count, 1), 1000)))
        if let status = final.httpStatus, (100...599).contains(status) { builder.set("http_status", status) }
        if final.completed == nil {
            builder.set("error_type", "no_completion_event")
        } else if final.success != true {
            builder.set("error_type", "job_failed")
        }
        return builder.value
    }
}
