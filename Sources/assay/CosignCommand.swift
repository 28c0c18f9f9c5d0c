import ArgumentParser
import AssayCollect
import AssayCommandLine
import AssayCore
import AssayCrypto
import AssayGit
import AssayWorkflows
import AssayLedger

struct CosignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cosign",
        abstract: "Verify and co-sign every bundle you have not signed yet, then commit and push.",
        discussion: """
            For a clone of the public dataset (spec/policy.md §6): fetch and catch up with the \
            remote; verify the whole dataset under its current policy; then, for each bundle \
            without signatures/SIGNER.sig: refuse it if verification found anything wrong with it \
            (other than missing signatures), skip it if your key may not sign that day, and — with \
            --own-collector — compare the records each orchestrator reported with the ones your own \
            collector got from it for the same day. An orchestrator that served different records \
            to different collectors is reported with the differing job ids, and the bundle is not \
            signed. The signatures go into one SSH-signed commit that only adds files; if another \
            operator pushed first, the commit is replayed on top of theirs and pushed again.

            Exit status: 0 when nothing was refused, 1 when some bundle was refused (its reasons \
            are printed), 2 on a usage or I/O error.

            Example:
              assay cosign --dataset ./public-dataset --key keys/gw-b --signer gw-b --own-collector gw-b
            """)

    @Option(help: "The dataset directory (a git work tree, or a plain directory with --no-git).")
    var dataset: String

    @Option(help: "The private key that signs.")
    var key: String

    @Option(help: "Your principal in the dataset's policy.")
    var signer: String

    @Option(help: "Your own collector: cross-check others' bundles against its bundle of the same day.")
    var ownCollector: String?

    @Option(help: "The remote to fetch from and push to.")
    var remote: String = "origin"

    @Flag(help: "Sign and commit, but do not fetch or push.")
    var noPush = false

    @Flag(help: "The dataset is a plain directory: only write the signature files.")
    var noGit = false

    @Flag(help: "Report what would be signed; write nothing.")
    var dryRun = false

    @Option(help: "A private key file for an SSH remote (default: the SSH agent).")
    var sshKey: String?

    @Option(name: .customLong("witness"), help: ArgumentHelp(
        "NAME=URL: after co-signing, submit the log's newest checkpoint to this witness of the policy and commit its cosignature; repeatable.",
        valueName: "name=url"))
    var witnesses: [String] = []

    func validate() throws {
        guard Slug.isValid(signer) else { throw ValidationError("--signer must be \(Slug.rule)") }
        if let ownCollector, !Slug.isValid(ownCollector) { throw ValidationError("--own-collector must be \(Slug.rule)") }
        for witness in witnesses {
            guard let equals = witness.firstIndex(of: "="), Slug.isValid(String(witness[..<equals])),
                  witness[witness.index(after: equals)...].hasPrefix("http") else {
                throw ValidationError("--witness '\(witness)' must be NAME=URL: the witness's name in the policy and its submission URL")
            }
        }
    }

    func run() async throws {
        let privateKey = try KeyFiles.readPrivateKey(at: key).key
        var options = CoSignPass.Options(ownCollector: ownCollector, remote: noGit ? nil : remote)
        options.noPush = noPush
        options.dryRun = dryRun
        options.credentials = GitCredentials(privateKeyPath: sshKey, publicKeyPath: sshKey.map { $0 + ".pub" })
        let progress = ProgressLine(enabled: Diagnostics.isTerminal)
        let outcome: CoSignPass.Report
        do {
            outcome = try await CoSignPass(dataset: dataset, key: privateKey, signer: signer, options: options)
                .run(time: WallClock.nowMilliseconds / 1000) { done, total in progress.update("verifying bundles \(done)/\(total)") }
        } catch {
            progress.finish()
            throw Failure(message: error.description)
        }
        progress.finish()
        for decision in outcome.decisions {
            let place = DatasetDirectory.bundleRelativePath(collector: decision.collector, day: decision.day)
            switch decision.verdict {
            case .signed:
                print("\(dryRun ? "would sign" : "signed ")  \(place)")
            case .skipped(let reason):
                print("skipped  \(place): \(reason)")
            case .refused(let reasons):
                print("REFUSED  \(place)")
                for reason in reasons { print("           \(reason)") }
            }
        }
        if let commit = outcome.commit {
            print("Committed \(commit.prefix(12))\(outcome.pushed ? " and pushed to \(remote)" : "")")
        }
        print("\(outcome.signed) signed, \(outcome.decisions.count - outcome.signed - outcome.refused) skipped, \(outcome.refused) refused")
        if !witnesses.isEmpty && !dryRun { try await witness(key: privateKey) }
        if outcome.refused > 0 { throw ExitCode(1) }
    }

    /// Submits the newest checkpoint to the witnesses and commits (and pushes) their cosignatures.
    func witness(key privateKey: any Ed25519Signer) async throws {
        let targets = witnesses.map { text in
            let equals = text.firstIndex(of: "=")!  // checked by validate()
            return WitnessPass.Target(name: String(text[..<equals]), url: String(text[text.index(after: equals)...]))
        }
        let outcome = await WitnessPass(dataset: dataset, targets: targets).run()
        if let reason = outcome.skipped { print("witnesses: nothing submitted: \(reason)") }
        for (witness, reason) in outcome.failures { print("witness \(witness) did not cosign: \(reason)") }
        guard !outcome.files.isEmpty else { return }
        print("checkpoint \(outcome.size ?? 0) cosigned by \(outcome.cosigned.joined(separator: ", "))")
        guard !noGit else { return }
        do {
            let published = try DatasetPublisher(repository: try GitRepository.open(dataset), remote: noPush ? nil : remote,
                                                 credentials: GitCredentials(privateKeyPath: sshKey, publicKeyPath: sshKey.map { $0 + ".pub" }))
                .publish(key: privateKey, signer: signer, time: WallClock.nowMilliseconds / 1000, push: !noPush)
            if let commit = published.commit { print("Committed \(commit.prefix(12))\(published.pushed ? " and pushed to \(remote)" : "")") }
        } catch {
            throw Failure(message: "the cosignatures are written but could not be committed or pushed: \(error)")
        }
    }
}
