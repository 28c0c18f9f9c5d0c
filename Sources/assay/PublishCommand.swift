import ArgumentParser
import AssayCommandLine
import AssayCore
import AssayCrypto
import AssayGit
import AssayWorkflows
import AssayLedger
import AssayScore

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

            With --scores COLLECTOR, the 1-day scores of each of COLLECTOR's days that has none yet are \
            then published as 'assay collect' publishes them (spec/scoring.md §10): computed on the tree \
            they are committed onto, in a commit of their own, and — when the push is rejected — \
            computed again on the remote's new tree, never replayed onto bundles they did not see. A \
            scores document larger than --scores-compress-above bytes is stored as scores.json.zst, \
            in Git LFS with the shards (spec/dataset.md §9.1).

            Example:
              assay publish --dataset ./dataset --key keys/gw-a --signer gw-a --remote origin --scores gw-a
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

    @Option(help: "Then publish the scores of this collector's days that have none (spec/scoring.md §10).")
    var scores: String?

    @Option(help: "Store a scores document larger than this many bytes as scores.json.zst.")
    var scoresCompressAbove = PublishedScores.compressAbove

    func validate() throws {
        if let scores, !Slug.isValid(scores) { throw ValidationError("--scores must be a collector id (\(Slug.rule))") }
        guard scoresCompressAbove >= 0 else { throw ValidationError("--scores-compress-above must be 0 or more bytes") }
    }

    func run() throws {
        let privateKey = try KeyFiles.readPrivateKey(at: key)
        let repository = try GitRepository.open(dataset)
        let publisher = DatasetPublisher(repository: repository, remote: remote, credentials: credentials)
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
        if let collector = scores { try publishScores(of: collector, repository: repository, key: privateKey.key) }
    }

    /// How to authenticate to an SSH remote: --ssh-key, else the SSH agent.
    var credentials: GitCredentials { GitCredentials(privateKeyPath: sshKey, publicKeyPath: sshKey.map { $0 + ".pub" }) }

    /// `--scores`: the days of `collector` without published scores, scored and published (DatasetPublisher.publishScores).
    func publishScores(of collector: String, repository: GitRepository, key: any Ed25519Signer) throws {
        let directory = DatasetDirectory(dataset)
        let days = try directory.days(of: collector).filter {
            !Files.exists("\(directory.root)/\(DatasetDirectory.scoresRelativePath(collector: collector, day: $0))")
        }
        let publisher = DatasetPublisher(repository: repository, remote: noPush ? nil : remote, credentials: credentials)
        let verdicts = BundleVerdicts(), compressAbove = scoresCompressAbove
        let outcome = try publisher.publishScores(days: days, collector: collector, key: key, signer: signer,
                                                  time: WallClock.nowMilliseconds / 1000) { day in
            try PublishedScores.write(directory, collector: collector, day: day, key: key, signer: signer, verdicts: verdicts,
                                      compressAbove: compressAbove) != nil
        }
        if let reason = outcome.deferred {
            print("Scores not published: \(reason)")
        } else if outcome.published.isEmpty {
            print("No scores to publish for \(collector)")
        } else {
            print("Published the scores of \(collector) \(outcome.published.map(\.description).joined(separator: ", "))" + (noPush ? " (committed, not pushed)" : ""))
        }
    }
}
