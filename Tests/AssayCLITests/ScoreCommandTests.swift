import AssayCore
import AssaySimulate
import AssayTestSupport
import Foundation
import Testing

/// `assay score`, `assay-verify score` and the independent Python scorer
/// (verify/assay_score.py) on real sealed datasets.
@Suite("assay score", .enabled(if: Command.available("python3"), "python3 is not installed"))
struct ScoreCommandTests {
    @Test("on a synthetic dataset of two collectors, assay score, assay-verify score and the Python scorer write the same bytes")
    func threeImplementationsAgree() throws {
        let directory = try TemporaryDirectory()
        // The score benchmark's workload: 6,000 records over 8 days, sealed by two collectors.
        let dataset = try SyntheticScoringDataset.build(at: directory.file("bench-score"), id: "bench-score", orchestrators: 40,
                                                        lastDay: UTCDay("2026-01-08")!, days: 8, records: 6000) { _ in }.root
        for profile in ["naap-sla-v1", "assay-sla-v1"] {
            let arguments = ["--dataset", dataset, "--day", "2026-01-08", "--window", "1"]
            let swift = try Command.assay(["score"] + arguments + ["--profile", profile])
            #expect(swift.status == 0, "\(swift.stderr)")
            let minimal = try Command.run(Command.assayVerifyPath, ["score"] + arguments + ["--profile", profile])
            #expect(minimal.stdoutBytes == swift.stdoutBytes)
            let python = try Command.system("python3", [Repository.url("verify/assay_score.py").path] + arguments
                                            + ["--profile", Repository.url("spec/profiles/\(profile).json").path])
            #expect(python.status == 0, "\(python.stderr)")
            #expect(python.stdoutBytes == swift.stdoutBytes, "\(profile): the Swift and the Python scorer disagree")
            let output = try JSONParser().parse(swift.stdoutBytes.dropLast())
            guard case .array(let orchestrators)? = output["scores"]?["orchestrators"], case .array(let bundles)? = output["inputs"]?["bundles"] else {
                Issue.record("no orchestrators or bundles in the output")
                return
            }
            #expect(orchestrators.count == 40, "\(profile)")
            #expect(bundles.count == 16)
            #expect(output["inputs"]?["verified"] == .bool(true))
            #expect(output["profile"]?["id"]?.stringValue == profile)
        }
    }

