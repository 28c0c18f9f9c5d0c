/// A job record that passed validation against the schema (spec/records.md).
/// The only way to get one is `Record.parse` or `Record.validate`, so holding
/// a `Record` means holding valid data.
public struct Record: Sendable, Equatable {
    public let kind: RecordKind
    /// The record as a JSON object, members in canonical order.
    public let value: JSONValue

    /// The observer's job identifier.
    public var id: String { self["id"]?.stringValue ?? "" }
    /// The observer's identifier.
    public var observerID: String { self["observer_id"]?.stringValue ?? "" }

    /// The member named `field`, if present.
    public subscript(field: String) -> JSONValue? { value[field] }

    /// The canonical (RFC 8785) bytes of the record: one JSON Lines line without its newline.
    public func canonicalBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(512)
        canonicalBytes(into: &output)
        return output
    }

    /// Appends the canonical bytes to `output`.
    public func canonicalBytes(into output: inout [UInt8]) {
        // A record's members are in canonical order with unique names, and its values are integers,
        // strings, booleans, arrays of strings and arrays of integer-valued objects: encoding cannot fail.
        guard case .object(let members) = value else { return }
        do { try CanonicalJSON.encode(orderedMembers: members, into: &output) } catch {
            preconditionFailure("validated record failed to encode: \(error)")
        }
    }

    /// Parses and validates one record line (no newline), with the record limits.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(RecordError) -> Record {
        let value: JSONValue
        do { value = try JSONParser(limits: .record).parse(bytes) } catch { throw RecordError(json: error) }
        return try validate(value, ordered: true)
    }

    /// Parses and validates one record line (no newline).
    public static func parse(_ bytes: some Collection<UInt8>) throws(RecordError) -> Record {
        let value: JSONValue
        do { value = try JSONParser(limits: .record).parse(bytes) } catch { throw RecordError(json: error) }
        return try validate(value, ordered: true)
    }

    /// Validates a value against the schema of its kind.
    public static func validate(_ value: JSONValue) throws(RecordError) -> Record {
        try validate(value, ordered: false)
    }

    /// `ordered`: the members are known to be in canonical order (the parser's output).
    static func validate(_ value: JSONValue, ordered knownOrdered: Bool) throws(RecordError) -> Record {
        guard case .object(let members) = value else {
            throw RecordError(.notAnObject, detail: "a record is a JSON object, found \(value.typeName)")
        }
        guard let kindValue = value["kind"] else {
            throw RecordError(.missingField, field: "kind", detail: "required field is missing")
        }
        guard case .string(let kindName) = kindValue, let kind = RecordKind(rawValue: kindName) else {
            throw RecordError(.unknownKind, field: "kind",
                              detail: "must be one of \(RecordKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var version = AssayVersion.recordSchema
        if let schema = value["schema"] {
            guard case .integer(let number) = schema, AssayVersion.recordSchemas.contains(number) else {
                throw RecordError(.unsupportedSchema, field: "schema",
                                  detail: "schema version \(Self.render(schema)) is not supported; this build reads "
                                      + "\(AssayVersion.recordSchemas.lowerBound) to \(AssayVersion.recordSchemas.upperBound)")
            }
            version = number
        }
        guard version >= kind.firstSchema else {
            throw RecordError(.unsupportedSchema, field: "schema",
                              detail: "a \(kind.rawValue) record is schema \(kind.firstSchema) or later; this one is \(version)")
        }
        let table = FieldTable.table(kind, version: version)
        var ordered = members
        if !knownOrdered && !CanonicalJSON.isCanonicallyOrdered(members) {
            ordered = members.sorted { CanonicalJSON.utf16Less($0.key, $1.key) }
            for index in ordered.indices.dropFirst() where ordered[index - 1].key == ordered[index].key {
                throw RecordError(.malformedJSON, field: ordered[index].key, detail: "duplicate member name")
            }
        }
        // Members and fields are both in canonical order: one merge pass checks them all.
        var fieldIndex = 0
        var seenRequired = 0
        let fields = table.fields
        for member in ordered {
            while fieldIndex < fields.count && fields[fieldIndex].name != member.key {
                fieldIndex += 1
            }
            guard fieldIndex < fields.count else {
                throw RecordError(.unknownField, field: member.key,
                                  detail: "no such field in a \(kind.rawValue) record (schema \(version))")
            }
            try check(member.value, against: fields[fieldIndex])
            if fields[fieldIndex].required { seenRequired += 1 }
            fieldIndex += 1
        }
        if seenRequired != table.requiredCount {
            let missing = table.fields.first { $0.required && value[$0.name] == nil }!
            throw RecordError(.missingField, field: missing.name, detail: "required field is missing")
        }
        let record = Record(kind: kind, value: .object(ordered))
        try record.checkRules(version: version)
        return record
    }

    static func render(_ value: JSONValue) -> String {
        // For an error message only: a value without a canonical form is named by its type.
        (try? CanonicalJSON.string(value)) ?? value.typeName  // only a message's text: the type name when the value cannot be encoded
    }

    static func check(_ value: JSONValue, against spec: borrowing FieldSpec) throws(RecordError) {
        func wrongType(_ expected: String) -> RecordError {
            RecordError(.wrongType, field: spec.name, detail: "must be \(expected), found \(value.typeName)")
        }
        switch spec.type {
        case .schemaVersion:
            guard case .integer = value else { throw wrongType("the integer \(AssayVersion.recordSchema)") }
        case .kind:
            break
        case .identifier:
            guard case .string(let text) = value else { throw wrongType("a string") }
            try checkIdentifier(text, field: spec.name)
        case .ethAddress:
            guard case .string(let text) = value else { throw wrongType("a string") }
            let bytes = Array(text.utf8)
            guard bytes.count == 42, bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "x"),
                  bytes[2...].allSatisfy({ isLowerHex($0) })
            else {
                throw RecordError(.badFormat, field: spec.name,
                                  detail: "must be 0x and 40 lowercase hexadecimal digits, found \"\(text.prefix(64))\"")
            }
        case .url:
            guard case .string(let text) = value else { throw wrongType("a string") }
            let bytes = Array(text.utf8)
            let rest: ArraySlice<UInt8>
            if text.hasPrefix("https://") { rest = bytes[8...] } else if text.hasPrefix("http://") { rest = bytes[7...] } else {
                throw RecordError(.badFormat, field: spec.name, detail: "must start with http:// or https://")
            }
            guard !rest.isEmpty, bytes.count <= 2048,
                  rest.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C && $0 != 0x3C && $0 != 0x3E })
            else {
                throw RecordError(.badFormat, field: spec.name,
                                  detail: "must be at most 2048 printable ASCII characters without spaces, quotes, backslashes or angle brackets")
            }
        case .timestampMs:
            guard case .integer(let number) = value else { throw wrongType("an integer (milliseconds since the Unix epoch)") }
            guard RecordSchema.timestampRange.contains(number) else {
                throw RecordError(.outOfRange, field: spec.name,
                                  detail: "\(number) is outside 2000-01-01..2100-01-01 in milliseconds since the Unix epoch")
            }
        case .integer(let range, let unit):
            guard case .integer(let number) = value else { throw wrongType("an integer (\(unit))") }
            guard range.contains(number) else {
                throw RecordError(.outOfRange, field: spec.name,
                                  detail: "\(number) is outside \(range.lowerBound)...\(range.upperBound) (\(unit))")
            }
        case .boolean:
            guard case .bool = value else { throw wrongType("true or false") }
        case .enumeration(let names):
            guard case .string(let text) = value else { throw wrongType("a string") }
            guard names.contains(text) else {
                throw RecordError(.notInEnumeration, field: spec.name,
                                  detail: "\"\(text.prefix(64))\" is not one of \(names.joined(separator: ", "))")
            }
        case .sha256:
            guard case .string(let text) = value else { throw wrongType("a string") }
            guard text.utf8.count == 64, text.utf8.allSatisfy(isLowerHex) else {
                throw RecordError(.badFormat, field: spec.name, detail: "must be 64 lowercase hexadecimal digits, found \"\(text.prefix(80))\"")
            }
        case .weiAmount:
            guard case .string(let text) = value else { throw wrongType("a decimal string of wei") }
            let bytes = Array(text.utf8)
            guard !bytes.isEmpty, bytes.count <= 78, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  bytes.count == 1 || bytes[0] != 0x30
            else {
                throw RecordError(.badFormat, field: spec.name,
                                  detail: "must be a non-negative integer in decimal without leading zeros, at most 78 digits")
            }
        case .weiDecimal:
            guard case .string(let text) = value else { throw wrongType("a decimal string of wei") }
            guard WeiDecimal.isValid(text.utf8) else {
                throw RecordError(.badFormat, field: spec.name,
                                  detail: "must be a non-negative decimal of wei: at most 78 integer digits without leading zeros, "
                                      + "then optionally . and 1 to 18 digits not ending in 0")
            }
        case .statusHours(let maxCount):
            try checkStatusHours(value, field: spec.name, maxCount: maxCount)
        case .identifierList(let maxCount):
            guard case .array(let elements) = value else { throw wrongType("an array of strings") }
            guard elements.count <= maxCount else {
                throw RecordError(.outOfRange, field: spec.name, detail: "has \(elements.count) elements; at most \(maxCount)")
            }
            for element in elements {
                guard case .string(let text) = element else { throw wrongType("an array of strings") }
                try checkIdentifier(text, field: spec.name)
            }
        }
    }

    @inline(__always) static func isLowerHex(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }

    static func isIdentifier(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in bytes where !(byte > 0x20 && byte < 0x7F && byte != 0x22 && byte != 0x5C) { return false }
        return true
    }

    static func checkIdentifier(_ text: String, field: String) throws(RecordError) {
        let valid = text.utf8.withContiguousStorageIfAvailable(isIdentifier) ?? Array(text.utf8).withUnsafeBufferPointer(isIdentifier)
        guard valid else {
            throw RecordError(.badFormat, field: field,
                              detail: "identifiers are printable ASCII without spaces, quotes or backslashes")
        }
        let count = text.utf8.count
        guard count >= 1 && count <= 256 else {
            throw RecordError(.badFormat, field: field, detail: "identifiers are 1 to 256 characters, found \(count)")
        }
    }

    /// The schema checks of a status-hour array (spec/records.md §3.5): its length, and each element an object of
    /// exactly the status-hour members, each an integer in its range. Relations between members are the rule's.
    static func checkStatusHours(_ value: JSONValue, field: String, maxCount: Int) throws(RecordError) {
        guard case .array(let elements) = value else {
            throw RecordError(.wrongType, field: field, detail: "must be an array of status hours, found \(value.typeName)")
        }
        guard elements.count <= maxCount else {
            throw RecordError(.outOfRange, field: field, detail: "has \(elements.count) elements; at most \(maxCount)")
        }
        let names = StatusHour.members.map(\.name)
        for (index, element) in elements.enumerated() {
            guard case .object(let members) = element else {
                throw RecordError(.wrongType, field: field, detail: "element \(index) must be an object, found \(element.typeName)")
            }
            let sorted = CanonicalJSON.isCanonicallyOrdered(members) ? members : members.sorted { CanonicalJSON.utf16Less($0.key, $1.key) }
            guard sorted.map(\.key) == names else {
                throw RecordError(.badFormat, field: field,
                                  detail: "element \(index) must have exactly the members \(names.joined(separator: ", "))")
            }
            for (member, spec) in zip(sorted, StatusHour.members) {
                guard case .integer(let number) = member.value else {
                    throw RecordError(.wrongType, field: field, detail: "element \(index): \(spec.name) must be an integer, found \(member.value.typeName)")
                }
                guard spec.range.contains(number) else {
                    throw RecordError(.outOfRange, field: field,
                                      detail: "element \(index): \(spec.name) \(number) is outside \(spec.range.lowerBound)...\(spec.range.upperBound)")
                }
            }
        }
    }

    func integer(_ field: String) -> Int64? {
        if case .integer(let number)? = self[field] { number } else { nil }
    }

    /// The record's schema version.
    public var schemaVersion: Int64 { integer("schema") ?? AssayVersion.recordSchema }

    func checkRules(version: Int64) throws(RecordError) {
        func violated(_ rule: String, _ field: String, _ detail: String) -> RecordError {
            RecordError(.ruleViolated, field: field, rule: rule, detail: detail)
        }
        let start = integer("start_ms")
        if kind != .probe, let start, let end = integer("end_ms"), end < start {
            throw violated("end-after-start", "end_ms", "end_ms \(end) is before start_ms \(start)")
        }
        switch kind {
        case .liveSession:
            let first = integer("first_output_ms")
            if let first, let start, first < start {
                throw violated("first-output-in-session", "first_output_ms", "first output \(first) is before start_ms \(start)")
            }
            if let first, let end = integer("end_ms"), first > end {
                throw violated("first-output-in-session", "first_output_ms", "first output \(first) is after end_ms \(end)")
            }
            let outcome = LiveOutcome(rawValue: self["outcome"]?.stringValue ?? "")!
            if (outcome == .noOrchestrator) != (self["orchestrator"] == nil) {
                throw violated("orchestrator-iff-selected", "orchestrator",
                               outcome == .noOrchestrator ? "must be absent when outcome is no_orchestrator"
                                   : "is required unless outcome is no_orchestrator")
            }
            switch outcome {
            case .completed, .zeroFPS:
                if first == nil {
                    throw violated("output-matches-outcome", "first_output_ms", "is required when outcome is \(outcome.rawValue)")
                }
            case .noOrchestrator, .startupFailed, .loadingOnly, .noOutput:
                if first != nil {
                    throw violated("output-matches-outcome", "first_output_ms", "must be absent when outcome is \(outcome.rawValue)")
                }
            case .swapped: break
            }
            if case .array(let codes)? = self["error_codes"] {
                let texts = codes.compactMap(\.stringValue)
                for index in texts.indices.dropFirst() where !texts[index - 1].utf8.lexicographicallyPrecedes(texts[index].utf8) {
                    throw violated("sorted-error-codes", "error_codes",
                                   "must be sorted and distinct; \"\(texts[index])\" follows \"\(texts[index - 1])\"")
                }
            }
            if version >= 4 { try checkSessionCostRule() }
            if version >= 2 { try checkStatusHoursRule() }
        case .capabilitySnapshot:
            if (self["price_per_unit_wei"] == nil) != (self["pixels_per_unit"] == nil) {
                throw violated("price-pair", self["price_per_unit_wei"] == nil ? "price_per_unit_wei" : "pixels_per_unit",
                               "price_per_unit_wei and pixels_per_unit are both present or both absent")
            }
            for field in ["gpu_ids", "gpu_models"] {
                let texts = self[field]?.arrayValue.compactMap(\.stringValue) ?? []
                for index in texts.indices.dropFirst() where !texts[index - 1].utf8.lexicographicallyPrecedes(texts[index].utf8) {
                    throw violated("sorted-gpu-lists", field, "must be sorted and distinct; \"\(texts[index])\" follows \"\(texts[index - 1])\"")
                }
            }
        case .batchRequest, .llmRequest, .byocJob:
            if (self["price_per_unit_wei"] == nil) != (self["pixels_per_unit"] == nil) {
                throw violated("price-pair", self["price_per_unit_wei"] == nil ? "price_per_unit_wei" : "pixels_per_unit",
                               "price_per_unit_wei and pixels_per_unit go together")
            }
            if version >= 4, kind != .byocJob, (self["cost_wei"] == nil) != (self["tickets"] == nil) {
                throw violated("cost-pair", self["cost_wei"] == nil ? "cost_wei" : "tickets", "cost_wei and tickets go together")
            }
        case .probe:
            if self["outcome"] == .string(ProbeOutcome.ok.rawValue) && self["latency_ms"] == nil {
                throw violated("ok-has-latency", "latency_ms", "is required when outcome is ok")
            }
        case .testJob:
            try checkTestJobRules()
        }
    }

    /// The rules `sent-in-attempt` and `test-job-outcome` (spec/records.md §5).
    func checkTestJobRules() throws(RecordError) {
        func violated(_ rule: String, _ field: String, _ detail: String) -> RecordError {
            RecordError(.ruleViolated, field: field, rule: rule, detail: detail)
        }
        let sent = integer("sent_ms")
        if let sent, let start = integer("start_ms"), sent < start {
            throw violated("sent-in-attempt", "sent_ms", "sent \(sent) before the planned time \(start)")
        }
        if let sent, let end = integer("end_ms"), sent > end {
            throw violated("sent-in-attempt", "sent_ms", "sent \(sent) after end_ms \(end)")
        }
        let outcome = TestJobOutcome(rawValue: self["outcome"]?.stringValue ?? "")!  // the schema checked the enumeration
        let rule = "test-job-outcome"
        if (outcome == .skipped) != (self["skip_reason"] != nil) {
            throw violated(rule, "skip_reason", outcome == .skipped ? "is required when outcome is skipped" : "must be absent unless outcome is skipped")
        }
        if outcome == .skipped {
            for field in TestJobOutcome.attemptFields where self[field] != nil {
                throw violated(rule, field, "must be absent when the probe was not sent")
            }
            return
        }
        guard sent != nil else { throw violated(rule, "sent_ms", "is required when the request was sent (outcome \(outcome.rawValue))") }
        let checks = self["failed_checks"]?.arrayValue.compactMap(\.stringValue)
        if outcome == .failedCheck {
            guard let checks, !checks.isEmpty else { throw violated(rule, "failed_checks", "is required and non-empty when outcome is failed_check") }
            for index in checks.indices.dropFirst() where !checks[index - 1].utf8.lexicographicallyPrecedes(checks[index].utf8) {
                throw violated(rule, "failed_checks", "must be sorted and distinct; \"\(checks[index])\" follows \"\(checks[index - 1])\"")
            }
        } else if checks != nil {
            throw violated(rule, "failed_checks", "must be absent unless outcome is failed_check")
        }
        if outcome == .passed {
            for field in ["http_status", "latency_ms"] where self[field] == nil {
                throw violated(rule, field, "is required when outcome is passed")
            }
        }
    }
}

