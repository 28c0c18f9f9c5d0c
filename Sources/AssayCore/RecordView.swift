/// A field of the record schema, by name: its place in `RecordField.names`,
/// the sorted list of every field name of every kind and schema version.
/// Lets the byte-level reader store fields in a fixed array instead of a dictionary.
public struct RecordField: Hashable, Sendable {
    public let index: Int

    /// Slots of a `RecordView` (its `InlineArray<128, _>`): at least the number of field names, at most the bits of its presence mask.
    public static let capacity = 128

    /// Every field name of every kind and schema version, sorted by bytes.
    public static let names: [String] = {
        var names = Set<String>()
        for kind in RecordKind.allCases {
            for version in AssayVersion.recordSchemas {
                for field in RecordSchema.fields(of: kind, version: version) { names.insert(field.name) }
            }
        }
        precondition(names.count <= capacity, "the byte-level reader keeps a record's fields in \(capacity) slots; the schema has \(names.count)")
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }()

    private static let byName: [String: Int] = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })

    /// The field named `name`, if the schema has it (any kind, any version).
    public init?(named name: String) {
        guard let index = Self.byName[name] else { return nil }
        self.index = index
    }

    /// A field the schema is known to have (a constant of the caller's code; a name the schema lacks is a bug).
    public init(known name: String) {
        guard let index = Self.byName[name] else { preconditionFailure("the record schema has no field \(name)") }
        self.index = index
    }

    public var name: String { Self.names[index] }

    public static let kind = RecordField(known: "kind")
    public static let attempt = RecordField(known: "attempt")
    public static let requestID = RecordField(known: "request_id")
    public static let streamID = RecordField(known: "stream_id")
    public static let pipeline = RecordField(known: "pipeline")
    public static let modelID = RecordField(known: "model_id")
    public static let capability = RecordField(known: "capability")
    public static let gpuID = RecordField(known: "gpu_id")
    public static let success = RecordField(known: "success")
    public static let e2eLatencyMs = RecordField(known: "e2e_latency_ms")
    public static let outputFPSMilli = RecordField(known: "output_fps_mfps")
    public static let schema = RecordField(known: "schema")
    public static let id = RecordField(known: "id")
    public static let observerID = RecordField(known: "observer_id")
    public static let observerRole = RecordField(known: "observer_role")
    public static let region = RecordField(known: "region")
    public static let orchestrator = RecordField(known: "orchestrator")
    public static let startMs = RecordField(known: "start_ms")
    public static let endMs = RecordField(known: "end_ms")
    public static let firstOutputMs = RecordField(known: "first_output_ms")
    public static let outcome = RecordField(known: "outcome")
    public static let errorCodes = RecordField(known: "error_codes")
    public static let statusHours = RecordField(known: "status_hours")
    public static let statusSamples = RecordField(known: "status_samples")
    public static let pricePerUnitWei = RecordField(known: "price_per_unit_wei")
    public static let pixelsPerUnit = RecordField(known: "pixels_per_unit")
    public static let latencyMs = RecordField(known: "latency_ms")
    public static let targetURL = RecordField(known: "target_url")
    public static let recordsReceived = RecordField(known: "records_received")
    public static let httpStatus = RecordField(known: "http_status")
    public static let sentMs = RecordField(known: "sent_ms")
    public static let skipReason = RecordField(known: "skip_reason")
    public static let scenario = RecordField(known: "scenario")
    public static let scenarioSHA256 = RecordField(known: "scenario_sha256")
    public static let slot = RecordField(known: "slot")
    public static let errorType = RecordField(known: "error_type")
    public static let failedChecks = RecordField(known: "failed_checks")
    public static let ttfbMs = RecordField(known: "ttfb_ms")
    public static let advertisedPricePerUnitWei = RecordField(known: "advertised_price_per_unit_wei")
    public static let advertisedPixelsPerUnit = RecordField(known: "advertised_pixels_per_unit")
    public static let paidPricePerUnitWei = RecordField(known: "paid_price_per_unit_wei")
    public static let paidPixelsPerUnit = RecordField(known: "paid_pixels_per_unit")
    public static let costWei = RecordField(known: "cost_wei")
    public static let tickets = RecordField(known: "tickets")
    public static let ingestSamples = RecordField(known: "ingest_samples")
    public static let ingestLossPPM = RecordField(known: "ingest_loss_ppm")
    public static let ingestPacketsLost = RecordField(known: "ingest_packets_lost")
    public static let ingestPacketsReceived = RecordField(known: "ingest_packets_received")
    public static let ingestJitterP90Us = RecordField(known: "ingest_jitter_p90_us")
    public static let gpuIDs = RecordField(known: "gpu_ids")
    public static let gpuModels = RecordField(known: "gpu_models")
    public static let warm = RecordField(known: "warm")
    /// The `ingest_` fields but `ingest_samples` (spec/records.md §3.7).
    public static let ingestQuality = SessionCost.ingestFields.map { RecordField(known: $0) }
}

/// One valid record in canonical form, read in place by `RecordLine.read`: the
/// line's bytes are the record's canonical bytes, and the fields are slices of
/// them or integers. Nothing is allocated; the view is valid only while the
/// bytes it was read from are (a line reader's callback).
public struct RecordView {
    /// The record's line, without its newline: its canonical bytes.
    public let bytes: UnsafeRawBufferPointer
    public let kind: RecordKind
    /// The record's schema version.
    public let schemaVersion: Int64
    /// Which fields are present: bit `RecordField.index`.
    let present: UInt128
    /// Per field: the integer, 0 or 1 for a boolean, or `start << 32 | end` of a string's
    /// characters (without quotes) or an array's text (with brackets).
    let slots: InlineArray<128, Int64>