    @Test("a dataset that does not verify is refused with its errors; --unverified scores it and says so")
    func refusesUnverified() throws {
        let directory = try TemporaryDirectory()
        let copy = directory.file("dataset")
        _ = try Command.system("cp", ["-R", Repository.url("spec/vectors/dataset").path, copy])
        let records = "\(copy)/bundles/collector-a/2026/01/09/records.jsonl"
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: records)))
        bytes[10] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: records))
        let refused = try Command.assay(["score", "--dataset", copy, "--day", "2026-01-11", "--window", "3"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("does not verify"))
        #expect(refused.stderr.contains("bundles/collector-a/2026/01/09/records.jsonl"))
        #expect(refused.stdout.isEmpty)
        let python = try Command.system("python3", [Repository.url("verify/assay_score.py").path, "--dataset", copy, "--day", "2026-01-11"])
        #expect(python.status == 1)
        let forced = try Command.assay(["score", "--dataset", Repository.url("spec/vectors/dataset").path, "--day", "2026-01-11", "--window", "3", "--unverified"])
        #expect(forced.status == 0)
        #expect(forced.stdout.contains("\"verified\":false"))
        #expect(forced.stderr.contains("not verified"))
    }

    @Test("--revisions A..B scores only the bundles the commits of that range added")
    func revisionRange() throws {
        try #require(Command.available("git"))
        let directory = try TemporaryDirectory()
        let dataset = directory.file("dataset")
        try #require(try Command.system("git", ["init", "-q", "-b", "main", dataset]).status == 0)
        try #require(try Command.system("git", ["init", "-q", "--bare", "-b", "main", directory.file("remote.git")]).status == 0)
        try #require(try Command.system("git", ["-C", dataset, "remote", "add", "origin", directory.file("remote.git")]).status == 0)
        try #require(try Command.assay(["keygen", "--output", directory.file("gw-a")]).status == 0)
        try #require(try Command.assay(["dataset", "init", dataset, "--id", "range", "--title", "Range", "--simulated",
                                        "--signer", "gw-a=\(directory.file("gw-a.pub"))", "--key", directory.file("gw-a")]).status == 0)
        let records = Repository.url("spec/vectors/records/valid.jsonl").path
        for day in ["2026-01-09", "2026-01-10"] {
            let seal = try Command.assay(["seal", "--dataset", dataset, "--collector", "gw-a", "--day", day, "--key", directory.file("gw-a"), "--records", records])
            try #require(seal.status == 0, "\(seal.stderr)")
            let publish = try Command.assay(["publish", "--dataset", dataset, "--key", directory.file("gw-a"), "--signer", "gw-a"])
            try #require(publish.status == 0, "\(publish.stderr)")
        }
        func bundles(_ extra: [String]) throws -> [String] {
            let result = try Command.assay(["score", "--dataset", dataset, "--day", "2026-01-10", "--window", "2"] + extra)
            #expect(result.status == 0, "\(result.stderr)")
            guard case .array(let list)? = try JSONParser().parse(result.stdoutBytes.dropLast())["inputs"]?["bundles"] else { return [] }
            return list.compactMap { $0["day"]?.stringValue }
        }
        #expect(try bundles([]) == ["2026-01-09", "2026-01-10"])
        #expect(try bundles(["--revisions", "HEAD~1..HEAD"]) == ["2026-01-10"])
        let bad = try Command.assay(["score", "--dataset", dataset, "--day", "2026-01-10", "--revisions", "nope..HEAD"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("revision range 'nope..HEAD'"), "\(bad.stderr)")
    }

    @Test("--compare A B: both scores per orchestrator, the difference, and the components that changed (spec/scoring.md §14)")
    func compare() throws {
        let sample = Repository.url("datasets/sample").path
        func json(_ arguments: [String]) throws -> JSONValue {
            let result = try Command.assay(["score", "--dataset", sample, "--day", "2026-01-08", "--window", "7"] + arguments)
            #expect(result.status == 0, "\(result.stderr)")
            return try JSONParser(limits: .init(maxDepth: 64, maxBytes: 64 << 20)).parse(result.stdoutBytes)
        }
        func score(_ document: JSONValue, _ address: String) -> Int64? {
            document["scores"]?["orchestrators"]?.arrayValue.first { $0["orchestrator"]?.stringValue == address }?["slo"]?["score"]?.intValue
        }
        // Two methods: each side is that profile's own score, the difference is B − A, and the two share few components.
        let naap = try json([]), assay = try json(["--profile", "assay-sla-v1"])
        let compared = try json(["--compare", "naap-sla-v1", "assay-sla-v1"])
        #expect(compared["compared"]?["a"]?["id"] == .string("naap-sla-v1") && compared["compared"]?["b"]?["id"] == .string("assay-sla-v1"))
        #expect(compared["inputs"] == naap["inputs"] && compared["window"] == naap["scores"]?["window"])
        let rows = compared["orchestrators"]?.arrayValue ?? []
        #expect(rows.count == 7)
        for row in rows {
            let address = row["orchestrator"]?.stringValue ?? ""
            #expect(row["a"]?.intValue == score(naap, address) && row["b"]?.intValue == score(assay, address), "\(address)")
            #expect(row["difference"]?.intValue == (score(assay, address) ?? 0) - (score(naap, address) ?? 0), "\(address)")
            #expect(!(row["only_a"]?.arrayValue.isEmpty ?? true) && !(row["only_b"]?.arrayValue.isEmpty ?? true), "\(address)")
        }
        // A profile against itself: nothing moves.
        let same = try json(["--compare", "naap-sla-v1", "naap-sla-v1"])
        for row in same["orchestrators"]?.arrayValue ?? [] {
            #expect(row["difference"] == .integer(0) && row["changed"] == .array([]) && row["only_a"] == .array([]) && row["only_b"] == .array([]))
        }
        // A new version of one method that only allows the SLO a higher failure rate: no score moves; what changed is named.
        let directory = try TemporaryDirectory()
        let lenient = String(decoding: try Repository.bytes("spec/profiles/naap-sla-v1.json"), as: UTF8.self)
            .replacingOccurrences(of: "\"max_failure_rate\":10000", with: "\"max_failure_rate\":500000")
            .replacingOccurrences(of: "\"profile\":\"naap-sla-v1\"", with: "\"profile\":\"naap-sla-v1-lenient\"")
        try directory.write("lenient.json", lenient)
        let versions = try json(["--compare", "naap-sla-v1", directory.file("lenient.json")])
        for row in versions["orchestrators"]?.arrayValue ?? [] {
            #expect(row["difference"] == .integer(0) && row["only_a"] == .array([]) && row["only_b"] == .array([]))
            let changed = (row["changed"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(changed.allSatisfy { $0.hasPrefix("slo.") }, "\(changed)")
        }
        #expect((versions["orchestrators"]?.arrayValue ?? []).contains { !($0["changed"]?.arrayValue.isEmpty ?? true) },
                "a higher allowed failure rate changes some verdict")
    }
}
