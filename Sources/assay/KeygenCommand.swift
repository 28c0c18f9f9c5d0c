import ArgumentParser
import AssayCrypto

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create an Ed25519 key pair in OpenSSH format.",
        discussion: """
            Writes the private key to FILE (mode 0600, unencrypted openssh-key-v1, as \
            'ssh-keygen -t ed25519 -N ""' writes it) and the public key to FILE.pub. Refuses to \
            overwrite either. Keys made with ssh-keygen work just as well.

            Example:
              assay keygen --output keys/gateway-a --comment gateway-a@example
            """)

    @Option(name: [.short, .long], help: "Path of the private key; the public key goes to PATH.pub.")
    var output: String

    @Option(name: [.short, .long], help: "Comment stored with the key (an operator id or e-mail).")
    var comment: String = ""

    func run() throws {
        let key = OpenSSHPrivateKey(try Ed25519PrivateKey.generate(), comment: comment)
        try KeyFiles.writeKeyPair(key, to: output)
        print("Wrote \(output) (private, mode 0600) and \(output).pub")
        print("Fingerprint: \(key.publicKey.fingerprint)")
        print(key.publicKey.line)
    }
}
