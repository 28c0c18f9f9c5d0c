import AssayCore
import AssayCrypto

/// An OpenSSH `allowed_signers` file (ssh-keygen(1) "ALLOWED SIGNERS"), the
/// trust policy's list of who may sign (spec/signatures.md §4).
///
/// Read exactly as OpenSSH 9.2 reads it (sshsig.c
/// `parse_principals_key_and_options`, `sshsigopt_parse`,
/// `check_allowed_keys_line`): a line is `principals [options] key
/// [comment]`; the principals field may be quoted; the options are
/// `cert-authority`, `namespaces="…"`, `valid-after="…"`, `valid-before="…"`
/// (names case-insensitive, values always quoted, each at most once);
/// principals and namespaces are OpenSSH pattern lists (`*`, `?`, `!`
/// negation); `valid-before` is inclusive. A line OpenSSH cannot parse
/// authorizes nothing and the next line is read, as in OpenSSH; it is kept in
/// `rejected`, and a dataset's policy with such a line is refused
/// (`requireStrict`). Where Assay answers differently from `ssh-keygen -Y
/// verify` on purpose, the line is in `rejected` too and authorizes nothing
/// (spec/signatures.md §4.1): validity times that are not UTC or not a real
/// date, keys that are not Ed25519, and `cert-authority` lines (which
/// OpenSSH matches only against certificates, never used by Assay).
public struct AllowedSigners: Sendable {
    /// One usable line: an Ed25519 key and what it may sign.
    public struct Entry: Sendable, Equatable {
        /// Principal patterns, as the comma-separated list of the line (`!` negates).
        public let principals: [String]
        public let key: Ed25519PublicKey
        /// Namespace patterns the key may sign for; nil means any.
        public let namespaces: [String]?
        /// Seconds since the epoch from which the key is valid (inclusive).
        public let validAfter: Int64?
        /// Seconds since the epoch until which the key is valid (inclusive, as in OpenSSH).
        public let validBefore: Int64?
        /// The 1-based line in the file.
        public let line: Int

        /// Whether this entry allows `principal` to sign for `namespace` at `time`.
        public func allows(principal: String, namespace: String, at time: Int64?) -> Bool {
            AllowedSigners.matchesList(principal, patterns: principals) && permits(namespace: namespace, at: time)
        }

        /// Whether the key may sign for `namespace` at `time` (nil: ignore validity periods).
        public func permits(namespace: String, at time: Int64?) -> Bool {
            if let namespaces, !AllowedSigners.matchesList(namespace, patterns: namespaces) { return false }
            return permits(at: time)
        }

        /// Whether `time` is within the validity period (nil: always).
        public func permits(at time: Int64?) -> Bool {
            if let time, let validAfter, time < validAfter { return false }
            if let time, let validBefore, time > validBefore { return false }
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

    /// A line that authorizes nothing, and why.
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public let line: Int
        public let reason: String
        /// True when OpenSSH would use the line and Assay does not, on purpose (spec/signatures.md §4.1).
        public let deliberate: Bool
        public var description: String { "line \(line): \(reason)" }

        public init(line: Int, reason: String, deliberate: Bool = false) {
            self.line = line
            self.reason = reason
            self.deliberate = deliberate
        }
    }

    /// The usable lines, in file order.
    public let entries: [Entry]
    /// The lines that authorize nothing (comments and blank lines are not listed).
    public let rejected: [ParseError]

    public init(entries: [Entry]) {
        self.entries = entries
        rejected = []
    }

    /// The file's text: `header` lines as `#` comments, then one line per entry.
    public func text(header: [String] = []) -> String {
        (header.map { "# \($0)" } + entries.map(\.text)).map { $0 + "\n" }.joined()
    }

    /// `YYYYMMDDHHMMSSZ` for seconds since the epoch (the file's time form).
    public static func timeText(_ seconds: Int64) -> String {
        let text = UTCTime.seconds(seconds)
        return text.filter { $0.isNumber } + "Z"
    }

