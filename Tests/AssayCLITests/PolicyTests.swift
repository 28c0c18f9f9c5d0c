import AssayCore
import AssayCrypto
import AssayLedger
import AssayTestSupport
import Foundation
import Testing

/// spec/vectors/policy: a dataset whose trust policy changes three times (a
/// key rotation, a revocation, a pending proposal), built with the `assay
/// policy` commands and deterministic keys; and what verification makes of
/// signatures on each side of every boundary (spec/policy.md).
/// Regenerate with ASSAY_WRITE_VECTORS=1 after a deliberate format change.
@Suite("trust policy: rotation, revocation, approvals", .serialized,
       .enabled(if: Command.available("ssh-keygen"), "ssh-keygen is needed"))
struct PolicyTests {
    static func key(_ name: String) -> Ed25519PrivateKey {
        try! Ed25519PrivateKey(seed: MessageDigest.sha256(Array("assay policy vector key \(name)".utf8)).bytes)
    }
    static let days = ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"].map { UTCDay($0)! }

    /// Writes the vector keys (test only) as key files under `keys`.
    static func writeKeys(_ keys: String) throws {
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        for name in ["gw-a", "gw-b", "gw-b-2026", "gw-c", "mallory"] where !Files.exists("\(keys)/\(name)") {
            try KeyFiles.writeKeyPair(OpenSSHPrivateKey(key(name), comment: name), to: "\(keys)/\(name)")
        }
    }

    static func sign(_ directory: DatasetDirectory, _ day: UTCDay, as signer: String, with keyName: String) throws {
        let manifest = try directory.manifestBytes(collector: "gw-a", day: day)
        try directory.addSignature(try SSHSignature.sign(manifest, namespace: DatasetDirectory.manifestNamespace, with: key(keyName)),
                                   signer: signer, collector: "gw-a", day: day)
        // As a co-signer does: the log's newest checkpoint too (spec/log.md §7.4).
        _ = try DatasetLog.cosign(directory, datasetID: try directory.descriptor().id, signer: signer, key: key(keyName))
    }

    /// Builds the vector dataset at `root` (keys in `keys`).
    static func build(at root: String, keys: String) throws {
        try writeKeys(keys)
        let assay = { (arguments: [String]) throws in
            let result = try Command.assay(arguments)
            try #require(result.status == 0, "assay \(arguments.joined(separator: " ")): \(result.stdout) \(result.stderr)")
        }
        try assay(["dataset", "init", root, "--id", "assay-policy-vectors", "--title", "Assay policy test vectors", "--licence", "CC0-1.0",
                   "--threshold", "2", "--simulated", "--signer", "gw-a=\(keys)/gw-a.pub", "--signer", "gw-b=\(keys)/gw-b.pub",
                   "--signer", "gw-c=\(keys)/gw-c.pub", "--key", "\(keys)/gw-a", "--issued", "2026-03-01T12:00:00Z", "--no-git"])
        // The genesis holds with 2 approvals; all three signers approve it.
        try assay(["policy", "approve", "--dataset", root, "--key", "\(keys)/gw-b", "--signer", "gw-b", "--version", "1"])
        try assay(["policy", "approve", "--dataset", root, "--key", "\(keys)/gw-c", "--signer", "gw-c", "--version", "1"])
        let directory = DatasetDirectory(root)
        // gw-b rotates its key on 2026-03-03; gw-a proposes, gw-b approves with the old key.
        try assay(["policy", "propose", "--dataset", root, "--key", "\(keys)/gw-a", "--signer", "gw-a", "--issued", "2026-03-02T12:00:00Z",
                   "--add", "gw-b=\(keys)/gw-b-2026.pub@2026-03-03", "--expire", "\(keys)/gw-b.pub@2026-03-03",
                   "--summary", "gw-b rotates its key on 2026-03-03"])
        try assay(["policy", "approve", "--dataset", root, "--key", "\(keys)/gw-b", "--signer", "gw-b"])
        // gw-c's key leaked: revoked from 2026-03-04; gw-b approves with its new key.
        try assay(["policy", "propose", "--dataset", root, "--key", "\(keys)/gw-a", "--signer", "gw-a", "--issued", "2026-03-03T12:00:00Z",
                   "--revoke", "\(keys)/gw-c.pub@2026-03-04", "--reason", "key leaked in a backup"])
        try assay(["policy", "approve", "--dataset", root, "--key", "\(keys)/gw-b-2026", "--signer", "gw-b"])
        // gw-a alone proposes a key of its choosing: pending, not in effect.
        try assay(["policy", "propose", "--dataset", root, "--key", "\(keys)/gw-a", "--signer", "gw-a", "--issued", "2026-03-04T12:00:00Z",
                   "--add", "gw-d=\(keys)/mallory.pub", "--summary", "add gw-d"])
        // Four days of gw-a's chain, co-signed across both boundaries.
        for (index, day) in days.enumerated() {
            let records = (0..<5).map { n in
                #"{"schema":1,"kind":"batch_request","id":"req-\#(index)-\#(n)","observer_role":"orchestrator","observer_id":"orch-1","request_id":"req-\#(index)-\#(n)","pipeline":"text-to-image","model_id":"m","start_ms":\#(day.startMs + Int64(n) * 3_600_000),"success":true,"tries":1}"#
            }
            let input = "\(keys)/input-\(day).jsonl"
            try Files.writeAtomically(input, contents: Array((records.joined(separator: "\n") + "\n").utf8))
            _ = try directory.seal(collector: "gw-a", day: day, inputs: [input], key: key("gw-a"), signer: "gw-a") { _ in }
            try sign(directory, day, as: "gw-b", with: index < 2 ? "gw-b" : "gw-b-2026")
            try sign(directory, day, as: "gw-c", with: "gw-c")
        }
    }


