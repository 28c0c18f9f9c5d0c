import AssayCore
import AssayTestSupport
import Foundation
import Testing

/// `assay simulate`: the same seed gives the same bytes, the gateway side goes
/// through the real go-livepeer event ingest, and the designed behaviours show
/// up in the scores (issue: the demo's simulator).
@Suite("workload simulator")
struct SimulationTests {
    @Test("same seed, same bytes; another seed, other bytes")
    func deterministic() throws {
        let directory = try TemporaryDirectory()
        for (name, seed) in [("a", "7"), ("b", "7"), ("c", "8")] {
            let result = try Command.assay(["simulate", "--seed", seed, "--days", "2", "--out", directory.file(name)])
            try #require(result.status == 0, "\(result.stderr)")
        }
        #expect(try Command.system("diff", ["-r", directory.file("a"), directory.file("b")]).status == 0)
        #expect(try Command.system("diff", ["-rq", directory.file("a"), directory.file("c")]).status != 0)
    }

    @Test("the designed behaviours show up in the scores: the flaky, slow and offline orchestrators score lower, the over-reporter's claims disagree")
    func behavioursInScores() async throws {
        try await TestExclusion.exclusively { try runBehaviours() }
    }

    func runBehaviours() throws {
        let directory = try TemporaryDirectory()
        let sim = directory.file("sim")
        try #require(try Command.assay(["simulate", "--seed", "3", "--first-day", "2026-01-01", "--days", "8", "--out", sim]).status == 0)
        try #require(try Command.assay(["keygen", "--output", directory.file("gw-a")]).status == 0)
        try #require(try Command.assay(["dataset", "init", directory.file("dataset"), "--id", "sim", "--title", "Simulated", "--simulated",
                                        "--signer", "gw-a=\(directory.file("gw-a.pub"))", "--key", directory.file("gw-a")]).status == 0)
        let orchestrators = try FileManager.default.contentsOfDirectory(atPath: "\(sim)/orchestrators").sorted()
        for offset in 1...8 {
            let day = "2026-01-0\(offset)"
            var inputs: [String] = []
            for gateway in ["gw-a", "gw-b"] {
                // The gateway side through the real event ingest (spec/gateway-events.md).
                let ingest = try Command.assay(["ingest", "--format", "go-livepeer", "--observer", gateway, "\(sim)/gateways/\(gateway)/\(day).jsonl"])
                try #require(ingest.status == 0, "\(ingest.stderr)")
                try directory.write("\(gateway)-\(day).jsonl", bytes: ingest.stdoutBytes)
                inputs += ["--records", directory.file("\(gateway)-\(day).jsonl")]
            }
            for orchestrator in orchestrators where Files.exists("\(sim)/orchestrators/\(orchestrator)/\(day).jsonl") {
                inputs += ["--records", "\(sim)/orchestrators/\(orchestrator)/\(day).jsonl"]
            }
            let seal = try Command.assay(["seal", "--dataset", directory.file("dataset"), "--collector", "gw-a", "--day", day,
                                          "--key", directory.file("gw-a"), "--signer", "gw-a"] + inputs)
            try #require(seal.status == 0, "\(seal.stderr)")
            #expect(seal.stdout.contains("rejected   0 input lines"), "every simulated line is a valid record: \(seal.stdout)")
        }
        let profiles = try JSONParser().parse(try Files.read("\(sim)/simulation.json"))["orchestrators"]?.arrayValue ?? []
        for profile in ["naap-sla-v1", "naap-sla-v2", "assay-sla-v1"] {
            let scored = try Command.assay(["score", "--dataset", directory.file("dataset"), "--day", "2026-01-08", "--window", "7", "--profile", profile])
            try #require(scored.status == 0, "\(scored.stderr)")
            DesignedBehaviours.expect(in: try JSONParser().parse(scored.stdoutBytes), profiles: profiles)
        }

        // Gateway truth: the same dataset without the over-reporter's exporter records scores it identically.
        let overReporter = profiles.first { $0["behaviour"]?.stringValue == "over-reporter" }
        let address = try #require(overReporter?["address"]?.stringValue), observer = try #require(overReporter?["observer_id"]?.stringValue)
        try #require(try Command.assay(["dataset", "init", directory.file("without"), "--id", "sim", "--title", "Simulated", "--simulated",
                                        "--signer", "gw-a=\(directory.file("gw-a.pub"))", "--key", directory.file("gw-a")]).status == 0)
        for offset in 1...8 {
            let day = "2026-01-0\(offset)"
            var inputs = ["gw-a", "gw-b"].flatMap { ["--records", directory.file("\($0)-\(day).jsonl")] }
            for orchestrator in orchestrators where orchestrator != observer && Files.exists("\(sim)/orchestrators/\(orchestrator)/\(day).jsonl") {
                inputs += ["--records", "\(sim)/orchestrators/\(orchestrator)/\(day).jsonl"]
            }
            let seal = try Command.assay(["seal", "--dataset", directory.file("without"), "--collector", "gw-a", "--day", day,
                                          "--key", directory.file("gw-a"), "--signer", "gw-a"] + inputs)
            try #require(seal.status == 0, "\(seal.stderr)")
        }
        for profile in ["naap-sla-v1", "assay-sla-v1"] {
            func entry(_ dataset: String) throws -> JSONValue? {
                let scored = try Command.assay(["score", "--dataset", directory.file(dataset), "--day", "2026-01-08", "--window", "7", "--profile", profile])
                try #require(scored.status == 0, "\(scored.stderr)")
                let found = try JSONParser().parse(scored.stdoutBytes)["scores"]?["orchestrators"]?.arrayValue.first { $0["orchestrator"]?.stringValue == address }
                guard case .object(let members)? = found else { return nil }
                return .object(members.filter { $0.key != "disagreements" })
            }
            let with = try entry("dataset"), without = try entry("without")
            #expect(with != nil && with == without, "\(profile): the over-reporter's own records changed its score")
        }
    }
}

