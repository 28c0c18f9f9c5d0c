import AssayCore
import AssayCrypto

/// File names made from data (orchestrator addresses, pipelines, models).
/// Whatever the value, the result is one safe path component: lowercase
/// ASCII letters, digits, `-` and `_`, never `.` or `..`, at most 80 bytes,
/// and distinct values give distinct names (a hash suffix whenever the value
/// had to be changed). So no data value can name a path outside the site.
enum SitePath {
    static func component(_ value: String) -> String {
        let bytes = Array(value.utf8)
        let safe = !bytes.isEmpty && bytes.count <= 64 && bytes.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x5F
        }
        if safe { return value }
        var cleaned = ""
        for byte in bytes.prefix(48) {
            switch byte {
            case 0x61...0x7A, 0x30...0x39: cleaned.unicodeScalars.append(Unicode.Scalar(byte))
            case 0x41...0x5A: cleaned.unicodeScalars.append(Unicode.Scalar(byte + 0x20))
            default: if !cleaned.hasSuffix("-") { cleaned += "-" }
            }
        }
        let trimmed = cleaned.trimmingCharacters(in: "-")
        let digest = String(MessageDigest.sha256(bytes).hex.prefix(12))
        return trimmed.isEmpty ? "x-\(digest)" : "\(trimmed)-\(digest)"
    }

    /// `pipeline--model` for a leaderboard of one pipeline and model.
    static func group(pipeline: String, model: String) -> String {
        component("\(component(pipeline))--\(component(model))")
    }
}

extension String {
    func trimmingCharacters(in character: Character) -> String {
        var text = Substring(self)
        while text.first == character { text = text.dropFirst() }
        while text.last == character { text = text.dropLast() }
        return String(text)
    }
}
