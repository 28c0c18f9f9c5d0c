import AssayCore
import AssayGit
import AssayWorkflows
import AssayTestSupport
import Foundation
import Synchronization
import Testing

/// Three gateway operators on loopback share two real exporters and one bare
/// remote: each seals its own chain into the same dataset, all push and
/// co-sign at the same time, and an exporter that starts lying to one of
/// them is caught at co-signing (spec/policy.md §6).
@Suite("co-signing by three operators", .enabled(if: Command.available("git") && Command.available("ssh-keygen"), "git and ssh-keygen are needed"))
struct CoSigningTests {
    static let operators = ["gw-a", "gw-b", "gw-c"]
    static let orchestrators = [("orch-1", "0x1111111111111111111111111111111111111111"), ("orch-2", "0x2222222222222222222222222222222222222222")]

    static func record(_ id: String, observer: String, start: Int64) -> String {
        #"{"schema":1,"kind":"batch_request","id":"\#(id)","observer_role":"orchestrator","observer_id":"\#(observer)","request_id":"\#(id)","pipeline":"text-to-image","model_id":"m","start_ms":\#(start),"success":true,"tries":1,"duration_ms":\#(400 + id.count)}"#
    }

    /// Runs one `assay` invocation per operator at the same time.
    static func concurrently(_ arguments: @escaping @Sendable (String) -> [String]) throws -> [String: CommandResult] {
        let results = Mutex<[String: CommandResult]>([:])
        DispatchQueue.concurrentPerform(iterations: operators.count) { index in
            let name = operators[index]
            if let result = try? Command.assay(arguments(name)) { results.withLock { $0[name] = result } }
        }
        let all = results.withLock { $0 }
        try #require(all.count == operators.count, "every operator's command ran")
        return all
    }

    @Test("three operators seal and co-sign concurrently; every signature survives; a lying exporter is caught")
    func threeOperators() async throws {
        try await TestExclusion.exclusively { try runThreeOperators() }
    }

