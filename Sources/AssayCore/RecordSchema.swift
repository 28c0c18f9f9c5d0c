/// The job record schema, version 1 (spec/records.md). This table is the
/// single source of truth: validation reads it, and the JSON Schema files in
/// `spec/schemas/` are generated from it (`assay schema --write spec/schemas`).

/// What one record describes.
public enum RecordKind: String, CaseIterable, Sendable, Comparable {
    /// One live video-to-video session attempt with one orchestrator.
    case liveSession = "live_session"
    /// One batch AI request (text-to-image, image-to-video, …).
    case batchRequest = "batch_request"
    /// One LLM request.
    case llmRequest = "llm_request"
    /// One bring-your-own-container job.
    case byocJob = "byoc_job"
    /// One scrape attempt of an exporter by a collector.
    case probe
    /// One attempt of the job tester: a published scenario sent to one orchestrator (schema 3).
    case testJob = "test_job"
    /// What one orchestrator advertised for one pipeline and model in one UTC hour (schema 4).
    case capabilitySnapshot = "capability_snapshot"

    public static func < (lhs: RecordKind, rhs: RecordKind) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The kind's place in `allCases`, for tables indexed by kind (no array is built per call, as `allCases` is).
    public var ordinal: Int {
        switch self {
        case .liveSession: 0
        case .batchRequest: 1
        case .llmRequest: 2
        case .byocJob: 3
        case .probe: 4
        case .testJob: 5
        case .capabilitySnapshot: 6
        }
    }

    /// `allCases`, built once: `ordered[kind.ordinal] == kind`.
    public static let ordered = allCases

    /// The first record schema version that has the kind (spec/records.md §3.6, §3.7): `test_job` is 3's,
    /// `capability_snapshot` 4's.
    public var firstSchema: Int64 {
        switch self {
        case .testJob: AssayVersion.testJobSchema
        case .capabilitySnapshot: AssayVersion.capabilitySnapshotSchema
        default: 1
        }
    }

    /// One line describing the kind, for schemas and help.
    public var summary: String {
        switch self {
        case .liveSession: "One live video-to-video session attempt with one orchestrator, as one observer saw it."
        case .batchRequest: "One batch AI request (for example text-to-image), as one observer saw it."
        case .llmRequest: "One LLM request, as one observer saw it."
        case .byocJob: "One bring-your-own-container (BYOC) job, as one observer saw it."
        case .probe: "One scrape attempt of an orchestrator's exporter by a collector."
        case .testJob: "One attempt of the job tester: a published scenario sent to one orchestrator (spec/probe.md)."
        case .capabilitySnapshot: "What one orchestrator advertised for one pipeline and model in one UTC hour, as one gateway saw it."
        }
    }
}

/// The type and constraints of one field (spec/records.md §3).
public enum FieldType: Sendable, Equatable {
    /// The integer 1.
    case schemaVersion
    /// The record's kind, as a string.
    case kind
    /// 1–256 bytes of printable ASCII other than space, `"` and `\`.
    case identifier
    /// `0x` and 40 lowercase hexadecimal digits.
    case ethAddress
    /// `http://` or `https://` and 1–2040 printable ASCII characters other than space, `"`, `\`, `<`, `>`.
    case url
    /// Milliseconds since 1970-01-01T00:00:00Z, within [2000-01-01, 2100-01-01).
    case timestampMs
    /// An integer within the range, in `unit`.
    case integer(ClosedRange<Int64>, unit: String)
    case boolean
    /// One of the listed strings.
    case enumeration([String])
    /// A non-negative integer amount of wei as a decimal string without leading zeros (≤ 78 digits).
    case weiAmount
    /// A wei amount that may have a fraction: `weiAmount`, then optionally `.` and 1–18 digits, the last not 0.
    case weiDecimal
    /// 64 lowercase hexadecimal digits.
    case sha256
    /// A sorted array of distinct identifiers, at most `maxCount`.
    case identifierList(maxCount: Int)
    /// An array of at most `maxCount` status hours (spec/records.md §3.5), each an object of exactly `StatusHour.members`.
    case statusHours(maxCount: Int)
}

