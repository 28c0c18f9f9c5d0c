/// Dataset ids, collector ids and signer names: 1–63 bytes of
/// `[a-z0-9][a-z0-9._-]*`, safe as path components (spec/dataset.md §1).
public enum Slug {
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...63).contains(bytes.count), isAlphanumeric(bytes[0]) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
    }

    /// The rule, for messages.
    public static let rule = "1 to 63 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit"
}
