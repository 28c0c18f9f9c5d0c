import ArgumentParser
import AssayCore

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of a record kind, or write all of them.",
        discussion: """
            The schemas are generated from the same table the validator uses, so they cannot \
            drift; spec/schemas/ holds the published copies and the tests check they are current.

            Examples:
              assay schema --kind live_session
              assay schema --write spec/schemas
            """)

    @Option(help: "The record kind: \(RecordKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: String?

    @Option(help: "Write every kind's schema into this directory.")
    var write: String?

    func validate() throws {
        if let kind, RecordKind(rawValue: kind) == nil {
            throw ValidationError("unknown kind '\(kind)'; one of \(RecordKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if (kind == nil) == (write == nil) { throw ValidationError("give --kind or --write") }
    }

    func run() throws {
        if let kind = kind.flatMap(RecordKind.init(rawValue:)) {
            print(try PrettyJSON.string(RecordJSONSchema.document(for: kind)), terminator: "")
            return
        }
        guard let write else { return }
        for kind in RecordKind.allCases {
            let path = "\(write)/\(RecordJSONSchema.fileName(kind))"
            try Files.writeAtomically(path, contents: Array(try PrettyJSON.string(RecordJSONSchema.document(for: kind)).utf8))
            print("wrote \(path)")
        }
    }
}
