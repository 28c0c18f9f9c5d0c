/// Lowercase hexadecimal, as Assay writes every hash (spec/hashing.md §1).
public enum Hex {
    static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lowercase hex of `bytes`.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes hex; accepts lowercase only when `strict`, either case otherwise.
    public static func decode(_ text: String, strict: Bool = true) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index], strict: strict), let low = value(utf8[index + 1], strict: strict)
            else { return nil }
            output.append(high << 4 | low)
            index += 2
        }
        return output
    }

    /// The value of one hexadecimal digit; with `strict`, lowercase only.
    public static func value(_ byte: UInt8, strict: Bool) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F") where !strict: byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Base64 (RFC 4648 §4), strict: the decoder rejects characters outside the
/// alphabet, wrong padding and non-zero trailing bits, so every byte string
/// has exactly one accepted encoding.
public enum Base64 {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// The 6-bit value of a base64 alphabet byte, nil for any other byte.
    public static func value(of byte: UInt8) -> UInt8? {
        let value = reverse[Int(byte)]
        return value == 0xFF ? nil : value
    }

    /// Encodes with `=` padding unless `padded` is false (as in OpenSSH fingerprints).
    public static func encode(_ bytes: some Collection<UInt8>, padded: Bool = true) -> String {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= input.count {
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            output.append(alphabet[Int(chunk >> 18 & 63)])
            output.append(alphabet[Int(chunk >> 12 & 63)])
            output.append(alphabet[Int(chunk >> 6 & 63)])
            output.append(alphabet[Int(chunk & 63)])
            index += 3
        }
        let rest = input.count - index
        if rest > 0 {
            let chunk = UInt32(input[index]) << 16 | (rest == 2 ? UInt32(input[index + 1]) << 8 : 0)
            output.append(alphabet[Int(chunk >> 18 & 63)])
            output.append(alphabet[Int(chunk >> 12 & 63)])
            if rest == 2 { output.append(alphabet[Int(chunk >> 6 & 63)]) }
            if padded { output.append(contentsOf: Array(repeating: UInt8(ascii: "="), count: 3 - rest)) }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes padded base64; nil if the text is not the canonical encoding of some bytes.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            var values: [UInt8] = [0, 0, 0, 0]
            var padding = 0
            for offset in 0..<4 {
                let byte = input[index + offset]
                if byte == UInt8(ascii: "=") && isLast && offset >= 2 {
                    padding += 1
                    continue
                }
                guard padding == 0 else { return nil }
                let value = reverse[Int(byte)]
                guard value != 0xFF else { return nil }
                values[offset] = value
            }
            let chunk = UInt32(values[0]) << 18 | UInt32(values[1]) << 12 | UInt32(values[2]) << 6 | UInt32(values[3])
            output.append(UInt8(chunk >> 16 & 0xFF))
            if padding < 2 { output.append(UInt8(chunk >> 8 & 0xFF)) } else if chunk & 0xFFFF != 0 { return nil }
            if padding < 1 { output.append(UInt8(chunk & 0xFF)) } else if chunk & 0xFF != 0 { return nil }
            index += 4
        }
        return output
    }
}

/// `error_text` of a test job and `gpu_models` of a capability snapshot (spec/records.md §4.6): every byte outside 0x21–0x7E, and `"`, `\` and `%`, as `%XX`;
/// at most 256 bytes, never cutting a `%XX`; nil for an empty message.
public enum PercentEncoding {
    public static func errorText(_ message: some Collection<UInt8>) -> String? {
        var output: [UInt8] = []
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in message {
            let plain = byte > 0x20 && byte < 0x7F && byte != 0x22 && byte != 0x5C && byte != 0x25
            let width = plain ? 1 : 3
            guard output.count + width <= 256 else { break }
            if plain { output.append(byte) } else { output += [0x25, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]] }
        }
        return output.isEmpty ? nil : String(decoding: output, as: UTF8.self)
    }

    /// The message an `error_text` encodes.
    public static func decode(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x25, i + 2 < bytes.count, let high = Hex.value(bytes[i + 1], strict: false), let low = Hex.value(bytes[i + 2], strict: false) {
                output.append(high << 4 | low)
                i += 3
            } else {
                output.append(bytes[i])
                i += 1
            }
        }
        return output
    }
}
