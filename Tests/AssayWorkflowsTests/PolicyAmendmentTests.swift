import AssayCore
import AssayCrypto
import AssayLedger
import AssayTestSupport
import AssayWorkflows
import Testing

/// Policy amendment in process (spec/policy.md §2): a proposal is the next version, signed as its
/// first approval; it holds once a threshold of the version before approve it; nothing is written
/// when a change or an approval would not count.
@Suite("policy amendment")
struct PolicyAmendmentTests {
    let directory: TemporaryDirectory
    let dataset: DatasetDirectory
    let keys: [String: Ed25519PrivateKey]
    static let issued = UTCDay("2026-01-01")!.startMs / 1000

    /// A dataset whose genesis lets gw-a and gw-b sign, threshold 2, approved by both.
    init() throws {
        directory = try TemporaryDirectory()
        var keys: [String: Ed25519PrivateKey] = [:]
        for name in ["gw-a", "gw-b", "gw-c", "outsider"] {
            keys[name] = try Ed25519PrivateKey(seed: MessageDigest.sha256(Array("policy amendment \(name)".utf8)).bytes)
        }
        self.keys = keys
        let namespaces = TrustPolicy.assayNamespaces.joined(separator: ",")
        let signers = ["gw-a", "gw-b"].map { "\($0) namespaces=\"\(namespaces)\" \(OpenSSHPublicKey(keys[$0]!.publicKey).line)\n" }.joined()
        _ = try DatasetDirectory.create(
            at: directory.file("dataset"),
            descriptor: DatasetDescriptor(id: "amend", title: "Amendment test", description: "policy amendment", licence: "CC0-1.0", simulated: true),
            allowedSigners: signers, threshold: 2, issued: Self.issued, approvals: [("gw-a", keys["gw-a"]!), ("gw-b", keys["gw-b"]!)])
        dataset = DatasetDirectory(directory.file("dataset"))
    }

    func chain() throws -> PolicyChain { PolicyChain.evaluate(dataset, descriptor: try dataset.descriptor()) }

    func addGwC() -> PolicyAmendment {
        var amendment = PolicyAmendment()
        amendment.additions = [.init(principal: "gw-c", key: keys["gw-c"]!.publicKey, from: Self.issued + 86_400)]
        return amendment
    }

    @Test("a proposal is pending with the proposer's approval, and holds once a second signer of the version before approves it")
    func proposeThenApprove() throws {
        let proposal = try addGwC().propose(in: dataset, issued: Self.issued + 3_600, key: keys["gw-a"]!, signer: "gw-a")
        #expect(proposal.relativePath == "policy/0002" && proposal.currentVersion == 1 && proposal.approvalsNeeded == 2)
        #expect(proposal.document.summary.hasPrefix("add \(OpenSSHPublicKey(keys["gw-c"]!.publicKey).fingerprint) for gw-c from 2026-01-02"))
        var pending = try #require(try chain().versions.last)
        #expect(pending.version == 2 && !pending.holds && pending.approvals == ["gw-a"])
        #expect(try chain().current?.version == 1)

        let approval = try PolicyAmendment.approve(version: 2, in: dataset, key: keys["gw-b"]!, signer: "gw-b")
        #expect(approval.approvals == 2 && approval.needed == 2)
        pending = try #require(try chain().versions.last)
        #expect(pending.holds)
        let current = try #require(try chain().current)
        #expect(current.version == 2)
        #expect(current.signers.entries.contains { $0.principals == ["gw-c"] && $0.validAfter == Self.issued + 86_400 })
    }

    @Test("no second proposal while one is pending; no approval that would not count; a second approval by the same signer is refused")
    func refusals() throws {
        _ = try addGwC().propose(in: dataset, issued: Self.issued + 3_600, key: keys["gw-a"]!, signer: "gw-a")
        var threshold = PolicyAmendment()
        threshold.threshold = 1
        #expect { try threshold.propose(in: dataset, issued: Self.issued + 7_200, key: keys["gw-b"]!, signer: "gw-b") } throws: {
            ($0 as? PolicyAmendmentError)?.reason.hasPrefix("version 2 is still pending (1 of 2 approvals)") == true
        }
        #expect { try PolicyAmendment.approve(version: 2, in: dataset, key: keys["outsider"]!, signer: "gw-b") } throws: {
            ($0 as? PolicyAmendmentError)?.reason.contains("does not let 'gw-b' approve") == true
        }
        #expect { try PolicyAmendment.approve(version: 2, in: dataset, key: keys["gw-a"]!, signer: "gw-a") } throws: {
            ($0 as? PolicyAmendmentError)?.reason == "policy/0002/signatures/gw-a.sig already exists"
        }
        #expect(!Files.exists(directory.file("dataset/policy/0003")) && !Files.exists(directory.file("dataset/policy/0002/signatures/gw-b.sig")))
    }

    @Test("a signer outside the current policy cannot propose; expiring an unknown key and revoking without a reason are refused; nothing is written")
    func badChanges() throws {
        #expect { try addGwC().propose(in: dataset, issued: Self.issued + 3_600, key: keys["outsider"]!, signer: "outsider") } throws: {
            ($0 as? PolicyAmendmentError)?.reason.contains("the proposal would have no valid approval") == true
        }
        var expiry = PolicyAmendment()
        expiry.expiries = [.init(fingerprint: OpenSSHPublicKey(keys["gw-c"]!.publicKey).fingerprint, at: Self.issued + 86_400)]
        #expect { try expiry.propose(in: dataset, issued: Self.issued + 3_600, key: keys["gw-a"]!, signer: "gw-a") } throws: {
            ($0 as? PolicyAmendmentError)?.reason.hasPrefix("no key SHA256:") == true
        }
        var revocation = PolicyAmendment()
        revocation.revocations = [.init(fingerprint: OpenSSHPublicKey(keys["gw-b"]!.publicKey).fingerprint, at: Self.issued + 86_400)]
        #expect { try revocation.propose(in: dataset, issued: Self.issued + 3_600, key: keys["gw-a"]!, signer: "gw-a") } throws: {
            ($0 as? PolicyAmendmentError)?.reason == "a revocation needs a reason"
        }
        #expect(!Files.exists(directory.file("dataset/policy/0002")))
    }

    @Test("a revocation ends the key one second before its time (ssh-keygen counts the valid-before second) and is listed in the new version")
    func revocation() throws {
        var revocation = PolicyAmendment()
        let fingerprint = OpenSSHPublicKey(keys["gw-b"]!.publicKey).fingerprint
        revocation.revocations = [.init(fingerprint: fingerprint, at: Self.issued + 86_400)]
        revocation.reason = "key leaked"
        let proposal = try revocation.propose(in: dataset, issued: Self.issued + 3_600, key: keys["gw-a"]!, signer: "gw-a")
        #expect(proposal.document.revocations == [Revocation(fingerprint: fingerprint, from: Self.issued + 86_400, reason: "key leaked")])
        _ = try PolicyAmendment.approve(version: 2, in: dataset, key: keys["gw-b"]!, signer: "gw-b")
        let current = try #require(try chain().current)
        let entry = try #require(current.signers.entries.first { $0.principals == ["gw-b"] })
        #expect(entry.validBefore == Self.issued + 86_400 - 1)
    }
}