    /// Reads the file as OpenSSH does: every line, the unusable ones in `rejected`.
    public init(bytes: [UInt8]) {
        var entries: [Entry] = []
        var rejected: [ParseError] = []
        var start = 0
        var number = 0
        while start < bytes.count {
            number += 1
            let newline = bytes[start...].firstIndex(of: 0x0A)
            let end = newline.map { $0 + 1 } ?? bytes.count
            // getline(3) keeps the newline; C string functions stop at a NUL byte.
            var line = Array(bytes[start..<end])
            if let nul = line.firstIndex(of: 0) { line.removeSubrange(nul...) }
            switch Self.parseLine(line, number: number) {
            case .comment: break
            case .entry(let entry): entries.append(entry)
            case .rejected(let error): rejected.append(error)
            }
            start = end
        }
        self.entries = entries
        self.rejected = rejected
    }

    /// Reads the file and refuses it when any line authorizes nothing: a
    /// published policy must mean the same to every reader (spec/policy.md §1).
    public init(text: String) throws(ParseError) {
        try self.init(strict: Array(text.utf8))
    }

    public init(strict bytes: [UInt8]) throws(ParseError) {
        self.init(bytes: bytes)
        if let first = rejected.first { throw first }
    }

    /// The principal patterns under which `key` may sign for `namespace` at `time`.
    public func principals(for key: Ed25519PublicKey, namespace: String, at time: Int64?) -> [String] {
        entries.filter { $0.key == key && $0.permits(namespace: namespace, at: time) }.flatMap(\.principals)
    }

    /// What `ssh-keygen -Y find-principals` prints for `key` at `time`: the principals of the
    /// first line that has the key and is valid then (namespaces are not consulted).
    public func findPrincipals(key: Ed25519PublicKey, at time: Int64) -> [String] {
        // ssh-keygen prints the line's principals up to the first empty one (strsep, then `*cp != '\0'`).
        Array((entries.first { $0.key == key && $0.permits(at: time) }?.principals ?? []).prefix { !$0.isEmpty })
    }

    /// Whether `principal` may sign for `namespace` with `key` at `time` (what `ssh-keygen -Y
    /// verify -I principal -n namespace -O verify-time=…` accepts).
    public func allows(principal: String, key: Ed25519PublicKey, namespace: String, at time: Int64?) -> Bool {
        entries.contains { $0.key == key && $0.allows(principal: principal, namespace: namespace, at: time) }
    }

    // MARK: - One line (sshsig.c parse_principals_key_and_options)

    enum LineResult {
        case comment
        case entry(Entry)
        case rejected(ParseError)
    }

    static let space: UInt8 = 0x20, tab: UInt8 = 0x09, quote: UInt8 = 0x22, comma: UInt8 = 0x2C, backslash: UInt8 = 0x5C
    /// misc.h WHITESPACE.
    static func isDelimiterSpace(_ byte: UInt8) -> Bool { byte == space || byte == tab || byte == 0x0D || byte == 0x0A }
    /// isspace(3) in the C locale.
    static func isCSpace(_ byte: UInt8) -> Bool { byte == space || (0x09...0x0D).contains(byte) }

