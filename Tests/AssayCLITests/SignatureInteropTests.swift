import AssayTestSupport
import Foundation
import Testing

/// `assay sign` / `check-signature` against the system's `ssh-keygen`, both ways.
@Suite("SSHSIG interop with ssh-keygen", .enabled(if: Command.available("ssh-keygen"), "ssh-keygen is not installed"))
struct SignatureInteropTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        try directory.write("report.txt", "throughput 42 jobs/s\n")
    }

    func allowedSigners(principal: String, publicKeyFile: String, namespaces: String? = nil) throws -> String {
        let key = String(decoding: try directory.read(publicKeyFile), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let options = namespaces.map { " namespaces=\"\($0)\"" } ?? ""
        try directory.write("allowed_signers", "\(principal)\(options) \(key)\n")
        return directory.file("allowed_signers")
    }

    @Test("a signature made by assay sign verifies with ssh-keygen -Y verify")
    func assaySignsSshKeygenVerifies() throws {
        try #require(Command.assay(["keygen", "--output", directory.file("op"), "--comment", "op@example"]).status == 0)
        let sign = try Command.assay(["sign", "--key", directory.file("op"), "--namespace", "assay-manifest-v1", directory.file("report.txt")])
        #expect(sign.status == 0, "\(sign.stderr)")
        let policy = try allowedSigners(principal: "op@example", publicKeyFile: "op.pub", namespaces: "assay-manifest-v1")
        let verify = try Command.system("ssh-keygen", ["-Y", "verify", "-f", policy, "-I", "op@example", "-n", "assay-manifest-v1",
                                                       "-s", directory.file("report.txt.sig")], input: try directory.read("report.txt"))
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        #expect(verify.stdout.contains("Good \"assay-manifest-v1\" signature for op@example"))

        var tampered = try directory.read("report.txt")
        tampered[0] ^= 0x01
        let bad = try Command.system("ssh-keygen", ["-Y", "verify", "-f", policy, "-I", "op@example", "-n", "assay-manifest-v1",
                                                    "-s", directory.file("report.txt.sig")], input: tampered)
        #expect(bad.status != 0)
    }

    @Test("a signature made by ssh-keygen -Y sign verifies with assay check-signature")
    func sshKeygenSignsAssayVerifies() throws {
        let keygen = try Command.system("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ops@example", "-f", directory.file("ssh")])
        try #require(keygen.status == 0, "\(keygen.stderr)")
        let sign = try Command.system("ssh-keygen", ["-Y", "sign", "-f", directory.file("ssh"), "-n", "file", directory.file("report.txt")])
        try #require(sign.status == 0, "\(sign.stderr)")
        let check = try Command.assay(["check-signature", "--public-key", directory.file("ssh.pub"), "--namespace", "file",
                                       directory.file("report.txt")])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("Good \"file\" signature"))

        let policy = try allowedSigners(principal: "ops@example", publicKeyFile: "ssh.pub")
        let viaPolicy = try Command.assay(["check-signature", "--allowed-signers", policy, "--signer", "ops@example",
                                           "--namespace", "file", directory.file("report.txt")])
        #expect(viaPolicy.status == 0, "\(viaPolicy.stderr)")
        let wrongSigner = try Command.assay(["check-signature", "--allowed-signers", policy, "--signer", "mallory",
                                             "--namespace", "file", directory.file("report.txt")])
        #expect(wrongSigner.status != 0)
        let wrongNamespace = try Command.assay(["check-signature", "--public-key", directory.file("ssh.pub"), "--namespace", "git",
                                                directory.file("report.txt")])
        #expect(wrongNamespace.status != 0)
        #expect(wrongNamespace.stderr.contains("namespace"))
    }

    @Test("a key made by ssh-keygen -t ed25519 signs with assay sign")
    func sshKeygenKeyWithAssay() throws {
        try #require(try Command.system("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "k@example", "-f", directory.file("k")]).status == 0)
        let sign = try Command.assay(["sign", "--key", directory.file("k"), "--namespace", "file", directory.file("report.txt")])
        #expect(sign.status == 0, "\(sign.stderr)")
        let policy = try allowedSigners(principal: "k@example", publicKeyFile: "k.pub")
        let verify = try Command.system("ssh-keygen", ["-Y", "verify", "-f", policy, "-I", "k@example", "-n", "file",
                                                       "-s", directory.file("report.txt.sig")], input: try directory.read("report.txt"))
        #expect(verify.status == 0, "\(verify.stderr)")
        // ssh-keygen's own fingerprint of the key equals the one Assay prints.
        let fingerprint = try Command.system("ssh-keygen", ["-l", "-f", directory.file("k.pub")])
        let check = try Command.assay(["check-signature", "--public-key", directory.file("k.pub"), "--namespace", "file",
                                       directory.file("report.txt")])
        let printed = fingerprint.stdout.split(separator: " ")[1]
        #expect(check.stdout.contains(String(printed)))
    }

    @Test("tampering one byte of the message or of the signature fails")
    func tampering() throws {
        try #require(try Command.assay(["keygen", "--output", directory.file("op")]).status == 0)
        try #require(try Command.assay(["sign", "--key", directory.file("op"), "--namespace", "file", directory.file("report.txt")]).status == 0)
        let good = try Command.assay(["check-signature", "--public-key", directory.file("op.pub"), "--namespace", "file", directory.file("report.txt")])
        #expect(good.status == 0)

        let message = try directory.read("report.txt")
        for index in [0, message.count / 2, message.count - 1] {
            var copy = message
            copy[index] ^= 0x20
            try directory.write("tampered.txt", bytes: copy)
            let result = try Command.assay(["check-signature", "--public-key", directory.file("op.pub"), "--namespace", "file",
                                            "--signature", directory.file("report.txt.sig"), directory.file("tampered.txt")])
            #expect(result.status != 0)
            #expect(result.stderr.contains("bad-signature"))
        }
        // Flip one bit of the raw Ed25519 signature inside the armor (its last base64 characters).
        let armored = String(decoding: try directory.read("report.txt.sig"), as: UTF8.self)
        var lines = armored.split(separator: "\n").map(String.init)
        let last = lines.count - 2
        var chars = Array(lines[last])
        let position = chars.lastIndex { $0 != "=" }! - 3
        chars[position] = chars[position] == "A" ? "B" : "A"
        lines[last] = String(chars)
        try directory.write("forged.sig", lines.joined(separator: "\n") + "\n")
        let forged = try Command.assay(["check-signature", "--public-key", directory.file("op.pub"), "--namespace", "file",
                                        "--signature", directory.file("forged.sig"), directory.file("report.txt")])
        #expect(forged.status != 0)
    }
}