/// One member of a status hour (spec/records.md §3.5), in canonical order.
public enum StatusHour {
    public static let members: [(name: String, range: ClosedRange<Int64>, summary: String)] = [
        ("fps_positive_samples", 0...3_600_000, "Reports whose inference FPS is above 0 milli-FPS; at most samples."),
        ("hour_ms", RecordSchema.timestampRange, "Start of the UTC hour (a multiple of 3600000)."),
        ("latency_samples", 0...3_600_000, "Reports whose inference latency_ms is above 0; at most samples."),
        ("latency_sum_ms", 0...311_040_000_000_000, "Sum of those latencies, each truncated to whole ms."),
        ("output_fps_sum_mfps", 0...36_000_000_000_000, "Sum of the reports' inference FPS, milli-FPS, zeros and LOADING included."),
        ("running_samples", 0...3_600_000, "Reports in state ONLINE, DEGRADED_INPUT or DEGRADED_INFERENCE; at most samples."),
        ("samples", 1...3_600_000, "Status reports in the hour."),
    ]
    /// At most this many hours in one record (a week and three days; keeps a record line far below 64 KiB).
    public static let maxCount = 240
}

/// One field of a record kind.
public struct FieldSpec: Sendable {
    public let name: String
    public let type: FieldType
    public let required: Bool
    public let summary: String

    init(_ name: String, _ type: FieldType, required: Bool, _ summary: String) {
        self.name = name
        self.type = type
        self.required = required
        self.summary = summary
    }
}

/// Outcome classes of a live session attempt, in the order of precedence
/// an observer applies (spec/records.md §4.1).
public enum LiveOutcome: String, CaseIterable, Sendable {
    case noOrchestrator = "no_orchestrator"
    case startupFailed = "startup_failed"
    case loadingOnly = "loading_only"
    case noOutput = "no_output"
    case zeroFPS = "zero_fps"
    case swapped
    case completed

    /// The outcome's place in `allCases` (its slot in per-outcome counts); no array is built per call.
    public var ordinal: Int {
        switch self {
        case .noOrchestrator: 0
        case .startupFailed: 1
        case .loadingOnly: 2
        case .noOutput: 3
        case .zeroFPS: 4
        case .swapped: 5
        case .completed: 6
        }
    }

    /// `allCases`, built once: `ordered[outcome.ordinal] == outcome`.
    public static let ordered = allCases
}

/// Outcomes of a scrape attempt (spec/records.md §4.5).
public enum ProbeOutcome: String, CaseIterable, Sendable {
    case ok
    case timeout
    case connectError = "connect_error"
    case httpError = "http_error"
    case invalidResponse = "invalid_response"
    case addressMismatch = "address_mismatch"
    case pruned
}

/// Outcomes of a test job (spec/records.md §4.6).
public enum TestJobOutcome: String, CaseIterable, Sendable {
    case passed
    case failedCheck = "failed_check"
    case httpError = "http_error"
    case timeout
    case connectError = "connect_error"
    case interrupted
    case skipped

    /// The fields only an attempt that was sent can have (the rule `test-job-outcome`), in canonical order.
    public static let attemptFields = ["failed_checks", "http_status", "latency_ms", "output_fps_mfps", "sent_ms", "ttfb_ms"]
}

/// Why a probe of the job tester was not sent (spec/records.md §4.6).
public enum SkipReason: String, CaseIterable, Sendable {
    case costCap = "cost_cap"
    case notAdvertising = "not_advertising"
    case gatewayDown = "gateway_down"
    case testerDown = "tester_down"
}

/// The worst connection quality a gateway reported for a stream's input (spec/records.md §3.7), best first.
public enum ConnectionQuality: String, CaseIterable, Sendable {
    case good
    case unknown
    case bad
}

/// Who observed a job (spec/records.md §3.1).
public enum ObserverRole: String, CaseIterable, Sendable {
    case gateway
    case orchestrator
    case collector
    /// The job tester, the only observer of `test_job` records.
    case tester

    /// The roles of every kind but `test_job`.
    public static let observers: [ObserverRole] = [.gateway, .orchestrator, .collector]
}

public enum RecordSchema {
    /// 2000-01-01T00:00:00Z and 2100-01-01T00:00:00Z in milliseconds.
    public static let timestampRange: ClosedRange<Int64> = 946_684_800_000...4_102_444_799_999
    static let durationMs: FieldType = .integer(0...2_592_000_000, unit: "ms")
    static let latencyMs: FieldType = .integer(0...86_400_000, unit: "ms")
    static let milliFPS: FieldType = .integer(0...10_000_000, unit: "milli-frames per second")
    static let count: FieldType = .integer(0...1_000_000_000, unit: "count")