    static func parseLine(_ line: [UInt8], number: Int) -> LineResult {
        func reject(_ reason: String, deliberate: Bool = false) -> LineResult {
            .rejected(ParseError(line: number, reason: reason, deliberate: deliberate))
        }
        var cp = 0
        while cp < line.count && isDelimiterSpace(line[cp]) { cp += 1 }
        if cp == line.count || line[cp] == 0x23 { return .comment }

        // The principals: misc.c strdelimw (a field may be quoted; the quotes are removed).
        guard let delimiter = line[cp...].firstIndex(where: { isDelimiterSpace($0) || $0 == quote }) else {
            return reject("invalid line: nothing after the principals")
        }
        var principalBytes: [UInt8]
        if line[delimiter] == quote {
            guard let closing = line[(delimiter + 1)...].firstIndex(of: quote) else {
                return reject("invalid line: the principals' quote is not closed")
            }
            principalBytes = Array(line[cp..<delimiter]) + Array(line[(delimiter + 1)..<closing])
            cp = closing + 1
        } else {
            principalBytes = Array(line[cp..<delimiter])
            cp = delimiter + 1
        }
        while cp < line.count && isDelimiterSpace(line[cp]) { cp += 1 }
        let principals = splitList(principalBytes)

        // The key, or options and then the key.
        var options: [UInt8]? = nil
        var key: KeyRead
        switch readKey(line, from: cp) {
        case .failed:
            let optionsStart = cp
            var quoted = false
            while cp < line.count && (quoted || (line[cp] != space && line[cp] != tab)) {
                if line[cp] == backslash && cp + 1 < line.count && line[cp + 1] == quote {
                    cp += 1
                } else if line[cp] == quote {
                    quoted.toggle()
                }
                cp += 1
            }
            if cp == line.count && quoted { return reject("invalid options: a quote is not closed") }
            if cp == line.count { return reject("missing key") }
            options = Array(line[optionsStart..<cp])
            cp += 1
            while cp < line.count && (line[cp] == space || line[cp] == tab) { cp += 1 }
            key = readKey(line, from: cp)
            if case .failed = key { return reject("invalid key") }
        case let read:
            key = read
        }

        // The options: sshsig.c sshsigopt_parse.
        var certificateAuthority = false
        var namespaces: [UInt8]? = nil
        var validAfter: Int64? = nil, validBefore: Int64? = nil
        var timeProblem: String? = nil
        if let options, !options.isEmpty {
            var at = 0
            while at < options.count && options[at] != space && options[at] != tab {
                if hasPrefixIgnoringCase(options, at, "cert-authority") {
                    certificateAuthority = true
                    at += "cert-authority".utf8.count
                } else if matchOption(options, &at, "namespaces") != nil {
                    guard namespaces == nil else { return reject("bad options: multiple \"namespaces\" clauses") }
                    guard let text = dequote(options, &at) else { return reject("bad options: namespaces: \(dequoteError(options, at))") }
                    namespaces = text
                } else if let name = matchOption(options, &at, "valid-after") ?? matchOption(options, &at, "valid-before") {
                    let isAfter = name == "valid-after"
                    guard (isAfter ? validAfter : validBefore) == nil else { return reject("bad options: multiple \"\(name)\" clauses") }
                    guard let text = dequote(options, &at) else { return reject("bad options: \(name): \(dequoteError(options, at))") }
                    switch parseAbsoluteTime(text) {
                    case .invalid:
                        return reject("bad options: invalid \"\(name)\" time")
                    case .refused(let why):
                        // Kept as a placeholder so the rest of the line is checked as OpenSSH checks it.
                        timeProblem = timeProblem ?? why
                        if isAfter { validAfter = 1 } else { validBefore = 1 }
                    case .seconds(let seconds):
                        if isAfter { validAfter = seconds } else { validBefore = seconds }
                    }
                }
                if at == options.count || options[at] == space || options[at] == tab { break }
                guard options[at] == comma else { return reject("bad options: unknown key option") }
                at += 1
                if at == options.count { return reject("bad options: unexpected end-of-options") }
            }
            if timeProblem == nil, let after = validAfter, let before = validBefore, before <= after {
                return reject("bad options: \"valid-before\" time is before \"valid-after\"")
            }
        }
        if let timeProblem { return reject(timeProblem, deliberate: true) }
        guard case .ed25519(let publicKey) = key else {
            if case .otherType(let type) = key {
                return reject("the key is \(type); Assay verifies only Ed25519 (ssh-ed25519) signatures", deliberate: true)
            }
            return reject("invalid key")
        }
        if certificateAuthority {
            return reject("cert-authority: OpenSSH matches it only against certificates, which Assay never uses; list each signer's key",
                          deliberate: true)
        }
        return .entry(Entry(principals: principals, key: publicKey, namespaces: namespaces.map(splitList),
                            validAfter: validAfter, validBefore: validBefore, line: number))
    }

