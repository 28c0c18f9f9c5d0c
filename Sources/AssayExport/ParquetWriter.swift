import AssayCore
import Foundation

/// Parquet through DuckDB's Python package (`pip install duckdb`): a tool the export calls, never a dependency of
/// verification (spec/export.md §3). The JSON Lines are read with the export's columns (a record's missing fields
/// are null), in file order, and written with zstd compression.
struct ParquetWriter {
    let python: String

    static let script = """
        import duckdb, json, sys
        jsonl, parquet, columns = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
        def quoted(text):
            return "'" + text.replace("'", "''") + "'"
        spec = "{" + ", ".join("%s: %s" % (quoted(name), quoted(kind)) for name, kind in columns) + "}"
        con = duckdb.connect()
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET enable_progress_bar = false")
        con.execute("COPY (SELECT * FROM read_json(%s, format = 'newline_delimited', compression = 'zstd', columns = %s)) "
                    "TO %s (FORMAT parquet, COMPRESSION zstd)" % (quoted(jsonl), spec, quoted(parquet)))
        rows = con.execute("SELECT count(*) FROM read_parquet(%s)" % quoted(parquet)).fetchone()[0]
        print(rows)
        """

    /// Writes `parquet` from `jsonl`; returns the rows DuckDB wrote.
    @discardableResult
    func write(jsonl: String, parquet: String, columns: [ExportColumn]) throws -> Int {
        let specification = String(decoding: try CanonicalJSON.encode(.array(columns.map { .array([.string($0.name), .string($0.duckDBType)]) })), as: UTF8.self)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", Self.script, jsonl, parquet, specification]
        // Standard error goes to a file, so a chatty tool can never block on a full pipe while standard output is read.
        let errorPath = "\(parquet).stderr"
        guard FileManager.default.createFile(atPath: errorPath, contents: nil) else { throw ExportError("cannot create \(errorPath)") }
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        do { try process.run() } catch { throw ExportError("cannot run \(python) for Parquet: \(error)") }
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let complaint = (try? Files.read(errorPath, limit: 1 << 20)).map { String(decoding: $0, as: UTF8.self) } ?? ""  // only for the message
        let last = printed.split(separator: "\n").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard process.terminationStatus == 0, let rows = Int(last) else {
            let missing = complaint.contains("No module named 'duckdb'")
            throw ExportError(missing ? "Parquet is written by DuckDB: pip install duckdb (or export without it: --no-parquet)"
                                      : "DuckDB could not write Parquet (exit \(process.terminationStatus)): \(complaint.suffix(1500))\(printed.suffix(500))")
        }
        return rows
    }
}
