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

    @Test("validity periods are UTC, inclusive after and exclusive before")
    func validity() throws {
        let policy = try AllowedSigners(text: "op valid-after=\"20260101Z\",valid-before=\"202602010000Z\" \(Self.line)\n")
        let start: Int64 = 1_767_225_600  // 2026-01-01T00:00:00Z
        let end: Int64 = 1_769_904_000  // 2026-02-01T00:00:00Z
        #expect(!policy.allows(principal: "op", key: Self.key, namespace: "file", at: start - 1))
        #expect(policy.allows(principal: "op", key: Self.key, namespace: "file", at: start))
        #expect(policy.allows(principal: "op", key: Self.key, namespace: "file", at: end - 1))
        #expect(!policy.allows(principal: "op", key: Self.key, namespace: "file", at: end))
    }

    @Test("principal patterns")
    func patterns() throws {
        let policy = try AllowedSigners(text: "# operators\n\ngw-*,audit?@example \(Self.line) comment here\n")
        #expect(policy.allows(principal: "gw-eu-1", key: Self.key, namespace: "git", at: nil))
        #expect(policy.allows(principal: "audit1@example", key: Self.key, namespace: "git", at: nil))
        #expect(!policy.allows(principal: "audit12@example", key: Self.key, namespace: "git", at: nil))
        #expect(policy.principals(for: Self.key, namespace: "git", at: nil) == ["gw-*", "audit?@example"])
    }

    @Test("refusals name the line", arguments: [
        ("op cert-authority \(line)", "cert-authority"),
        ("op valid-after=\"20260101\" \(line)", "must end in Z"),
        ("op valid-after=\"20260230Z\" \(line)", "not a valid date"),
        ("!op \(line)", "negated"),
        ("op frobnicate \(line)", "unknown option"),
        ("op ssh-rsa AAAAB3NzaC1yc2E=", "Assay accepts only"),
        ("op", "missing key"),
        ("op valid-after=\"20260201Z\",valid-before=\"20260101Z\" \(line)", "not after"),
    ])
    func refusals(text: String, reason: String) {
        do {
            _ = try AllowedSigners(text: "# first line\n" + text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.line == 2)
            #expect(error.reason.contains(reason), "\(error.reason)")
        }
    }
}
