import AssayCore
import AssayCrypto
import AssayGit
import AssayWorkflows
import AssayTestSupport
import Foundation
import Testing

/// Publishing with libgit2: SSH-signed additive commits that stock git
/// verifies, pushed to a bare repository standing in for the public remote.
@Suite("publishing to git", .enabled(if: Command.available("git"), "git is not installed"))
struct PublishTests {
    let directory: TemporaryDirectory
    var work: String { directory.file("work") }
    var remote: String { directory.file("remote.git") }
    let records = Repository.url("spec/vectors/records/valid.jsonl").path

    init() throws {
        directory = try TemporaryDirectory()
        try #require(try Command.assay(["keygen", "--output", directory.file("gw-a")]).status == 0)
        try #require(try Command.assay(["keygen", "--output", directory.file("gw-b")]).status == 0)
        _ = try GitRepository.create(remote, bare: true)
        let repository = try GitRepository.create(work, bare: false)
        try repository.addRemote("origin", url: remote)
        try #require(try Command.assay(["dataset", "init", work, "--id", "pub-test", "--title", "Publishing test",
                                        "--signer", "gw-a=\(directory.file("gw-a.pub"))", "--signer", "gw-b=\(directory.file("gw-b.pub"))",
                                        "--key", directory.file("gw-a")]).status == 0)
    }

    func publish(_ repository: String? = nil, key: String = "gw-a", extra: [String] = []) throws -> CommandResult {
        try Command.assay(["publish", "--dataset", repository ?? work, "--key", directory.file(key), "--signer", key] + extra)
    }

    func seal(_ day: String, in dataset: String? = nil) throws {
        let result = try Command.assay(["seal", "--dataset", dataset ?? work, "--collector", "gw-a", "--day", day,
                                        "--key", directory.file("gw-a"), "--records", records])
        try #require(result.status == 0, "\(result.stderr)")
    }

    func git(_ arguments: [String], in path: String? = nil) throws -> CommandResult {
        try Command.system("git", ["-C", path ?? work, "-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=\(work)/policy/0001/allowed_signers"] + arguments)
    }

    @Test("every commit Assay makes passes git verify-commit, and a fresh clone verifies")
    func signedCommits() throws {
        let first = try publish()
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Pushed to origin"))
        try seal("2026-01-09")
        try seal("2026-01-10")
        let second = try publish()
        #expect(second.status == 0, "\(second.stderr)")
        // 8 bundle files, and 9 of the log: two checkpoints (text, signature, hash tile, entry bundle) and log/checkpoint.
        #expect(second.stdout.contains("17 files in 2 bundles"), "\(second.stdout)")
        let commits = try git(["rev-list", "HEAD"]).stdout.split(separator: "\n").map(String.init)
        #expect(commits.count == 2)
        for commit in commits {
            let verified = try git(["verify-commit", commit])
            #expect(verified.status == 0, "\(commit): \(verified.stderr)")
            #expect(verified.stderr.contains("Good \"git\" signature for gw-a"))
        }
        #expect(try git(["status", "--porcelain"]).stdout.isEmpty)
        #expect(try git(["log", "-1", "--format=%s"]).stdout == "Seal gw-a 2026-01-09 and 1 more\n")

        let clone = directory.file("clone")
        #expect(try Command.system("git", ["clone", "-q", remote, clone]).status == 0)
        let verify = try Command.assay(["verify", clone, "--git"])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("Verified: 2 bundles"))
    }

    @Test("publishing is refused on a dirty work tree and on a branch behind the remote")
    func refusals() throws {
        #expect(try publish().status == 0)
        try Files.writeAtomically("\(work)/dataset.json", contents: Array(try Files.read("\(work)/dataset.json")) + Array(" ".utf8))
        let dirty = try publish()
        #expect(dirty.status != 0)
        #expect(dirty.stderr.contains("dirty"))
        #expect(try git(["checkout", "--", "dataset.json"]).status == 0)

        // A second operator's clone publishes first; this clone then falls behind.
        let other = directory.file("other")
        #expect(try Command.system("git", ["clone", "-q", remote, other]).status == 0)
        try seal("2026-01-09", in: other)
        #expect(try publish(other).status == 0)
        #expect(try git(["fetch", "-q", "origin"]).status == 0)
        try seal("2026-01-10")
        let diverged = try publish()
        #expect(diverged.status != 0)
        #expect(diverged.stderr.contains("behind origin/main"))
        #expect(diverged.stderr.contains("diverged"))
    }

    @Test("a publisher that finds the remote moved on replays its commit on top; the same path with other content is a conflict")
    func replay() throws {
        #expect(try publish().status == 0)
        let other = directory.file("other")
        #expect(try Command.system("git", ["clone", "-q", remote, other]).status == 0)
        // gw-b's clone seals gw-b's chain and publishes first; gw-a's clone seals gw-a's and publishes second.
        let sealB = try Command.assay(["seal", "--dataset", other, "--collector", "gw-b", "--day", "2026-01-09",
                                       "--key", directory.file("gw-b"), "--signer", "gw-b", "--records", records])
        try #require(sealB.status == 0, "\(sealB.stderr)")
        #expect(try publish(other, key: "gw-b").status == 0)
        try seal("2026-01-09")
        let replayed = try publish()
        #expect(replayed.status == 0, "\(replayed.stderr)")
        #expect(replayed.stdout.contains("Pushed to origin"))
        // Both chains are on the remote, every commit is signed and only adds files, the work tree has both.
        #expect(Files.exists("\(work)/bundles/gw-b/2026/01/09/manifest.json"), "the work tree was brought up to the remote")
        #expect(try git(["status", "--porcelain"]).stdout.isEmpty)
        // The replayed seal lands without its log files; one more commit appends it to the log it landed on.
        #expect(try git(["log", "--format=%s", "origin/main"]).stdout
            == "Log: append what 1 replayed commit published\nSeal gw-a 2026-01-09\nSeal gw-b 2026-01-09\nCreate dataset\n")
        #expect(try Command.assay(["verify", work]).status == 0, "the log holds both seals")
        for commit in try git(["rev-list", "origin/main"]).stdout.split(separator: "\n") {
            #expect(try git(["verify-commit", String(commit)]).status == 0, "the replayed commit is signed again")
        }
        let clone = directory.file("clone")
        #expect(try Command.system("git", ["clone", "-q", remote, clone]).status == 0)
        #expect(try Command.assay(["verify", clone, "--git"]).status == 0)

        // gw-b co-signs gw-a's bundle in its clone while gw-a writes a different file at the same path: a conflict, nothing pushed.
        #expect(try Command.system("git", ["-C", other, "pull", "-q", "--ff-only"]).status == 0)
        let bundle = "bundles/gw-a/2026/01/09/signatures/gw-b.sig"
        let manifest = try Files.read("\(work)/bundles/gw-a/2026/01/09/manifest.json")
        try Files.createExclusive("\(other)/\(bundle)", contents: Array(try SSHSignature.sign(manifest, namespace: "assay-manifest-v1",
                                  with: try KeyFiles.readPrivateKey(at: directory.file("gw-b")).key).armored.utf8), mode: 0o644)
        #expect(try publish(other, key: "gw-b").status == 0)
        try Files.createExclusive("\(work)/\(bundle)", contents: Array(try SSHSignature.sign(manifest, namespace: "assay-manifest-v1",
                                  with: try KeyFiles.readPrivateKey(at: directory.file("gw-a")).key).armored.utf8), mode: 0o644)
        let conflict = try publish()
        #expect(conflict.status != 0)
        #expect(conflict.stderr.contains("was published meanwhile with other content"), "\(conflict.stderr)")
        #expect(conflict.stderr.contains("[conflict]"))
    }

    @Test("a failed push keeps the local commit; the next publish pushes it")
    func failedPush() throws {
        #expect(try publish(extra: ["--no-push"]).status == 0)
        try FileManager.default.moveItem(atPath: remote, toPath: remote + ".away")
        try seal("2026-01-09")
        let failed = try publish()
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("kept"))
        #expect(try git(["rev-list", "--count", "HEAD"]).stdout == "2\n")
        try FileManager.default.moveItem(atPath: remote + ".away", toPath: remote)
        let retried = try publish()
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(retried.stdout.contains("Nothing new to commit"))
        #expect(try Command.system("git", ["-C", remote, "rev-list", "--count", "main"]).stdout == "2\n")
    }

    @Test("a push to a repository on this machine fails closed when its push lock cannot be taken")
    func pushLockFailsClosed() throws {
        #expect(try publish().status == 0)
        let before = try Command.system("git", ["-C", remote, "rev-parse", "main"]).stdout
        // A directory where the lock file goes: open(O_RDWR) fails, so the push must not go ahead unlocked.
        try? FileManager.default.removeItem(atPath: "\(remote)/assay-push.lock")  // the first push left the lock file
        try FileManager.default.createDirectory(atPath: "\(remote)/assay-push.lock", withIntermediateDirectories: false)
        let error = try #require(throws: GitError.self) { try GitRepository.open(work).push(remote: "origin", branch: "main") }
        #expect(error.code == .pushRejected && error.reason.contains("push lock"), "\(error)")
        #expect(try Command.system("git", ["-C", remote, "rev-parse", "main"]).stdout == before)
    }

    @Test("a commit that would change a published file is never made")
    func appendOnly() throws {
        #expect(try publish().status == 0)
        try Files.writeAtomically("\(work)/policy/0001/allowed_signers", contents: Array("tampered\n".utf8))
        let repository = try GitRepository.open(work)
        let key = try KeyFiles.readPrivateKey(at: directory.file("gw-a")).key
        let error = try #require(throws: GitError.self) {
            try repository.commitSigned(adding: ["policy/0001/allowed_signers"], message: "x", author: GitIdentity(name: "gw-a", email: "a@b", time: 0)) {
                try SSHSignature.sign($0, namespace: "git", with: key).armored
            }
        }
        #expect(error.code == .notAppendOnly)
    }

    @Test("verify --git fails on an unsigned commit and on one by a key outside allowed_signers")
    func commitSignatures() throws {
        #expect(try publish().status == 0)
        try Files.writeAtomically("\(work)/README.md", contents: Array("notes\n".utf8))
        #expect(try git(["add", "README.md"]).status == 0)
        #expect(try git(["-c", "user.name=someone", "-c", "user.email=s@e", "commit", "-q", "--no-gpg-sign", "-m", "notes"]).status == 0)
        let verify = try Command.assay(["verify", work, "--git"])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("is not signed [commit-signature]"))

        // git itself signs a commit with a key that allowed_signers does not list.
        try #require(try Command.assay(["keygen", "--output", directory.file("outsider")]).status == 0)
        try Files.writeAtomically("\(work)/LICENSE", contents: Array("CC0\n".utf8))
        #expect(try git(["add", "LICENSE"]).status == 0)
        let signed = try git(["-c", "user.name=outsider", "-c", "user.email=o@e", "-c", "user.signingkey=\(directory.file("outsider"))",
                              "commit", "-q", "-S", "-m", "licence"])
        try #require(signed.status == 0, "\(signed.stderr)")
        let outsider = try Command.assay(["verify", work, "--git"])
        #expect(outsider.stdout.contains("which policy version 1 does not allow to sign commits"), "\(outsider.stdout)")
    }
}
