import ArgumentParser
import AssayCommandLine
import AssayCore
import AssayExport
import AssayLedger

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the verified records of a range as zstd JSON Lines and Parquet, with a Data Package and a data card.",
        discussion: """
            Verifies the bundles of the range (--from, --to, --collector; default: all of them) and \
            writes, into the new directory --out, each distinct record once (a record several \
            collectors sealed is one row; keys whose records differ between bundles are left out \
            and counted), sorted by day, observer_id and id (spec/export.md):
              records.jsonl.zst   the canonical records, one per line, zstd-compressed
              records.parquet     the same rows, one column per record field (written by DuckDB:
                                  pip install duckdb; --no-parquet to skip)
              bundles.csv         the signed bundles the rows come from, by manifest hash
              datapackage.json    a Frictionless Data Package v2 describing the files and their fields
              README.md           the data card: licence, size, fields, how it was made and verified
            Only a range that verifies is exported. The same dataset, range and tools give the same files.

            Examples:
              assay export --dataset datasets/sample --out sample-export
              assay export --dataset ./dataset --from 2026-03-01 --to 2026-03-31 --collector gw-a --out march
              duckdb -c "SELECT orchestrator, count(*) FROM 'march/records.parquet' GROUP BY 1"
            """)

    @Option(help: "The dataset directory.")
    var dataset: String

    @Option(help: "The new directory to write (it must not exist).")
    var out: String

    @Option(help: "The first day, YYYY-MM-DD (default: the dataset's first).")
    var from: String?

    @Option(help: "The last day, YYYY-MM-DD (default: the dataset's last).")
    var to: String?

    @Option(name: .customLong("collector"), help: "A collector whose bundles to export; repeatable (default: all).")
    var collectors: [String] = []

    @Flag(help: "Skip the Parquet file (DuckDB not installed).")
    var noParquet = false

    @Option(help: "The Python that runs DuckDB for Parquet.")
    var python = "python3"

    func validate() throws {
        for (name, value) in [("--from", from), ("--to", to)] where value.map({ UTCDay($0) == nil }) ?? false {
            throw ValidationError("\(name) must be YYYY-MM-DD")
        }
        if let from, let to, let first = UTCDay(from), let last = UTCDay(to), first > last { throw ValidationError("--from is after --to") }
        for collector in collectors where !Slug.isValid(collector) { throw ValidationError("--collector '\(collector)' must be \(Slug.rule)") }
    }

    func run() async throws {
        var options = DatasetExport.Options()
        options.first = from.flatMap { UTCDay($0) }
        options.last = to.flatMap { UTCDay($0) }
        options.collectors = collectors
        options.parquet = !noParquet
        options.python = python
        let progress = ProgressLine(enabled: Diagnostics.isTerminal)
        let summary: DatasetExport.Summary
        do {
            summary = try await DatasetExport(directory: DatasetDirectory(dataset), options: options).run(out: out) { progress.update($0) }
        } catch let error as ExportError {
            progress.finish()
            throw Failure(message: error.description)
        }
        progress.finish()
        print("Exported \(summary.records) records of \(summary.bundles.count) bundles (\(summary.first?.description ?? "?") … \(summary.last?.description ?? "?")) to \(out)"
            + (summary.disputedKeys > 0 ? "; \(summary.disputedKeys) disputed keys left out" : ""))
        for file in summary.files { print("  \(file.name)  \(file.bytes) bytes  sha256 \(file.sha256)") }
    }
}
