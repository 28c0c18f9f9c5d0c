import AssayCore

/// One ingest body (JSON Lines) split and validated line by line
/// (spec/exporter.md §3): a bad line never blocks the good ones.
public struct IngestBatch: Sendable {
    public struct Valid: Sendable {
        public let line: Int
        public let record: Record
        public let canonical: [UInt8]
    }

    public struct Rejected: Sendable {
        public let line: Int
        public let code: String
        public let field: String?
        public let reason: String
    }

    public private(set) var valid: [Valid] = []
    public private(set) var rejected: [Rejected] = []

    /// Splits `body` on `\n` (a final line without `\n` counts; a trailing
    /// empty line does not) and validates each line as a record.
    public init(body: [UInt8], maxLineBytes: Int = JSONParser.Limits.record.maxBytes) {
        var start = 0
        var number = 0
        body.withUnsafeBytes { buffer in
            while start < buffer.count {
                var end = start
                while end < buffer.count && buffer[end] != 0x0A { end += 1 }
                number += 1
                var line = UnsafeRawBufferPointer(rebasing: buffer[start..<end])
                if line.last == 0x0D { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
                if line.isEmpty {
                    rejected.append(Rejected(line: number, code: "empty-line", field: nil, reason: "empty line; JSON Lines has one record per line"))
                } else if line.count > maxLineBytes {
                    rejected.append(Rejected(line: number, code: "too-long", field: nil,
                                             reason: "line is \(line.count) bytes; a record line is at most \(maxLineBytes)"))
                } else {
                    do throws(RecordError) {
                        let record = try Record.parse(line)
                        guard record.schemaVersion == AssayVersion.recordSchema else {
                            throw RecordError(.unsupportedSchema, field: "schema",
                                              detail: "the exporter API serves schema \(AssayVersion.recordSchema) records (spec/exporter.md); this is schema \(record.schemaVersion)")
                        }
                        valid.append(Valid(line: number, record: record, canonical: record.canonicalBytes()))
                    } catch {
                        let code = error.json.map { "\(error.code.rawValue)/\($0.code.rawValue)" } ?? error.rule.map { "\(error.code.rawValue)/\($0)" } ?? error.code.rawValue
                        rejected.append(Rejected(line: number, code: code, field: error.field, reason: error.json.map { "column \($0.column): \($0.detail)" } ?? error.detail))
                    }
                }
                start = end + 1
            }
        }
    }

    /// Number of lines seen.
    public var lines: Int { valid.count + rejected.count }
}
