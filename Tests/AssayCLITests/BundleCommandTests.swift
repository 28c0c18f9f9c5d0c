import AssayCore
import AssayTestSupport
import Foundation
import Testing

/// seal / verify / prove through the real binary: ssh-keygen accepts every
/// manifest signature, a crashed seal leaves nothing half-written, and the
/// rerun produces the same bundle.
@Suite("seal, verify and prove from the command line")
struct BundleCommandTests {
    let directory: TemporaryDirectory
    var dataset: String { directory.file("dataset") }
    let records = Repository.url("spec/vectors/records/valid.jsonl").path

    init() throws {
        directory = try TemporaryDirectory()
        for name in ["gw-a", "gw-b"] {
            try #require(try Command.assay(["keygen", "--output", directory.file(name), "--comment", name]).status == 0)
        }
        let created = try Command.assay(["dataset", "init", dataset, "--id", "cli-test", "--title", "CLI test", "--threshold", "1",
                                         "--signer", "gw-a=\(directory.file("gw-a.pub"))", "--signer", "gw-b=\(directory.file("gw-b.pub"))",
                                         "--key", directory.file("gw-a"), "--simulated"])
        try #require(created.status == 0, "\(created.stderr)")
    }

    func seal(_ day: String, environment: [String: String] = [:], records: [String]? = nil) throws -> CommandResult {
        let inputs = (records ?? [self.records]).flatMap { ["--records", $0] }
        return try Command.run(Command.assayPath, ["seal", "--dataset", dataset, "--collector", "gw-a", "--day", day,
                                                   "--key", directory.file("gw-a")] + inputs, environment: environment)
    }

