import AssayCore
import AssaySimulate
import AssayCrypto
import AssayLedger
import Foundation

/// `assay-bench seal` and `assay-bench verify`: a synthetic dataset of D days
/// × N records, sealed and signed, then verified by a child `assay verify`
/// (so its peak memory is its own), next to `sha256sum` over the same files.
public struct DatasetBenchmark {
    public struct SealResult: Sendable {
        public let records: Int
        public let seconds: Double
        public let outputBytes: Int
        public let sha256sumSeconds: Double?
        public var recordsPerSecond: Double { Double(records) / seconds }
        public var ratio: Double? { sha256sumSeconds.map { seconds / $0 } }
    }

    public struct VerifyResult: Sendable {
        public let bundles: Int
        public let records: Int
        public let bytes: Int
        public let seconds: Double
        public let sha256sumSeconds: Double?
        public let peakResidentBytes: Int
        public let verified: Bool
        public var ratio: Double? { sha256sumSeconds.map { seconds / $0 } }
    }

    public let days: Int
    public let recordsPerDay: Int
    public let directory: String

    public init(days: Int, recordsPerDay: Int, directory: String) {
        self.days = days
        self.recordsPerDay = recordsPerDay
        self.directory = directory
    }


    /// Creates the dataset; returns it and the time spent sealing (input generation excluded).
    public func build(progress: (String) -> Void) throws -> (DatasetDirectory, SealResult) {
        let dataset = try SyntheticDataset.create(at: "\(directory)/assay-bench-dataset-\(days)x\(recordsPerDay)-\(getpid())", id: "bench", signers: ["bench"])
        let firstDay = UTCDay("2026-01-01")!
        var sealSeconds = 0.0
        var bytes = 0
        for offset in 0..<days {
            let day = UTCDay(number: firstDay.number + offset)
            progress("sealing day \(offset + 1)/\(days)")
            let input = "\(directory)/assay-bench-input-\(getpid()).jsonl"
            try writeInput(input, day: day)
            defer { unlink(input) }
            let started = monotonicSeconds()
            let bundle = try dataset.seal(collector: "bench", day: day, inputs: [input], key: SyntheticDataset.key, signer: "bench") { _ in }
            sealSeconds += monotonicSeconds() - started
            bytes += bundle.records.count + bundle.manifestBytes.count
        }
        progress("timing sha256sum over the sealed files")
        let sha = try? timeSha256sum(dataset.root)
        return (dataset, SealResult(records: days * recordsPerDay, seconds: sealSeconds, outputBytes: bytes, sha256sumSeconds: sha))
    }

    /// Times `assay verify --json` in a child process, and sha256sum over the same files.
    public func verify(_ dataset: DatasetDirectory, assay: String, progress: (String) -> Void) throws -> VerifyResult {
        progress("timing assay verify")
        let reportPath = "\(dataset.root)-report.json"
        defer { unlink(reportPath) }
        // A whole process under GNU time: its own peak RSS, not this benchmark's (see ProcessTimer).
        let run = try ProcessTimer.run(assay, ["verify", dataset.root, "--json"], standardOutput: reportPath)
        let report = (try? Files.read(reportPath, limit: 64 << 20)) ?? []  // unreadable: "verified no" below
        let seconds = run.wallSeconds
        let peak = run.peakResidentBytes
        progress("timing sha256sum over the same files")
        let sha = try? timeSha256sum(dataset.root)
        let size = (try? totalSize(dataset.root)) ?? 0
        return VerifyResult(bundles: days, records: days * recordsPerDay, bytes: size, seconds: seconds, sha256sumSeconds: sha,
                            peakResidentBytes: peak, verified: run.status == 0 && !report.isEmpty)
    }

    /// `assay verify` and sha256sum over the same files, both timed as whole processes in `runs`
    /// alternating runs (sha256sum through `find | xargs`, whose CPU time includes its children).
    public func compareVerify(_ dataset: DatasetDirectory, assay: String, runs: Int) throws -> ProcessComparison {
        try ProcessComparison.alternate(
            runs: runs,
            ("assay verify", { try ProcessTimer.run(assay, ["verify", dataset.root, "--json"]) }),
            ("sha256sum", { try ProcessTimer.run("sh", ["-c", "find \"$0\" -type f -print0 | xargs -0 sha256sum > /dev/null", dataset.root]) }))
    }

    func writeInput(_ path: String, day: UTCDay) throws {
        guard let file = fopen(path, "w") else { throw FileError(path: path, operation: "create", errno: errno) }
        defer { fclose(file) }
        // Synthetic records all start on 2026-01-01; move them to `day`.
        let shift = day.startMs - UTCDay("2026-01-01")!.startMs
        for line in SyntheticRecords(count: recordsPerDay, seed: UInt64(day.number)) {
            var record = line
            if shift != 0, let range = record.range(of: "\"start_ms\":") {
                let digits = record[range.upperBound...].prefix { $0.isNumber }
                let value = (Int64(digits) ?? 0) % 86_400_000 + day.startMs
                record.replaceSubrange(range.upperBound..<record.index(range.upperBound, offsetBy: digits.count), with: String(value))
                record = Self.shiftOtherTimes(record, by: value - (Int64(digits) ?? 0))
            }
            // In canonical form, as a collector's staging store holds records when it seals a day (the cost of
            // canonicalizing is bench canonical's first pass).
            let canonical = try Record.parse(Array(record.utf8)).canonicalBytes()
            fwrite(canonical, 1, canonical.count, file)
            fputc(0x0A, file)
        }
    }

    /// Moves end_ms and first_output_ms by the same amount as start_ms.
    static func shiftOtherTimes(_ record: String, by delta: Int64) -> String {
        var text = record
        for field in ["\"end_ms\":", "\"first_output_ms\":"] {
            guard let range = text.range(of: field) else { continue }
            let digits = text[range.upperBound...].prefix { $0.isNumber }
            text.replaceSubrange(range.upperBound..<text.index(range.upperBound, offsetBy: digits.count),
                                 with: String((Int64(digits) ?? 0) + delta))
        }
        return text
    }

    func timeSha256sum(_ root: String) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "find \"$0\" -type f -print0 | xargs -0 sha256sum > /dev/null", root]
        let started = monotonicSeconds()
        try process.run()
        process.waitUntilExit()
        return monotonicSeconds() - started
    }

    func totalSize(_ root: String) throws -> Int {
        var total = 0
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let path = enumerator?.nextObject() as? String {
            total += (try? FileManager.default.attributesOfItem(atPath: "\(root)/\(path)")[.size] as? Int) ?? 0
        }
        return total
    }
}

func monotonicSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}