/// What the simulator's designed behaviours must look like in a 7-day score
/// (spec/scoring.md): shared by the simulator's test and the sample dataset's.
enum DesignedBehaviours {
    /// `profiles`: the simulation's orchestrator profiles (address, behaviour). The scores may be of either
    /// profile: naap-sla-v1 groups carry `counts`, assay-sla-v1 groups `outcomes` (spec/scoring.md §11.7, §9).
    static func expect(in scores: JSONValue, profiles: [JSONValue], sourceLocation: SourceLocation = #_sourceLocation) {
        var behaviourOf: [String: String] = [:]
        for profile in profiles {
            behaviourOf[profile["address"]?.stringValue ?? ""] = profile["behaviour"]?.stringValue
        }
        let profileID = scores["profile"]?["id"]?.stringValue ?? "?"
        var score: [String: Int64] = [:], overReports: [String: Int64] = [:], tallies: [String: [String: Int64]] = [:]
        for entry in scores["scores"]?["orchestrators"]?.arrayValue ?? [] {
            guard let behaviour = behaviourOf[entry["orchestrator"]?.stringValue ?? ""] else { continue }
            if case .integer(let value)? = entry["slo"]?["score"] { score[behaviour] = value }
            if case .integer(let value)? = entry["disagreements"]?["over_reports"] { overReports[behaviour] = value }
            for row in entry["live"]?.arrayValue ?? [] {
                if case .object(let members)? = row["outcomes"] ?? row["counts"] {
                    for member in members { if case .integer(let n) = member.value { tallies[behaviour, default: [:]][member.key, default: 0] += n } }
                }
            }
        }
        #expect(score.count == 7, "\(profileID): every profile was scored: \(score)", sourceLocation: sourceLocation)
        let reliable = score["reliable"] ?? 0
        // A bad sender network is the bad-network orchestrator's loss under every profile but naap-sla-v2 (§11.9).
        let worse = ["flaky", "slow-start", "offline-hours", "zero-fps", "over-reporter"] + (profileID == "naap-sla-v2" ? [] : ["bad-network"])
        for worse in worse {
            #expect((score[worse] ?? .max) < reliable, "\(profileID): \(worse) scores below reliable: \(score)", sourceLocation: sourceLocation)
        }
        #expect((overReports["over-reporter"] ?? 0) > 10, "\(profileID): the over-reporter's claims contradict the gateways: \(overReports)",
                sourceLocation: sourceLocation)
        #expect(overReports["reliable"] == 0 && overReports["flaky"] == 0, "\(profileID): honest orchestrators do not over-report: \(overReports)",
                sourceLocation: sourceLocation)
        if profileID == "naap-sla-v2" {
            // Every failure of the bad-network orchestrator came with bad input: excused, and counted as such.
            #expect((tallies["bad-network"]?["bad_input"] ?? 0) > 0 && tallies["bad-network"]?["output_failed"] == 0,
                    "\(profileID): the bad-network orchestrator's failures are all excused: \(tallies)", sourceLocation: sourceLocation)
            #expect(tallies["reliable"]?["bad_input"] == 0, "\(profileID): \(tallies)", sourceLocation: sourceLocation)
        } else if profileID == "naap-sla-v1" {
            #expect((tallies["bad-network"]?["zero_output_fps"] ?? 0) > 0 && tallies["bad-network"]?["bad_input"] == nil,
                    "\(profileID): naap-sla-v1 charges the bad-network orchestrator: \(tallies)", sourceLocation: sourceLocation)
        }
        if profileID.hasPrefix("naap-sla-") {
            // NaaP's rules: a runner stuck in LOADING is loading-only (and zero output FPS); a swapped stream counts,
            // with its swap, for the orchestrator it moved to; a start that never reached a runner has no row.
            for behaviour in ["flaky", "offline-hours", "over-reporter"] {
                #expect((tallies[behaviour]?["loading_only"] ?? 0) > 0, "\(profileID): \(behaviour) has loading-only sessions: \(tallies)",
                        sourceLocation: sourceLocation)
            }
            #expect((tallies["zero-fps"]?["zero_output_fps"] ?? 0) > (tallies["zero-fps"]?["loading_only"] ?? 0), sourceLocation: sourceLocation)
            #expect((tallies["flaky"]?["swapped"] ?? 0) == 0, "\(profileID): a swap is not the flaky one's in NaaP's rules", sourceLocation: sourceLocation)
            #expect(tallies.values.contains { ($0["swapped"] ?? 0) > 0 }, "\(profileID): swaps are credited to where they went", sourceLocation: sourceLocation)
            #expect(tallies["reliable"]?["output_failed"] == 0, "\(profileID): the reliable orchestrator never fails output: \(tallies)",
                    sourceLocation: sourceLocation)
        } else {
            #expect((tallies["flaky"]?["swapped"] ?? 0) > 0 && (tallies["flaky"]?["startup_failed"] ?? 0) > 0, sourceLocation: sourceLocation)
            #expect((tallies["zero-fps"]?["zero_fps"] ?? 0) > 0, sourceLocation: sourceLocation)
            #expect((tallies["offline-hours"]?["loading_only"] ?? 0) > 0, sourceLocation: sourceLocation)
            #expect((tallies["over-reporter"]?["loading_only"] ?? 0) > 0, sourceLocation: sourceLocation)
            #expect(tallies["reliable"]?["completed"] == tallies["reliable"]?.values.reduce(0, +),
                    "\(profileID): the reliable orchestrator only completes: \(tallies)", sourceLocation: sourceLocation)
        }
    }
}
