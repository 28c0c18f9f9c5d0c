/// The RFC 8785 JSON Canonicalization Scheme (JCS): object members sorted by
/// the UTF-16 code units of their names, no insignificant whitespace, strings
/// escaped minimally, numbers in ECMAScript's shortest round-trip form.
///
/// spec/canonical-json.md §3
public enum CanonicalJSON {
    /// Why a value has no canonical form.
    public enum EncodingError: Error, Equatable, Sendable {
        /// NaN and the infinities are not JSON.
        case nonFiniteNumber
        /// Two members of one object have the same name.
        case duplicateKey(String)
    }

    /// The canonical bytes of `value`.
    public static func encode(_ value: JSONValue) throws(EncodingError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        try encode(value, into: &output)
        return output
    }

    /// The canonical bytes of a document Assay built itself (integers and strings, keys from
    /// its own code): it always has a canonical form, and a failure is a programming error that
    /// stops the process with the reason, never an empty document that gets signed.
    public static func encodeBuilt(_ value: JSONValue, _ what: @autoclosure () -> String) -> [UInt8] {
        do { return try encode(value) } catch {
            preconditionFailure("\(what()) has no canonical JSON form (\(error)); this is a bug in Assay, not in the data")
        }
    }

    /// The canonical form of `value` as a string.
    public static func string(_ value: JSONValue) throws(EncodingError) -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    /// Appends the canonical bytes of an object whose members are known to be
    /// in canonical order without duplicates (the parser's output).
    static func encode(orderedMembers members: [JSONValue.Member], into output: inout [UInt8]) throws(EncodingError) {
        output.append(UInt8(ascii: "{"))
        for index in members.indices {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            appendString(members[index].key, to: &output)
            output.append(UInt8(ascii: ":"))
            try encode(members[index].value, into: &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    /// Appends the canonical bytes of `value` to `output`.
    public static func encode(_ value: JSONValue, into output: inout [UInt8]) throws(EncodingError) {
        switch value {
        case .null: output.append(contentsOf: nullBytes)
        case .bool(true): output.append(contentsOf: trueBytes)
        case .bool(false): output.append(contentsOf: falseBytes)
        case .integer(let integer): appendInteger(integer, to: &output)
        case .number(let double):
            guard double.isFinite else { throw .nonFiniteNumber }
            output.append(contentsOf: ECMAScriptNumber.format(double).utf8)
        case .string(let string): appendString(string, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                try encode(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            // The parser delivers members in canonical order; sort only objects built otherwise.
            let sorted = isCanonicallyOrdered(members) ? members : members.sorted { utf16Less($0.key, $1.key) }
            output.append(UInt8(ascii: "{"))
            for index in sorted.indices {
                if index > 0 {
                    if sorted[index - 1].key == sorted[index].key { throw .duplicateKey(sorted[index].key) }
                    output.append(UInt8(ascii: ","))
                }
                appendString(sorted[index].key, to: &output)
                output.append(UInt8(ascii: ":"))
                try encode(sorted[index].value, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// RFC 8785 §3.2.3: member names compare as arrays of UTF-16 code units.
    ///
    /// Computed on UTF-8 bytes: byte order equals code point order, which
    /// equals UTF-16 order except that a supplementary character (UTF-8
    /// lead F0–F4, UTF-16 surrogates D800–DBFF) sorts before U+E000–U+FFFF
    /// (lead EE–EF). The first differing byte decides, with that exception.
    public static func utf16Less(_ lhs: String, _ rhs: String) -> Bool {
        if let result = lhs.utf8.withContiguousStorageIfAvailable({ a in
            rhs.utf8.withContiguousStorageIfAvailable { b in utf16Less(a, b) }
        }), let result { return result }
        return Array(lhs.utf8).withUnsafeBufferPointer { a in Array(rhs.utf8).withUnsafeBufferPointer { b in utf16Less(a, b) } }
    }

    /// `utf16Less` on the UTF-8 bytes of two valid strings.
    @inline(__always)
    public static func utf16Less(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let common = min(a.count, b.count)
        var index = 0
        while index < common {
            let x = a[index], y = b[index]
            if x != y {
                if x >= 0xF0 && (y == 0xEE || y == 0xEF) { return true }
                if y >= 0xF0 && (x == 0xEE || x == 0xEF) { return false }
                return x < y
            }
            index += 1
        }
        return a.count < b.count
    }

    /// Whether the members are strictly increasing by name, that is, already
    /// in canonical order with no duplicates.
    public static func isCanonicallyOrdered(_ members: [JSONValue.Member]) -> Bool {
        var index = 1
        while index < members.count {
            if !utf16Less(members[index - 1].key, members[index].key) { return false }
            index += 1
        }
        return true
    }

    static let nullBytes: [UInt8] = Array("null".utf8)
    static let trueBytes: [UInt8] = Array("true".utf8)
    static let falseBytes: [UInt8] = Array("false".utf8)
    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func appendInteger(_ value: Int64, to output: inout [UInt8]) {
        if value == 0 {
            output.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { output.append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch for up to 20 digits
        let count = withUnsafeMutableBytes(of: &digits) { scratch -> Int in
            var index = 0
            while magnitude > 0 {
                scratch[index] = UInt8(truncatingIfNeeded: magnitude % 10) + UInt8(ascii: "0")
                magnitude /= 10
                index += 1
            }
            return index
        }
        withUnsafeBytes(of: &digits) { scratch in
            var index = count - 1
            while index >= 0 {
                output.append(scratch[index])
                index -= 1
            }
        }
    }

    static func appendString(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        if string.utf8.withContiguousStorageIfAvailable({ appendEscaped($0, to: &output) }) == nil {
            Array(string.utf8).withUnsafeBufferPointer { appendEscaped($0, to: &output) }
        }
        output.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        do {
            var runStart = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                if runStart < index { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
                runStart = index + 1
                output.append(UInt8(ascii: "\\"))
                switch byte {
                case 0x22: output.append(0x22)
                case 0x5C: output.append(0x5C)
                case 0x08: output.append(UInt8(ascii: "b"))
                case 0x0C: output.append(UInt8(ascii: "f"))
                case 0x0A: output.append(UInt8(ascii: "n"))
                case 0x0D: output.append(UInt8(ascii: "r"))
                case 0x09: output.append(UInt8(ascii: "t"))
                default:
                    output.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                               hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
                }
            }
            if runStart < bytes.count { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
        }
    }
}

/// ECMAScript's Number::toString for finite doubles (ECMA-262 §6.1.6.1.20),
/// as RFC 8785 §3.2.2.3 requires.
public enum ECMAScriptNumber {
    /// The ECMAScript string form of a finite double.
    public static func format(_ value: Double) -> String {
        precondition(value.isFinite, "ECMAScriptNumber.format needs a finite value")
        if value == 0 { return "0" }
        let (digits, pointPosition) = shortestDigits(value.magnitude)
        let k = digits.count
        let n = pointPosition
        var result = value < 0 ? "-" : ""
        if k <= n && n <= 21 {
            result += digits + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            result += digits.prefix(n) + "." + digits.dropFirst(n)
        } else if -6 < n && n <= 0 {
            result += "0." + String(repeating: "0", count: -n) + digits
        } else {
            let exponent = n - 1
            let sign = exponent < 0 ? "-" : "+"
            result += digits.prefix(1)
            if k > 1 { result += "." + digits.dropFirst(1) }
            result += "e" + sign + String(exponent.magnitude)
        }
        return result
    }

    /// The shortest round-trip decimal digits of a positive finite double and
    /// the position of the decimal point (value = 0.DIGITS × 10^position).
    /// Swift's own `description` already produces the shortest, closest digits.
    static func shortestDigits(_ value: Double) -> (digits: String, pointPosition: Int) {
        let text = value.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var integerPart = mantissa
        var fractionPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fractionPart = mantissa[mantissa.index(after: dot)...]
        }
        var digits = Array(integerPart + fractionPart)
        var point = integerPart.count + exponent
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (String(digits), point)
    }
}
