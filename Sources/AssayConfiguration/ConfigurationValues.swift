/// The value syntaxes every configuration shares (exporter, collector, witness): one parser each, so
/// the files agree on what `10s` or `127.0.0.1:9100` mean.
public enum ConfigurationValues {
    /// The longest duration any setting accepts: ten years.
    public static let maximumDurationMs: Int64 = 3650 * 86_400_000

    /// What a duration text is.
    public enum ParsedDuration: Equatable, Sendable {
        /// Milliseconds, 0 … `maximumDurationMs`.
        case milliseconds(Int64)
        /// A number and unit that exceed `maximumDurationMs`.
        case tooLarge
        /// Not `<non-negative integer><ms|s|m|h|d>`.
        case invalid
    }

    /// `500ms`, `10s`, `5m`, `12h`, `30d`: a non-negative integer and a unit. Whether 0 is allowed is the
    /// setting's business, not the syntax's.
    public static func duration(_ text: String) -> ParsedDuration {
        for (suffix, factor) in [("ms", Int64(1)), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)] where text.hasSuffix(suffix) {
            let digits = text.dropLast(suffix.count)
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { continue }
            guard let number = Int64(digits) else { return .tooLarge }
            let (value, overflow) = number.multipliedReportingOverflow(by: factor)
            return !overflow && value <= maximumDurationMs ? .milliseconds(value) : .tooLarge
        }
        return .invalid
    }

    /// Splits `host:port` (an IPv6 host in brackets); nil unless the host is non-empty and the port 0…65535.
    public static func hostPort(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = text[text.index(after: colon)...]
        guard !host.isEmpty, !port.isEmpty, port.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let number = Int(port),
              (0...65535).contains(number) else { return nil }
        return (host, number)
    }

    /// Whether `host` (as `hostPort` returns it) is this machine's loopback.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
