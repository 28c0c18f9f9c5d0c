import ArgumentParser
import AssayCommandLine
import AssayCore
import AssayCrypto
import AssayGit
import AssayWorkflows
import AssayLedger

struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Commit new bundles, signatures and policy versions with an SSH-signed commit, and push.",
        discussion: """
            The dataset directory must be a git work tree. Every new file Assay publishes (sealed \
            bundles, co-signature files, published scores, policy versions) goes into one commit on \
            the current branch, signed with KEY as git does with gpg.format=ssh, so 'git \
            verify-commit' accepts it given the dataset's allowed_signers. The commit only adds \
            files. Publishing is refused when the work tree has other changes. When the remote has \
            moved on (another operator pushed first), the local commits are replayed on top of it, \
            signed again, and pushed again (spec/dataset.md §9). If the push still fails, the \
            commit stays and the next 'assay publish' pushes it. SSH remotes authenticate with the \
            SSH agent, or with --ssh-key.

            Example:
              assay publish --dataset ./dataset --key keys/gw-a --signer gw-a --remote origin
            """)

    @Option(help: "The dataset directory (a git work tree).")
    var dataset: String

    @Option(help: "The private key that signs the commit.")
    var key: String

    @Option(help: "The committer name (the signer's name in allowed_signers).")
    var signer: String

    @Option(help: "The committer e-mail (default: SIGNER@assay.invalid).")
    var email: String?

    @Option(help: "The remote to push to.")
    var remote: String = "origin"

    @Flag(help: "Commit without pushing.")
    var noPush = false

    @Option(help: "A private key file for an SSH remote (default: the SSH agent).")
    var sshKey: String?

    func run() throws {
        let privateKey = try KeyFiles.readPrivateKey(at: key)
        let repository = try GitRepository.open(dataset)
        let publisher = DatasetPublisher(repository: repository, remote: remote,
                                         credentials: GitCredentials(privateKeyPath: sshKey, publicKeyPath: sshKey.map { $0 + ".pub" }))
        let outcome: DatasetPublisher.Publication
        do {
            outcome = try publisher.publish(key: privateKey.key, signer: signer, email: email, time: WallClock.nowMilliseconds / 1000,
                                            push: !noPush)
        } catch {
            guard error.code == .pushRejected || error.code == .libgit2 else { throw error }
            throw Failure(message: "\(error)\nThe local commit, if any, is kept; run 'assay publish' again to retry the push.")
        }
        if let commit = outcome.commit {
            print("Committed \(commit.prefix(12)): \(outcome.files.count) files in \(outcome.bundles.count) bundle\(outcome.bundles.count == 1 ? "" : "s")")
        } else {
            print("Nothing new to commit")
        }
        if outcome.pushed { print("Pushed to \(remote)") }
    }
}
