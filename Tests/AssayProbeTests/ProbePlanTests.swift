import AssayCore
import AssayCrypto
import AssayProbe
import AssayTestSupport
import Foundation
import Testing

/// The daily probe order (spec/probe.md §3): the vectors, an independent implementation (verify/assay_probe.py)
/// and the system's sha256sum agree with it; every target gets each scenario `per_day` times, once in each slot;
/// and hostile plan inputs are refused with their place.
@Suite("probe plans")
struct ProbePlanTests {
    static let directory = Repository.url("spec/vectors/probe").path

    static func document() throws -> ScenarioDocument { try ScenarioDocument(bytes: try Repository.bytes("spec/vectors/probe/scenarios.json")) }

    static func vectorPlan() throws -> ProbePlan {
        try ProbePlan(input: try Repository.bytes("spec/vectors/probe/plan.json"), document: try document())
    }

    @Test("the vector's order and commitment, byte for byte")
    func vector() throws {
        let plan = try Self.vectorPlan()
        if ScenarioDocumentTests.writing {
            try Files.writeAtomically("\(Self.directory)/plan.expected.jsonl", contents: plan.jsonLines)
            try Files.writeAtomically("\(Self.directory)/plan.expected.json", contents: try CanonicalJSON.encode(.object([
                .init("commitment", .string(ProbePlan.commitment(day: plan.day, seed: plan.seed))), .init("probes", .integer(Int64(plan.probes.count))),
            ])))
        }
        #expect(plan.jsonLines == (try Repository.bytes("spec/vectors/probe/plan.expected.jsonl")))
        let expected = try JSONParser().parse(try Repository.bytes("spec/vectors/probe/plan.expected.json"))
        #expect(expected["commitment"] == .string(ProbePlan.commitment(day: plan.day, seed: plan.seed)))
        #expect(expected["probes"] == .integer(Int64(plan.probes.count)))
    }

