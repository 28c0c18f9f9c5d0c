import ArgumentParser
import AssayCommandLine
import AssayCore
import AssayCrypto
import AssayGit
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

    func validate() throws {
        guard Slug.isValid(signer) else { throw ValidationError("--signer must be \(Slug.rule)") }
        if let ownCollector, !Slug.isValid(ownCollector) { throw ValidationError("--own-collector must be \(Slug.rule)") }
    }

    func run() async throws {
        let privateKey = try KeyFiles.readPrivateKey(at: key).key
        var publisher: DatasetPublisher?
        if !noGit {
            let repository = try GitRepository.open(dataset)
            let dirty = try repository.status().filter { !$0.isUntracked }
            guard dirty.isEmpty else {
                throw Failure(message: "\(dataset): the work tree has uncommitted changes (\(dirty.prefix(3).map(\.path).joined(separator: ", "))); commit or remove them first")
            }
            publisher = DatasetPublisher(repository: repository, remote: noPush ? nil : remote,
                                         credentials: GitCredentials(privateKeyPath: sshKey, publicKeyPath: sshKey.map { $0 + ".pub" }))
            if !noPush && !dryRun {
                do { try publisher!.update(key: privateKey) } catch {
                    throw Failure(message: "catching up with \(remote) failed: \(error)")
                }
            }
        }
        let directory = DatasetDirectory(dataset)
        let progress = Progress(enabled: Diagnostics.isTerminal)
        let report = await DatasetVerifier(directory: directory).verify { done, total in progress.update("verifying bundles \(done)/\(total)") }
        progress.finish()
        guard let policy = report.policy else {
            throw Failure(message: "\(dataset) has no readable trust policy: \(report.findings.prefix(3).map(\.description).joined(separator: "; "))")
        }
        let decisions = CoSigner(directory: directory, key: privateKey, signer: signer, ownCollector: ownCollector)
            .run(report: report, policy: policy, dryRun: dryRun)
        var signed = 0, refused = 0
        for decision in decisions {
            let place = DatasetDirectory.bundleRelativePath(collector: decision.collector, day: decision.day)
            switch decision.outcome {
            case .signed:
                signed += 1
                print("\(dryRun ? "would sign" : "signed ")  \(place)")
            case .skipped(let reason):
                print("skipped  \(place): \(reason)")
            case .refused(let reasons):
                refused += 1
                print("REFUSED  \(place)")
                for reason in reasons { print("           \(reason)") }
            }
        }
        if let publisher, signed > 0, !dryRun {
            do {
                let outcome = try publisher.publish(key: privateKey, signer: signer, time: Clock.nowMilliseconds / 1000, push: !noPush)
                print("Committed \(outcome.commit?.prefix(12) ?? "nothing")\(outcome.pushed ? " and pushed to \(remote)" : "")")
            } catch {
                throw Failure(message: "\(error)\nThe signatures are written and committed locally if the commit succeeded; run 'assay publish' to retry the push.")
            }
        }
        print("\(signed) signed, \(decisions.count - signed - refused) skipped, \(refused) refused")
        if refused > 0 { throw ExitCode(1) }
    }
}