    /// Fields every record has, first in every kind's list.
    static let common: [FieldSpec] = common(
        roles: ObserverRole.observers, "Who observed the job: a gateway, the orchestrator itself, or a collector (probes).")

    /// The common fields, with the observer roles the kind allows.
    static func common(roles: [ObserverRole], _ roleSummary: String) -> [FieldSpec] {
        [
            FieldSpec("schema", .schemaVersion, required: true, "Record schema version; 1 for this specification."),
            FieldSpec("kind", .kind, required: true, "What the record describes."),
            FieldSpec("id", .identifier, required: true,
                      "The observer's identifier of the job; (observer_id, id) is unique within a dataset."),
            FieldSpec("observer_role", .enumeration(roles.map(\.rawValue)), required: true, roleSummary),
            FieldSpec("observer_id", .identifier, required: true, "The observer's stable identifier (operator-chosen)."),
            FieldSpec("region", .identifier, required: false, "Region label of the observer or target, such as us-east."),
        ]
    }

    static let orchestrator = FieldSpec("orchestrator", .ethAddress, required: false,
                                        "The orchestrator's Ethereum address, lowercase.")
    static let orchestratorURL = FieldSpec("orchestrator_url", .url, required: false, "The orchestrator's service URL.")
    static let gpuID = FieldSpec("gpu_id", .identifier, required: false, "The GPU that ran the job, when known.")
    static let startMs = FieldSpec("start_ms", .timestampMs, required: true, "When the job started (UTC, ms).")
    static let endMs = FieldSpec("end_ms", .timestampMs, required: false, "When the job ended (UTC, ms).")
    static let errorType = FieldSpec("error_type", .identifier, required: false, "Class of the final error, if any.")
    static let price: [FieldSpec] = [
        FieldSpec("price_per_unit_wei", .weiAmount, required: false, "Price per unit in wei (decimal string)."),
        FieldSpec("pixels_per_unit", .integer(1...1_000_000_000_000, unit: "pixels"), required: false,
                  "Pixels per priced unit; present exactly when price_per_unit_wei is."),
    ]

    /// The fields batch and LLM requests share.
    static func request(pipeline: String) -> [FieldSpec] {
        [
            FieldSpec("request_id", .identifier, required: true, "The gateway's request identifier."),
            FieldSpec("pipeline", .identifier, required: true, pipeline),
            FieldSpec("model_id", .identifier, required: true, "Model identifier."),
            orchestrator, orchestratorURL, gpuID, startMs, endMs,
            FieldSpec("success", .boolean, required: true, "Whether the request finally succeeded."),
            FieldSpec("tries", .integer(1...1000, unit: "count"), required: true, "Attempts made, at least 1."),
            FieldSpec("duration_ms", durationMs, required: false, "Total duration, ms."),
        ]
    }

    /// The live-session fields version 2 adds (spec/records.md §3.5).
    static let sessionEvidence: [FieldSpec] = [
        FieldSpec("ingest_sent_ms", .timestampMs, required: false,
                  "When the gateway sent this attempt's first ingest segment (UTC, ms)."),
        FieldSpec("runner_output_ms", .timestampMs, required: false,
                  "When the runner sent this attempt's first processed segment (UTC, ms)."),
        FieldSpec("runner_start_ms", .timestampMs, required: false, "The least start_time of this attempt's status reports (UTC, ms)."),
        FieldSpec("session_last_ms", .timestampMs, required: false, "The greatest event time of the whole stream (UTC, ms)."),
        FieldSpec("session_playable_ms", .timestampMs, required: false,
                  "When the gateway first received a few processed segments of the stream (UTC, ms)."),
        FieldSpec("session_request_ms", .timestampMs, required: false, "When the gateway received the stream request (UTC, ms)."),
        FieldSpec("session_swaps", .integer(0...10_000, unit: "count"), required: false, "Orchestrator swap events of the whole stream."),
        FieldSpec("status_hours", .statusHours(maxCount: StatusHour.maxCount), required: false,
                  "This attempt's status reports counted per UTC hour (spec/records.md §3.5)."),
    ]

