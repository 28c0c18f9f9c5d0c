/// JSON Schema (draft 2020-12) documents generated from `RecordSchema`, one
/// per record kind, published in `spec/schemas/` (spec/records.md §3).
/// Cross-field rules, which JSON Schema cannot express, are listed in the
/// document's description and in spec/records.md §5.
public enum RecordJSONSchema {
    /// The path of `kind`'s schema of `version` under spec/schemas/: version 1 at the top, later versions in `v<N>/`.
    public static func fileName(_ kind: RecordKind, version: Int64 = 1) -> String {
        version == 1 ? "\(kind.rawValue).schema.json" : "v\(version)/\(kind.rawValue).schema.json"
    }

    /// The schema document of `kind` in schema `version`.
    public static func document(for kind: RecordKind, version: Int64 = 1) -> JSONValue {
        let fields = RecordSchema.fields(of: kind, version: version)
        let rules = RecordSchema.rules(of: kind, version: version).map { "\($0.name): \($0.summary)" }.joined(separator: " ")
        return .object([
            .init("$schema", "https://json-schema.org/draft/2020-12/schema"),
            .init("$id", .string("urn:assay:schema:v\(version):\(kind.rawValue)")),
            .init("title", .string("Assay \(kind.rawValue) record, schema \(version)")),
            .init("description", .string(kind.summary + " Cross-field rules (not expressible here): " + rules)),
            .init("type", "object"),
            .init("additionalProperties", false),
            .init("required", .array(fields.filter(\.required).map { .string($0.name) })),
            .init("properties", .object(fields.map { .init($0.name, property($0, kind: kind, version: version)) })),
        ])
    }

    static let identifierPattern = "^[!#-\\[\\]-~]{1,256}$"

    static func property(_ field: FieldSpec, kind: RecordKind, version: Int64) -> JSONValue {
        var members: [JSONValue.Member] = [.init("description", .string(field.summary))]
        switch field.type {
        case .schemaVersion:
            members.append(.init("const", .integer(version)))
        case .kind:
            members.append(.init("const", .string(kind.rawValue)))
        case .identifier:
            members += [.init("type", "string"), .init("pattern", .string(identifierPattern))]
        case .ethAddress:
            members += [.init("type", "string"), .init("pattern", "^0x[0-9a-f]{40}$")]
        case .url:
            members += [.init("type", "string"), .init("maxLength", 2048),
                        .init("pattern", "^https?://[!#-;=?-\\[\\]-~]+$")]
        case .timestampMs:
            members += [.init("type", "integer"), .init("minimum", .integer(RecordSchema.timestampRange.lowerBound)),
                        .init("maximum", .integer(RecordSchema.timestampRange.upperBound))]
        case .integer(let range, _):
            members += [.init("type", "integer"), .init("minimum", .integer(range.lowerBound)),
                        .init("maximum", .integer(range.upperBound))]
        case .boolean:
            members.append(.init("type", "boolean"))
        case .enumeration(let names):
            members += [.init("type", "string"), .init("enum", .array(names.map { .string($0) }))]
        case .weiAmount:
            members += [.init("type", "string"), .init("pattern", "^(0|[1-9][0-9]{0,77})$")]
        case .weiDecimal:
            members += [.init("type", "string"), .init("pattern", "^(0|[1-9][0-9]{0,77})(\\.[0-9]{0,17}[1-9])?$")]
        case .sha256:
            members += [.init("type", "string"), .init("pattern", "^[0-9a-f]{64}$")]
        case .identifierList(let maxCount):
            members += [.init("type", "array"), .init("maxItems", .integer(Int64(maxCount))), .init("uniqueItems", true),
                        .init("items", .object([.init("type", "string"), .init("pattern", .string(identifierPattern))]))]
        case .statusHours(let maxCount):
            let hour: [JSONValue.Member] = [
                .init("type", "object"), .init("additionalProperties", false),
                .init("required", .array(StatusHour.members.map { .string($0.name) })),
                .init("properties", .object(StatusHour.members.map { member in
                    .init(member.name, .object([.init("description", .string(member.summary)), .init("type", "integer"),
                                                .init("minimum", .integer(member.range.lowerBound)),
                                                .init("maximum", .integer(member.range.upperBound))]))
                })),
            ]
            members += [.init("type", "array"), .init("maxItems", .integer(Int64(maxCount))), .init("items", .object(hour))]
        }
        return .object(members)
    }
}