    @Test("the policy vectors rebuild byte for byte and verify with the expected report")
    func vectors() async throws {
        try await TestExclusion.exclusively { try runVectors() }
    }

    func runVectors() throws {
        let committed = Repository.url("spec/vectors/policy/dataset").path
        let scratch = try TemporaryDirectory()
        try Self.build(at: scratch.file("dataset"), keys: scratch.file("keys"))
        if ProcessInfo.processInfo.environment["ASSAY_WRITE_VECTORS"] == "1" {
            try? FileManager.default.removeItem(atPath: committed)
            try FileManager.default.createDirectory(atPath: (committed as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: scratch.file("dataset"), toPath: committed)
        }
        let rebuilt = FileTree.regularFiles(under: scratch.file("dataset"))
        #expect(rebuilt == FileTree.regularFiles(under: committed))
        for file in rebuilt {
            #expect(try Files.read("\(scratch.file("dataset"))/\(file)") == Files.read("\(committed)/\(file)"), "\(file) is stale")
        }
        let report = try Command.assay(["verify", committed, "--json"])
        #expect(report.status == 0, "\(report.stdout)")
        let expectedPath = Repository.url("spec/vectors/policy/report.json").path
        let pretty = try PrettyJSON.string(try JSONParser().parse(report.stdoutBytes))
        if ProcessInfo.processInfo.environment["ASSAY_WRITE_VECTORS"] == "1" {
            try Files.writeAtomically(expectedPath, contents: Array(pretty.utf8))
        }
        #expect(String(decoding: try Files.read(expectedPath), as: UTF8.self) == pretty)
    }

    @Test("rotation and revocation hold across their boundaries; a change approved by one signer changes nothing")
    func boundaries() async throws {
        try await TestExclusion.exclusively { try runBoundaries() }
    }

    func runBoundaries() throws {
        let scratch = try TemporaryDirectory()
        let root = scratch.file("dataset"), keys = scratch.file("keys")
        try Self.build(at: root, keys: keys)
        let directory = DatasetDirectory(root)

        let verified = try Command.assay(["verify", root, "--json"])
        #expect(verified.status == 0, "\(verified.stdout)")
        let report = try JSONParser().parse(verified.stdoutBytes)
        #expect(report["policy"]?["version"] == 3, "version 4 is pending, so version 3 is current")
        let versions = report["policy_versions"]?.arrayValue ?? []
        #expect(versions.map { $0["holds"] } == [true, true, true, false])
        #expect(versions.map { $0["approvals"] } == [["gw-a", "gw-b", "gw-c"], ["gw-a", "gw-b"], ["gw-a", "gw-b"], ["gw-a"]])
        let bundles = report["bundles"]?.arrayValue ?? []
        // gw-b's old key counts before 2026-03-03, its new key from then on; gw-c counts until its revocation.
        #expect(bundles.map { $0["signers"] } == [["gw-a", "gw-b", "gw-c"], ["gw-a", "gw-b", "gw-c"], ["gw-a", "gw-b", "gw-c"], ["gw-a", "gw-b"]])
        #expect(bundles.last?["unsigned"] == [], "a revoked key's principal is not asked to sign")
        let findings = (report["findings"]?.arrayValue ?? []).map { "\($0["rule"]?.stringValue ?? "") \($0["path"]?.stringValue ?? "")" }
        // gw-c's revoked key also signed the log's newest checkpoint: it does not count there either.
        #expect(findings == ["policy-pending policy/0004", "revoked-signer bundles/gw-a/2026/03/04/signatures/gw-c.sig",
                             "revoked-signer log/checkpoints/8/signatures/gw-c.sig"], "\(findings)")
        let text = try Command.assay(["verify", root])
        #expect(text.stdout.contains("revoked from 2026-03-04T00:00:00Z (key leaked in a backup); it does not count for 2026-03-04"), "\(text.stdout)")
        #expect(text.stdout.contains("is not in effect: approved by 1 of the 2 required (gw-a)"), "\(text.stdout)")
        let show = try Command.assay(["policy", "show", "--dataset", root])
        #expect(show.stdout.contains("version 4  policy/0004  pending"), "\(show.stdout)")
        #expect(show.stdout.contains("revoked \(OpenSSHPublicKey(Self.key("gw-c").publicKey).fingerprint) from 2026-03-04T00:00:00Z: key leaked in a backup"))

