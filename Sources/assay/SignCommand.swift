import ArgumentParser
import AssayCommandLine
import AssayCore
import AssayCrypto

struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign files with SSHSIG (the format of 'ssh-keygen -Y sign').",
        discussion: """
            Each FILE is hashed with SHA-512 as a stream and signed for NAMESPACE; the armored \
            signature goes to FILE.sig (refused if it exists, unless --force). '-' signs standard \
            input and writes the signature to standard output. The result verifies with \
            'ssh-keygen -Y verify' and with 'assay check-signature'.

            Example:
              assay sign --key keys/gateway-a --namespace assay-manifest-v1 manifest.json
            """)

    @Option(name: [.short, .long], help: "The private key (OpenSSH Ed25519, unencrypted, mode 0600).")
    var key: String

    @Option(name: [.short, .long], help: "The signature namespace, e.g. assay-manifest-v1 or file.")
    var namespace: String

    @Flag(help: "Replace an existing FILE.sig.")
    var force = false

    @Argument(help: "Files to sign ('-' for standard input).")
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one file to sign") }
        guard !namespace.isEmpty else { throw ValidationError("--namespace must not be empty") }
    }

    func run() throws {
        let privateKey = try KeyFiles.readPrivateKey(at: key)
        for file in files {
            let hasher = MessageDigest(.sha512)
            try Files.stream(file) { hasher.update($0) }
            let signature = try SSHSignature.sign(
                messageDigest: hasher.finalize(), hashAlgorithm: .sha512, namespace: namespace, with: privateKey.key)
            let armored = Array(signature.armored.utf8)
            if file == "-" {
                let output = BufferedWriter()
                output.write(armored)
                output.flush()
                continue
            }
            let target = file + ".sig"
            if force { try Files.writeAtomically(target, contents: armored) } else {
                guard !Files.exists(target) else {
                    throw ValidationError("'\(target)' already exists; use --force to replace it")
                }
                try Files.createExclusive(target, contents: armored, mode: 0o644)
            }
            Diagnostics.print("Signed \(file) -> \(target)")
        }
    }
}