    /// The list patterns of a field, split on commas (match.c match_pattern_list).
    static func splitList(_ bytes: [UInt8]) -> [String] {
        bytes.split(separator: comma, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }

    // MARK: - Keys (sshkey.c sshkey_read)

    enum KeyRead {
        case failed
        case ed25519(Ed25519PublicKey)
        /// A key type OpenSSH knows that is not Ed25519: it never matches an Ed25519 signer.
        case otherType(String)
    }

    /// The key type names of OpenSSH 9.2 (sshkey.c keyimpls).
    static let otherKeyTypes: Set<String> = [
        "ssh-ed25519-cert-v01@openssh.com", "sk-ssh-ed25519@openssh.com", "sk-ssh-ed25519-cert-v01@openssh.com",
        "ssh-rsa", "rsa-sha2-256", "rsa-sha2-512", "ssh-rsa-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com",
        "rsa-sha2-512-cert-v01@openssh.com", "ssh-dss", "ssh-dss-cert-v01@openssh.com",
        "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp256-cert-v01@openssh.com",
        "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
        "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
    ]

    static func readKey(_ line: [UInt8], from start: Int) -> KeyRead {
        guard let typeEnd = line[start...].firstIndex(where: { $0 == space || $0 == tab }) else { return .failed }
        let type = String(decoding: line[start..<typeEnd], as: UTF8.self)
        var cp = typeEnd
        while cp < line.count && (line[cp] == space || line[cp] == tab) { cp += 1 }
        guard cp < line.count else { return .failed }
        if otherKeyTypes.contains(type) { return .otherType(type) }
        guard type == OpenSSHPublicKey.keyType else { return .failed }
        let blobEnd = line[cp...].firstIndex(where: { $0 == space || $0 == tab }) ?? line.count
        // A blob that is not an Ed25519 key fails the read, as in sshkey_read (the line then tries options).
        guard let blob = decodeBase64(line[cp..<blobEnd]), let key = try? OpenSSHPublicKey(wireBlob: blob) else { return .failed }  // an undecodable key makes the line unusable, as OpenSSH skips it
        return .ed25519(key.key)
    }

    /// b64_pton(3) as OpenSSH uses it: whitespace anywhere is skipped, `=` padding is strict,
    /// the unused bits of the last byte must be zero; nil for anything else.
    static func decodeBase64(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        var state = 0
        var index = text.startIndex
        var sawPad = false
        while index < text.endIndex {
            let byte = text[index]
            index += 1
            if isCSpace(byte) { continue }
            if byte == 0x3D { sawPad = true; break }
            let value = Base64.value(of: byte)
            guard let value else { return nil }
            switch state {
            case 0: output.append(value << 2); state = 1
            case 1: output[output.count - 1] |= value >> 4; output.append((value & 0x0F) << 4); state = 2
            case 2: output[output.count - 1] |= value >> 2; output.append((value & 0x03) << 6); state = 3
            default: output[output.count - 1] |= value; state = 0
            }
        }
        if sawPad {
            switch state {
            case 0, 1: return nil
            case 2:
                while index < text.endIndex && isCSpace(text[index]) { index += 1 }
                guard index < text.endIndex, text[index] == 0x3D else { return nil }
                index += 1
                fallthrough
            default:
                while index < text.endIndex {
                    guard isCSpace(text[index]) else { return nil }
                    index += 1
                }
                // The bits past the last whole byte must be zero.
                guard output.last == 0 else { return nil }
                output.removeLast()
            }
        } else if state != 0 {
            return nil
        }
        return output
    }

    // MARK: - Options (auth-options.c opt_match, opt_dequote)

    static func hasPrefixIgnoringCase(_ bytes: [UInt8], _ at: Int, _ prefix: String) -> Bool {
        let wanted = Array(prefix.utf8)
        guard at >= 0, at + wanted.count <= bytes.count else { return false }
        return zip(bytes[at..<(at + wanted.count)], wanted).allSatisfy { lower($0) == lower($1) }
    }

    static func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte + 0x20 : byte }

    /// `name=` (case-insensitive) at `at`: moves past it and returns the name.
    static func matchOption(_ bytes: [UInt8], _ at: inout Int, _ name: String) -> String? {
        guard hasPrefixIgnoringCase(bytes, at, name + "=") else { return nil }
        at += name.utf8.count + 1
        return name
    }

    /// A quoted value at `at` (`\"` stands for a quote): its bytes, moving past the closing quote.
    static func dequote(_ bytes: [UInt8], _ at: inout Int) -> [UInt8]? {
        guard at < bytes.count, bytes[at] == quote else { return nil }
        var cursor = at + 1
        var value: [UInt8] = []
        while cursor < bytes.count && bytes[cursor] != quote {
            if bytes[cursor] == backslash && cursor + 1 < bytes.count && bytes[cursor + 1] == quote { cursor += 1 }
            value.append(bytes[cursor])
            cursor += 1
        }
        guard cursor < bytes.count else { return nil }
        at = cursor + 1
        return value
    }