        // Stock OpenSSH agrees, with the current version's allowed_signers and the bundle's day as the time.
        let current = "\(root)/policy/0003/allowed_signers"
        func sshVerify(_ day: UTCDay, _ signer: String) throws -> Int32 {
            let base = "\(root)/\(DatasetDirectory.bundleRelativePath(collector: "gw-a", day: day))"
            return try Command.system("ssh-keygen", ["-Y", "verify", "-f", current, "-I", signer, "-n", "assay-manifest-v1",
                                                     "-O", "verify-time=\(day.description.replacingOccurrences(of: "-", with: ""))Z",
                                                     "-s", "\(base)/signatures/\(signer).sig"], input: try Files.read("\(base)/manifest.json")).status
        }
        for day in Self.days {
            for signer in ["gw-a", "gw-b"] { #expect(try sshVerify(day, signer) == 0, "\(signer) on \(day)") }
        }
        #expect(try sshVerify(Self.days[2], "gw-c") == 0)
        #expect(try sshVerify(Self.days[3], "gw-c") != 0, "ssh-keygen also refuses the revoked key from its revocation on")
        // Every approval of every version verifies with ssh-keygen under the version before it.
        for (version, approvers, policyFile) in [(1, ["gw-a", "gw-b", "gw-c"], "\(root)/policy/0001/allowed_signers"),
                                                 (2, ["gw-a", "gw-b"], "\(root)/policy/0001/allowed_signers"),
                                                 (3, ["gw-a", "gw-b"], "\(root)/policy/0002/allowed_signers")] {
            for approver in approvers {
                let path = "\(root)/policy/000\(version)"
                let check = try Command.system("ssh-keygen", ["-Y", "verify", "-f", policyFile, "-I", approver, "-n", "assay-policy-v1",
                                                              "-O", "verify-time=2026030\(version)1200Z", "-s", "\(path)/signatures/\(approver).sig"],
                                               input: try Files.read("\(path)/policy.json"))
                #expect(check.status == 0, "\(approver) approving version \(version): \(check.stderr)")
            }
        }

        // Across the rotation: gw-b's old key on 2026-03-03 no longer counts.
        let rotated = scratch.file("rotated")
        _ = try Command.system("cp", ["-R", root, rotated])
        let day3 = "\(rotated)/bundles/gw-a/2026/03/03/signatures/gw-b.sig"
        try FileManager.default.removeItem(atPath: day3)
        try Self.sign(DatasetDirectory(rotated), Self.days[2], as: "gw-b", with: "gw-b")
        let oldKey = try Command.assay(["verify", rotated])
        #expect(oldKey.status == 1)
        #expect(oldKey.stdout.contains("gw-b's key \(OpenSSHPublicKey(Self.key("gw-b").publicKey).fingerprint) is not valid for 2026-03-03"), "\(oldKey.stdout)")

        // Across the revocation: without gw-b, the 2026-03-04 bundle has only gw-a, since gw-c's signature does not count.
        let revoked = scratch.file("revoked")
        _ = try Command.system("cp", ["-R", root, revoked])
        try FileManager.default.removeItem(atPath: "\(revoked)/bundles/gw-a/2026/03/04/signatures/gw-b.sig")
        let short = try Command.assay(["verify", revoked])
        #expect(short.status == 1)
        #expect(short.stdout.contains("bundles/gw-a/2026/03/04/signatures: 1 of 2 required signatures count (gw-a) [threshold]"), "\(short.stdout)")
        // An auditor who pins version 2 (before the revocation) counts gw-c there.
        let pinned = try Command.assay(["verify", revoked, "--policy", "\(revoked)/policy/0002", "--json"])
        #expect(pinned.status == 0, "\(pinned.stdout)")
        let pinnedReport = try JSONParser().parse(pinned.stdoutBytes)
        #expect(pinnedReport["policy"]?["pinned"] == true && pinnedReport["policy"]?["version"] == 2)
        #expect(pinnedReport["bundles"]?.arrayValue.last?["signers"] == ["gw-a", "gw-c"])

        // The key gw-a alone proposed does not count: its signature is an unknown signer.
        let sneaky = scratch.file("sneaky")
        _ = try Command.system("cp", ["-R", root, sneaky])
        try Self.sign(DatasetDirectory(sneaky), Self.days[3], as: "gw-d", with: "mallory")
        let unknown = try Command.assay(["verify", sneaky])
        #expect(unknown.status == 1)
        #expect(unknown.stdout.contains("allowed_signers does not let 'gw-d' sign manifests"), "\(unknown.stdout)")
        // Nor can the proposal be approved by someone the current policy does not know.
        let outsider = try Command.assay(["policy", "approve", "--dataset", sneaky, "--key", "\(keys)/mallory", "--signer", "gw-d"])
        #expect(outsider.status != 0)
        #expect(outsider.stderr.contains("does not let 'gw-d' approve"), "\(outsider.stderr)")
        // A forged approval file is an error, not a silent no-op.
        let forged = try SSHSignature.sign(try Files.read("\(sneaky)/policy/0004/policy.json"), namespace: DatasetDirectory.policyNamespace, with: Self.key("mallory"))
        try Files.createExclusive("\(sneaky)/policy/0004/signatures/gw-b.sig", contents: Array(forged.armored.utf8), mode: 0o644)
        let forgedReport = try Command.assay(["verify", sneaky])
        #expect(forgedReport.stdout.contains("policy/0004/signatures/gw-b.sig: is by \(OpenSSHPublicKey(Self.key("mallory").publicKey).fingerprint), which version 3 does not let 'gw-b' use"), "\(forgedReport.stdout)")

        // Rewriting the genesis breaks the chain of versions that named it.
        let rewritten = scratch.file("rewritten")
        _ = try Command.system("cp", ["-R", root, rewritten])
        // Insiders re-issue the genesis with another signer and approve it again: it holds, but it is another genesis.
        let genesisPath = "\(rewritten)/policy/0001"
        let newSigners = try Files.read("\(genesisPath)/allowed_signers")
            + Array("gw-d namespaces=\"assay-manifest-v1\" \(OpenSSHPublicKey(Self.key("mallory").publicKey).line)\n".utf8)
        let genesis = PolicyDocument(genesisOf: "assay-policy-vectors", descriptor: try Files.read("\(rewritten)/dataset.json"),
                                     issued: UTCTime.parseSeconds("2026-03-01T12:00:00Z")!, threshold: 2, allowedSigners: newSigners, summary: "rewritten")
        try Files.writeAtomically("\(genesisPath)/allowed_signers", contents: newSigners)
        try Files.writeAtomically("\(genesisPath)/policy.json", contents: genesis.bytes())
        for name in ["gw-a", "gw-b", "gw-c"] {
            try Files.writeAtomically("\(genesisPath)/signatures/\(name).sig", contents: Array(
                try SSHSignature.sign(genesis.bytes(), namespace: DatasetDirectory.policyNamespace, with: Self.key(name)).armored.utf8))
        }
        let broken = try Command.assay(["verify", rewritten])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("policy/0002/policy.json: prev names version 1"), "\(broken.stdout)")
        #expect(broken.stdout.contains("[policy-chain]"))

        // Once gw-b approves version 4 too, it is in effect and gw-d's signature counts.
        let approved = scratch.file("approved")
        _ = try Command.system("cp", ["-R", sneaky, approved])
        try FileManager.default.removeItem(atPath: "\(approved)/policy/0004/signatures/gw-b.sig")
        let approve = try Command.assay(["policy", "approve", "--dataset", approved, "--key", "\(keys)/gw-b-2026", "--signer", "gw-b"])
        #expect(approve.status == 0, "\(approve.stderr)")
        #expect(approve.stdout.contains("+ gw-d namespaces=\"assay-manifest-v1,assay-scores-v1,assay-policy-v1,git\" ssh-ed25519"), "\(approve.stdout)")
        let after = try JSONParser().parse(try Command.assay(["verify", approved, "--json"]).stdoutBytes)
        #expect(after["policy"]?["version"] == 4)
        #expect(after["bundles"]?.arrayValue.last?["signers"] == ["gw-a", "gw-b", "gw-d"], "\(after["bundles"]?.arrayValue.last ?? nil)")
        _ = directory
    }
}
