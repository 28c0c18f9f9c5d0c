import AssayCore
import AssaySimulate
import AssayCrypto
import AssayLedger
import Foundation

/// `assay-bench canonical`: the throughput of read + validate + canonicalize +
/// leaf hash over a synthetic records file, next to the time `sha256sum` takes
/// over the same bytes — once over the records as generated (members in any
/// order: the reference parser's path, as `assay canonicalize` takes it) and
/// once over the same records in canonical form (the byte-level reader's path,
/// as verification and sealing take it).
public struct CanonicalBenchmark {
    /// One timed pass over one file.
    public struct Pass: Sendable {
        public let records: Int
        public let bytes: Int
        public let seconds: Double
        public let sha256sumSeconds: Double?
        public let root: String

        public var recordsPerSecond: Double { Double(records) / seconds }
        public var megabytesPerSecond: Double { Double(bytes) / seconds / 1_000_000 }
        public var ratio: Double? { sha256sumSeconds.map { seconds / $0 } }
    }

    public struct Report: Sendable {
        /// The records as generated (or as given).
        public let input: Pass
        /// The same records in canonical form.
        public let canonical: Pass
        public let peakResidentBytes: Int
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

    /// Writes the input file (not timed) unless one is given, then times the pipeline and sha256sum over it, then
    /// writes its canonical form (not timed) and times both again.
    public func run(progress: (String) -> Void) throws -> Report {
        let path = input ?? "\(directory)/assay-bench-\(records)-\(getpid()).jsonl"
        let canonicalPath = "\(directory)/assay-bench-\(records)-\(getpid()).canonical.jsonl"
        if input == nil {
            progress("generating \(records) synthetic records in \(path)")
            try writeInput(path)
        }
        defer {
            if input == nil { unlink(path) }
            unlink(canonicalPath)
        }
        let first = try pass(path, name: "the records as generated", progress: progress)
        progress("writing their canonical form to \(canonicalPath)")
        try writeCanonical(from: path, to: canonicalPath)
        let second = try pass(canonicalPath, name: "the canonical records", progress: progress)
        return Report(input: first, canonical: second, peakResidentBytes: peakResidentBytes())
    }

    func pass(_ path: String, name: String, progress: (String) -> Void) throws -> Pass {
        let bytes = Int(try FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64 ?? 0)
        progress("timing read + validate + canonicalize + leaf hash over \(name) (\(bytes) bytes)")
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
        let sha = try? timeSha256sum(path)  // sha256sum missing: the report says "not available"
        return Pass(records: summary.records, bytes: bytes, seconds: seconds, sha256sumSeconds: sha, root: Hex.encode(builder.root))
    }

    func writeCanonical(from path: String, to target: String) throws {
        guard let file = fopen(target, "w") else { throw FileError(path: target, operation: "create", errno: errno) }
        defer { fclose(file) }
        try RecordLines.scan(try LineReader(path: path)) { _, record in
            fwrite(record.bytes.baseAddress, 1, record.bytes.count, file)
            fputc(0x0A, file)
        } onIssue: { _ in }
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
