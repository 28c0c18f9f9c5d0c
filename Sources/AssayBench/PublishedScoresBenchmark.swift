import AssayCore
import AssayLedger
import AssayScore
import AssaySimulate
import Foundation

/// `assay-bench published-scores`: what recomputing published scores adds to `assay verify`. Two
/// datasets of the same synthetic scoring records (N orchestrators over D days, two collectors), one
/// where each collector publishes its 1-day scores after sealing each day (as the collector daemon
/// does) and one without; `assay verify` of each timed as whole processes in alternating runs.
public struct PublishedScoresBenchmark {
    public let orchestrators: Int
    public let days: Int
    public let jobsPerOrchestratorDay: Int
    public let directory: String
    /// A fixed day in the past, so the datasets verify and the workload stays the same.
    public var lastDay: UTCDay { UTCDay("2026-06-30")! }

    public init(orchestrators: Int, days: Int, jobsPerOrchestratorDay: Int, directory: String) {
        self.orchestrators = orchestrators
        self.days = days
        self.jobsPerOrchestratorDay = jobsPerOrchestratorDay
        self.directory = directory
    }

    public var records: Int { orchestrators * days * jobsPerOrchestratorDay }
    /// One scores document per collector and day.
    public var publishedScores: Int { days * SyntheticScoringDataset.collectors.count }

    /// Builds the dataset with published scores (`publish`) or without.
    public func build(publish: Bool, progress: (String) -> Void) throws -> DatasetDirectory {
        let name = "assay-bench-published-\(publish ? "scores" : "none")-\(orchestrators)x\(days)-\(getpid())"
        let verdicts = BundleVerdicts()
        return try SyntheticScoringDataset.build(
            at: "\(directory)/\(name)", id: "bench-published", orchestrators: orchestrators, lastDay: lastDay, days: days,
            records: records, scoringProfiles: [ScoringProfile.naapSLAv1().descriptorEntry],
            sealed: { dataset, day in
                guard publish else { return }
                for collector in SyntheticScoringDataset.collectors {
                    try PublishedScores.write(dataset, collector: collector, day: day, key: SyntheticDataset.key, signer: collector,
                                              verdicts: verdicts)
                }
                // Into the log at once, as the collector does after publishing (the next seal would otherwise).
                _ = try DatasetLog.append(dataset, paths: try DatasetLog.documents(dataset), datasetID: try dataset.descriptor().id,
                                          signer: SyntheticScoringDataset.collectors[0], key: SyntheticDataset.key)
            }, progress: { progress("\(publish ? "with" : "without") scores: \($0)") })
    }

    /// `assay verify` of the dataset with scores and of the one without, in `runs` alternating runs.
    public func compare(withScores: DatasetDirectory, without: DatasetDirectory, assay: String, runs: Int) throws -> ProcessComparison {
        try ProcessComparison.alternate(
            runs: runs,
            ("verify with scores", { try ProcessTimer.run(assay, ["verify", withScores.root, "--json"]) }),
            ("verify without", { try ProcessTimer.run(assay, ["verify", without.root, "--json"]) }))
    }
}
