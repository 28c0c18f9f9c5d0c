import AssayCore
import AssayCrypto
import AssayLedger
import AssayTestSupport
import Testing

@Suite("allowed_signers")
struct AllowedSignersTests {
    static let key = try! Ed25519PrivateKey(seed: [UInt8](repeating: 3, count: 32)).publicKey
    static let line = OpenSSHPublicKey(key).line

    @Test("the ssh-keygen vector file parses; namespaces restrict signer-2", .enabled(if: Shared.isAvailable, Shared.skipReason))
    func vectorFile() throws {
        let policy = try AllowedSigners(text: String(decoding: try Shared.bytes("testvectors/sshsig/allowed_signers"), as: UTF8.self))
        #expect(policy.entries.count == 2)
        let signer2 = policy.entries[1]
        #expect(signer2.allows(principal: "signer-2", namespace: "assay-test@example", at: nil))
        #expect(!signer2.allows(principal: "signer-2", namespace: "file", at: nil))
        #expect(policy.entries[0].allows(principal: "signer-1", namespace: "anything", at: nil))
    }

    @Test("validity periods are UTC, and both bounds are inclusive (as in OpenSSH)")
    func validity() throws {
        let policy = try AllowedSigners(text: "op valid-after=\"20260101Z\",valid-before=\"202602010000Z\" \(Self.line)\n")
        let start: Int64 = 1_767_225_600  // 2026-01-01T00:00:00Z
        let end: Int64 = 1_769_904_000  // 2026-02-01T00:00:00Z
        #expect(!policy.allows(principal: "op", key: Self.key, namespace: "file", at: start - 1))
        #expect(policy.allows(principal: "op", key: Self.key, namespace: "file", at: start))
        #expect(policy.allows(principal: "op", key: Self.key, namespace: "file", at: end))
        #expect(!policy.allows(principal: "op", key: Self.key, namespace: "file", at: end + 1))
    }

    @Test("principal and namespace patterns, negation included")
    func patterns() throws {
        let policy = try AllowedSigners(text: "# operators\n\ngw-*,!gw-x,audit?@example namespaces=\"assay-*\" \(Self.line) comment here\n")
        #expect(policy.allows(principal: "gw-eu-1", key: Self.key, namespace: "assay-manifest-v1", at: nil))
        #expect(!policy.allows(principal: "gw-x", key: Self.key, namespace: "assay-manifest-v1", at: nil), "a negated pattern excludes")
        #expect(!policy.allows(principal: "gw-eu-1", key: Self.key, namespace: "git", at: nil), "assay-* does not match git")
        #expect(policy.allows(principal: "audit1@example", key: Self.key, namespace: "assay-scores-v1", at: nil))
        #expect(!policy.allows(principal: "audit12@example", key: Self.key, namespace: "assay-scores-v1", at: nil))
        #expect(policy.findPrincipals(key: Self.key, at: 0) == ["gw-*", "!gw-x", "audit?@example"])
    }

    @Test("a hostile pattern is matched in polynomial time")
    func hostilePattern() {
        let pattern = String(repeating: "*a", count: 500) + "b"
        let text = String(repeating: "a", count: 60)
        #expect(!AllowedSigners.matchesList(text, patterns: [pattern]))
        #expect(!AllowedSigners.matchesList("x", patterns: ["*", String(repeating: "x", count: 1023)]), "a subpattern of 1023 bytes makes the list fail")
    }

    @Test("lines OpenSSH skips, and lines Assay refuses on purpose, name their line and authorize nothing", arguments: [
        ("op cert-authority \(line)", "cert-authority", true),
        ("op valid-after=\"20260101\" \(line)", "has no Z", true),
        ("op valid-after=\"20260230Z\" \(line)", "not a real date", true),
        ("op namespaces=\"a\",namespaces=\"b\" \(line)", "multiple \"namespaces\"", false),
        ("op namespaces=a \(line)", "missing start quote", false),
        ("op frobnicate \(line)", "unknown key option", false),
        ("op ssh-rsa AAAAB3NzaC1yc2E=", "only Ed25519", true),
        ("op", "nothing after the principals", false),
        ("op valid-after=\"20260201Z\",valid-before=\"20260101Z\" \(line)", "is before", false),
    ])
    func refusals(text: String, reason: String, deliberate: Bool) {
        let lenient = AllowedSigners(bytes: Array(("# first line\n" + text).utf8))
        #expect(lenient.entries.isEmpty)
        #expect(lenient.rejected.count == 1 && lenient.rejected[0].line == 2 && lenient.rejected[0].deliberate == deliberate, "\(lenient.rejected)")
        do {
            _ = try AllowedSigners(text: "# first line\n" + text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.line == 2)
            #expect(error.reason.contains(reason), "\(error.reason)")
        }
    }
}
