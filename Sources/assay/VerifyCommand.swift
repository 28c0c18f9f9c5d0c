import ArgumentParser
import AssayCommandLine
import AssayGit
import AssayWorkflows
import AssayLedger
import Foundation

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

            A dataset at network scale keeps its compressed record files in Git LFS (spec/dataset.md \
            §9.1); a clone made with GIT_LFS_SKIP_SMUDGE=1 holds only their pointers. --fetch \
            SELECTION (COLLECTOR, COLLECTOR/DAY or COLLECTOR/FIRST..LAST; repeatable) fetches the \
            files of those bundles with git-lfs from --remote and checks their records; every \
            manifest, signature, chain link and the log are checked as always, and the bundles whose \
            records were not checked are listed as such, never as valid (§8.5). --only SELECTION \
            does the same without fetching.

            Examples:
              assay verify ./dataset
              assay verify ./dataset --trust GENESIS-HASH --git     # the 64 hex digits the operators publish
              assay verify ./dataset --trust ~/.assay/trusted          # lines 'DATASET-ID GENESIS-HASH'
              assay verify ./dataset --json --max-age 2 --state ~/.assay/livepeer-ai.state --git
              assay verify --proof proof.json ./dataset
              GIT_LFS_SKIP_SMUDGE=1 git clone https://example.org/livepeer-ai.git && \\
                  assay verify livepeer-ai --fetch gw-a/2026-03-01..2026-03-31 --trust GENESIS-HASH
            """)

    @OptionGroup var arguments: VerifyArguments

    @Flag(help: "Also check the git history: signed commits that only add files, and a work tree equal to HEAD.")
    var git = false

    @Option(help: ArgumentHelp("Fetch the files of these bundles with git-lfs, then check their records (as --only): COLLECTOR, COLLECTOR/DAY or COLLECTOR/FIRST..LAST; repeatable.",
                               valueName: "selection"))
    var fetch: [String] = []

    @Option(help: "The remote --fetch fetches from.")
    var remote = "origin"

    func validate() throws {
        do { _ = try BundleSelection(parsing: fetch) } catch { throw ValidationError("--fetch \(error.reason)") }
    }

    func run() async throws {
        var arguments = self.arguments
        if !fetch.isEmpty {
            let selection = try BundleSelection(parsing: fetch)
            let repository = try GitRepository.open(arguments.dataset)
            if try DatasetLFS.isInUse(repository) {
                let include = try Self.includePatterns(selection, in: DatasetDirectory(arguments.dataset))
                FileHandle.standardError.write(Data("fetching the files of \(include.count) director\(include.count == 1 ? "y" : "ies") of bundles and scores (\(selection)) from \(remote) with git-lfs\n".utf8))
                try DatasetLFS.pull(repository, remote: remote, include: include)
            }
            arguments.only += fetch
        }
        try await arguments.run { report in
            guard git else { return .init(findings: [], checked: nil) }
            let repository = try GitRepository.open(arguments.dataset)
            let (findings, commits) = try GitHistoryCheck.check(repository, report: report)
            return .init(findings: findings, checked: "\(commits) commits: SSH signatures, additive history, work tree")
        }
    }

    /// git-lfs include patterns for the bundles `selection` names that the dataset has, and for the published
    /// scores of the same collectors and days (spec/dataset.md §9.1): one per directory.
    static func includePatterns(_ selection: BundleSelection, in directory: DatasetDirectory) throws -> [String] {
        var patterns: [String] = []
        for collector in try directory.collectors() {
            for day in try directory.days(of: collector) where selection.contains(collector: collector, day: day) {
                patterns.append(DatasetDirectory.bundleRelativePath(collector: collector, day: day) + "/*")
            }
        }
        for (collector, day) in try directory.scoreDays() where selection.contains(collector: collector, day: day) {
            patterns.append(DatasetDirectory.scoresRelativePath(collector: collector, day: day) + "/*")
        }
        return patterns
    }
}