    /// The fields of a test job (spec/records.md §3.4, schema 3).
    static let testJob: [FieldSpec] = common(roles: [.tester], "The job tester.") + [
        FieldSpec("scenario", .identifier, required: true, "The scenario's id (spec/probe.md §2.2)."),
        FieldSpec("scenario_sha256", .sha256, required: true, "The scenario's hash (spec/probe.md §2.5): exactly which scenario ran."),
        FieldSpec("slot", .integer(0...1439, unit: "count"), required: true, "The probe's k in the day's plan (spec/probe.md §3.2)."),
        FieldSpec("orchestrator", .ethAddress, required: true, "The orchestrator the attempt was sent to (the probe's target)."),
        FieldSpec("orchestrator_url", .url, required: false, "Its service URL, as the gateway was pointed at it."),
        FieldSpec("pipeline", .identifier, required: true, "The scenario's pipeline."),
        FieldSpec("model_id", .identifier, required: true, "The scenario's model."),
        FieldSpec("start_ms", .timestampMs, required: true, "The probe's planned time, at_ms of the day's plan (UTC, ms)."),
        FieldSpec("sent_ms", .timestampMs, required: false, "When the request was sent (UTC, ms); absent when it was not."),
        FieldSpec("end_ms", .timestampMs, required: false, "When the attempt ended: the response complete, or given up (UTC, ms)."),
        FieldSpec("outcome", .enumeration(TestJobOutcome.allCases.map(\.rawValue)), required: true,
                  "Outcome of the attempt (spec/records.md §4.6)."),
        FieldSpec("skip_reason", .enumeration(SkipReason.allCases.map(\.rawValue)), required: false,
                  "Why the probe was not sent; present exactly when outcome is skipped."),
        FieldSpec("http_status", .integer(100...599, unit: "HTTP status"), required: false,
                  "HTTP status of the response (for live, of the smoke-test request)."),
        FieldSpec("ttfb_ms", latencyMs, required: false, "From sending the request to the first byte of the response (live: the first output frame), ms."),
        FieldSpec("latency_ms", latencyMs, required: false, "From sending the request to the complete response, ms."),
        FieldSpec("output_fps_mfps", milliFPS, required: false, "Live: the output frame rate measured over the stream, milli-FPS."),
        FieldSpec("failed_checks", .identifierList(maxCount: 8), required: false, "The checks of the scenario the response failed, sorted."),
        errorType,
        FieldSpec("error_text", .identifier, required: false, "The error returned, percent-encoded (spec/records.md §4.6)."),
    ]

    /// The live-session fields version 4 adds (spec/records.md §3.7): what the session cost, how clean its input was.
    static let sessionCost: [FieldSpec] = [
        FieldSpec("advertised_price_per_unit_wei", .weiAmount, required: false, "The orchestrator's advertised price for the model, wei per unit."),
        FieldSpec("advertised_pixels_per_unit", .integer(1...1_000_000_000_000, unit: "pixels"), required: false,
                  "Pixels per unit of the advertised price; present exactly when advertised_price_per_unit_wei is."),
        FieldSpec("paid_price_per_unit_wei", .weiAmount, required: false, "The price the gateway's payments carried, wei per unit."),
        FieldSpec("paid_pixels_per_unit", .integer(1...1_000_000_000_000, unit: "pixels"), required: false,
                  "Pixels per unit of the paid price; present exactly when paid_price_per_unit_wei is."),
        FieldSpec("cost_wei", .weiDecimal, required: false,
                  "What the gateway paid this attempt's orchestrator: the sum of face value x winning probability of the tickets, exact."),
        FieldSpec("tickets", .integer(1...1_000_000_000, unit: "count"), required: false, "Tickets sent to this attempt's orchestrator."),
        FieldSpec("billable_ms", durationMs, required: false, "Time the gateway's signer billed for this attempt, ms."),
        FieldSpec("billed_pixels", .integer(0...1_000_000_000_000_000, unit: "pixels"), required: false, "Pixels the signer billed."),
        FieldSpec("fee_wei", .weiAmount, required: false, "The fee the signer computed for this attempt, wei."),
        FieldSpec("ingest_samples", .integer(1...1_000_000_000, unit: "count"), required: false,
                  "Ingest reports (stream_ingest_metrics) received for the stream."),
        FieldSpec("ingest_jitter_p50_us", .integer(0...1_000_000_000, unit: "us"), required: false,
                  "Median (nearest rank) of the input jitter over the ingest reports, each its worst track, microseconds."),
        FieldSpec("ingest_jitter_p90_us", .integer(0...1_000_000_000, unit: "us"), required: false,
                  "90th percentile (nearest rank) of the same, microseconds."),
        FieldSpec("ingest_packets_lost", .integer(0...1_000_000_000_000, unit: "count"), required: false,
                  "Input packets lost over the stream, all tracks."),
        FieldSpec("ingest_packets_received", .integer(0...1_000_000_000_000, unit: "count"), required: false,
                  "Input packets received over the stream, all tracks."),
        FieldSpec("ingest_loss_ppm", .integer(0...1_000_000, unit: "ppm"), required: false, "Input packets lost per million sent."),
        FieldSpec("ingest_conn_quality", .enumeration(ConnectionQuality.allCases.map(\.rawValue)), required: false,
                  "The worst connection quality reported for the input."),
        FieldSpec("ingest_rtt_p50_us", .integer(0...1_000_000_000, unit: "us"), required: false,
                  "Median (nearest rank) of the non-zero input round-trip times, microseconds."),
    ]