    @Test("the reveal and commitment vectors read back to their bytes, give the vector's order and commitment, in Swift, Python and the CLI")
    func publicationVectors() throws {
        let bytes = try Repository.bytes("spec/vectors/probe/reveal.json")
        let reveal = try ProbeReveal(bytes: bytes)
        #expect(reveal.bytes() == bytes)
        #expect(reveal.tester == "tester-a")
        #expect(try reveal.plan(document: try Self.document()).jsonLines == (try Repository.bytes("spec/vectors/probe/plan.expected.jsonl")))
        let committed = try Repository.bytes("spec/vectors/probe/commitment.json")
        let commitment = try ProbeCommitment(bytes: committed)
        #expect(commitment.bytes() == committed)
        #expect(commitment.commitment == reveal.commitment && commitment.day == reveal.day)
        // The reveal under another document is refused: it names its document by hash.
        let other = try ScenarioDocument(bytes: Array(#"{"scenarios":[{"checks":{"status":200},"id":"s","model_id":"m","pipeline":"llm","request":{"json":{"model":"m"}},"schedule":{"per_day":3},"timeout_ms":1000}],"version":1}"#.utf8))
        #expect(throws: ScenarioIssue.self) { try reveal.plan(document: other) }
        // Not canonical, or without its newline: refused.
        #expect(throws: ScenarioIssue.self) { try ProbeReveal(bytes: Array(bytes.dropLast())) }
        #expect(throws: ScenarioIssue.self) { try ProbeCommitment(bytes: Array(" ".utf8) + committed) }
        let cli = try Command.assay(["probe", "plan", "--scenarios", "\(Self.directory)/scenarios.json", "--input", "\(Self.directory)/reveal.json"])
        #expect(cli.status == 0, "\(cli.stderr)")
        #expect(cli.stdoutBytes == (try Repository.bytes("spec/vectors/probe/plan.expected.jsonl")))
        let script = """
        import sys
        sys.path.insert(0, sys.argv[1])
        import assay_verify
        with open(sys.argv[2], "rb") as file:
            reveal = assay_verify.parse_reveal(file.read())
        with open(sys.argv[3], "rb") as file:
            commitment = assay_verify.parse_commitment(file.read())
        import assay_probe
        print(assay_probe.commitment(reveal["day"], reveal["seed"]) == commitment["commitment"])
        """
        let python = try Command.run("/usr/bin/env", ["python3", "-c", script, Repository.url("verify").path, "\(Self.directory)/reveal.json",
                                                      "\(Self.directory)/commitment.json"])
        #expect(python.stdout == "True\n", "\(python.stdout)\(python.stderr)")
        let order = try Command.run("/usr/bin/env", ["python3", Repository.url("verify/assay_probe.py").path, "plan", "\(Self.directory)/scenarios.json",
                                                     "\(Self.directory)/reveal.json"])
        #expect(order.stdoutBytes == (try Repository.bytes("spec/vectors/probe/plan.expected.jsonl")))
    }

    @Test("the auditor's Python implementation and sha256sum reproduce the order, the hashes and the commitment")
    func independentImplementations() throws {
        let script = Repository.url("verify/assay_probe.py").path
        let plan = try Self.vectorPlan()
        let order = try Command.run("/usr/bin/env", ["python3", script, "plan", "\(Self.directory)/scenarios.json", "\(Self.directory)/plan.json"])
        #expect(order.status == 0, "\(order.stderr)")
        #expect(order.stdoutBytes == plan.jsonLines)
        let hashes = try Command.run("/usr/bin/env", ["python3", script, "hashes", "\(Self.directory)/scenarios.json"])
        #expect(hashes.stdout == (try Self.document()).scenarios.map { "\($0.sha256)  \($0.id)\n" }.joined())
        let seed = Hex.encode(plan.seed)
        let shell = try Command.run("/bin/sh", ["-c", "printf 'assay-probe-seed-v1\\n%s\\n%s' \"$0\" \"$1\" | sha256sum", "\(plan.day)", seed])
        #expect(shell.stdout.prefix(64) == Substring(ProbePlan.commitment(day: plan.day, seed: plan.seed)))
        // With a fresh seed too, so the agreement is not a property of one vector.
        let fresh = try ProbePlan.drawSeed()
        let input = Array(#"{"day":"2030-02-28","seed":"\#(Hex.encode(fresh))","targets":{"llm-haiku":["0x00000000000000000000000000000000000000aa","0x00000000000000000000000000000000000000bb"]}}"#.utf8)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString).json").path
        try Files.writeAtomically(path, contents: input)
        defer { try? FileManager.default.removeItem(atPath: path) }  // cleanup of a temporary file
        let freshOrder = try Command.run("/usr/bin/env", ["python3", script, "plan", "\(Self.directory)/scenarios.json", path])
        #expect(freshOrder.stdoutBytes == (try ProbePlan(input: input, document: try Self.document())).jsonLines)
    }

    @Test("each target gets each of its scenarios per_day times, once in each slot of the day, in order")
    func fairness() throws {
        let plan = try Self.vectorPlan(), document = try Self.document()
        var seen: [String: [Int64]] = [:]
        for probe in plan.probes {
            let n = try #require(document[probe.scenario]).perDay
            let start = plan.day.startMs + probe.k * UTCDay.milliseconds / n
            let end = plan.day.startMs + (probe.k + 1) * UTCDay.milliseconds / n
            #expect((start..<end).contains(probe.atMs), "\(probe)")
            seen["\(probe.scenario) \(probe.orchestrator)", default: []].append(probe.k)
        }
        let targets = try JSONParser().parse(try Repository.bytes("spec/vectors/probe/plan.json"))["targets"]
        guard case .object(let members)? = targets else { throw VectorError("plan.json has no targets") }
        var pairs = 0
        for member in members {
            guard case .array(let addresses) = member.value else { continue }
            for case .string(let address) in addresses {
                pairs += 1
                let n = try #require(document[member.key]).perDay
                #expect(seen["\(member.key) \(address)"]?.sorted() == Array(0..<n), "\(member.key) \(address)")
            }
        }
        #expect(seen.count == pairs)
        #expect(zip(plan.probes, plan.probes.dropFirst()).allSatisfy { $0.atMs <= $1.atMs })
        // Another seed, another order: the times depend on the seed, not only on the slots.
        var other = try ProbePlan.drawSeed()
        if other == plan.seed { other[0] ^= 1 }
        let shuffled = try ProbePlan(day: plan.day, seed: other, document: document, targets: try Self.targets())
        #expect(shuffled.probes.map(\.atMs) != plan.probes.map(\.atMs))
        #expect(Set(shuffled.probes.map { "\($0.scenario) \($0.orchestrator) \($0.k)" }) == Set(plan.probes.map { "\($0.scenario) \($0.orchestrator) \($0.k)" }))
    }

    static func targets() throws -> [String: [String]] {
        guard case .object(let members)? = try JSONParser().parse(try Repository.bytes("spec/vectors/probe/plan.json"))["targets"] else {
            throw VectorError("plan.json has no targets")
        }
        var targets: [String: [String]] = [:]
        for member in members {
            guard case .array(let addresses) = member.value else { continue }
            targets[member.key] = addresses.compactMap { if case .string(let text) = $0 { text } else { nil } }
        }
        return targets
    }

    @Test("hostile plan inputs are refused with their place: addresses, order, unknown scenarios, the day, the seed, the size")
    func refusals() throws {
        let document = try Self.document(), seed = [UInt8](repeating: 7, count: 32), day = try #require(UTCDay("2026-12-01"))
        func issue(_ targets: [String: [String]], day: UTCDay = day, seed: [UInt8] = seed) -> ScenarioIssue? {
            do {
                _ = try ProbePlan(day: day, seed: seed, document: document, targets: targets)
                return nil
            } catch { return error }
        }
        let a = "0x" + String(repeating: "a", count: 40), b = "0x" + String(repeating: "b", count: 40)
        #expect(issue(["llm-haiku": [b, a]])?.code == .notSorted)
        #expect(issue(["llm-haiku": [a, a]]) == ScenarioIssue(.duplicateID, at: "targets.llm-haiku[1]", "targets are sorted, each once: '\(a)' after '\(a)'"))
        #expect(issue(["llm-haiku": ["0x" + String(repeating: "A", count: 40)]])?.path == "targets.llm-haiku[0]")
        #expect(issue(["llm-haiku": ["0xabc"]])?.code == .badFormat)
        #expect(issue(["nope": [a]]) == ScenarioIssue(.notInEnumeration, at: "targets.nope", "'nope' is not a scenario of the document"))
        #expect(issue([:], seed: [1, 2, 3])?.path == "seed")
        #expect(issue([:], day: UTCDay(number: 60_000))?.path == "day")
        #expect(issue([:])?.code == nil)
        // 10,000,001 probes would be built; the bound refuses before any is.
        let many = (0..<208_334).map { String(format: "0x%040x", $0) }
        #expect(issue(["llm-haiku": many])?.code == .outOfRange)
        // The input file's own shape.
        func inputIssue(_ text: String) -> ScenarioIssue? {
            do {
                _ = try ProbePlan(input: Array(text.utf8), document: document)
                return nil
            } catch { return error }
        }
        #expect(inputIssue("{")?.code == .malformedJSON)
        #expect(inputIssue(#"{"day":"2026-13-01","seed":"\#(String(repeating: "0", count: 64))","targets":{}}"#)?.path == "day")
        #expect(inputIssue(#"{"day":"2026-12-01","seed":"\#(String(repeating: "0", count: 63))","targets":{}}"#)?.path == "seed")
        #expect(inputIssue(#"{"day":"2026-12-01","targets":{}}"#) == ScenarioIssue(.missingMember, at: "seed", "'seed' is required"))
        #expect(inputIssue(#"{"day":"2026-12-01","seed":"\#(String(repeating: "0", count: 64))","targets":{"llm-haiku":[1]}}"#)?.path == "targets.llm-haiku[0]")
        #expect(inputIssue(#"{"day":"2026-12-01","seed":"\#(String(repeating: "0", count: 64))","targets":{},"x":1}"#)?.code == .unknownMember)
    }
}
