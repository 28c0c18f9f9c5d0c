import AssayCore
import AssayCrypto
import AssayProbe
import AssayTestSupport
import Foundation
import Testing

/// `assay probe` as a user runs it: the README's and the help's examples work, a bad file is refused with its
/// place and code and exit status 1, and a drawn seed's commitment checks out.
@Suite("assay probe")
struct ProbeCommandTests {
    static let directory = Repository.url("spec/vectors/probe").path

    @Test("scenarios, hashes and plan reproduce the vectors; a refused document names its place and code")
    func commands() throws {
        let document = try Command.run(Command.assayPath, ["probe", "scenarios", "scenarios.yaml"], directory: Self.directory)
        #expect(document.status == 0, "\(document.stderr)")
        #expect(document.stdoutBytes == (try Repository.bytes("spec/vectors/probe/scenarios.json")) + [0x0A])
        let hashes = try Command.run(Command.assayPath, ["probe", "scenarios", "scenarios.json", "--hashes"], directory: Self.directory)
        #expect(hashes.stdout.split(separator: "\n").count == 4)
        let plan = try Command.run(Command.assayPath, ["probe", "plan", "--scenarios", "scenarios.yaml", "--input", "plan.json"], directory: Self.directory)
        #expect(plan.stdoutBytes == (try Repository.bytes("spec/vectors/probe/plan.expected.jsonl")))
        let commitment = try Command.run(Command.assayPath, ["probe", "plan", "--scenarios", "scenarios.json", "--input", "plan.json", "--commitment"],
                                         directory: Self.directory)
        #expect(commitment.stdout == "d3ffc790dc57173f071014682a2f70e1a300ee8a33b02be5413ed47eff273e14\n")

        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("scenarios-\(UUID().uuidString).json").path
        var text = String(decoding: try Repository.bytes("spec/vectors/probe/scenarios.json"), as: UTF8.self)
        text = text.replacingOccurrences(of: #""per_day":24"#, with: #""per_day":2000"#)
        try Files.writeAtomically(bad, contents: Array(text.utf8))
        defer { try? FileManager.default.removeItem(atPath: bad) }  // cleanup of a temporary file
        let refused = try Command.run(Command.assayPath, ["probe", "scenarios", bad])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("\(bad): scenarios[3].schedule.per_day: 2000 is outside 1…1440 [out-of-range]"), "\(refused.stderr)")
    }

    @Test("a drawn seed comes with its commitment, and two draws differ")
    func seed() throws {
        var seeds: Set<String> = []
        for _ in 0..<2 {
            let result = try Command.run(Command.assayPath, ["probe", "seed", "--day", "2026-12-01"])
            #expect(result.status == 0, "\(result.stderr)")
            let line = try JSONParser().parse(result.stdout.trimmingCharacters(in: .newlines))
            guard case .string(let seed)? = line["seed"], let bytes = Hex.decode(seed), bytes.count == 32 else {
                Issue.record("no seed in \(result.stdout)")
                return
            }
            #expect(line["commitment"] == .string(ProbePlan.commitment(day: try #require(UTCDay("2026-12-01")), seed: bytes)))
            seeds.insert(seed)
        }
        #expect(seeds.count == 2)
        #expect(try Command.run(Command.assayPath, ["probe", "seed", "--day", "tomorrow"]).status != 0)
    }
}