    static func dequoteError(_ bytes: [UInt8], _ at: Int) -> String {
        at < bytes.count && bytes[at] == quote ? "missing end quote" : "missing start quote (values are quoted)"
    }

    // MARK: - Times (misc.c parse_absolute_time)

    enum TimeRead {
        /// OpenSSH refuses it too.
        case invalid
        /// OpenSSH would read it; Assay does not, for the reason given (spec/signatures.md §4.1).
        case refused(String)
        case seconds(Int64)
    }

    /// `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, then `Z` or `UTC` (any case), as UTC.
    static func parseAbsoluteTime(_ bytes: [UInt8]) -> TimeRead {
        let text = String(decoding: bytes, as: UTF8.self)
        var digits = bytes
        var utc = false
        if digits.count > 1, lower(digits[digits.count - 1]) == 0x7A {
            utc = true
            digits.removeLast()
        } else if digits.count > 3, hasPrefixIgnoringCase(digits, digits.count - 3, "utc") {
            utc = true
            digits.removeLast(3)
        }
        guard [8, 12, 14].contains(digits.count) else { return .invalid }
        guard utc else {
            return .refused("validity time '\(text)' has no Z (UTC): OpenSSH reads it in the local time zone of whoever verifies, so its meaning depends on the machine")
        }
        guard digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return .refused("validity time '\(text)' must be digits, YYYYMMDD[HHMM[SS]] and Z")
        }
        func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        let year = number(0..<4), month = number(4..<6), day = number(6..<8)
        let hour = digits.count >= 12 ? number(8..<10) : 0
        let minute = digits.count >= 12 ? number(10..<12) : 0
        let second = digits.count == 14 ? number(12..<14) : 0
        guard (1...12).contains(month), day >= 1, day <= 31, hour < 24, minute < 60, second <= 61 else { return .invalid }
        guard day <= UTCTime.daysInMonth(year: year, month: month), second < 60 else {
            return .refused("validity time '\(text)' is not a real date and time (OpenSSH would move it into the next month or minute)")
        }
        let seconds = Int64(UTCTime.days(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        // OpenSSH refuses times before the epoch, and takes 0 as "no time given" (invalid).
        return seconds > 0 ? .seconds(seconds) : .invalid
    }

    // MARK: - Patterns (match.c)

    /// `match_pattern_list(text, list, 0) == 1`: some pattern matches and no negated one does;
    /// a pattern of 1023 bytes or more makes the whole list not match.
    public static func matchesList(_ text: String, patterns: [String]) -> Bool {
        let subject = Array(text.utf8)
        var positive = false
        for pattern in patterns {
            var bytes = Array(pattern.utf8)
            let negated = bytes.first == 0x21
            if negated { bytes.removeFirst() }
            guard bytes.count < 1023 else { return false }
            if matchPattern(subject[...], bytes[...]) {
                if negated { return false }
                positive = true
            }
        }
        return positive
    }

    /// Whether `text` matches one pattern (`*` any run, `?` one byte), as OpenSSH's `match_pattern`.
    public static func matches(_ text: String, pattern: String) -> Bool {
        matchPattern(Array(text.utf8)[...], Array(pattern.utf8)[...])
    }

    /// The same answer as OpenSSH's recursive `match_pattern`, in O(text × pattern) time: a
    /// hostile pattern such as `*a*a*a…` cannot make verification take exponential time.
    static func matchPattern(_ subject: ArraySlice<UInt8>, _ pattern: ArraySlice<UInt8>) -> Bool {
        let t = Array(subject), p = Array(pattern)
        var ti = 0, pi = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count && p[pi] == 0x2A {
                star = pi
                mark = ti
                pi += 1
            } else if pi < p.count && (p[pi] == 0x3F || p[pi] == t[ti]) {
                ti += 1
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == 0x2A { pi += 1 }
        return pi == p.count
    }
}
