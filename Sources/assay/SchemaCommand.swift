import ArgumentParser
import AssayCore
import Foundation

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of a record kind, or write all of them (every schema version).",
        discussion: """
            The schemas are generated from the same table the validator uses, so they cannot \
            drift; spec/schemas/ holds the published copies and the tests check they are current.

            Examples:
              assay schema --kind live_session
              assay schema --kind live_session --version 2
              assay schema --kind test_job --version 3
              assay schema --kind capability_snapshot --version 4
              assay schema --write spec/schemas     (version 1 at the top, versions 2 to 4 in v2/, v3/ and v4/)
            """)

    @Option(help: "The record kind: \(RecordKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: String?

    @Option(help: "Write every kind's schema into this directory.")
    var write: String?

    @Option(help: "The record schema version to print with --kind (1, 2 or 3; test_job exists in 3 only).")
    var version: Int64 = AssayVersion.newestRecordSchema

    func validate() throws {
        if let kind, RecordKind(rawValue: kind) == nil {
            throw ValidationError("unknown kind '\(kind)'; one of \(RecordKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if (kind == nil) == (write == nil) { throw ValidationError("give --kind or --write") }
        if !AssayVersion.recordSchemas.contains(version) {
            throw ValidationError("--version \(version): this build knows record schemas \(AssayVersion.recordSchemas.lowerBound) to \(AssayVersion.recordSchemas.upperBound)")
        }
        if let kind = kind.flatMap(RecordKind.init(rawValue:)), version < kind.firstSchema {
            throw ValidationError("--version \(version): \(kind.rawValue) records exist from schema \(kind.firstSchema)")
        }
    }

    func run() throws {
        if let kind = kind.flatMap(RecordKind.init(rawValue:)) {
            print(try PrettyJSON.string(RecordJSONSchema.document(for: kind, version: version)), terminator: "")
            return
        }
        guard let write else { return }
        for version in AssayVersion.recordSchemas {
            for kind in RecordKind.allCases where version >= kind.firstSchema {
                let path = "\(write)/\(RecordJSONSchema.fileName(kind, version: version))"
                let directory = String(path[..<path.lastIndex(of: "/")!])
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try Files.writeAtomically(path, contents: Array(try PrettyJSON.string(RecordJSONSchema.document(for: kind, version: version)).utf8))
                print("wrote \(path)")
            }
        }
    }
}
