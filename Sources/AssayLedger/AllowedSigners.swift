import AssayCore
import AssayCrypto

/// An OpenSSH `allowed_signers` file (ssh-keygen(1) "ALLOWED SIGNERS"), the
/// trust policy's list of who may sign (spec/signatures.md §4).
///
/// Each line: `principals [options] ssh-ed25519 BASE64 [comment]`. Options:
/// `namespaces="a,b"`, `valid-after="YYYYMMDD[HHMM[SS]]Z"`, `valid-before=…`.
/// Assay is stricter than OpenSSH: times must say `Z` (UTC) explicitly,
/// `cert-authority` and negated principal patterns are refused.
public struct AllowedSigners: Sendable {
    /// One key and what it may sign.
    public struct Entry: Sendable, Equatable {
        /// Principal patterns (`*` and `?` wildcards).
        public let principals: [String]
        public let key: Ed25519PublicKey
        /// Namespaces the key may sign for; nil means any.
        public let namespaces: [String]?
        /// Seconds since the epoch from which the key is valid (inclusive).
        public let validAfter: Int64?
        /// Seconds since the epoch until which the key is valid (exclusive).
        public let validBefore: Int64?
        /// The 1-based line in the file.
        public let line: Int

        /// Whether this entry allows `principal` to sign for `namespace` at `time`.
        public func allows(principal: String, namespace: String, at time: Int64?) -> Bool {
            principals.contains { AllowedSigners.matches(principal, pattern: $0) } && permits(namespace: namespace, at: time)
        }

        /// Whether the key may sign for `namespace` at `time` (nil: ignore validity periods).
        public func permits(namespace: String, at time: Int64?) -> Bool {
            if let namespaces, !namespaces.contains(namespace) { return false }
            if let time, let validAfter, time < validAfter { return false }
            if let time, let validBefore, time >= validBefore { return false }
            return true
        }

        public init(principals: [String], key: Ed25519PublicKey, namespaces: [String]?, validAfter: Int64?, validBefore: Int64?, line: Int = 0) {
            self.principals = principals
            self.key = key
            self.namespaces = namespaces
            self.validAfter = validAfter
            self.validBefore = validBefore
            self.line = line
        }

        /// The entry as one line of the file (no newline): principals, options, key.
        public var text: String {
            var options: [String] = []
            if let namespaces { options.append("namespaces=\"\(namespaces.joined(separator: ","))\"") }
            if let validAfter { options.append("valid-after=\"\(AllowedSigners.timeText(validAfter))\"") }
            if let validBefore { options.append("valid-before=\"\(AllowedSigners.timeText(validBefore))\"") }
            let key = OpenSSHPublicKey(self.key).line
            return ([principals.joined(separator: ",")] + (options.isEmpty ? [] : [options.joined(separator: ",")]) + [key]).joined(separator: " ")
        }
    }

    /// Why a line was refused.
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public let entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// The file's text: `header` lines as `#` comments, then one line per entry.
    public func text(header: [String] = []) -> String {
        (header.map { "# \($0)" } + entries.map(\.text)).map { $0 + "\n" }.joined()
    }

    /// `YYYYMMDDHHMMSSZ` for seconds since the epoch (the file's time form).
    public static func timeText(_ seconds: Int64) -> String {
        let text = UTCTime.seconds(seconds)
        return text.filter { $0.isNumber } + "Z"
    }