    /// The fields version 4 adds to batch and LLM requests (spec/records.md §3.7): what the gateway paid for the request.
    static let jobCost: [FieldSpec] = [
        FieldSpec("cost_wei", .weiDecimal, required: false,
                  "What the gateway paid for the request: the sum of face value x winning probability of its tickets, exact."),
        FieldSpec("tickets", .integer(1...1_000_000_000, unit: "count"), required: false, "Tickets sent for the request."),
    ]

    /// The fields of a capability snapshot (spec/records.md §3.7, schema 4).
    static let capabilitySnapshot: [FieldSpec] = common(roles: [.gateway], "The gateway that received the snapshot.") + [
        FieldSpec("orchestrator", .ethAddress, required: true, "The orchestrator's Ethereum address, lowercase."),
        orchestratorURL,
        FieldSpec("pipeline", .identifier, required: true, "The pipeline."),
        FieldSpec("model_id", .identifier, required: true, "The model."),
        FieldSpec("start_ms", .timestampMs, required: true, "When the gateway received the snapshot, the hour's first (UTC, ms)."),
        FieldSpec("warm", .boolean, required: false, "Whether the model is loaded (warm)."),
        FieldSpec("capacity", .integer(0...1_000_000, unit: "count"), required: false, "The orchestrator's capacity for the pipeline."),
        FieldSpec("capacity_in_use", .integer(0...1_000_000, unit: "count"), required: false, "Of it, in use for the model."),
        FieldSpec("runner_version", .identifier, required: false, "The AI runner's version serving the model."),
        FieldSpec("node_version", .identifier, required: false, "The orchestrator's go-livepeer version."),
        FieldSpec("gpu_ids", .identifierList(maxCount: 64), required: false, "The GPUs that serve the model, sorted."),
        FieldSpec("gpu_models", .identifierList(maxCount: 64), required: false,
                  "Their distinct model names, percent-encoded (spec/records.md §4.6), sorted."),
        FieldSpec("gpu_memory_bytes", .integer(0...1_000_000_000_000_000, unit: "bytes"), required: false, "Their total memory, bytes."),
    ] + price

    /// The fields of `kind` in schema `version` (1 to 4), common fields first; none for a kind the version lacks.
    public static func fields(of kind: RecordKind, version: Int64) -> [FieldSpec] {
        guard version >= kind.firstSchema else { return [] }
        if kind == .testJob { return testJob }
        if kind == .capabilitySnapshot { return capabilitySnapshot }
        let base = fields(of: kind)
        if version >= 4, kind == .batchRequest || kind == .llmRequest { return base + jobCost }
        guard version >= 2, kind == .liveSession else { return base }
        return base + sessionEvidence + (version >= 4 ? sessionCost : [])
    }

