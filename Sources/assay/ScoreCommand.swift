import ArgumentParser
import AssayCommandLine
import AssayCore
import AssayGit

struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Derive SLA scores from bundles, deterministically (spec/scoring.md).",
        discussion: scoreDiscussion(command: "assay score") + """

            --revisions A..B (git range, as 'git log A..B') scores only the bundles whose manifest \
            a commit of that range added, for example the bundles one push brought:
              assay score --dataset ./dataset --day 2026-01-09 --revisions origin/main@{1}..origin/main
            """)

    @OptionGroup var arguments: ScoreArguments

    @Option(help: "Score only the bundles added by the commits of this git range (A..B) of each dataset.")
    var revisions: String?

    func run() async throws {
        try await arguments.run { dataset in
            guard let revisions else { return nil }
            let added = try GitRepository.open(dataset).pathsAdded(in: revisions)
            return added.compactMap { path -> (String, UTCDay)? in
                // bundles/<collector>/<YYYY>/<MM>/<DD>/manifest.json
                let parts = path.split(separator: "/")
                guard parts.count == 6, parts[0] == "bundles", parts[5] == "manifest.json",
                      let day = UTCDay("\(parts[2])-\(parts[3])-\(parts[4])") else { return nil }
                return (String(parts[1]), day)
            }
        }
    }
}