    @Test("ssh-keygen -Y verify accepts every manifest signature assay seal writes", .enabled(if: Command.available("ssh-keygen")))
    func sshKeygenAcceptsManifests() throws {
        for day in ["2026-01-09", "2026-01-10", "2026-01-11"] {
            let sealed = try seal(day)
            try #require(sealed.status == 0, "\(sealed.stderr)")
            let bundle = "\(dataset)/bundles/gw-a/\(day.replacingOccurrences(of: "-", with: "/"))"
            let result = try Command.system("ssh-keygen", ["-Y", "verify", "-f", "\(dataset)/policy/0001/allowed_signers", "-I", "gw-a",
                                                           "-n", "assay-manifest-v1", "-s", "\(bundle)/signatures/gw-a.sig"],
                                            input: try Files.read("\(bundle)/manifest.json"))
            #expect(result.status == 0, "\(day): \(result.stderr)")
        }
        let verify = try Command.assay(["verify", dataset])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("Verified: 3 bundles,") && verify.stdout.contains("; no errors."), "\(verify.stdout)")
    }

    @Test("a seal killed at each failure point leaves no bundle; the rerun gives the same bytes as a clean seal",
          arguments: ["seal-after-records", "seal-after-manifest", "seal-before-rename"])
    func crashSafety(point: String) throws {
        // The reference: a clean seal in a second dataset with the same key.
        let reference = directory.file("reference")
        try FileManager.default.createDirectory(atPath: reference, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(dataset)/dataset.json", toPath: "\(reference)/dataset.json")
        try FileManager.default.copyItem(atPath: "\(dataset)/policy", toPath: "\(reference)/policy")
        let clean = try Command.assay(["seal", "--dataset", reference, "--collector", "gw-a", "--day", "2026-01-09",
                                       "--key", directory.file("gw-a"), "--records", records])
        try #require(clean.status == 0, "\(clean.stderr)")

        let crashed = try seal("2026-01-09", environment: ["ASSAY_FAULT": point])
        #expect(crashed.status == 70)
        let bundle = "\(dataset)/bundles/gw-a/2026/01/09"
        #expect(!FileManager.default.fileExists(atPath: bundle), "a half-written bundle is visible after a crash at \(point)")
        // A verifier sees the leftover as something that must not be published.
        let leftover = try Command.assay(["verify", dataset, "--json"])
        #expect(leftover.status == 1)
        #expect(leftover.stdout.contains("\"rule\":\"unlisted-file\""))

        let rerun = try seal("2026-01-09")
        #expect(rerun.status == 0, "\(rerun.stderr)")
        for file in ["manifest.json", "records.jsonl", "conflicts.jsonl", "signatures/gw-a.sig"] {
            #expect(try Files.read("\(bundle)/\(file)") == Files.read("\(reference)/bundles/gw-a/2026/01/09/\(file)"), "\(file)")
        }
        #expect(try Command.assay(["verify", dataset]).status == 0)
    }

    @Test("verify --json, exit codes, --state and --max-age")
    func verifyOptions() throws {
        try #require(try seal("2026-01-09").status == 0)
        try #require(try seal("2026-01-10").status == 0)
        let json = try Command.assay(["verify", dataset, "--json"])
        #expect(json.status == 0)
        let report = try JSONParser().parse(json.stdoutBytes.dropLast())
        #expect(report["ok"] == .bool(true))
        #expect(report["bundles"]?.arrayValue.count == 2)

        let state = directory.file("state.json")
        #expect(try Command.assay(["verify", dataset, "--state", state]).status == 0)
        try FileManager.default.removeItem(atPath: "\(dataset)/bundles/gw-a/2026/01/10")
        let rolledBack = try Command.assay(["verify", dataset, "--state", state])
        #expect(rolledBack.status == 1)
        #expect(rolledBack.stdout.contains("[rollback]"))

        let stale = try Command.assay(["verify", dataset, "--max-age", "3", "--today", "2026-01-20"])
        #expect(stale.status == 1)
        #expect(stale.stdout.contains("[stale]"))
    }

    @Test("prove prints a proof that verify --proof accepts; a forged, relabelled or unsigned one fails with its rule")
    func prove() throws {
        try #require(try seal("2026-01-09").status == 0)
        try #require(try seal("2026-01-10").status == 0)
        let bundle = "\(dataset)/bundles/gw-a/2026/01/09"
        let proof = try Command.assay(["prove", bundle, "llm-42"])
        #expect(proof.status == 0, "\(proof.stderr)")
        #expect(proof.stdout.contains(#""dataset":"cli-test""#) && proof.stdout.contains("assay-record-proof-v2"))
        try directory.write("proof.json", bytes: proof.stdoutBytes)
        let check = try Command.assay(["verify", "--proof", directory.file("proof.json"), dataset])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("Proof holds"))
        let forged = proof.stdout.replacingOccurrences(of: "\\\"output_tokens\\\":188", with: "\\\"output_tokens\\\":189")
        try directory.write("forged.json", forged)
        #expect(forged != proof.stdout)
        let forgedCheck = try Command.assay(["verify", "--proof", directory.file("forged.json"), dataset])
        #expect(forgedCheck.status != 0 && forgedCheck.stdout.contains("[proof]"), "\(forgedCheck.stdout)")

        // Relabelled to the other bundle of the dataset: its manifest is not the one the proof names.
        try directory.write("relabelled.json", proof.stdout.replacingOccurrences(of: #""day":"2026-01-09""#, with: #""day":"2026-01-10""#))
        let relabelled = try Command.assay(["verify", "--proof", directory.file("relabelled.json"), dataset])
        #expect(relabelled.status != 0 && relabelled.stdout.contains("[proof-binding]"), "\(relabelled.stdout)")

        // The same bundle copied into a self-made dataset without its signatures: the proof's path
        // still leads to the root, and it fails for want of signatures.
        let copy = directory.file("self-made")
        try FileManager.default.copyItem(atPath: dataset, toPath: copy)
        try FileManager.default.removeItem(atPath: "\(copy)/bundles/gw-a/2026/01/09/signatures/gw-a.sig")
        let unsigned = try Command.assay(["verify", "--proof", directory.file("proof.json"), copy])
        #expect(unsigned.status != 0 && unsigned.stdout.contains("[threshold]"), "\(unsigned.stdout)")

        // A v1 proof (no dataset) is refused with the reason.
        try directory.write("v1.json", proof.stdout.replacingOccurrences(of: "assay-record-proof-v2", with: "assay-record-proof-v1"))
        let v1 = try Command.assay(["verify", "--proof", directory.file("v1.json"), dataset])
        #expect(v1.status != 0 && v1.stdout.contains("names no dataset"), "\(v1.stdout)")
    }

    @Test("bad staged lines are reported with their place and the good ones sealed")
    func badLines() throws {
        let sealed = try seal("2026-01-09", records: [records, Repository.url("spec/vectors/records/invalid.jsonl").path])
        #expect(sealed.status == 0)
        #expect(sealed.stderr.contains("invalid.jsonl:1:"))
        #expect(sealed.stdout.contains("records    12"))
        #expect(sealed.stdout.contains("rejected   34 input lines"))
    }
}
