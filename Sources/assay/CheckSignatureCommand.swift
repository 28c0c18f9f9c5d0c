import ArgumentParser
import AssayCommandLine
import AssayCore
import AssayCrypto
import AssayLedger

struct CheckSignatureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-signature",
        abstract: "Verify an SSHSIG signature of a file.",
        discussion: """
            Checks that SIGNATURE is a valid signature of FILE for NAMESPACE by the given public \
            key, or by a key that an OpenSSH allowed_signers file lets SIGNER use for NAMESPACE \
            (the same check as 'ssh-keygen -Y verify'). Ed25519 is checked with OpenSSL's strict \
            rules, so Assay refuses some non-canonical signatures that ssh-keygen accepts.

            Examples:
              assay check-signature --public-key keys/gateway-a.pub --namespace file \\
                  --signature report.txt.sig report.txt
              assay check-signature --allowed-signers allowed_signers --signer gateway-a \\
                  --namespace assay-manifest-v1 --signature manifest.json.sig manifest.json
            """)

    @Option(name: [.short, .long], help: "The signature file (default: FILE.sig).")
    var signature: String?

    @Option(name: [.short, .long], help: "The namespace the signature must be for.")
    var namespace: String

    @Option(help: "The signer's public key (.pub file).")
    var publicKey: String?

    @Option(help: "An OpenSSH allowed_signers file (use with --signer).")
    var allowedSigners: String?

    @Option(help: "The principal in the allowed_signers file.")
    var signer: String?

    @Option(help: "Check key validity periods at this time (seconds since the epoch; default: now).")
    var at: Int64?

    @Argument(help: "The signed file ('-' for standard input).")
    var file: String

    func validate() throws {
        switch (publicKey, allowedSigners, signer) {
        case (.some, nil, nil), (nil, .some, .some): break
        case (nil, .some, nil): throw ValidationError("--allowed-signers needs --signer")
        default: throw ValidationError("give either --public-key, or --allowed-signers with --signer")
        }
        if file == "-" && signature == nil { throw ValidationError("reading standard input needs --signature") }
    }

    func run() throws {
        let signaturePath = signature ?? file + ".sig"
        let text = String(decoding: try Files.read(signaturePath, limit: 1 << 20), as: UTF8.self)
        let parsed: SSHSignature
        do { parsed = try SSHSignature(armored: text) } catch {
            throw Failure(message: "\(signaturePath): \(error)")
        }
        let hasher = MessageDigest(parsed.hashAlgorithm)
        try Files.stream(file) { hasher.update($0) }
        let digest = hasher.finalize()
        var principal = "the given public key"
        if let publicKey {
            let expected = try KeyFiles.readPublicKey(at: publicKey)
            try parsed.verify(messageDigest: digest, namespace: namespace, signer: expected.key)
        } else if let allowedSigners, let signer {
            let policyText = String(decoding: try Files.read(allowedSigners, limit: 1 << 24), as: UTF8.self)
            let policy: AllowedSigners
            do { policy = try AllowedSigners(text: policyText) } catch {
                throw Failure(message: "\(allowedSigners):\(error.line): \(error.reason)")
            }
            let time = at ?? WallClock.nowMilliseconds / 1000
            guard policy.allows(principal: signer, key: parsed.publicKey.key, namespace: namespace, at: time) else {
                throw Failure(message: "\(allowedSigners) does not allow '\(signer)' to sign for '\(namespace)' with \(parsed.publicKey.fingerprint) at \(time)")
            }
            try parsed.verify(messageDigest: digest, namespace: namespace)
            principal = "\"\(signer)\""
        }
        print("Good \"\(namespace)\" signature for \(principal) with ED25519 key \(parsed.publicKey.fingerprint)")
    }
}