extension Record {
    /// The rule `session-cost` (spec/records.md §5, version 4).
    func checkSessionCostRule() throws(RecordError) {
        func violated(_ field: String, _ detail: String) -> RecordError {
            RecordError(.ruleViolated, field: field, rule: "session-cost", detail: detail)
        }
        for (first, second) in [("advertised_price_per_unit_wei", "advertised_pixels_per_unit"),
                                ("paid_price_per_unit_wei", "paid_pixels_per_unit"), ("cost_wei", "tickets")]
        where (self[first] == nil) != (self[second] == nil) {
            throw violated(self[first] == nil ? first : second, "\(first) and \(second) are both present or both absent")
        }
        if self["ingest_samples"] == nil, let other = SessionCost.ingestFields.first(where: { self[$0] != nil }) {
            throw violated(other, "requires ingest_samples")
        }
        let lost = integer("ingest_packets_lost") ?? 0, received = integer("ingest_packets_received") ?? 0
        let expected = SessionCost.lossPPM(lost: lost, received: received)
        if integer("ingest_loss_ppm") != expected {
            throw violated("ingest_loss_ppm", expected.map { "must be \($0): lost x 1000000 / (lost + received)" }
                ?? "must be absent when no packet was counted")
        }
    }

    /// The rule `status-hours` (spec/records.md §5).
    func checkStatusHoursRule() throws(RecordError) {
        func violated(_ detail: String) -> RecordError {
            RecordError(.ruleViolated, field: "status_hours", rule: "status-hours", detail: detail)
        }
        let samples = integer("status_samples") ?? 0
        guard case .array(let hours)? = self["status_hours"] else {
            if samples > 0 && self["observer_role"] == .string(ObserverRole.gateway.rawValue) {
                throw violated("is required in a gateway's record with status_samples > 0")
            }
            return
        }
        var previous: Int64 = .min
        var total: Int64 = 0
        for (index, hour) in hours.enumerated() {
            // The schema checked each member's presence and range, so these reads cannot fail.
            func member(_ name: String) -> Int64 { hour[name]?.intValue ?? 0 }
            let start = member("hour_ms"), count = member("samples")
            guard start % 3_600_000 == 0 else { throw violated("element \(index): hour_ms \(start) is not the start of a UTC hour") }
            guard start > previous else { throw violated("element \(index): hour_ms \(start) does not follow \(previous)") }
            for name in ["fps_positive_samples", "latency_samples", "running_samples"] where member(name) > count {
                throw violated("element \(index): \(name) \(member(name)) exceeds samples \(count)")
            }
            guard member("output_fps_sum_mfps") <= count * 10_000_000 else {
                throw violated("element \(index): output_fps_sum_mfps exceeds samples x 10000000")
            }
            guard member("latency_sum_ms") <= member("latency_samples") * 86_400_000 else {
                throw violated("element \(index): latency_sum_ms exceeds latency_samples x 86400000")
            }
            previous = start
            total += count  // at most 240 × 3 600 000: no overflow
        }
        guard total == samples else { throw violated("the hours' samples sum to \(total), status_samples is \(samples)") }
    }
}

