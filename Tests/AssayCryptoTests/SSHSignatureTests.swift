import AssayCore
import AssayCrypto
import AssayTestSupport
import Foundation
import Synchronization
import Testing

@Suite("OpenSSH keys and SSHSIG")
struct SSHSignatureTests {
    static let directory = "testvectors/sshsig"

    /// `MSG.NAMESPACE.SIGNER[.sha256].sig` signs `MSG`.
    struct Vector: CustomTestStringConvertible, Sendable {
        let file: String
        let message: String
        let namespace: String
        let signer: String
        var testDescription: String { file }
    }

    static let vectors: [Vector] = Shared.list(directory).filter { $0.hasSuffix(".sig") }.compactMap { file in
        let parts = file.split(separator: ".").map(String.init)
        guard let index = parts.firstIndex(where: { $0 == "signer1" || $0 == "signer2" }), index >= 3 else { return nil }
        let namespace = parts[index - 1] == "assay-test" ? "assay-test@example" : parts[index - 1]
        return Vector(file: file, message: parts[0..<index - 1].joined(separator: "."), namespace: namespace,
                      signer: parts[index])
    }

    func publicKey(_ signer: String) throws -> OpenSSHPublicKey {
        try OpenSSHPublicKey(line: String(decoding: Shared.bytes("\(Self.directory)/\(signer).pub"), as: UTF8.self))
    }

    @Test("every ssh-keygen signature verifies, and fails when tampered",
          .enabled(if: Shared.isAvailable, Shared.skipReason), arguments: vectors)
    func vector(_ vector: Vector) throws {
        let text = String(decoding: try Shared.bytes("\(Self.directory)/\(vector.file)"), as: UTF8.self)
        let message = try Shared.bytes("\(Self.directory)/\(vector.message)")
        let signature = try SSHSignature(armored: text)
        let signer = try publicKey(vector.signer)
        #expect(signature.armored == text, "re-encoding reproduces ssh-keygen's bytes")
        #expect(signature.hashAlgorithm == (vector.file.contains(".sha256.") ? .sha256 : .sha512))
        try signature.verify(message, namespace: vector.namespace, signer: signer.key)

        #expect(throws: CryptoError.self) { try signature.verify(message + [0], namespace: vector.namespace) }
        #expect(throws: CryptoError.self) { try signature.verify(message, namespace: vector.namespace + "x") }
        var blob = signature.blob
        blob[blob.count - 1] ^= 0x01
        let tampered = try SSHSignature(blob: blob)
        #expect(throws: CryptoError.self) { try tampered.verify(message, namespace: vector.namespace) }
    }

    @Test("the vector set was found", .enabled(if: Shared.isAvailable, Shared.skipReason))
    func vectorCount() { #expect(Self.vectors.count == 9) }

    @Test("ssh-keygen's private keys parse, derive their public keys, and re-encode",
          .enabled(if: Shared.isAvailable, Shared.skipReason), arguments: ["signer1", "signer2"])
    func privateKeys(signer: String) throws {
        let pem = String(decoding: try Shared.bytes("\(Self.directory)/\(signer)"), as: UTF8.self)
        let key = try OpenSSHPrivateKey(pem: pem)
        let expected = try publicKey(signer)
        #expect(key.publicKey.key == expected.key)
        #expect(key.comment == expected.comment)
        // The check integer is random in ssh-keygen's file; with it fixed the bytes match.
        let parsed = try OpenSSHPrivateKey(pem: try key.pem())
        #expect(parsed.key.seed == key.key.seed)
    }

    /// A signer that is not a key in memory (as an SSH agent would be): it only hands out signatures.
    final class DelegatingSigner: Ed25519Signer {
        let key: Ed25519PrivateKey
        let signed = Mutex(0)
        init(key: Ed25519PrivateKey) { self.key = key }
        var publicKey: Ed25519PublicKey { key.publicKey }
        func signature(for message: some Collection<UInt8>) throws(CryptoError) -> [UInt8] {
            signed.withLock { $0 += 1 }
            return try key.signature(for: message)
        }
    }

    @Test("any Ed25519Signer signs SSHSIG: the signature is the key's own, byte for byte, made through the signer")
    func signerProtocol() throws {
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 9, count: 32))
        let signer = DelegatingSigner(key: key)
        let existential: any Ed25519Signer = signer  // as the ledger and the workflows hold it
        let through = try SSHSignature.sign(Array("hello".utf8), namespace: "assay-manifest-v1", with: existential)
        #expect(signer.signed.withLock { $0 } == 1)
        #expect(through == (try SSHSignature.sign(Array("hello".utf8), namespace: "assay-manifest-v1", with: key)))
        try through.verify(Array("hello".utf8), namespace: "assay-manifest-v1", signer: key.publicKey)
    }

    @Test("signatures made here are deterministic and verify")
    func roundTrip() throws {
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 7, count: 32))
        let first = try SSHSignature.sign(Array("hello".utf8), namespace: "assay-manifest-v1", with: key)
        let second = try SSHSignature.sign(Array("hello".utf8), namespace: "assay-manifest-v1", with: key)
        #expect(first == second)
        try SSHSignature(armored: first.armored).verify(Array("hello".utf8), namespace: "assay-manifest-v1", signer: key.publicKey)
        let other = try Ed25519PrivateKey(seed: [UInt8](repeating: 8, count: 32))
        let error = try #require(throws: CryptoError.self) {
            try first.verify(Array("hello".utf8), namespace: "assay-manifest-v1", signer: other.publicKey)
        }
        #expect(error.code == .wrongKey)
    }

    @Test("malformed signatures and keys are refused with a reason", arguments: [
        "",
        "-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n",
        "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n",
        "-----BEGIN SSH SIGNATURE-----\n!!!!\n-----END SSH SIGNATURE-----\n",
    ])
    func malformed(text: String) {
        #expect(throws: CryptoError.self) { try SSHSignature(armored: text) }
    }

    @Test("public key lines: type, base64 and comment")
    func publicKeyLines() throws {
        #expect(throws: CryptoError.self) { try OpenSSHPublicKey(line: "ssh-rsa AAAAB3NzaC1yc2E= x") }
        #expect(throws: CryptoError.self) { try OpenSSHPublicKey(line: "ssh-ed25519 !!!") }
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 1, count: 32)).publicKey
        let line = OpenSSHPublicKey(key, comment: "op@example").line
        let parsed = try OpenSSHPublicKey(line: line + "\n")
        #expect(parsed.key == key && parsed.comment == "op@example")
        #expect(parsed.fingerprint.hasPrefix("SHA256:") && !parsed.fingerprint.hasSuffix("="))
    }
}
