import AssayCore
import AssayTestSupport
import Foundation
import Testing

/// The README's walkthrough "Start a new dataset with another operator", run
/// as written (extracted by the same `.ci/readme_block` CI uses for the two
/// main commands): two operators, two exporters, the shared fixture's real
/// gateway events, through seal, co-signing, verify, score and site. The
/// gateway's and the orchestrator's views of the served sessions must be paired.
@Suite("the README's walkthrough", .serialized, .enabled(if: Shared.isAvailable, Shared.skipReason))
struct WalkthroughTests {
    static func block(_ name: String) throws -> String {
        let extracted = try Command.run("/usr/bin/env", ["python3", Repository.url(".ci/readme_block").path, name, Repository.url("README.md").path])
        try #require(extracted.status == 0, "\(extracted.stderr)")
        return extracted.stdout
    }

    @Test("the walkthrough's commands, pasted as they are, end in a verified, co-signed dataset whose gateway and orchestrator views were matched")
    func walkthrough() async throws {
        try await TestExclusion.exclusively { try runWalkthrough() }
    }

    func runWalkthrough() throws {
        let script = try Self.block("walkthrough")
        let directory = try TemporaryDirectory()
        let path = Command.productsDirectory.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let run = try Command.run("/bin/bash", ["-euo", "pipefail", "-c", script], directory: directory.path,
                                  environment: ["PATH": path, "ASSAY_SHARED": Shared.root.path])
        // The exporters it started in the background are stopped by the script; if it failed first, here.
        for orchestrator in ["orch-a", "orch-b"] {
            if let text = try? Files.read(directory.file("walkthrough/\(orchestrator)/pid")), let pid = Int32(String(decoding: text, as: UTF8.self).filter(\.isNumber)) {
                kill(pid, SIGTERM)
            }
        }
        try #require(run.status == 0, "the walkthrough failed:\n\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("2 signatures, threshold 2: holds"), "\(run.stdout)")
        #expect(run.stdout.contains("commits: SSH signatures, additive history, work tree") && run.stdout.contains("; no errors."), "\(run.stdout)")
        let scores = try JSONParser().parse(try Files.read(directory.file("walkthrough/scores.json")))
        let served = (scores["scores"]?["orchestrators"]?.arrayValue ?? []).first { $0["orchestrator"] == "0xd00354656922168815fcd1e51cbddb9e359e3c7f" }
        let matched = served?["disagreements"]?["matched"]
        #expect(matched == .integer(2), "the gateway's and the orchestrator's records of the two served sessions were paired: \(String(describing: matched))")
        #expect(Files.exists(directory.file("walkthrough/site/index.html")))
    }

    @Test("the README's example records of each kind are valid records")
    func exampleRecords() throws {
        let records = try Self.block("records")
        let checked = try Command.assay(["canonicalize", "-"], input: Array(records.utf8))
        #expect(checked.status == 0, "\(checked.stderr)")
        let kinds = Set(checked.stdout.split(separator: "\n").compactMap { line in
            (try? JSONParser().parse(Array(line.utf8)))?["kind"]?.stringValue
        })
        #expect(kinds == ["live_session", "batch_request", "llm_request", "byoc_job"])
    }
}
