import ArgumentParser
import AssayCommandLine
import AssayCore

/// The auditor's minimal verifier: the same checks as `assay verify`, built
/// from the verification core alone (no git, SQLite or networking code).
@main
struct AssayVerifyTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assay-verify",
        abstract: "The auditor's minimal build: verify a dataset, or recompute its scores, offline.",
        version: "assay-verify \(AssayVersion.software) (spec v\(AssayVersion.spec))",
        subcommands: [AssayVerify.self, AssayVerifyScore.self],
        defaultSubcommand: AssayVerify.self)
}

struct AssayVerifyScore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Derive SLA scores from bundles, deterministically (spec/scoring.md).",
        discussion: scoreDiscussion(command: "assay-verify score"))

    @OptionGroup var arguments: ScoreArguments

    func run() async throws { try await arguments.run() }
}

struct AssayVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify an Assay dataset offline (the auditor's minimal build of 'assay verify').",
        discussion: """
            Same checks and output as 'assay verify' (spec/dataset.md §8), without the git commit \
            check: this build leaves git out. To check the commits, run 'assay verify DATASET --git' \
            (the full build) or 'git -C DATASET -c gpg.ssh.allowedSignersFile=allowed_signers log \
            --show-signature'. Build only this with 'swift build --product assay-verify'.

            'verify' is the default: 'assay-verify DATASET' is 'assay-verify verify DATASET'.

            Examples:
              assay-verify ./dataset --max-age 2
              assay-verify verify ./dataset --trust GENESIS-HASH --json
            """,
        version: "assay-verify \(AssayVersion.software) (spec v\(AssayVersion.spec))")

    @OptionGroup var arguments: VerifyArguments

    @Flag(help: "Not in this build: see the discussion.")
    var git = false

    func validate() throws {
        if git {
            throw ValidationError("""
                --git: assay-verify is the auditor's minimal build and leaves git out (no libgit2). Check the commits' SSH \
                signatures with the full build, 'assay verify DATASET --git', or with stock git: \
                git -C DATASET -c gpg.ssh.allowedSignersFile=allowed_signers log --show-signature
                """)
        }
    }

    func run() async throws { try await arguments.run() }
}
