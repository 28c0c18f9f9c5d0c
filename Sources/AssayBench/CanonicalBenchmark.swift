import AssayCore
import AssaySimulate
import AssayCrypto
import AssayLedger
import Foundation

/// `assay-bench canonical`: the throughput of parse + validate +
/// canonicalize + leaf hash over a synthetic records file, next to the
/// time `sha256sum` takes over the same bytes.
public struct CanonicalBenchmark {
    public struct Report: Sendable {
        public let records: Int
        public let bytes: Int
        public let seconds: Double
        public let sha256sumSeconds: Double?
        public let peakResidentBytes: Int
        public let root: String

        public var recordsPerSecond: Double { Double(records) / seconds }
        public var megabytesPerSecond: Double { Double(bytes) / seconds / 1_000_000 }
        public var ratio: Double? { sha256sumSeconds.map { seconds / $0 } }
    }

    public let records: Int
    public let directory: String
    /// An existing records file to measure instead of synthetic records.
    public let input: String?

    public init(records: Int, directory: String, input: String? = nil) {
        self.records = records
        self.directory = directory
        self.input = input
    }

    /// Writes the input file (not timed) unless one is given, then times the pipeline and sha256sum.
    public func run(progress: (String) -> Void) throws -> Report {
        let path = input ?? "\(directory)/assay-bench-\(records)-\(getpid()).jsonl"
        if input == nil {
            progress("generating \(records) synthetic records in \(path)")
            try writeInput(path)
        }
        defer { if input == nil { unlink(path) } }
        let bytes = Int(try FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64 ?? 0)

        progress("timing parse + validate + canonicalize + leaf hash (\(bytes) bytes)")
        let started = monotonicSeconds()
        let reader = try LineReader(path: path)
        var builder = Merkle.RootBuilder()
        let hasher = MessageDigest(.sha256)
        let summary = try RecordLines.scan(reader) { _, record in
            builder.append(leafHash: Merkle.leafHash(record.bytes, using: hasher))
        } onIssue: { issue in
            progress("unexpected: \(issue)")
        }
        let seconds = monotonicSeconds() - started
        if input == nil { precondition(summary.issues == 0, "synthetic records must all be valid") }

        progress("timing sha256sum over the same file")
        let sha = try? timeSha256sum(path)
        return Report(records: summary.records, bytes: bytes, seconds: seconds, sha256sumSeconds: sha,
                      peakResidentBytes: peakResidentBytes(), root: Hex.encode(builder.root))
    }

    func writeInput(_ path: String) throws {
        guard let file = fopen(path, "w") else { throw FileError(path: path, operation: "create", errno: errno) }
        defer { fclose(file) }
        for line in SyntheticRecords(count: records) {
            fputs(line, file)
            fputc(0x0A, file)
        }
    }

    func timeSha256sum(_ path: String) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", path]
        process.standardOutput = FileHandle.nullDevice
        let started = monotonicSeconds()
        try process.run()
        process.waitUntilExit()
        return monotonicSeconds() - started
    }

    func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}
