import ArgumentParser
import AssayCommandLine
import AssayGit
import AssayLedger

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a dataset offline: hashes, records, Merkle roots, signatures, threshold and chains.",
        discussion: """
            Checks every bundle of the dataset against spec/dataset.md §8 and prints each finding \
            with the file and the rule it breaks. Exit status 0 only when there is no error \
            (warnings, such as gaps in a chain, are listed but do not fail).

            --max-age N fails when a collector's newest bundle is more than N days old, so a frozen \
            dataset is noticed. --state FILE remembers each collector's newest bundle after a clean \
            run and fails the next run if one of them disappeared or changed (rollback or rewritten \
            history). --policy uses your own pinned allowed_signers instead of the dataset's. --git \
            also checks that every commit of the dataset repository is SSH-signed by an allowed key \
            (what 'git verify-commit' checks, without needing git).

            With --proof FILE, checks one record inclusion proof made by 'assay prove' against the \
            dataset: the bundle it names, its manifest and the manifest's signatures under the trust \
            policy (spec/dataset.md §8.3).

            Examples:
              assay verify ./dataset
              assay verify ./dataset --json --max-age 2 --state ~/.assay/livepeer-ai.state --git
              assay verify --proof proof.json ./dataset
            """)

    @OptionGroup var arguments: VerifyArguments

    @Flag(help: "Also check that every git commit reachable from HEAD is SSH-signed by an allowed key.")
    var git = false

    func run() async throws {
        try await arguments.run { signers in
            guard git else { return .init(findings: [], checked: nil) }
            let repository = try GitRepository.open(arguments.dataset)
            let findings = try CommitVerifier.check(repository, signers: signers)
            return .init(findings: findings, checked: "\(try repository.commits().count) commits' SSH signatures")
        }
    }
}
