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
}