    init(bytes: UnsafeRawBufferPointer, kind: RecordKind, schemaVersion: Int64, present: UInt128,
         slots: InlineArray<128, Int64>) {
        self.bytes = bytes
        self.kind = kind
        self.schemaVersion = schemaVersion
        self.present = present
        self.slots = slots
    }

    /// Whether the record has `field`.
    @inline(__always)
    public func has(_ field: RecordField) -> Bool { present & (1 << UInt128(field.index)) != 0 }

    /// The value of an integer field; nil when absent.
    @inline(__always)
    public func integer(_ field: RecordField) -> Int64? { has(field) ? slots[field.index] : nil }

    /// The value of a boolean field; nil when absent.
    public func boolean(_ field: RecordField) -> Bool? { has(field) ? slots[field.index] == 1 : nil }

    /// The characters of a string field (no escapes: a valid record's strings are printable ASCII
    /// without quotes or backslashes), or an array field's text; nil when absent.
    @inline(__always)
    public func slice(_ field: RecordField) -> UnsafeRawBufferPointer? {
        guard has(field) else { return nil }
        let packed = slots[field.index]
        return UnsafeRawBufferPointer(rebasing: bytes[Int(packed >> 32)..<Int(packed & 0xFFFF_FFFF)])
    }

    /// The value of a string field as a `String` (allocates); nil when absent.
    public func string(_ field: RecordField) -> String? {
        slice(field).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether a string field is present and equal to `literal`.
    public func string(_ field: RecordField, is literal: StaticString) -> Bool {
        guard let slice = slice(field) else { return false }
        let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        return slice.elementsEqual(expected)
    }

    /// The elements of an identifier-list field, in order (none when absent); each a slice of the record's bytes.
    public func forEachString(_ field: RecordField, _ body: (UnsafeRawBufferPointer) -> Void) {
        guard has(field), let base = bytes.baseAddress else { return }
        let p = base.assumingMemoryBound(to: UInt8.self)
        RecordScanner.forEachString(p, slots[field.index]) { start, end in
            body(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
        }
    }

    /// A live session's outcome; nil for other kinds.
    public var liveOutcome: LiveOutcome? {
        guard kind == .liveSession, let text = slice(.outcome) else { return nil }
        return LiveOutcome.ordered.first { text.elementsEqual($0.rawValue.utf8) }
    }

    /// The members of `status_hours` (empty when absent), in order.
    public var statusHours: [StatusHourValues] {
        var hours: [StatusHourValues] = []
        forEachStatusHour { hours.append($0) }
        return hours
    }

    /// Calls `body` with each member of `status_hours`, in order (no array is made).
    public func forEachStatusHour(_ body: (StatusHourValues) -> Void) {
        guard let text = slice(.statusHours) else { return }
        RecordScanner.forEachStatusHour(text) { (values: InlineArray<7, Int64>) -> Bool in
            body(StatusHourValues(values))
            return true
        }
    }
}

/// One element of a valid record's `status_hours`, its members in canonical order.
public struct StatusHourValues: Sendable, Equatable {
    public var fpsPositiveSamples: Int64 = 0, hourMs: Int64 = 0, latencySamples: Int64 = 0, latencySumMs: Int64 = 0
    public var outputFPSSumMilli: Int64 = 0, runningSamples: Int64 = 0, samples: Int64 = 0

    init(_ values: InlineArray<7, Int64>) {
        fpsPositiveSamples = values[0]
        hourMs = values[1]
        latencySamples = values[2]
        latencySumMs = values[3]
        outputFPSSumMilli = values[4]
        runningSamples = values[5]
        samples = values[6]
    }
}

/// How one record line reads (spec/records.md §2): a valid record in canonical form, or why not.
public enum RecordLine {
    case record(RecordView)
    case problem(LineIssue.Problem)

    /// Reads one line, which must be a record in canonical form: the byte-level reader first; a line
    /// it refuses goes to the reference parser (`Record.parse`), which names what is wrong.
    public static func read(_ bytes: UnsafeRawBufferPointer) -> RecordLine {
        if let view = RecordScanner.scan(bytes) { return .record(view) }
        switch reference(bytes) {
        case .notCanonical: return .problem(.notCanonical)
        case .problem(let problem): return .problem(problem)
        }
    }

    /// What the reference procedure says of a line the byte-level reader refused.
    enum Reference {
        /// A valid record, not in canonical form: its canonical bytes.
        case notCanonical([UInt8])
        case problem(LineIssue.Problem)
    }

    static func reference(_ bytes: UnsafeRawBufferPointer) -> Reference {
        let record: Record
        do { record = try Record.parse(bytes) } catch { return .problem(.invalid(error)) }
        let canonical = record.canonicalBytes()
        // Both readers are tested to agree on every input; should they not, the line is refused, never accepted.
        return canonical.elementsEqual(bytes) ? .problem(disagreement) : .notCanonical(canonical)
    }

    static let disagreement = LineIssue.Problem.invalid(RecordError(
        .malformedJSON, detail: "the byte-level reader refuses this line, which the reference parser accepts; "
            + "this is a bug in Assay (please report it with the line)"))
}
