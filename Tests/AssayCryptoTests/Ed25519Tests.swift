import AssayCore
import AssayCrypto
import AssayTestSupport
import Testing

@Suite("Ed25519 over OpenSSL")
struct Ed25519Tests {
    struct Case: CustomTestStringConvertible, Sendable {
        let id: Int64
        let comment: String
        let publicKey: [UInt8]
        let message: [UInt8]
        let signature: [UInt8]
        let valid: Bool
        var testDescription: String { "tcId \(id): \(comment)" }
    }

    static let cases: [Case] = {
        guard Shared.isAvailable, let file = try? Shared.json("testvectors/ed25519/wycheproof_ed25519_test.json") else {
            return []
        }
        var cases: [Case] = []
        for group in file["testGroups"]?.arrayValue ?? [] {
            let publicKey = Hex.decode(group["publicKey"]?["pk"]?.stringValue ?? "") ?? []
            for test in group["tests"]?.arrayValue ?? [] {
                cases.append(Case(
                    id: test["tcId"]?.intValue ?? -1, comment: test["comment"]?.stringValue ?? "",
                    publicKey: publicKey, message: Hex.decode(test["msg"]?.stringValue ?? "") ?? [],
                    signature: Hex.decode(test["sig"]?.stringValue ?? "") ?? [],
                    valid: test["result"]?.stringValue == "valid"))
            }
        }
        return cases
    }()

    @Test("every Wycheproof vector is accepted or rejected as labelled",
          .enabled(if: Shared.isAvailable, Shared.skipReason), arguments: cases)
    func wycheproof(test: Case) throws {
        let key = try Ed25519PublicKey(rawRepresentation: test.publicKey)
        #expect(key.isValidSignature(test.signature, for: test.message) == test.valid)
    }

    @Test("all Wycheproof vectors were read", .enabled(if: Shared.isAvailable, Shared.skipReason))
    func count() {
        #expect(Self.cases.count == 150 || Self.cases.count == 151)
        #expect(Self.cases.contains { !$0.valid })
    }

    @Test("RFC 8032 §7.1 test 1: key derivation and signature")
    func rfc8032() throws {
        let seed = Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")!
        let key = try Ed25519PrivateKey(seed: seed)
        #expect(Hex.encode(key.publicKey.rawRepresentation) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let signature = try key.signature(for: [UInt8]())
        #expect(Hex.encode(signature) == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
        #expect(key.publicKey.isValidSignature(signature, for: [UInt8]()))
        #expect(!key.publicKey.isValidSignature(signature, for: [0]))
    }

    @Test("wrong sizes are refused, not crashed on")
    func sizes() throws {
        #expect(throws: CryptoError.self) { try Ed25519PublicKey(rawRepresentation: [1, 2, 3]) }
        #expect(throws: CryptoError.self) { try Ed25519PrivateKey(seed: []) }
        let key = try Ed25519PrivateKey.generate()
        #expect(!key.publicKey.isValidSignature([UInt8](repeating: 0, count: 63), for: [1]))
    }

    @Test("SHA-256 and SHA-512 of known inputs, one-shot and streamed")
    func digests() {
        #expect(MessageDigest.sha256(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(MessageDigest.sha512([UInt8]()).hex.hasPrefix("cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"))
        let hasher = MessageDigest(.sha256)
        for _ in 0..<1000 { hasher.update(Array("a".utf8)) }
        #expect(hasher.finalize() == MessageDigest.sha256([UInt8](repeating: 0x61, count: 1000)))
    }
}
