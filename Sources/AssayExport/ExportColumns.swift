import AssayCore

/// The columns of an export (spec/export.md §2): every field of every record kind, in the order of the kinds
/// (spec/records.md) and, within a kind, of its fields, each once, with its type in DuckDB and in a Frictionless
/// Table Schema. A field absent from a record is null in its row.
public struct ExportColumn: Sendable, Equatable {
    public let name: String
    public let duckDBType: String
    public let frictionlessType: String
    public let description: String
    /// The kinds that have the field.
    public let kinds: [String]
    /// The values a string field takes, when every kind that has it lists them.
    public let values: [String]?
}

public enum ExportColumns {
    public static let all: [ExportColumn] = {
        var columns: [ExportColumn] = []
        var index: [String: Int] = [:]
        for kind in RecordKind.allCases {
            for field in RecordSchema.fields(of: kind, version: AssayVersion.recordSchemas.upperBound) {
                let (duck, frictionless) = types(field.type)
                let values: [String]? = if case .enumeration(let allowed) = field.type { allowed } else { nil }
                if let position = index[field.name] {
                    let known = columns[position]
                    precondition(known.duckDBType == duck, "field \(field.name) has two types across kinds; the export needs one (a bug in RecordSchema)")
                    let merged = known.values.flatMap { mine in values.map { Array(Set(mine + $0)).sorted() } }
                    columns[position] = ExportColumn(name: known.name, duckDBType: duck, frictionlessType: frictionless, description: known.description,
                                                     kinds: known.kinds + [kind.rawValue], values: merged)
                } else {
                    index[field.name] = columns.count
                    columns.append(ExportColumn(name: field.name, duckDBType: duck, frictionlessType: frictionless, description: field.summary,
                                                kinds: [kind.rawValue], values: values))
                }
            }
        }
        return columns
    }()

    /// A field's type in DuckDB and in Frictionless: exact integers as BIGINT, wei amounts as strings (up to 78
    /// digits, beyond every SQL decimal), identifier lists as lists, status hours as lists of structs.
    static func types(_ type: FieldType) -> (String, String) {
        switch type {
        case .schemaVersion, .timestampMs, .integer: ("BIGINT", "integer")
        case .boolean: ("BOOLEAN", "boolean")
        case .identifierList: ("VARCHAR[]", "array")
        case .statusHours:
            ("STRUCT(" + StatusHour.members.map { "\($0.name) BIGINT" }.joined(separator: ", ") + ")[]", "array")
        case .kind, .identifier, .ethAddress, .url, .enumeration, .weiAmount, .weiDecimal, .sha256: ("VARCHAR", "string")
        }
    }
}
