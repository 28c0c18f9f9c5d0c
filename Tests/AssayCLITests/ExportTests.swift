import AssayCore
import AssayCrypto
import AssayTestSupport
import Foundation
import Testing

/// `assay export` (spec/export.md) and the SQL of verify/sql/ (issue 24): the verified records for DuckDB and Spark.
@Suite("assay export and the SQL aggregates", .serialized)
struct ExportTests {
    static let sample = Repository.url("datasets/sample").path

    static func export(_ arguments: [String]) throws -> CommandResult {
        try Command.assay(["export"] + arguments)
    }

    /// Every distinct line of the sample's bundles, as the export must hold them: by day, then key.
    static func sampleLines() throws -> [String] {
        var lines = Set<String>()
        for file in FileTree.regularFiles(under: "\(sample)/bundles") where file.hasSuffix("records.jsonl") {
            for line in String(decoding: try Files.read("\(sample)/bundles/\(file)"), as: UTF8.self).split(separator: "\n") { lines.insert(String(line)) }
        }
        func order(_ line: String) throws -> (Int64, String, String) {
            let record = try JSONParser().parse(Array(line.utf8))
            return ((record["start_ms"]?.intValue ?? 0) / 86_400_000, record["observer_id"]?.stringValue ?? "", record["id"]?.stringValue ?? "")
        }
        let keyed = try lines.map { (try order($0), $0) }
        return keyed.sorted { a, b in
            a.0.0 != b.0.0 ? a.0.0 < b.0.0 : a.0.1 != b.0.1 ? Array(a.0.1.utf8).lexicographicallyPrecedes(Array(b.0.1.utf8))
                : Array(a.0.2.utf8).lexicographicallyPrecedes(Array(b.0.2.utf8))
        }.map(\.1)
    }