    func runThreeOperators() throws {
        let directory = try TemporaryDirectory()
        let remote = directory.file("remote.git")
        _ = try GitRepository.create(remote, bare: true)
        for name in Self.operators {
            try #require(try Command.assay(["keygen", "--output", directory.file("\(name)")]).status == 0)
        }
        // gw-a creates the dataset (threshold 2 of 3) and pushes it; the others clone it.
        let first = try GitRepository.create(directory.file("gw-a.dataset"), bare: false)
        try first.addRemote("origin", url: remote)
        try #require(try Command.assay(["dataset", "init", directory.file("gw-a.dataset"), "--id", "shared", "--title", "Shared dataset",
                                        "--threshold", "2", "--simulated"] + Self.operators.flatMap { ["--signer", "\($0)=\(directory.file("\($0).pub"))", "--key", directory.file($0)] }).status == 0)
        try #require(try Command.assay(["publish", "--dataset", directory.file("gw-a.dataset"), "--key", directory.file("gw-a"), "--signer", "gw-a"]).status == 0)
        for name in Self.operators.dropFirst() {
            try #require(try Command.system("git", ["clone", "-q", remote, directory.file("\(name).dataset")]).status == 0)
        }

        // Two real exporters; gw-c reaches orch-2 through a proxy that can start rewriting what it is served.
        var exporters: [ServerProcess] = []
        for (name, address) in Self.orchestrators {
            exporters.append(try ServerProcess(Command.assayPath, ["exporter", "serve", "--store", directory.file("\(name).sqlite"), "--orchestrator", address,
                                                                   "--scrape-listen", "127.0.0.1:0", "--ingest-listen", "127.0.0.1:0"], waitFor: ["scrape", "ingest"]))
        }
        defer { for exporter in exporters { _ = exporter.stop() } }
        let lying = Mutex(false)
        let backend = exporters[1].addresses["scrape"]!
        let proxy = try FakeHTTPServer { target in
            guard let reply = try? HTTPClient.request(backend, "GET", target) else { return .http(502, []) }
            guard lying.withLock({ $0 }), target.hasPrefix("/v1/records") else { return .http(reply.status, reply.body) }
            // The same jobs, with a better latency than the orchestrator told the others.
            return .http(reply.status, Array(reply.text.replacingOccurrences(of: "\"duration_ms\":4", with: "\"duration_ms\":1").utf8))
        }
        defer { proxy.stop() }
        for name in Self.operators {
            let orch2 = name == "gw-c" ? proxy.url : "http://\(backend)"
            try directory.write("\(name).yaml", """
                collector:
                  id: \(name)
                  key: \(name)
                dataset:
                  repository: \(name).dataset
                staging: \(name).staging.sqlite
                global:
                  scrape_interval: 1m
                  scrape_timeout: 5s
                seal:
                  grace: 1h
                scrape_configs:
                  - job_name: orch-1
                    static_configs:
                      - targets: ["http://\(exporters[0].addresses["scrape"]!)"]
                        labels:
                          orchestrator: "\(Self.orchestrators[0].1)"
                  - job_name: orch-2
                    static_configs:
                      - targets: ["\(orch2)"]
                        labels:
                          orchestrator: "\(Self.orchestrators[1].1)"

                """)
        }

        func runDay(_ day: String, start: Int64) throws -> (seal: [String: CommandResult], cosign: [String: CommandResult]) {
            for (index, (name, _)) in Self.orchestrators.enumerated() {
                let body = (0..<30).map { Self.record("\(name)-\(day)-\($0)", observer: name, start: start + Int64($0) * 60_000) + "\n" }.joined()
                let ingest = try HTTPClient.request(exporters[index].addresses["ingest"]!, "POST", "/v1/ingest", body: Array(body.utf8))
                try #require(ingest.status == 200, "\(ingest.text.prefix(400))")
            }
            for name in Self.operators {
                let scrape = try Command.assay(["collect", "scrape", "--config", directory.file("\(name).yaml")])
                try #require(scrape.status == 0, "\(scrape.stderr)")
            }
            let sealTime = UTCTime.seconds(start / 1000 + 86_400 + 7200)
            let root = directory.path
            let seal = try Self.concurrently { ["collect", "seal", "--config", "\(root)/\($0).yaml", "--now", sealTime] }
            let cosign = try Self.concurrently { name in
                ["cosign", "--dataset", "\(root)/\(name).dataset", "--key", "\(root)/\(name)", "--signer", name, "--own-collector", name]
            }
            return (seal, cosign)
        }

        // Day one: everybody honest. All three seal at once, then all three co-sign at once.
        let dayOne = try runDay("d1", start: 1_767_225_600_000)  // 2026-01-01
        for (name, result) in dayOne.seal { #expect(result.status == 0, "\(name) seal: \(result.stdout) \(result.stderr)") }
        for (name, result) in dayOne.cosign {
            #expect(result.status == 0, "\(name) cosign: \(result.stdout) \(result.stderr)")
            #expect(result.stdout.contains("2 signed, 0 skipped, 0 refused"), "\(name): \(result.stdout)")
        }
        let clone = directory.file("clone")
        #expect(try Command.system("git", ["clone", "-q", remote, clone]).status == 0)
        let verified = try Command.assay(["verify", clone, "--git", "--json"])
        #expect(verified.status == 0, "\(verified.stdout)")
        let report = try JSONParser().parse(verified.stdoutBytes)
        let bundles = report["bundles"]?.arrayValue ?? []
        #expect(bundles.count == 3)
        for bundle in bundles {
            #expect(bundle["signers"] == .array(Self.operators.map { .string($0) }), "every co-signature survived the concurrent pushes: \(bundle)")
            #expect(bundle["unsigned"] == .array([]))
            #expect(bundle["holds"] == .bool(true))
        }
        // Stock OpenSSH accepts every co-signature with the policy file as allowed_signers.
        for collector in Self.operators {
            let base = "\(clone)/bundles/\(collector)/2026/01/01"
            for signer in Self.operators {
                let check = try Command.system("ssh-keygen", ["-Y", "verify", "-f", "\(clone)/policy/0001/allowed_signers", "-I", signer, "-n", "assay-manifest-v1",
                                                              "-s", "\(base)/signatures/\(signer).sig"], input: try Files.read("\(base)/manifest.json"))
                #expect(check.status == 0, "\(signer) on \(collector): \(check.stderr)")
            }
        }
        // The scorer reads all three chains and counts each job once, whoever collected it.
        let scores = try Command.assay(["score", "--dataset", clone, "--day", "2026-01-01"])
        #expect(scores.status == 0, "\(scores.stderr)")
        let scored = try JSONParser().parse(scores.stdoutBytes)
        #expect(scored["inputs"]?["bundles"]?.arrayValue.count == 3, "\(scores.stdout.prefix(600))")

        // Day two: orch-2 (through the proxy) serves gw-c better numbers than it serves the others.
        lying.withLock { $0 = true }
        let dayTwo = try runDay("d2", start: 1_767_312_000_000)  // 2026-01-02
        for (name, result) in dayTwo.seal { #expect(result.status == 0, "\(name) seal: \(result.stdout) \(result.stderr)") }
        for name in ["gw-a", "gw-b"] {
            let result = dayTwo.cosign[name]!
            #expect(result.status == 1, "\(name) must refuse gw-c's bundle: \(result.stdout) \(result.stderr)")
            #expect(result.stdout.contains("REFUSED  bundles/gw-c/2026/01/02"), "\(result.stdout)")
            #expect(result.stdout.contains("orchestrator orch-2 served different records — differs: orch-2-d2-0, orch-2-d2-1"), "\(result.stdout)")
            #expect(!result.stdout.contains("orchestrator orch-1 served"), "orch-1 was honest: \(result.stdout)")
            #expect(result.stdout.contains("1 signed, 0 skipped, 1 refused"), "\(result.stdout)")
        }
        #expect(dayTwo.cosign["gw-c"]!.status == 1)
        #expect(dayTwo.cosign["gw-c"]!.stdout.contains("0 signed, 0 skipped, 2 refused"), "\(dayTwo.cosign["gw-c"]!.stdout)")

        let later = directory.file("later")
        #expect(try Command.system("git", ["clone", "-q", remote, later]).status == 0)
        #expect(!Files.exists("\(later)/bundles/gw-c/2026/01/02/signatures/gw-a.sig"), "the refused bundle was not signed")
        let final = try Command.assay(["verify", later, "--git", "--json"])
        #expect(final.status == 1)
        let finalReport = try JSONParser().parse(final.stdoutBytes)
        let errors = (finalReport["findings"]?.arrayValue ?? []).filter { $0["severity"] == "error" }
        #expect(errors.count == 1 && errors.first?["rule"] == "threshold" && errors.first?["path"] == "bundles/gw-c/2026/01/02/signatures",
                "only the equivocated bundle lacks its threshold: \(errors)")
        for bundle in finalReport["bundles"]?.arrayValue ?? [] where bundle["day"] == "2026-01-02" {
            if bundle["collector"] == "gw-c" {
                #expect(bundle["signers"] == .array(["gw-c"]) && bundle["unsigned"] == .array(["gw-a", "gw-b"]))
            } else {
                #expect(bundle["signers"] == .array(["gw-a", "gw-b"]) && bundle["unsigned"] == .array(["gw-c"]), "\(bundle)")
            }
        }
        let text = try Command.assay(["verify", later])
        #expect(text.stdout.contains("2026-01-02  1 signature, threshold 2: FAILS  signed: gw-c; not signed: gw-a, gw-b"), "\(text.stdout)")
    }
}
