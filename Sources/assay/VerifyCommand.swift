import ArgumentParser
import AssayCommandLine
import AssayGit
import AssayWorkflows
import AssayLedger

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a dataset offline: hashes, records, Merkle roots, signatures, threshold and chains.",
        discussion: """
            Checks every bundle of the dataset against spec/dataset.md §8 and prints each finding \
            with the file and the rule it breaks. Exit status 0 only when there is no error \
            (warnings, such as gaps in a chain, are listed but do not fail).

            Every signature rests on the dataset's genesis (policy/0001/policy.json). --trust HASH pins \
            it: a dataset whose genesis has another hash fails. --state FILE remembers, after a clean \
            run, the genesis, the policy version in effect and each collector's newest bundle, and \
            fails the next run if the genesis changed, the policy went back or was rewritten, or a \
            head disappeared or changed; with neither, the run trusts the genesis on first use and \
            says so (spec/dataset.md §8.4). --max-age N fails when a collector's newest bundle is \
            more than N days old, so a frozen dataset is noticed. --policy judges by a policy you \
            pinned instead of the dataset's (an allowed_signers file needs --threshold). --git also \
            checks the repository: every commit SSH-signed by a key the policy allows (what 'git \
            verify-commit' checks, without needing git), every commit only adding files, the work \
            tree equal to HEAD, and published scores naming the heads of their commit.

            With --proof FILE, checks one record inclusion proof made by 'assay prove' against the \
            dataset: the bundle it names, its manifest and the manifest's signatures under the trust \
            policy (spec/dataset.md §8.3).

            Examples:
              assay verify ./dataset
              assay verify ./dataset --trust GENESIS-HASH --git     # the 64 hex digits the operators publish
              assay verify ./dataset --trust ~/.assay/trusted          # lines 'DATASET-ID GENESIS-HASH'
              assay verify ./dataset --json --max-age 2 --state ~/.assay/livepeer-ai.state --git
              assay verify --proof proof.json ./dataset
            """)

    @OptionGroup var arguments: VerifyArguments

    @Flag(help: "Also check the git history: signed commits that only add files, and a work tree equal to HEAD.")
    var git = false

    func run() async throws {
        try await arguments.run { report in
            guard git else { return .init(findings: [], checked: nil) }
            let repository = try GitRepository.open(arguments.dataset)
            let (findings, commits) = try GitHistoryCheck.check(repository, report: report)
            return .init(findings: findings, checked: "\(commits) commits: SSH signatures, additive history, work tree")
        }
    }
}
