import AssayCore
import AssayCrypto
import AssayGit
import AssayTestSupport
import Foundation
import Testing

/// The libgit2 adapter against real repositories in temporary directories, cross-checked with the
/// system's `git`: signed commits that git verifies, the append-only rule, and replay onto a
/// remote that moved.
@Suite("git repository (libgit2)", .enabled(if: Command.available("git") && Command.available("ssh-keygen"), "git and ssh-keygen are needed"))
struct GitRepositoryTests {
    let directory: TemporaryDirectory
    let key: Ed25519PrivateKey

    init() throws {
        directory = try TemporaryDirectory()
        key = try Ed25519PrivateKey(seed: MessageDigest.sha256(Array("git repository tests".utf8)).bytes)
        try directory.write("allowed_signers", "tester namespaces=\"git\" \(OpenSSHPublicKey(key.publicKey).line)\n")
    }

    func sign(_ buffer: [UInt8]) throws -> String {
        try SSHSignature.sign(buffer, namespace: "git", with: key).armored
    }

    func identity(_ time: Int64) -> GitIdentity { GitIdentity(name: "tester", email: "tester@example", time: time) }

    /// `git` in `path`, verifying SSH signatures against this test's allowed_signers.
    func git(_ path: String, _ arguments: [String]) throws -> CommandResult {
        try Command.system("git", ["-C", path, "-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=\(directory.file("allowed_signers"))"]
                           + arguments)
    }

    @Test("a commit made through libgit2 is SSH-signed so that git verify-commit accepts it, with the given author and time")
    func signedCommit() throws {
        let work = directory.file("work")
        let repository = try GitRepository.create(work, bare: false)
        try directory.write("work/a.txt", "a\n")
        let commit = try repository.commitSigned(adding: ["a.txt"], message: "add a", author: identity(1_767_225_600), sign: sign)
        let verified = try git(work, ["verify-commit", commit])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stderr.contains("Good \"git\" signature for tester"), "\(verified.stderr)")
        #expect(try git(work, ["log", "-1", "--format=%an <%ae> %at %s"]).stdout == "tester <tester@example> 1767225600 add a\n")
        #expect(try repository.status().isEmpty, "the work tree is clean after the commit")
        #expect(try repository.resolve("HEAD") == commit)
    }

    @Test("a commit that would change a committed file is refused before anything is written")
    func appendOnly() throws {
        let work = directory.file("work")
        let repository = try GitRepository.create(work, bare: false)
        try directory.write("work/a.txt", "a\n")
        let first = try repository.commitSigned(adding: ["a.txt"], message: "add a", author: identity(1), sign: sign)
        try directory.write("work/a.txt", "rewritten\n")
        #expect {
            _ = try repository.commitSigned(adding: ["a.txt"], message: "rewrite a", author: identity(2), sign: sign)
        } throws: { ($0 as? GitError)?.code == .notAppendOnly }
        #expect(try repository.resolve("HEAD") == first, "the branch did not move")
        #expect(try git(work, ["rev-list", "--count", "HEAD"]).stdout == "1\n")
        // A path the rules let change (a dataset's log checkpoint) may be modified; nothing else may.
        let rules = AppendOnlyRules(mutablePaths: ["a.txt"])
        _ = try repository.commitSigned(adding: ["a.txt"], message: "rewrite a", author: identity(2), rules: rules, sign: sign)
        #expect(try git(work, ["rev-list", "--count", "HEAD"]).stdout == "2\n")
    }

    @Test("a branch behind a remote that moved replays its own commits on top, signed again; the same path with other content is a conflict")
    func replay() throws {
        let remote = directory.file("remote.git")
        _ = try GitRepository.create(remote, bare: true)
        let alice = try GitRepository.clone(remote, to: directory.file("alice"))
        try alice.useBranch("main")  // a clone of an empty repository starts on libgit2's default branch
        try directory.write("alice/base.txt", "base\n")
        _ = try alice.commitSigned(adding: ["base.txt"], message: "base", author: identity(1), sign: sign)
        try alice.push(remote: "origin", branch: "main")
        let bob = try GitRepository.clone(remote, to: directory.file("bob"))
        try directory.write("alice/a.txt", "from alice\n")
        _ = try alice.commitSigned(adding: ["a.txt"], message: "alice adds a", author: identity(2), sign: sign)
        try alice.push(remote: "origin", branch: "main")
        try directory.write("bob/b.txt", "from bob\n")
        _ = try bob.commitSigned(adding: ["b.txt"], message: "bob adds b", author: identity(3), sign: sign)

        try bob.fetch(remote: "origin")
        let upstream = try #require(try bob.resolve("refs/remotes/origin/main"))
        #expect(try bob.integrate(upstream: upstream, sign: sign) == 1)
        let log = try git(directory.file("bob"), ["log", "--format=%s", "main"]).stdout
        #expect(log == "bob adds b\nalice adds a\nbase\n")
        let head = try #require(try bob.resolve("HEAD"))
        #expect(try git(directory.file("bob"), ["verify-commit", head]).status == 0, "the replayed commit is signed again")
        #expect(Files.exists(directory.file("bob/a.txt")) && Files.exists(directory.file("bob/b.txt")), "the work tree has both files")
        try bob.push(remote: "origin", branch: "main")

        // Alice now adds b.txt with other content: replaying it onto Bob's b.txt is a conflict, and her commit stays local.
        try directory.write("alice/b.txt", "other content\n")
        let local = try alice.commitSigned(adding: ["b.txt"], message: "alice adds b", author: identity(4), sign: sign)
        try alice.fetch(remote: "origin")
        let moved = try #require(try alice.resolve("refs/remotes/origin/main"))
        #expect {
            _ = try alice.integrate(upstream: moved, sign: sign)
        } throws: { ($0 as? GitError)?.code == .conflict }
        #expect(try alice.resolve("HEAD") == local)
    }
}