@Suite("key files")
struct KeyFileTests {
    @Test("keygen writes mode 0600 and refuses to overwrite")
    func keygen() throws {
        let directory = try TemporaryDirectory()
        let first = try Command.assay(["keygen", "--output", directory.file("key")])
        #expect(first.status == 0, "\(first.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.file("key"))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(first.stdout.contains("SHA256:"))
        let before = try directory.read("key")
        let second = try Command.assay(["keygen", "--output", directory.file("key")])
        #expect(second.status != 0)
        #expect(second.stderr.contains("already exists"))
        #expect(try directory.read("key") == before)
    }

    @Test("a private key readable by group or others is refused, as ssh does")
    func permissions() throws {
        let directory = try TemporaryDirectory()
        try #require(try Command.assay(["keygen", "--output", directory.file("key")]).status == 0)
        try directory.write("m.txt", "x")
        for mode in [0o640, 0o604, 0o644] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: directory.file("key"))
            let result = try Command.assay(["sign", "--key", directory.file("key"), "--namespace", "file", directory.file("m.txt")])
            #expect(result.status != 0)
            #expect(result.stderr.contains("too open"))
            #expect(result.stderr.contains("insecure-permissions"))
        }
    }

    @Test("an encrypted ssh-keygen key is refused with advice", .enabled(if: Command.available("ssh-keygen")))
    func encrypted() throws {
        let directory = try TemporaryDirectory()
        try #require(try Command.system("ssh-keygen", ["-q", "-t", "ed25519", "-N", "secret", "-f", directory.file("enc")]).status == 0)
        try directory.write("m.txt", "x")
        let result = try Command.assay(["sign", "--key", directory.file("enc"), "--namespace", "file", directory.file("m.txt")])
        #expect(result.status != 0)
        #expect(result.stderr.contains("encrypted"))
    }
}
