import AssayCore

/// One go-livepeer event, as spec/gateway-events.md §1 reads it.
public struct GatewayEvent: Sendable {
    public let id: String
    public let type: String
    /// `data.type`, when `data` is an object with one.
    public let subtype: String
    /// Event time, ms (§1): data.timestamp, else data.completed_at, else the envelope timestamp.
    public let time: Int64
    public let data: JSONValue

    /// Why an event was not usable.
    public enum Malformed: Error, Equatable, Sendable {
        case notJSON(String)
        case notAnObject
        case missingType
        case missingTime
        case missingStreamID

        /// A short reason, the key under which malformed events are counted.
        public var reason: String {
            switch self {
            case .notJSON: "not JSON"
            case .notAnObject: "not an object"
            case .missingType: "no string type"
            case .missingTime: "no valid timestamp"
            case .missingStreamID: "stream event without stream_id"
            }
        }
    }

    public init(_ value: JSONValue) throws(Malformed) {
        guard case .object = value else { throw .notAnObject }
        guard let type = value["type"]?.stringValue, !type.isEmpty else { throw .missingType }
        self.type = type
        id = value["id"]?.stringValue ?? ""
        data = value["data"] ?? .null
        subtype = data["type"]?.stringValue ?? ""
        if let time = Self.milliseconds(data["timestamp"]) ?? Self.milliseconds(data["completed_at"])
            ?? Self.milliseconds(value["timestamp"]) {
            self.time = time
        } else {
            throw .missingTime
        }
        if ["stream_trace", "ai_stream_status", "ai_stream_events"].contains(type), (data["stream_id"]?.stringValue ?? "").isEmpty {
            throw .missingStreamID
        }
    }

    /// A positive millisecond time from a number or a decimal string.
    static func milliseconds(_ value: JSONValue?) -> Int64? {
        switch value {
        case .integer(let number)? where number > 0: return number
        case .number(let number)? where number > 0 && number < 9e15: return Int64(number)
        case .string(let text)?: return Int64(text).flatMap { $0 > 0 ? $0 : nil }
        default: return nil
        }
    }

    /// A non-empty string member of `data`.
    func string(_ key: String) -> String? {
        guard let text = data[key]?.stringValue, !text.isEmpty else { return nil }
        return text
    }

    /// `orchestrator_info.address`, lowercased, when present.
    var orchestratorAddress: String? {
        guard let text = data["orchestrator_info"]?["address"]?.stringValue, !text.isEmpty else { return nil }
        return text.lowercased()
    }

    var orchestratorURL: String? {
        guard let text = data["orchestrator_info"]?["url"]?.stringValue, !text.isEmpty else { return nil }
        return text
    }
}

extension JSONValue {
    /// The number as a double, for measurements reported as floats.
    var doubleValue: Double? {
        switch self {
        case .integer(let number): Double(number)
        case .number(let number): number
        case .string(let text): Double(text)
        default: nil
        }
    }

    var integerValue: Int64? {
        switch self {
        case .integer(let number): number
        case .number(let number) where number.rounded(.towardZero) == number && abs(number) < 9e15: Int64(number)
        case .string(let text): Int64(text)
        default: nil
        }
    }

    var boolValue: Bool? {
        switch self {
        case .bool(let flag): flag
        case .string("true"): true
        case .string("false"): false
        default: nil
        }
    }
}

/// Measurements as Assay's integer units (spec/gateway-events.md §4.1).
enum Units {
    /// ⌊value × 1000⌋, 0 for missing, negative or non-finite values.
    static func milli(_ value: Double?) -> Int64 {
        guard let value, value.isFinite, value > 0 else { return 0 }
        let scaled = (value * 1000).rounded(.down)
        return scaled < 9e15 ? Int64(scaled) : 0
    }

    /// An error message as an identifier code (§4.4).
    static func errorCode(_ message: String) -> String {
        let lower = message.lowercased()
        if lower.contains("no orchestrators available") { return "no_orchestrators_available" }
        if lower.contains("whip disconnected") { return "whip_disconnected" }
        var code = ""
        var lastWasSeparator = true
        for scalar in lower.unicodeScalars {
            if (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") {
                code.unicodeScalars.append(scalar)
                lastWasSeparator = false
            } else if !lastWasSeparator {
                code += "_"
                lastWasSeparator = true
            }
        }
        while code.hasSuffix("_") { code.removeLast() }
        if code.utf8.count > 64 { code = String(code.prefix(64)) }
        while code.hasSuffix("_") { code.removeLast() }
        return code.isEmpty ? "error" : code
    }

    /// `price_per_unit` as (wei, pixels per unit) from its shortest decimal form (§5).
    static func price(_ value: Double?) -> (wei: String, pixels: Int64)? {
        guard let value, value.isFinite, value > 0 else { return nil }
        let text = ECMAScriptNumber.format(value)
        guard !text.contains("e") else { return nil }
        let parts = text.split(separator: ".", maxSplits: 1)
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= 12 else { return nil }
        var digits = String(parts[0]) + fraction
        while digits.count > 1 && digits.hasPrefix("0") { digits.removeFirst() }
        var pixels: Int64 = 1
        for _ in 0..<fraction.count { pixels *= 10 }
        return (digits, pixels)
    }
}