    /// The fields of `kind` in the first schema version that has it, common fields first.
    public static func fields(of kind: RecordKind) -> [FieldSpec] {
        switch kind {
        case .testJob:
            return testJob
        case .capabilitySnapshot:
            return capabilitySnapshot
        case .liveSession:
            return common + [
                FieldSpec("stream_id", .identifier, required: true, "The gateway's stream identifier."),
                FieldSpec("request_id", .identifier, required: true, "The gateway's request identifier."),
                FieldSpec("attempt", .integer(1...1000, unit: "count"), required: true,
                          "1 for the first orchestrator of the stream, +1 after each swap."),
                orchestrator, orchestratorURL,
                FieldSpec("pipeline", .identifier, required: true, "Pipeline, such as live-video-to-video."),
                FieldSpec("model_id", .identifier, required: false, "Model identifier, such as streamdiffusion-sdxl."),
                gpuID, startMs,
                FieldSpec("first_output_ms", .timestampMs, required: false,
                          "When the first processed segment reached the observer (UTC, ms)."),
                endMs,
                FieldSpec("outcome", .enumeration(LiveOutcome.allCases.map(\.rawValue)), required: true,
                          "Outcome class (spec/records.md §4.1)."),
                FieldSpec("swap_count", .integer(0...10_000, unit: "count"), required: true,
                          "Orchestrator swaps during this attempt (0 or 1 for one attempt)."),
                FieldSpec("input_fps_mfps", milliFPS, required: false, "Mean input frame rate, milli-FPS."),
                FieldSpec("output_fps_mfps", milliFPS, required: false, "Mean output (inference) frame rate, milli-FPS."),
                FieldSpec("output_fps_p10_mfps", milliFPS, required: false,
                          "10th percentile (nearest rank) of the output frame rate samples, milli-FPS."),
                FieldSpec("status_samples", count, required: true, "Runner status samples received."),
                FieldSpec("status_samples_expected", count, required: false,
                          "Status samples expected for the session's duration."),
                FieldSpec("ptff_ms", latencyMs, required: false, "Prompt (start) to first output frame, ms."),
                FieldSpec("e2e_latency_ms", latencyMs, required: false, "End-to-end frame latency, ms."),
                FieldSpec("restarts", .integer(0...10_000, unit: "count"), required: true, "Runner restarts."),
                FieldSpec("error_codes", .identifierList(maxCount: 32), required: false,
                          "Distinct error classes seen, sorted."),
            ]
        case .batchRequest:
            return common + request(pipeline: "Pipeline, such as text-to-image.") + [errorType] + price
        case .llmRequest:
            return common + request(pipeline: "Pipeline, normally llm.") + [
                FieldSpec("ttft_ms", latencyMs, required: false, "Time to first token, ms."),
                FieldSpec("tokens_per_s_milli", .integer(0...1_000_000_000, unit: "milli-tokens per second"),
                          required: false, "Output tokens per second, in thousandths."),
                FieldSpec("output_tokens", count, required: false, "Output tokens produced."),
                errorType,
            ] + price
        case .byocJob:
            return common + [
                FieldSpec("capability", .identifier, required: true, "The BYOC capability name."),
                orchestrator, orchestratorURL, gpuID, startMs, endMs,
                FieldSpec("success", .boolean, required: true, "Whether the job finally succeeded."),
                FieldSpec("attempts", .integer(1...1000, unit: "count"), required: true, "Attempts made, at least 1."),
                FieldSpec("http_status", .integer(100...599, unit: "HTTP status"), required: false,
                          "HTTP status of the final attempt."),
                FieldSpec("duration_ms", durationMs, required: false, "Total duration, ms."),
                errorType,
            ] + price
        case .probe:
            return common + [
                FieldSpec("target_url", .url, required: true, "The exporter URL scraped."),
                FieldSpec("orchestrator", .ethAddress, required: false,
                          "The orchestrator address the collector expects at the target."),
                FieldSpec("start_ms", .timestampMs, required: true, "When the attempt started (UTC, ms)."),
                FieldSpec("outcome", .enumeration(ProbeOutcome.allCases.map(\.rawValue)), required: true,
                          "Outcome of the attempt (spec/records.md §4.5)."),
                FieldSpec("latency_ms", latencyMs, required: false, "Time to the complete answer, ms."),
                FieldSpec("http_status", .integer(100...599, unit: "HTTP status"), required: false,
                          "HTTP status received, if any."),
                FieldSpec("records_received", count, required: true, "Valid records received in this attempt."),
            ]
        }
    }

