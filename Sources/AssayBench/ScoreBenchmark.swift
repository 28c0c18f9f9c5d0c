import AssayCore
import AssaySimulate
import AssayCrypto
import AssayLedger
import Foundation

/// `assay-bench score`: N synthetic records over 8 UTC days sealed into a
/// dataset by two collectors; then a child `assay score` (7-day window plus
/// its benchmark day) and, in the same run, DuckDB computing per-group
/// aggregates (count, success rate, nearest-rank p50/p90 latency) with SQL
/// over the same JSON Lines files.
public struct ScoreBenchmark {
    public struct Report: Sendable {
        public let records: Int
        public let bytes: Int
        public let seconds: Double
        public let peakResidentBytes: Int
        public let outputSHA256: String
        public let duckDB: (seconds: Double, peakResidentBytes: Int, groups: Int)?
        public let duckDBError: String?
    }

    public let records: Int
    public let directory: String
    public let days = 8

    public init(records: Int, directory: String) {
        self.records = records
        self.directory = directory
    }

    public var lastDay: UTCDay { UTCDay("2026-01-08")! }

    /// Seals the synthetic dataset; returns its root.
    public func build(progress: (String) -> Void) throws -> DatasetDirectory {
        try SyntheticScoringDataset.build(at: "\(directory)/assay-bench-score-\(records)-\(getpid())", id: "bench-score", orchestrators: 40,
                                          lastDay: lastDay, days: days, records: records, progress: progress)
    }

    /// Times the child scorer and DuckDB over the same records.
    public func run(_ dataset: DatasetDirectory, assay: String, progress: (String) -> Void) throws -> Report {
        progress("timing assay score")
        let output = "\(dataset.root)-scores.json"
        // A whole process under GNU time: its own peak RSS, not this benchmark's.
        let run = try ProcessTimer.run(assay, ["score", "--dataset", dataset.root, "--day", lastDay.description, "--window", "1", "--unverified",
                                               "--output", output])
        let seconds = run.wallSeconds
        let peak = run.peakResidentBytes
        guard run.status == 0 else { throw BenchError(message: "\(assay) score exited with status \(run.status): \(run.standardError)") }
        let scores = try Files.read(output)
        unlink(output)
        let files = (try? FileManager.default.subpathsOfDirectory(atPath: "\(dataset.root)/bundles"))?
            .filter { $0.hasSuffix("records.jsonl") }.sorted().map { "\(dataset.root)/bundles/\($0)" } ?? []
        let bytes = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
        progress("timing DuckDB over the same JSON Lines")
        var duck: (Double, Int, Int)?
        var duckError: String?
        do { duck = try duckDB(files) } catch { duckError = "\(error)" }
        return Report(records: records, bytes: bytes, seconds: seconds, peakResidentBytes: peak,
                      outputSHA256: MessageDigest.sha256(scores).hex, duckDB: duck, duckDBError: duckError)
    }

    /// What DuckDB computes over the records files (`?`): per (orchestrator, pipeline, model, kind),
    /// the count, the success rate and nearest-rank p50/p90 latency. DuckDB is told the eight columns it
    /// needs (it reads no other member and infers no schema: the strongest baseline, and one that does not
    /// miss a column that a file's first rows happen to lack).
    static let duckDBQuery = """
        SELECT orchestrator, pipeline, model_id, kind, count(*) AS jobs,
               avg(CASE WHEN kind = 'live_session' THEN CAST(outcome = 'completed' AS INTEGER) ELSE CAST(success AS INTEGER) END) AS success_rate,
               quantile_disc(coalesce(e2e_latency_ms, duration_ms), 0.5) AS p50,
               quantile_disc(coalesce(e2e_latency_ms, duration_ms), 0.9) AS p90
        FROM read_json(?, format = 'newline_delimited', columns = {orchestrator: 'VARCHAR', pipeline: 'VARCHAR', model_id: 'VARCHAR',
                       kind: 'VARCHAR', outcome: 'VARCHAR', success: 'BOOLEAN', e2e_latency_ms: 'BIGINT', duration_ms: 'BIGINT'})
        WHERE orchestrator IS NOT NULL
        GROUP BY ALL ORDER BY ALL
        """

    /// The query as a program of its own (files as argv[1], the query as argv[2]), for whole-process timing.
    static let duckDBProgram = """
        import duckdb, json, sys
        files = json.loads(sys.argv[1])
        con = duckdb.connect()
        rows = con.execute(sys.argv[2], [files]).fetchall()
        print(len(rows))
        """

    /// Whether python3 can import duckdb here; the message when it cannot.
    public static func duckDBMissing() -> String? {
        let run: ProcessRun
        do { run = try ProcessTimer.run("python3", ["-c", "import duckdb"]) } catch { return "python3 cannot be started: \(error)" }
        return run.status == 0 ? nil : "DuckDB is not installed (pip install duckdb): " + (run.standardError.split(separator: "\n").last.map(String.init) ?? "")
    }

    /// `assay score` (verifying its input first, as by default, or `--unverified`) and DuckDB's
    /// aggregate query, both timed as whole processes in `runs` alternating runs.
    public func compare(_ dataset: DatasetDirectory, assay: String, runs: Int, verified: Bool) throws -> ProcessComparison {
        let output = "\(dataset.root)-scores-compare.json"
        defer { unlink(output) }
        let files = try Self.recordFiles(dataset)
        let arguments = ["score", "--dataset", dataset.root, "--day", lastDay.description, "--window", "1", "--output", output]
            + (verified ? [] : ["--unverified"])
        let list = String(decoding: try CanonicalJSON.encode(.array(files.map { .string($0) })), as: UTF8.self)
        return try ProcessComparison.alternate(
            runs: runs,
            (verified ? "assay score" : "assay score --unverified", { try ProcessTimer.run(assay, arguments) }),
            ("duckdb", { try ProcessTimer.run("python3", ["-c", Self.duckDBProgram, list, Self.duckDBQuery]) }))
    }

    /// The records files of every bundle, in path order.
    static func recordFiles(_ dataset: DatasetDirectory) throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: "\(dataset.root)/bundles")
            .filter { $0.hasSuffix("records.jsonl") }.sorted().map { "\(dataset.root)/bundles/\($0)" }
    }

    struct DuckDBError: Error, CustomStringConvertible { let description: String }

    /// Runs the aggregate query in `python3 -c` with the duckdb package; (seconds, peak RSS, groups).
    func duckDB(_ files: [String]) throws -> (Double, Int, Int) {
        let script = """
            import duckdb, json, resource, sys, time
            files = json.loads(sys.argv[1])
            started = time.monotonic()
            con = duckdb.connect()
            rows = con.execute(sys.argv[2], [files]).fetchall()
            elapsed = time.monotonic() - started
            print(json.dumps({"seconds": elapsed, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "groups": len(rows)}))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, String(decoding: try CanonicalJSON.encode(.array(files.map { .string($0) })), as: UTF8.self),
                             Self.duckDBQuery]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let value = try? JSONParser().parse(Array(data)),
              case .number(let seconds)? = value["seconds"], case .integer(let rss)? = value["rss"], case .integer(let groups)? = value["groups"]
        else {
            let reason = String(decoding: message, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? "no output"
            throw DuckDBError(description: "DuckDB did not run (pip install duckdb): \(reason)")
        }
        return (seconds, Int(rss), Int(groups))
    }
}