/// Per-kind field lists in canonical order, built once from `RecordSchema`, per schema version.
struct FieldTable: Sendable {
    let fields: [FieldSpec]
    let requiredCount: Int

    static func build(_ kind: RecordKind, version: Int64) -> FieldTable {
        let fields = RecordSchema.fields(of: kind, version: version).sorted { CanonicalJSON.utf16Less($0.name, $1.name) }
        return FieldTable(fields: fields, requiredCount: fields.filter(\.required).count)
    }

    /// Per schema version (from 1) and kind (in `RecordKind.allCases` order); empty for a kind the version lacks.
    static let tables: [[FieldTable]] = AssayVersion.recordSchemas.map { version in RecordKind.allCases.map { build($0, version: version) } }

    /// `kind`'s table in `version`, one of `AssayVersion.recordSchemas`.
    static func table(_ kind: RecordKind, version: Int64) -> FieldTable {
        tables[Int(version - AssayVersion.recordSchemas.lowerBound)][kind.ordinal]
    }
}

/// Why a record was rejected: a stable `code`, the `field` and, for a
/// cross-field rule, its `rule` name (spec/records.md §6).
public struct RecordError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case malformedJSON = "malformed-json"
        case notAnObject = "not-an-object"
        case unknownKind = "unknown-kind"
        case unsupportedSchema = "unsupported-schema"
        case missingField = "missing-field"
        case unknownField = "unknown-field"
        case wrongType = "wrong-type"
        case outOfRange = "out-of-range"
        case badFormat = "bad-format"
        case notInEnumeration = "not-in-enumeration"
        case ruleViolated = "rule-violated"
    }

    public let code: Code
    public let field: String?
    public let rule: String?
    public let detail: String
    /// The parser's error, for `malformed-json`.
    public let json: JSONParseError?

    public init(_ code: Code, field: String? = nil, rule: String? = nil, detail: String) {
        self.code = code
        self.field = field
        self.rule = rule
        self.detail = detail
        self.json = nil
    }

    public init(json: JSONParseError) {
        code = .malformedJSON
        field = nil
        rule = nil
        detail = json.detail
        self.json = json
    }

    public var description: String {
        if let json { return "column \(json.column): \(json.detail) [\(code.rawValue)/\(json.code.rawValue)]" }
        let place = field.map { "field \"\($0)\": " } ?? ""
        let tag = rule.map { "\(code.rawValue)/\($0)" } ?? code.rawValue
        return "\(place)\(detail) [\(tag)]"
    }
}

extension JSONValue {
    /// The string, if this is a string.
    public var stringValue: String? { if case .string(let text) = self { text } else { nil } }

    /// The integer, if this is an integer.
    public var intValue: Int64? { if case .integer(let number) = self { number } else { nil } }

    /// The elements, if this is an array (empty otherwise).
    public var arrayValue: [JSONValue] { if case .array(let elements) = self { elements } else { [] } }
}