    /// Parses the file's text; blank lines and `#` comments are skipped.
    public init(text: String) throws(ParseError) {
        var entries: [Entry] = []
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            entries.append(try Self.parseLine(trimmed, number: number))
        }
        self.entries = entries
    }

    /// The principal patterns under which `key` may sign for `namespace` at `time`.
    public func principals(for key: Ed25519PublicKey, namespace: String, at time: Int64?) -> [String] {
        entries.filter { $0.key == key && $0.permits(namespace: namespace, at: time) }.flatMap(\.principals)
    }

    /// Whether `principal` may sign for `namespace` with `key` at `time`.
    public func allows(principal: String, key: Ed25519PublicKey, namespace: String, at time: Int64?) -> Bool {
        entries.contains { $0.key == key && $0.allows(principal: principal, namespace: namespace, at: time) }
    }

    static func parseLine(_ line: Substring, number: Int) throws(ParseError) -> Entry {
        var rest = line
        func fail(_ reason: String) -> ParseError { ParseError(line: number, reason: reason) }
        func nextToken() -> Substring? {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            guard !rest.isEmpty else { return nil }
            var inQuotes = false
            var index = rest.startIndex
            while index < rest.endIndex {
                let character = rest[index]
                if character == "\"" { inQuotes.toggle() }
                if !inQuotes && (character == " " || character == "\t") { break }
                index = rest.index(after: index)
            }
            let token = rest[rest.startIndex..<index]
            rest = rest[index...]
            return token
        }
        guard let principalField = nextToken() else { throw fail("missing principals") }
        let principals = principalField.split(separator: ",").map(String.init)
        guard !principals.isEmpty else { throw fail("missing principals") }
        if principals.contains(where: { $0.hasPrefix("!") }) {
            throw fail("negated principal patterns are not supported by Assay")
        }
        guard var token = nextToken() else { throw fail("missing key") }
        var namespaces: [String]? = nil
        var validAfter: Int64? = nil
        var validBefore: Int64? = nil
        if !token.hasPrefix("ssh-") && !token.hasPrefix("ecdsa-") && !token.hasPrefix("sk-") {
            for option in try splitOptions(token, fail) {
                let (name, value) = option
                switch name.lowercased() {
                case "namespaces":
                    guard let value else { throw fail("namespaces needs a value") }
                    namespaces = value.split(separator: ",").map(String.init)
                case "valid-after":
                    guard let value else { throw fail("valid-after needs a value") }
                    validAfter = try parseTime(value, fail)
                case "valid-before":
                    guard let value else { throw fail("valid-before needs a value") }
                    validBefore = try parseTime(value, fail)
                case "cert-authority":
                    throw fail("cert-authority keys are not supported by Assay; list each operator's key")
                default:
                    throw fail("unknown option '\(name)'")
                }
            }
            guard let next = nextToken() else { throw fail("missing key") }
            token = next
        }
        guard let base64 = nextToken() else { throw fail("missing base64 key after '\(token)'") }
        let key: OpenSSHPublicKey
        do { key = try OpenSSHPublicKey(line: "\(token) \(base64)") } catch { throw fail(error.reason) }
        if let validAfter, let validBefore, validBefore <= validAfter {
            throw fail("valid-before is not after valid-after")
        }
        return Entry(principals: principals, key: key.key, namespaces: namespaces, validAfter: validAfter,
                     validBefore: validBefore, line: number)
    }

    static func splitOptions(_ field: Substring, _ fail: (String) -> ParseError) throws(ParseError) -> [(String, String?)] {
        var options: [(String, String?)] = []
        var current = ""
        var inQuotes = false
        var parts: [String] = []
        for character in field {
            if character == "\"" { inQuotes.toggle(); current.append(character); continue }
            if character == "," && !inQuotes { parts.append(current); current = ""; continue }
            current.append(character)
        }
        guard !inQuotes else { throw fail("unterminated quote in options") }
        parts.append(current)
        for part in parts {
            guard let equals = part.firstIndex(of: "=") else { options.append((part, nil)); continue }
            var value = part[part.index(after: equals)...]
            if value.hasPrefix("\"") {
                guard value.count >= 2, value.hasSuffix("\"") else { throw fail("badly quoted value in '\(part)'") }
                value = value.dropFirst().dropLast()
            }
            options.append((String(part[..<equals]), String(value)))
        }
        return options
    }

    /// `YYYYMMDD[HHMM[SS]]Z` to seconds since the epoch.
    static func parseTime(_ text: String, _ fail: (String) -> ParseError) throws(ParseError) -> Int64 {
        guard text.hasSuffix("Z") || text.hasSuffix("z") else {
            throw fail("time '\(text)' must end in Z: Assay reads validity times in UTC only")
        }
        let digits = Array(text.dropLast().utf8)
        guard [8, 12, 14].contains(digits.count), digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw fail("time '\(text)' must be YYYYMMDD[HHMM[SS]]Z")
        }
        func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        let year = number(0..<4), month = number(4..<6), day = number(6..<8)
        let hour = digits.count >= 12 ? number(8..<10) : 0
        let minute = digits.count >= 12 ? number(10..<12) : 0
        let second = digits.count == 14 ? number(12..<14) : 0
        guard (1...12).contains(month), day >= 1, day <= UTCTime.daysInMonth(year: year, month: month),
              hour < 24, minute < 60, second < 60
        else { throw fail("time '\(text)' is not a valid date") }
        let days = UTCTime.days(year: year, month: month, day: day)
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// OpenSSH's `match_pattern` for one pattern: `*` any run, `?` one character.
    static func matches(_ text: String, pattern: String) -> Bool {
        let t = Array(text.unicodeScalars), p = Array(pattern.unicodeScalars)
        var ti = 0, pi = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) {
                ti += 1; pi += 1
            } else if pi < p.count && p[pi] == "*" {
                star = pi; mark = ti; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ti = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
