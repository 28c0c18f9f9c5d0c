import ArgumentParser
import AssayCommandLine

struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Derive SLA scores from bundles, deterministically (spec/scoring.md).",
        discussion: scoreDiscussion)

    @OptionGroup var arguments: ScoreArguments

    func run() async throws { try await arguments.run() }
}
