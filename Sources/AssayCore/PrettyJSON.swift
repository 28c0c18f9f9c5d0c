/// A deterministic human-readable JSON layout for documents people read
/// (schemas, vectors): members in canonical (RFC 8785) order, two-space
/// indentation, arrays of scalars on one line, a final newline.
public enum PrettyJSON {
    public static func string(_ value: JSONValue) throws(CanonicalJSON.EncodingError) -> String {
        var output = ""
        try write(value, indent: 0, into: &output)
        return output + "\n"
    }

    static func write(_ value: JSONValue, indent: Int, into output: inout String) throws(CanonicalJSON.EncodingError) {
        let pad = String(repeating: "  ", count: indent + 1)
        let closing = String(repeating: "  ", count: indent)
        switch value {
        case .object(let members) where !members.isEmpty:
            let sorted = members.sorted { CanonicalJSON.utf16Less($0.key, $1.key) }
            output += "{\n"
            for (index, member) in sorted.enumerated() {
                output += pad + (try CanonicalJSON.string(.string(member.key))) + ": "
                try write(member.value, indent: indent + 1, into: &output)
                output += index + 1 < sorted.count ? ",\n" : "\n"
            }
            output += closing + "}"
        case .array(let elements) where elements.contains(where: { if case .object = $0 { true } else if case .array = $0 { true } else { false } }):
            output += "[\n"
            for (index, element) in elements.enumerated() {
                output += pad
                try write(element, indent: indent + 1, into: &output)
                output += index + 1 < elements.count ? ",\n" : "\n"
            }
            output += closing + "]"
        case .array(let elements):
            output += "[" + (try elements.map { (element) throws(CanonicalJSON.EncodingError) in try CanonicalJSON.string(element) }
                .joined(separator: ", ")) + "]"
        default:
            output += try CanonicalJSON.string(value)
        }
    }
}