    @Test("the sample exports each distinct verified record once, the same bytes twice, with a Data Package and a data card that describe it")
    func sampleExport() throws {
        let directory = try TemporaryDirectory()
        let first = try Self.export(["--dataset", Self.sample, "--out", directory.file("a")])
        #expect(first.status == 0, "\(first.stdout) \(first.stderr)")
        let second = try Self.export(["--dataset", Self.sample, "--out", directory.file("b")])
        #expect(second.status == 0)
        let files = FileTree.regularFiles(under: directory.file("a"))
        #expect(files == ["README.md", "bundles.csv", "datapackage.json", "records.jsonl.zst", "records.parquet"])
        for file in files {
            #expect(try Files.read(directory.file("a/\(file)")) == Files.read(directory.file("b/\(file)")), "\(file) is the same bytes in both exports")
        }
        // The records: every distinct line of the sample, in order, as the one Zstandard frame.
        let content = try Command.system("zstd", ["-d", "-c", directory.file("a/records.jsonl.zst")]).stdoutBytes
        let expected = try Self.sampleLines()
        #expect(String(decoding: content, as: UTF8.self) == expected.map { $0 + "\n" }.joined())
        #expect(expected.count == 9397)
        // bundles.csv names every bundle by its manifest hash.
        let bundles = String(decoding: try Files.read(directory.file("a/bundles.csv")), as: UTF8.self).split(separator: "\n")
        #expect(bundles.first == "collector,day,manifest_sha256,records" && bundles.count == 1 + 24)
        let row = bundles[1].split(separator: ",")
        let manifest = try Files.read("\(Self.sample)/bundles/\(row[0])/\(row[1].replacingOccurrences(of: "-", with: "/"))/manifest.json")
        #expect(String(row[2]) == MessageDigest.sha256(manifest).hex)

        // The Data Package: every resource's size and hash are the file's; the fields are the record schema's.
        let package = try JSONParser(limits: .init(maxDepth: 16, maxBytes: 1 << 22)).parse(try Files.read(directory.file("a/datapackage.json")))
        #expect(package["$schema"]?.stringValue == "https://datapackage.org/profiles/2.0/datapackage.json")
        #expect(package["version"]?.stringValue == MessageDigest.sha256(content).hex, "the version is the content's hash")
        #expect(package["licenses"]?.arrayValue.first?["name"]?.stringValue == "CC0-1.0", "the descriptor's licence")
        let resources = package["resources"]?.arrayValue ?? []
        #expect(resources.map { $0["path"]?.stringValue ?? "" } == ["records.jsonl.zst", "records.parquet", "bundles.csv"])
        for resource in resources {
            let bytes = try Files.read(directory.file("a/\(resource["path"]?.stringValue ?? "")"))
            #expect(resource["bytes"] == .integer(Int64(bytes.count)) && resource["hash"]?.stringValue == "sha256:\(MessageDigest.sha256(bytes).hex)")
        }
        let fields = resources[1]["schema"]?["fields"]?.arrayValue.compactMap { $0["name"]?.stringValue } ?? []
        let schemaFields = RecordKind.allCases.flatMap { RecordSchema.fields(of: $0, version: AssayVersion.recordSchemas.upperBound).map(\.name) }
        #expect(fields == schemaFields.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }, "one field per record field name, in schema order")

        // The data card: a YAML header a loader reads, then what it says.
        let card = String(decoding: try Files.read(directory.file("a/README.md")), as: UTF8.self)
        #expect(card.hasPrefix("---\nlicense: cc0-1.0\n"))
        let header = try Command.system("python3", ["-c", "import sys, yaml, json; t = open(sys.argv[1]).read(); print(json.dumps(yaml.safe_load(t.split('---')[1]), sort_keys=True))",
                                                    directory.file("a/README.md")])
        #expect(header.status == 0, "\(header.stderr)")
        #expect(header.stdout.contains(#""configs": [{"config_name": "default", "data_files": "records.parquet"}]"#) && header.stdout.contains(#""simulated": true"#)
                && header.stdout.contains(#""size_categories": ["1K<n<10K"]"#), "\(header.stdout)")
        let genesis = try Self.genesis()
        #expect(card.contains("holds 9397 records") && card.contains("--trust \(genesis)"))

        // Parquet: the same rows in the same order, read back by DuckDB.
        let parquet = try Command.system("python3", ["-c", """
            import duckdb, sys
            con = duckdb.connect()
            print(con.execute("SELECT count(*), sum(status_samples), count(DISTINCT observer_id), min(id) FROM read_parquet(?)", [sys.argv[1]]).fetchone())
            print(con.execute("SELECT count(*) FROM read_parquet(?) WHERE len(status_hours) > 0", [sys.argv[1]]).fetchone()[0])
            """, directory.file("a/records.parquet")])
        #expect(parquet.status == 0, "\(parquet.stderr)")
        let records = try expected.map { try JSONParser().parse(Array($0.utf8)) }
        let samples = records.reduce(Int64(0)) { $0 + ($1["status_samples"]?.intValue ?? 0) }
        let observers = Set(records.compactMap { $0["observer_id"]?.stringValue }).count
        let withHours = records.filter { !($0["status_hours"]?.arrayValue ?? []).isEmpty }.count
        #expect(parquet.stdout.hasPrefix("(9397, \(samples), \(observers), "), "\(parquet.stdout)")
        #expect(parquet.stdout.hasSuffix("\n\(withHours)\n"), "\(parquet.stdout)")
    }

    static func genesis() throws -> String { MessageDigest.sha256(try Files.read("\(sample)/policy/0001/policy.json")).hex }

    @Test("a range exports only its bundles; an export of a dataset that does not verify, or into an existing directory, is refused")
    func refusals() throws {
        let directory = try TemporaryDirectory()
        let ranged = try Self.export(["--dataset", Self.sample, "--from", "2026-01-07", "--to", "2026-01-08", "--collector", "gw-a", "--no-parquet",
                                      "--out", directory.file("range")])
        #expect(ranged.status == 0, "\(ranged.stderr)")
        let rows = String(decoding: try Files.read(directory.file("range/bundles.csv")), as: UTF8.self).split(separator: "\n").dropFirst()
        #expect(rows.map { $0.split(separator: ",").prefix(2).joined(separator: " ") } == ["gw-a 2026-01-07", "gw-a 2026-01-08"])
        #expect(!Files.exists(directory.file("range/records.parquet")))
        let again = try Self.export(["--dataset", Self.sample, "--out", directory.file("range")])
        #expect(again.status != 0 && again.stderr.contains("exists"), "\(again.stderr)")
        let copy = directory.file("tampered")
        try FileManager.default.copyItem(atPath: Self.sample, toPath: copy)
        let path = "\(copy)/bundles/gw-b/2026/01/05/records.jsonl"
        try Files.writeAtomically(path, contents: Array(String(decoding: try Files.read(path), as: UTF8.self)
            .replacingOccurrences(of: "\"success\":true", with: "\"success\":false").utf8))
        let refused = try Self.export(["--dataset", copy, "--out", directory.file("never")])
        #expect(refused.status != 0 && refused.stderr.contains("does not verify") && !Files.exists(directory.file("never")), "\(refused.stderr)")
    }

    @Test("DuckDB computes assay-sla-v1's aggregates from the sample's export exactly as assay score does (verify/sql)")
    func duckDB() throws {
        let directory = try TemporaryDirectory()
        #expect(try Self.export(["--dataset", Self.sample, "--out", directory.file("export")]).status == 0)
        let scores = try Command.assay(["score", "--dataset", Self.sample, "--day", "2026-01-08", "--window", "7", "--profile", "assay-sla-v1"])
        #expect(scores.status == 0)
        try directory.write("scores.json", bytes: scores.stdoutBytes)
        let checked = try Command.system("python3", [Repository.url("verify/sql/check.py").path, "--engine", "duckdb",
                                                     "--export", directory.file("export"), "--scores", directory.file("scores.json")])
        #expect(checked.status == 0, "\(checked.stdout) \(checked.stderr)")
        #expect(checked.stdout.contains("agrees with assay score on every number of 14 live and 21 job groups, 2 live and 3 job benchmarks"), "\(checked.stdout)")
        // A changed weight in the profile the SQL is given is caught: the check can fail.
        let profile = String(decoding: try Repository.bytes("spec/profiles/assay-sla-v1.json"), as: UTF8.self)
        try directory.write("profile.json", profile.replacingOccurrences(of: "\"reliability\":700000", with: "\"reliability\":690000"))
        let wrong = try Command.system("python3", [Repository.url("verify/sql/check.py").path, "--engine", "duckdb", "--export", directory.file("export"),
                                                   "--scores", directory.file("scores.json"), "--profile", directory.file("profile.json")])
        #expect(wrong.status == 1 && wrong.stdout.contains("DIFFERS"), "\(wrong.stdout)")
    }
}
