/// A strict JSON parser (RFC 8259 grammar, I-JSON restrictions of RFC 7493):
/// it rejects duplicate member names, invalid UTF-8, lone surrogates, control
/// characters in strings, over-deep nesting, over-long input and trailing
/// data, and says where (byte offset, line, column) and why.
///
/// spec/canonical-json.md §2
public struct JSONParser: Sendable {
    /// Limits that bound the work one document can cause.
    public struct Limits: Sendable {
        /// Maximum nesting depth of arrays and objects.
        public var maxDepth: Int
        /// Maximum size of one document in bytes.
        public var maxBytes: Int
        public init(maxDepth: Int = 64, maxBytes: Int = 1 << 20) {
            self.maxDepth = maxDepth
            self.maxBytes = maxBytes
        }
        /// The limits for one record line (spec/records.md §2): depth 8, 64 KiB.
        public static let record = Limits(maxDepth: 8, maxBytes: 64 * 1024)
    }

    public var limits: Limits
    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Parses exactly one JSON document; leading and trailing JSON whitespace is allowed.
    public func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        let input = bytes.bindMemory(to: UInt8.self)
        if input.count > limits.maxBytes {
            throw JSONParseError(.tooLong, at: limits.maxBytes, in: input,
                                 detail: "document is \(input.count) bytes; the limit is \(limits.maxBytes)")
        }
        var cursor = Cursor(input: input, maxDepth: limits.maxDepth)
        cursor.skipWhitespace()
        if cursor.position == input.count {
            throw JSONParseError(.unexpectedEnd, at: cursor.position, in: input, detail: "empty input")
        }
        let value = try cursor.parseValue(depth: 0)
        cursor.skipWhitespace()
        if cursor.position != input.count {
            throw JSONParseError(.trailingData, at: cursor.position, in: input,
                                 detail: "unexpected data after the JSON value")
        }
        return value
    }

    /// Parses a byte array.
    public func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            do throws(JSONParseError) { return .success(try parse(UnsafeRawBufferPointer(buffer))) } catch { return .failure(error) }
        }
        if let result { return try result.get() }
        return try parse(Array(bytes))
    }

    /// Parses the UTF-8 bytes of a string.
    public func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

/// Why and where a JSON document was rejected. `line` and `column` are
/// 1-based; the column counts bytes from the start of the line.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A stable code for programs (spec/canonical-json.md §2.3).
    public enum Code: String, Sendable {
        case unexpectedEnd = "unexpected-end"
        case unexpectedCharacter = "unexpected-character"
        case invalidNumber = "invalid-number"
        case numberOutOfRange = "number-out-of-range"
        case invalidUTF8 = "invalid-utf8"
        case invalidEscape = "invalid-escape"
        case loneSurrogate = "lone-surrogate"
        case controlCharacter = "control-character"
        case duplicateKey = "duplicate-key"
        case tooDeep = "too-deep"
        case tooLong = "too-long"
        case trailingData = "trailing-data"
    }

    public let code: Code
    /// Byte offset of the problem in the document.
    public let offset: Int
    public let line: Int
    public let column: Int
    /// What exactly was wrong, for people.
    public let detail: String

    public init(code: Code, offset: Int, line: Int, column: Int, detail: String) {
        self.code = code
        self.offset = offset
        self.line = line
        self.column = column
        self.detail = detail
    }

    init(_ code: Code, at offset: Int, in input: UnsafeBufferPointer<UInt8>, detail: String) {
        var line = 1
        var lineStart = 0
        var index = 0
        let end = min(offset, input.count)
        while index < end {
            if input[index] == 0x0A {
                line += 1
                lineStart = index + 1
            }
            index += 1
        }
        self.init(code: code, offset: offset, line: line, column: offset - lineStart + 1, detail: detail)
    }

    public var description: String { "\(line):\(column): \(detail) [\(code.rawValue)]" }
}

private struct Cursor {
    let input: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var position = 0
    /// Members of the objects being parsed, innermost last (one buffer reused for all objects).
    var pendingMembers: [JSONValue.Member] = []
    /// Where each pending member's name is in the input, and whether it had escapes.
    var pendingKeys: [KeySpan] = []
    /// Whether the last string parsed contained escapes (its raw bytes differ from its value).
    var lastStringEscaped = false

    struct KeySpan {
        let start: Int
        let end: Int
        let escaped: Bool
    }

    init(input: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.input = input
        self.maxDepth = maxDepth
        pendingMembers.reserveCapacity(32)
        pendingKeys.reserveCapacity(32)
    }

    func fail(_ code: JSONParseError.Code, at offset: Int? = nil, _ detail: String) -> JSONParseError {
        JSONParseError(code, at: offset ?? position, in: input, detail: detail)
    }

    mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16, uppercase: false)
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard position < input.count else { throw fail(.unexpectedEnd, "expected a value, found the end") }
        switch input[position] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case let byte: throw fail(.unexpectedCharacter, "expected a value, found \(describe(byte))")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = position
        let count = literal.utf8CodeUnitCount
        let bytes = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for index in 0..<count {
            guard position < input.count else { throw fail(.unexpectedEnd, "unfinished literal") }
            guard input[position] == bytes[index] else {
                throw fail(.unexpectedCharacter, at: start, "invalid literal; expected \(literal)")
            }
            position += 1
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw fail(.tooDeep, "nesting deeper than \(maxDepth)") }
        position += 1
        skipWhitespace()
        if position < input.count && input[position] == UInt8(ascii: "}") {
            position += 1
            return .object([])
        }
        let base = pendingMembers.count
        while true {
            skipWhitespace()
            guard position < input.count else { throw fail(.unexpectedEnd, "unfinished object") }
            guard input[position] == UInt8(ascii: "\"") else {
                throw fail(.unexpectedCharacter, "expected a member name in double quotes, found \(describe(input[position]))")
            }
            let keyStart = position + 1
            let key = try parseString()
            let span = KeySpan(start: keyStart, end: position - 1, escaped: lastStringEscaped)
            skipWhitespace()
            guard position < input.count else { throw fail(.unexpectedEnd, "unfinished object") }
            guard input[position] == UInt8(ascii: ":") else {
                throw fail(.unexpectedCharacter, "expected ':' after a member name, found \(describe(input[position]))")
            }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            pendingMembers.append(JSONValue.Member(key, value))
            pendingKeys.append(span)
            skipWhitespace()
            guard position < input.count else { throw fail(.unexpectedEnd, "unfinished object") }
            switch input[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                let members = try takeCanonicallyOrdered(from: base)
                return .object(members)
            case let byte: throw fail(.unexpectedCharacter, "expected ',' or '}' in an object, found \(describe(byte))")
            }
        }
    }

    /// Removes the pending members from `base` on and returns them in
    /// canonical order; a duplicate name is reported at its later occurrence.
    mutating func takeCanonicallyOrdered(from base: Int) throws(JSONParseError) -> [JSONValue.Member] {
        defer {
            pendingMembers.removeSubrange(base...)
            pendingKeys.removeSubrange(base...)
        }
        let count = pendingMembers.count - base
        var ordered = true
        var index = base + 1
        while index < base + count {
            if !keyLess(index - 1, index) { ordered = false; break }
            index += 1
        }
        if ordered { return Array(pendingMembers[base...]) }
        let order = (base..<base + count).sorted { keyLess($0, $1) }
        for position in order.indices.dropFirst() where !keyLess(order[position - 1], order[position]) {
            let later = max(order[position - 1], order[position])
            throw fail(.duplicateKey, at: pendingKeys[later].start - 1,
                       "duplicate member name \"\(pendingMembers[later].key)\"")
        }
        return order.map { pendingMembers[$0] }
    }

    /// RFC 8785 order of two pending member names, on raw input bytes when neither had escapes.
    func keyLess(_ a: Int, _ b: Int) -> Bool {
        let left = pendingKeys[a], right = pendingKeys[b]
        if left.escaped || right.escaped {
            return CanonicalJSON.utf16Less(pendingMembers[a].key, pendingMembers[b].key)
        }
        return CanonicalJSON.utf16Less(
            UnsafeBufferPointer(rebasing: input[left.start..<left.end]),
            UnsafeBufferPointer(rebasing: input[right.start..<right.end]))
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw fail(.tooDeep, "nesting deeper than \(maxDepth)") }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < input.count && input[position] == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard position < input.count else { throw fail(.unexpectedEnd, "unfinished array") }
            switch input[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(elements)
            case let byte: throw fail(.unexpectedCharacter, "expected ',' or ']' in an array, found \(describe(byte))")
            }
        }
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        var negative = false
        if input[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        guard position < input.count, isDigit(input[position]) else {
            throw fail(.invalidNumber, at: start, "a number needs a digit after '-'")
        }
        var integer: Int64 = 0
        var overflow = false
        if input[position] == UInt8(ascii: "0") {
            position += 1
            if position < input.count && isDigit(input[position]) {
                throw fail(.invalidNumber, at: start, "leading zeros are not allowed in numbers")
            }
        } else {
            while position < input.count && isDigit(input[position]) {
                let digit = Int64(input[position] &- UInt8(ascii: "0"))
                if !overflow {
                    let (times, o1) = integer.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
                    if o1 || o2 { overflow = true } else { integer = sum }
                }
                position += 1
            }
        }
        var isInteger = !overflow
        if position < input.count && input[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < input.count, isDigit(input[position]) else {
                throw fail(.invalidNumber, at: start, "a fraction needs a digit after '.'")
            }
            while position < input.count && isDigit(input[position]) { position += 1 }
        }
        if position < input.count && (input[position] == UInt8(ascii: "e") || input[position] == UInt8(ascii: "E")) {
            isInteger = false
            position += 1
            if position < input.count && (input[position] == UInt8(ascii: "+") || input[position] == UInt8(ascii: "-")) {
                position += 1
            }
            guard position < input.count, isDigit(input[position]) else {
                throw fail(.invalidNumber, at: start, "an exponent needs a digit")
            }
            while position < input.count && isDigit(input[position]) { position += 1 }
        }
        if isInteger { return .integer(integer) }
        let lexeme = String(decoding: UnsafeBufferPointer(rebasing: input[start..<position]), as: UTF8.self)
        guard let double = Double(lexeme), double.isFinite else {
            throw fail(.numberOutOfRange, at: start, "number \(lexeme) is out of the range of IEEE 754 double precision")
        }
        return .number(double)
    }

    @inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    /// Parses a string starting at the opening quote.
    mutating func parseString() throws(JSONParseError) -> String {
        position += 1
        let start = position
        lastStringEscaped = false
        // Fast path: no escapes. Validate UTF-8 while scanning.
        while position < input.count {
            let byte = input[position]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<position]), as: UTF8.self)
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 {
                throw fail(.controlCharacter, "control character 0x\(String(byte, radix: 16)) must be escaped in a string")
            }
            if byte < 0x80 { position += 1 } else { position = try skipUTF8Sequence(at: position) }
        }
        guard position < input.count else { throw fail(.unexpectedEnd, at: start - 1, "unterminated string") }
        // Slow path: decode escapes into a byte buffer.
        lastStringEscaped = true
        var bytes = Array(UnsafeBufferPointer(rebasing: input[start..<position]))
        while position < input.count {
            let byte = input[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: bytes, as: UTF8.self)
            case UInt8(ascii: "\\"):
                let escapeStart = position
                position += 1
                guard position < input.count else { throw fail(.unexpectedEnd, "unfinished escape") }
                let code = input[position]
                position += 1
                switch code {
                case UInt8(ascii: "\""): bytes.append(0x22)
                case UInt8(ascii: "\\"): bytes.append(0x5C)
                case UInt8(ascii: "/"): bytes.append(0x2F)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try readHex4(escapeStart: escapeStart)
                    if scalar >= 0xDC00 && scalar <= 0xDFFF {
                        throw fail(.loneSurrogate, at: escapeStart, "lone low surrogate \\u\(hex4(scalar))")
                    }
                    if scalar >= 0xD800 && scalar <= 0xDBFF {
                        guard position + 1 < input.count, input[position] == UInt8(ascii: "\\"),
                              input[position + 1] == UInt8(ascii: "u")
                        else { throw fail(.loneSurrogate, at: escapeStart, "high surrogate \\u\(hex4(scalar)) is not followed by a low surrogate") }
                        let lowStart = position
                        position += 2
                        let low = try readHex4(escapeStart: lowStart)
                        guard low >= 0xDC00 && low <= 0xDFFF else {
                            throw fail(.loneSurrogate, at: escapeStart, "high surrogate \\u\(hex4(scalar)) is not followed by a low surrogate")
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    appendUTF8(scalar, to: &bytes)
                default:
                    throw fail(.invalidEscape, at: escapeStart, "invalid escape sequence \\\(describe(code))")
                }
            default:
                if byte < 0x20 {
                    throw fail(.controlCharacter, "control character 0x\(String(byte, radix: 16)) must be escaped in a string")
                }
                if byte < 0x80 {
                    bytes.append(byte)
                    position += 1
                } else {
                    let next = try skipUTF8Sequence(at: position)
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: input[position..<next]))
                    position = next
                }
            }
        }
        throw fail(.unexpectedEnd, at: start - 1, "unterminated string")
    }

    func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: false)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    mutating func readHex4(escapeStart: Int) throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard position < input.count else { throw fail(.unexpectedEnd, "unfinished \\u escape") }
            let byte = input[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail(.invalidEscape, at: escapeStart, "\\u must be followed by four hexadecimal digits")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    /// Validates one UTF-8 sequence (RFC 3629: no overlongs, no surrogates,
    /// nothing above U+10FFFF) and returns the offset just past it.
    func skipUTF8Sequence(at offset: Int) throws(JSONParseError) -> Int {
        let lead = input[offset]
        let length: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: throw fail(.invalidUTF8, at: offset, "invalid UTF-8 lead byte 0x\(String(lead, radix: 16))")
        }
        guard offset + length <= input.count else {
            throw fail(.invalidUTF8, at: offset, "truncated UTF-8 sequence")
        }
        let second = input[offset + 1]
        guard second >= lower && second <= upper else {
            throw fail(.invalidUTF8, at: offset, "invalid UTF-8 sequence")
        }
        for index in 2..<max(2, length) where input[offset + index] & 0xC0 != 0x80 {
            throw fail(.invalidUTF8, at: offset, "invalid UTF-8 sequence")
        }
        return offset + length
    }

    func appendUTF8(_ scalar: UInt32, to bytes: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            bytes.append(UInt8(scalar))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | (scalar >> 6)))
            bytes.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | (scalar >> 12)))
            bytes.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            bytes.append(UInt8(0xF0 | (scalar >> 18)))
            bytes.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            bytes.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }
}
