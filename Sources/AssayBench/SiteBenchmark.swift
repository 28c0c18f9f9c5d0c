import AssayCore
import AssaySimulate
import AssayCrypto
import AssayLedger
import Foundation

/// `assay-bench site`: a synthetic dataset of N orchestrators over D days
/// (two collectors), then a child `assay site build` timed, with the size of
/// what it wrote.
public struct SiteBenchmark {
    public struct Report: Sendable {
        public let records: Int
        public let bundles: Int
        public let seconds: Double
        public let peakResidentBytes: Int
        public let files: Int
        public let bytes: Int64
        public let sha256sums: String
    }

    public let workload: ScoringWorkload

    public init(orchestrators: Int, days: Int, jobsPerOrchestratorDay: Int, directory: String) {
        workload = ScoringWorkload(orchestrators: orchestrators, days: days, jobsPerOrchestratorDay: jobsPerOrchestratorDay, directory: directory)
    }

    public var records: Int { workload.records }

    public func build(progress: (String) -> Void) throws -> DatasetDirectory {
        try workload.build(name: "site", progress: progress)
    }

    public func run(_ dataset: DatasetDirectory, assay: String, progress: (String) -> Void) throws -> Report {
        progress("timing assay site build")
        let output = "\(dataset.root)-site"
        // A whole process under GNU time: its own peak RSS, not this benchmark's.
        let run = try ProcessTimer.run(assay, ["site", "build", "--dataset", dataset.root, "--out", output])
        let seconds = run.wallSeconds
        guard run.status == 0 else { throw BenchError(message: "assay site build exited with \(run.status): \(run.standardError)") }
        let files = (try? FileManager.default.subpathsOfDirectory(atPath: output))?.filter { !DatasetDirectory.isDirectory("\(output)/\($0)") } ?? []
        let bytes = files.reduce(Int64(0)) { $0 + Int64((try? FileManager.default.attributesOfItem(atPath: "\(output)/\($1)")[.size] as? Int) ?? 0) }
        let sums = MessageDigest.sha256((try? Files.read("\(output)/SHA256SUMS")) ?? []).hex
        try? FileManager.default.removeItem(atPath: output)
        return Report(records: records, bundles: workload.days * SyntheticScoringDataset.collectors.count, seconds: seconds, peakResidentBytes: run.peakResidentBytes,
                      files: files.count, bytes: bytes, sha256sums: sums)
    }
}

/// N orchestrators over D days of synthetic scoring records, sealed by two collectors (`SyntheticScoringDataset`):
/// the workload of the site and published-scores benchmarks.
public struct ScoringWorkload: Sendable {
    public let orchestrators: Int
    public let days: Int
    public let jobsPerOrchestratorDay: Int
    public let directory: String
    /// A fixed day in the past, so the dataset verifies (no bundle may be dated after today) and the workload stays the same.
    public var lastDay: UTCDay { UTCDay("2026-06-30")! }

    public init(orchestrators: Int, days: Int, jobsPerOrchestratorDay: Int, directory: String) {
        self.orchestrators = orchestrators
        self.days = days
        self.jobsPerOrchestratorDay = jobsPerOrchestratorDay
        self.directory = directory
    }

    public var records: Int { orchestrators * days * jobsPerOrchestratorDay }

    /// Seals the workload into a fresh dataset named after `name` and its size; `sealed` runs after each day.
    public func build(name: String, scoringProfiles: [DatasetDescriptor.Profile] = [],
                      sealed: (DatasetDirectory, UTCDay) throws -> Void = { _, _ in }, progress: (String) -> Void) throws -> DatasetDirectory {
        try SyntheticScoringDataset.build(at: "\(directory)/assay-bench-\(name)-\(orchestrators)x\(days)-\(getpid())", id: "bench-\(name)",
                                          orchestrators: orchestrators, lastDay: lastDay, days: days, records: records,
                                          scoringProfiles: scoringProfiles, sealed: sealed, progress: progress)
    }
}
