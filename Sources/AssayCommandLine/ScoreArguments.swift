import ArgumentParser
import AssayCore
import AssayLedger
import AssayScore

/// The options and the run of `assay score` and `assay-verify score` (spec/scoring.md).
public struct ScoreArguments: ParsableArguments {
    public init() {}

    @Option(name: .customLong("dataset"), help: "A dataset directory (repeat for several bundle sets).")
    public var datasets: [String] = []

    @Option(help: "The last UTC day of the window (YYYY-MM-DD).")
    public var day: String

    @Option(help: "Window length in days, ending at --day (1, 7, 30, 90; any 1…366).")
    public var window: Int = 1

    @Option(help: "A built-in profile (naap-sla-v1, the default, naap-sla-v2 or assay-sla-v1) or a profile file (canonical JSON).")
    public var profile: String?

    @Option(parsing: .upToNextOption,
            help: "Compare two profiles (built-in names or files): per orchestrator both scores, the difference and the components that changed (spec/scoring.md §14).")
    public var compare: [String] = []

    @Flag(help: "Do not verify the datasets first (the output then says \"verified\": false).")
    public var unverified = false

    @Option(help: "Write the scores to this file instead of standard output.")
    public var output: String?

    public func validate() throws {
        guard !datasets.isEmpty else { throw ValidationError("give at least one --dataset DIR") }
        guard UTCDay(day) != nil else { throw ValidationError("--day '\(day)' is not a UTC day (YYYY-MM-DD)") }
        guard (1...366).contains(window) else { throw ValidationError("--window must be 1…366 days") }
        guard compare.isEmpty || compare.count == 2 else { throw ValidationError("--compare takes two profiles, A and B") }
        guard compare.isEmpty || profile == nil else { throw ValidationError("give --profile or --compare, not both") }
    }

    /// A built-in profile by name, or a profile file.
    static func load(_ name: String) throws -> ScoringProfile {
        if !name.contains("/"), !name.hasSuffix(".json"), let builtIn = ScoringProfile.builtIn(named: name) { return builtIn }
        return try ScoringProfile(bytes: try Files.read(name, limit: 1 << 20), path: name)
    }

    /// Scores; `select(dataset)` may name the bundles to use of each dataset (nil: all of them).
    public func run(select: (String) throws -> [(String, UTCDay)]? = { _ in nil }) async throws {
        let profiles = compare.isEmpty ? [try profile.map(Self.load) ?? ScoringProfile.naapSLAv1()] : try compare.map(Self.load)
        let scorers = profiles.map { Scorer(profile: $0, lastDay: UTCDay(day)!, days: window) }
        if unverified { Diagnostics.print("warning: --unverified: the datasets are not verified and the scores say so") }
        for path in datasets {
            let directory = DatasetDirectory(path)
            let selected = try select(path)
            for (index, scorer) in scorers.enumerated() {
                let bundles = selected?.filter { scorer.daysNeeded.contains($0.1) }
                // Verified and read in one pass (once: the second profile reads what the first verified); a dataset with
                // errors stops the run before anything is written.
                if unverified || index > 0 {
                    if let bundles { try BundleSet.feed(scorer, from: directory, bundles: bundles) } else { try BundleSet.feed(scorer, from: directory) }
                    continue
                }
                let errors = await BundleSet.verifyAndFeed(scorer, from: directory, bundles: bundles)
                guard !errors.isEmpty else { continue }
                let shown = errors.prefix(20).map { "  \($0)" }.joined(separator: "\n")
                throw Failure(message: "\(path) does not verify (\(errors.count) errors); scores are only derived from verified data "
                              + "(--unverified skips verification):\n\(shown)")
            }
        }
        let bytes = scorers.count == 2
            ? CanonicalJSON.encodeBuilt(ScoreComparison.compare(scorers[0].document(verified: !unverified), scorers[1].document(verified: !unverified)),
                                        "a comparison") + [0x0A]
            : scorers[0].output(verified: !unverified)
        if let output { try Files.writeAtomically(output, contents: bytes) } else {
            let writer = BufferedWriter()
            writer.write(bytes)
            writer.flush()
        }
    }
}

/// What `assay score --help` and `assay-verify score --help` explain; the examples run `command`.
public func scoreDiscussion(command: String) -> String {
    """
    Reads the bundles of one or more datasets (every collector) for the window and the \
    profile's benchmark days before it, verifies each dataset first (refusing one with \
    errors; --unverified skips this and the output says so), deduplicates records seen by several collectors, scores \
    what the gateways observed (an orchestrator's own records are compared with them, never \
    counted), and writes canonical JSON: per orchestrator and group, the score and every \
    component with its evidence, the benchmarks used, disagreements, an SLO report, and the \
    hashes of the input manifests and of the profile. The same bundles give the same bytes \
    on any machine.

    Profiles (spec/scoring.md): naap-sla-v1, the default, is the network's NaaP SLA score rule \
    for rule (per session-hour rows, live video); naap-sla-v2 is the same, except that a \
    session whose input arrived over a bad network (jitter or packet loss above go-livepeer's \
    own thresholds) does not count against the orchestrator's reliability; assay-sla-v1 is \
    Assay's own (per orchestrator attempt, batch, LLM and BYOC jobs too, a p90 latency SLO).

    Examples:
      \(command) --dataset ./dataset --day 2026-01-09
      \(command) --dataset ./dataset --day 2026-01-31 --window 30 --output scores-30d.json
      \(command) --dataset ./dataset --day 2026-01-09 --profile assay-sla-v1
      \(command) --dataset ./a --dataset ./b --day 2026-01-09 --profile spec/profiles/naap-sla-v1.json
      \(command) --dataset ./dataset --day 2026-01-09 --window 7 --compare naap-sla-v1 assay-sla-v1
      \(command) --dataset ./dataset --day 2026-01-09 --window 7 --compare naap-sla-v1 naap-sla-v2
    """
}
