import ArgumentParser
import AssayCommandLine
import AssayCore

struct CanonicalizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canonicalize",
        abstract: "Validate records and write them in canonical form (RFC 8785 JSON Lines).",
        discussion: """
            Reads JSON Lines records from FILE (or '-' for standard input), validates each line \
            against the record schema (spec/records.md), and writes the canonical form of every \
            valid record to standard output, one per line. Each bad line is reported on standard \
            error as FILE:LINE[:COLUMN]: reason [code], and the remaining lines are still processed. \
            Exit status: 0 if every line was valid, 1 otherwise.

            With --any-json, each line may be any JSON value (no schema), which is useful to \
            reproduce canonical bytes of other documents such as manifests.

            Example:
              assay canonicalize records.jsonl > records.canonical.jsonl
            """)

    @Flag(help: "Accept any JSON value per line instead of records.")
    var anyJSON = false

    @Argument(help: "A JSON Lines file, or '-' for standard input.")
    var file: String = "-"

    func run() throws {
        let reader = try LineReader(path: file, maxLineBytes: anyJSON ? 1 << 20 : JSONParser.Limits.record.maxBytes)
        let output = BufferedWriter()
        var issues = 0
        var lines = 0
        if anyJSON {
            let parser = JSONParser()
            try reader.forEachLine { (number, line) throws(Never) in
                lines += 1
                switch line {
                case .tooLong(let length):
                    issues += 1
                    Diagnostics.print("\(reader.name):\(number): line is \(length) bytes; the limit is 1 MiB [too-long]")
                case .bytes(let bytes):
                    do {
                        var encoded = try CanonicalJSON.encode(parser.parse(bytes))
                        encoded.append(0x0A)
                        output.write(encoded)
                    } catch let error as JSONParseError {
                        issues += 1
                        Diagnostics.print("\(reader.name):\(number):\(error.column): \(error.detail) [\(error.code.rawValue)]")
                    } catch {
                        issues += 1
                        Diagnostics.print("\(reader.name):\(number): \(error)")
                    }
                }
            }
        } else {
            let summary = try RecordLines.scan(reader) { _, record in
                output.write(record.bytes)
                output.write(CollectionOfOne(0x0A))
            } onIssue: { issue in
                Diagnostics.print(issue.description)
            }
            issues = summary.issues
            lines = summary.lines
        }
        output.flush()
        if issues > 0 {
            Diagnostics.print("\(reader.name): \(lines - issues) of \(lines) lines canonicalized, \(issues) rejected")
            throw ExitCode(1)
        }
    }
}
