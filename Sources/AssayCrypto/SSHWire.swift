import AssayCore

/// Reads the SSH wire encoding of RFC 4251 §5: big-endian uint32 and
/// length-prefixed strings. Every read is bounds-checked.
struct SSHWireReader {
    private let bytes: [UInt8]
    private(set) var position = 0
    let context: String

    init(_ bytes: [UInt8], context: String) {
        self.bytes = bytes
        self.context = context
    }

    var isAtEnd: Bool { position == bytes.count }
    var remaining: Int { bytes.count - position }

    mutating func readUInt32() throws(CryptoError) -> UInt32 {
        guard remaining >= 4 else { throw truncated() }
        let value = bytes[position..<position + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        position += 4
        return value
    }

    mutating func readString() throws(CryptoError) -> [UInt8] {
        let length = Int(try readUInt32())
        guard remaining >= length else { throw truncated() }
        let value = Array(bytes[position..<position + length])
        position += length
        return value
    }

    mutating func readUTF8String() throws(CryptoError) -> String {
        let raw = try readString()
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw CryptoError(code, "\(context): a text field is not valid UTF-8")
        }
        return text
    }

    mutating func readBytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        guard remaining >= count else { throw truncated() }
        let value = Array(bytes[position..<position + count])
        position += count
        return value
    }

    mutating func readRest() -> [UInt8] {
        let value = Array(bytes[position...])
        position = bytes.count
        return value
    }

    private var code: CryptoError.Code { context.contains("signature") ? .malformedSignature : .invalidKey }

    private func truncated() -> CryptoError {
        CryptoError(code, "\(context): truncated at byte \(position)")
    }
}

/// Writes the SSH wire encoding of RFC 4251 §5.
struct SSHWireWriter {
    private(set) var bytes: [UInt8] = []

    mutating func writeUInt32(_ value: UInt32) {
        bytes.append(UInt8(value >> 24))
        bytes.append(UInt8(value >> 16 & 0xFF))
        bytes.append(UInt8(value >> 8 & 0xFF))
        bytes.append(UInt8(value & 0xFF))
    }

    mutating func writeString(_ value: some Collection<UInt8>) {
        writeUInt32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func writeString(_ value: String) { writeString(Array(value.utf8)) }

    mutating func writeRaw(_ value: some Collection<UInt8>) { bytes.append(contentsOf: value) }
}

/// PEM-style armor as OpenSSH writes it: a BEGIN line, base64 wrapped at 70
/// columns, an END line, each ending in a newline.
enum Armor {
    static func wrap(_ bytes: [UInt8], label: String) -> String {
        let base64 = Array(Base64.encode(bytes).utf8)
        var text = "-----BEGIN \(label)-----\n"
        var index = 0
        while index < base64.count {
            let end = min(index + 70, base64.count)
            text += String(decoding: base64[index..<end], as: UTF8.self) + "\n"
            index = end
        }
        return text + "-----END \(label)-----\n"
    }

    static func unwrap(_ text: String, label: String, code: CryptoError.Code, what: String) throws(CryptoError) -> [UInt8] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? $0.dropLast() : $0
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        guard lines.first == "-----BEGIN \(label)-----" else {
            throw CryptoError(code, "\(what): the first line must be '-----BEGIN \(label)-----'")
        }
        guard lines.count >= 3, lines.last == "-----END \(label)-----" else {
            throw CryptoError(code, "\(what): missing '-----END \(label)-----' line")
        }
        let body = lines[1..<lines.count - 1].joined()
        guard let bytes = Base64.decode(body) else {
            throw CryptoError(code, "\(what): the body is not valid base64")
        }
        return bytes
    }
}