    /// Cross-field rules of `kind` in schema `version`, each with a stable name (spec/records.md §5).
    public static func rules(of kind: RecordKind, version: Int64) -> [(name: String, summary: String)] {
        var rules = rules(of: kind)
        if version >= 2, kind == .liveSession {
            rules.append(("status-hours", "status_hours is ordered by hour_ms (multiples of 3600000), each count is at most its samples, "
                + "output_fps_sum_mfps at most samples x 10000000, latency_sum_ms at most latency_samples x 86400000, the samples sum to "
                + "status_samples; a gateway record with "
                + "status_samples > 0 has status_hours."))
        }
        if version >= 4, kind == .batchRequest || kind == .llmRequest {
            rules.append(("cost-pair", "cost_wei and tickets are both present or both absent."))
        }
        if version >= 4, kind == .liveSession {
            rules.insert(("session-cost", "the advertised and the paid price are each a pair (price and pixels), cost_wei and tickets are "
                + "both present or both absent, ingest_samples is present when any other ingest_ field is, and ingest_loss_ppm is present "
                + "exactly when lost + received > 0, then floor(lost x 1000000 / (lost + received))."), at: rules.count - 1)
        }
        return rules
    }

    /// Cross-field rules of `kind` in the first schema version that has it, each with a stable name (spec/records.md §5).
    public static func rules(of kind: RecordKind) -> [(name: String, summary: String)] {
        var rules: [(String, String)] = [("end-after-start", "end_ms, when present, is not before start_ms.")]
        switch kind {
        case .testJob:
            rules += [
                ("sent-in-attempt", "sent_ms, when present, is within [start_ms, end_ms]."),
                ("test-job-outcome", "skip_reason is present exactly for skipped, which has no sent_ms, http_status, ttfb_ms, latency_ms, "
                    + "output_fps_mfps or failed_checks; every other outcome has sent_ms; failed_checks is present, non-empty and sorted "
                    + "exactly for failed_check; passed has http_status and latency_ms."),
            ]
        case .liveSession:
            rules += [
                ("first-output-in-session", "first_output_ms, when present, is within [start_ms, end_ms]."),
                ("orchestrator-iff-selected", "orchestrator is absent exactly when outcome is no_orchestrator."),
                ("output-matches-outcome",
                 "first_output_ms is present for completed and zero_fps, absent for no_orchestrator, startup_failed, loading_only and no_output."),
                ("sorted-error-codes", "error_codes is sorted by bytes and has no duplicates."),
            ]
        case .batchRequest, .llmRequest, .byocJob:
            rules += [("price-pair", "price_per_unit_wei and pixels_per_unit are both present or both absent.")]
        case .probe:
            rules = [("ok-has-latency", "latency_ms is present when outcome is ok.")]
        case .capabilitySnapshot:
            rules = [("price-pair", "price_per_unit_wei and pixels_per_unit are both present or both absent."),
                     ("sorted-gpu-lists", "gpu_ids and gpu_models are each sorted by bytes, without duplicates.")]
        }
        return rules
    }
}

/// The arithmetic of the version-4 live-session fields (spec/records.md §3.7), shared by producers and validators.
public enum SessionCost {
    /// The `ingest_` fields other than `ingest_samples`, in canonical order.
    public static let ingestFields = ["ingest_conn_quality", "ingest_jitter_p50_us", "ingest_jitter_p90_us", "ingest_loss_ppm",
                                      "ingest_packets_lost", "ingest_packets_received", "ingest_rtt_p50_us"]

    /// ⌊lost × 10⁶ / (lost + received)⌋, or nil when no packet was counted (both at most 10¹², so no overflow).
    public static func lossPPM(lost: Int64, received: Int64) -> Int64? {
        let total = lost + received
        return total > 0 ? lost * 1_000_000 / total : nil
    }
}

/// The wei decimal of spec/records.md §3.2: `0` or digits without a leading zero (at most 78), then optionally `.` and
/// 1–18 digits of which the last is not `0`.
public enum WeiDecimal {
    public static func isValid<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        var integerDigits = 0, fractionDigits = 0, seenPoint = false, first: UInt8 = 0, last: UInt8 = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard !seenPoint, integerDigits > 0 else { return false }
                seenPoint = true
                continue
            }
            guard byte >= 0x30 && byte <= 0x39 else { return false }
            if seenPoint { fractionDigits += 1 } else {
                if integerDigits == 0 { first = byte }
                integerDigits += 1
            }
            last = byte
        }
        guard integerDigits >= 1, integerDigits <= 78, integerDigits == 1 || first != 0x30 else { return false }
        return !seenPoint || (fractionDigits >= 1 && fractionDigits <= 18 && last != 0x30)
    }
}
