import AssayCore
import AssayScore
import AssayTestSupport
import Foundation
import Testing

/// The job tester's records (spec/records.md §3.4, §3.6, §4.6): the independent Python validator agrees with
/// Swift's on every vector, and a bundle of test jobs seals, lists them in its manifest only when it has some
/// (spec/dataset.md §4), and verifies with both verifiers.
@Suite("test job records")
struct TestJobRecordTests {
    static let valid = Repository.url("spec/vectors/records/test_job.valid.jsonl").path
    static let invalid = Repository.url("spec/vectors/records/test_job.invalid.jsonl").path

    @Test("verify/assay_verify.py accepts every valid test job and refuses every invalid one, as the Swift validator does")
    func pythonAgrees() throws {
        let script = """
            import sys
            sys.path.insert(0, sys.argv[1])
            import assay_verify
            assay_verify.locate_spec(sys.argv[2])
            for path in sys.argv[3:]:
                for line in open(path, "rb").read().splitlines():
                    try:
                        assay_verify.validate_record(line)
                        print("accepted")
                    except assay_verify.Invalid as error:
                        print("refused", error)
            """
        let result = try Command.run("/usr/bin/env", ["python3", "-c", script, Repository.url("verify").path, Repository.url("spec").path,
                                                      Self.valid, Self.invalid])
        #expect(result.status == 0, "\(result.stderr)")
        let verdicts = result.stdout.split(separator: "\n")
        #expect(verdicts.count == 9 + 25)
        #expect(verdicts.prefix(9).allSatisfy { $0 == "accepted" }, "\(verdicts.prefix(9))")
        #expect(verdicts.dropFirst(9).allSatisfy { $0.hasPrefix("refused") }, "\(verdicts.dropFirst(9))")
        // And Swift: the same split.
        for (path, accepted) in [(Self.valid, true), (Self.invalid, false)] {
            for line in try Files.read(path).split(separator: 0x0A) {
                let record = try? Record.parse(Array(line))  // a refusal is the expected answer for the invalid file
                #expect((record != nil) == accepted, "\(String(decoding: line, as: UTF8.self))")
            }
        }
    }

    @Test("a bundle of test jobs lists test_job in its manifest, and both verifiers read it; a bundle without them does not list it")
    func sealAndVerify() throws {
        let directory = try TemporaryDirectory()
        try TestDataset.create(in: directory, id: "tester", publish: false)
        let dataset = directory.file("dataset"), key = directory.file("gw-a")
        let sealed = try Command.assay(["seal", "--dataset", dataset, "--collector", "tester-a", "--day", "2026-12-01", "--key", key,
                                        "--signer", "gw-a", "--records", Self.valid])
        #expect(sealed.status == 0, "\(sealed.stderr)")
        #expect(sealed.stdout.contains("test_job 9"), "\(sealed.stdout)")
        let manifest = try JSONParser().parse(try Files.read("\(dataset)/bundles/tester-a/2026/12/01/manifest.json"))
        #expect(manifest["records"]?["by_kind"]?["test_job"] == .integer(9))
        #expect(manifest["records"]?["total"] == .integer(9))
        // A day without test jobs: no test_job member at all, as before schema 3.
        let organic = directory.file("organic.jsonl")
        try Files.writeAtomically(organic, contents: Array(#"{"schema":1,"kind":"probe","id":"p-1","observer_role":"collector","observer_id":"tester-a","target_url":"http://o:1","start_ms":1796169600000,"outcome":"timeout","records_received":0}"#.utf8) + [0x0A])
        let second = try Command.assay(["seal", "--dataset", dataset, "--collector", "tester-a", "--day", "2026-12-02", "--key", key,
                                        "--signer", "gw-a", "--records", organic])
        #expect(second.status == 0, "\(second.stderr)")
        let plain = try JSONParser().parse(try Files.read("\(dataset)/bundles/tester-a/2026/12/02/manifest.json"))
        guard case .object(let kinds)? = plain["records"]?["by_kind"] else {
            Issue.record("no records.by_kind")
            return
        }
        #expect(kinds.map(\.key) == ["batch_request", "byoc_job", "live_session", "llm_request", "probe"])

        // The vectors' day is 2026-12-01: verified as of a later day, since no day can be sealed before it ends. The
        // records are valid; but no revealed order explains these test jobs, which both verifiers say and nothing else
        // (ProbePublicationTests verifies test jobs that a revealed order does explain).
        let today = ["--today", "2027-01-01"]
        let swift = try Command.run(Command.assayVerifyPath, [dataset] + today)
        #expect(swift.status != 0 && swift.stdout.contains("[probe-plan]") && swift.stdout.contains("1 errors"), "\(swift.stdout)\(swift.stderr)")
        let python = try Command.run("/usr/bin/env", ["python3", Repository.url("verify/assay_verify.py").path, dataset, "--json"] + today)
        #expect(python.stdout.contains(#""rule": "probe-plan""#) && python.stdout.contains(#""errors": 1,"#), "\(python.stdout)\(python.stderr)")

        // A manifest that lists test_job at 0 is refused by both: one content, one manifest.
        let path = "\(dataset)/bundles/tester-a/2026/12/02/manifest.json"
        var text = String(decoding: try Files.read(path), as: UTF8.self)
        text = text.replacingOccurrences(of: #""probe":1}"#, with: #""probe":1,"test_job":0}"#)
        try Files.writeAtomically(path, contents: Array(text.utf8))
        let refused = try Command.run(Command.assayVerifyPath, [dataset] + today)
        #expect(refused.status != 0 && refused.stdout.contains("test_job"), "\(refused.stdout)")
        #expect(try Command.run("/usr/bin/env", ["python3", Repository.url("verify/assay_verify.py").path, dataset] + today).status != 0)
    }

    @Test("test jobs are not organic demand: they add the tester leaderboard and change no other score, under either profile")
    func notScored() throws {
        let organic = try Files.read(Repository.url("spec/vectors/records/valid.canonical.jsonl").path).split(separator: 0x0A).map { Array($0) }
        let tests = try Files.read(Repository.url("spec/vectors/records/test_job.valid.canonical.jsonl").path).split(separator: 0x0A).map { Array($0) }
        #expect(tests.count == 9)
        for profile in [ScoringProfile.naapSLAv1(), try ScoringProfile(bytes: try Files.read(Repository.url("spec/profiles/assay-sla-v1.json").path), path: "assay-sla-v1")] {
            var outputs: [[UInt8]] = []
            for lines in [organic, organic + tests] {
                let scorer = Scorer(profile: profile, lastDay: UTCDay("2026-12-01")!, days: 366)
                scorer.add(bundle: "c", day: UTCDay("2026-12-01")!, manifestSHA256: String(repeating: "0", count: 64))
                for line in lines { try scorer.add(line: line) }
                outputs.append(scorer.output(verified: true))
            }
            // The test jobs add the tester leaderboard (spec/scoring.md §13) and change nothing else.
            let without = try JSONParser().parse(outputs[0].dropLast()), with = try JSONParser().parse(outputs[1].dropLast())
            guard case .object(let scores)? = with["scores"], case .object(let members) = with else {
                Issue.record("no scores")
                continue
            }
            #expect(with["scores"]?["tested"] != nil && without["scores"]?["tested"] == nil, "\(profile.id)")
            let stripped = JSONValue.object(members.map { $0.key == "scores" ? .init("scores", .object(scores.filter { $0.key != "tested" })) : $0 })
            let same = stripped == without  // a Bool, so a failure does not print two documents
            #expect(same, "\(profile.id): the test jobs changed the organic scores")
        }
    }
}
