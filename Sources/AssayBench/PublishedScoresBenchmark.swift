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
    public let workload: ScoringWorkload

    public init(workload: ScoringWorkload) { self.workload = workload }

    /// One scores document per collector and day.
    public var publishedScores: Int { workload.days * SyntheticScoringDataset.collectors.count }

    /// Builds the dataset with published scores (`publish`) or without.
    public func build(publish: Bool, progress: (String) -> Void) throws -> DatasetDirectory {
        let verdicts = BundleVerdicts()
        return try workload.build(
            name: "published-\(publish ? "scores" : "none")", scoringProfiles: [ScoringProfile.naapSLAv1().descriptorEntry],
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
