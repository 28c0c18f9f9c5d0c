import AssayCore
import AssayCrypto
import AssayLedger
import AssayZstd
import Foundation

/// `assay export` (spec/export.md): the verified records of a range of days and collectors, for engines people
/// already run — zstd JSON Lines (the canonical records, one per line, each distinct record once), Parquet
/// written by DuckDB (a tool the export calls; verification never needs it), a Frictionless Data Package v2
/// descriptor and a data card. The same dataset, range and tools give the same files.
public struct DatasetExport {
    public struct Options: Sendable {
        public var first: UTCDay?
        public var last: UTCDay?
        /// Collectors whose bundles to export; empty: all.
        public var collectors: [String] = []
        public var parquet = true
        /// The Python that runs DuckDB for Parquet.
        public var python = "python3"
        public init() {}
    }

    public struct Summary: Sendable {
        public var records: Int64 = 0
        /// Keys whose records differ between bundles: left out, counted here and in the data card.
        public var disputedKeys: Int64 = 0
        public var bundles: [(collector: String, day: UTCDay, manifestSHA256: String, records: Int64)] = []
        public var contentSHA256 = ""
        public var contentBytes: Int64 = 0
        public var files: [(name: String, bytes: Int64, sha256: String)] = []
        public var first: UTCDay?
        public var last: UTCDay?
    }

    public let directory: DatasetDirectory
    public let options: Options

    public init(directory: DatasetDirectory, options: Options) {
        self.directory = directory
        self.options = options
    }

    public static let recordsFile = "records.jsonl.zst"
    public static let parquetFile = "records.parquet"
    public static let bundlesFile = "bundles.csv"

    /// Verifies the range, then writes the export into `out` (which must not exist yet) atomically.
    public func run(out: String, progress: @escaping @Sendable (String) -> Void) async throws -> Summary {
        let descriptor = try directory.descriptor()
        var chosen: [(String, UTCDay)] = []
        for collector in try directory.collectors() where options.collectors.isEmpty || options.collectors.contains(collector) {
            for day in try directory.days(of: collector)
            where (options.first.map { day >= $0 } ?? true) && (options.last.map { day <= $0 } ?? true) {
                chosen.append((collector, day))
            }
        }
        guard !chosen.isEmpty else { throw ExportError("no bundle of the dataset is in the range asked for") }
        for collector in options.collectors where !chosen.contains(where: { $0.0 == collector }) {
            throw ExportError("the collector '\(collector)' has no bundle in the range")
        }
        // Only verified records are exported: the bundles of the range, checked in full (spec/dataset.md §8).
        progress("verifying \(chosen.count) bundles")
        var verifyOptions = DatasetVerifier.Options()
        verifyOptions.selection = BundleSelection(items: chosen.map { BundleSelection.Item(collector: $0.0, days: $0.1...$0.1) })
        let report = await DatasetVerifier(directory: directory, options: verifyOptions).verify()
        guard report.holds else {
            throw ExportError("the dataset does not verify (\(report.errors) errors, the first: \(report.findings.first { $0.severity == .error }.map { "\($0)" } ?? "?")); "
                + "run 'assay verify' for all of them: only verified records are exported")
        }
        let byHash = Dictionary(report.bundles.map { ("\($0.collector) \($0.day)", $0.manifestHash ?? "") }) { first, _ in first }

        guard !Files.exists(out) else { throw ExportError("\(out) exists; an export is written into a new directory") }
        let temporary = "\(out).tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: temporary)
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        var summary = Summary()
        summary.first = chosen.map(\.1).min()
        summary.last = chosen.map(\.1).max()
        do {
            let writer = try ZstdWriter(path: "\(temporary)/\(Self.recordsFile)", level: StoredFile.compressionLevel,
                                        workers: ProcessInfo.processInfo.activeProcessorCount)
            let content = MessageDigest(.sha256)
            for day in Set(chosen.map(\.1)).sorted() {
                progress("exporting \(day)")
                // The day's records of every chosen bundle, each distinct record once, sorted: the sealer's own
                // grouping (identical bytes collapse, different versions of a key are set apart).
                var sealer = BundleSealer(dataset: descriptor.id, collector: "export", day: day, prev: nil)
                sealer.shardBytes = Int64.max
                for (collector, bundleDay) in chosen where bundleDay == day {
                    let base = DatasetDirectory.bundleRelativePath(collector: collector, day: day)
                    let manifest = try Manifest(bytes: try directory.manifestBytes(collector: collector, day: day))
                    var count: Int64 = 0
                    try BundleRecordReader(directory: directory.bundlePath(collector: collector, day: day), manifest: manifest, base: base)
                        .forEachLine { _, _, line in
                            guard case .bytes(let bytes) = line, case .record(let record) = RecordLine.read(bytes) else { return }  // verified: every line is a record
                            sealer.add(record)
                            count += 1
                        }
                    summary.bundles.append((collector, day, byHash["\(collector) \(day)"] ?? "", count))
                }
                let sealed = sealer.seal()
                try writer.write(sealed.records)
                content.update(sealed.records)
                summary.contentBytes += Int64(sealed.records.count)
                summary.records += sealed.manifest.recordsTotal
                summary.disputedKeys += sealed.manifest.conflictKeys
            }
            try writer.finish()
            summary.contentSHA256 = content.finalize().hex
            try Files.writeAtomically("\(temporary)/\(Self.bundlesFile)", contents: Array(Self.bundlesCSV(summary.bundles).utf8))
            if options.parquet {
                progress("writing Parquet with DuckDB")
                try ParquetWriter(python: options.python).write(jsonl: "\(temporary)/\(Self.recordsFile)", parquet: "\(temporary)/\(Self.parquetFile)",
                                                               columns: ExportColumns.all)
            }
            for name in [Self.recordsFile] + (options.parquet ? [Self.parquetFile] : []) + [Self.bundlesFile] {
                let hasher = MessageDigest(.sha256)
                var size: Int64 = 0
                try Files.stream("\(temporary)/\(name)") { chunk in
                    hasher.update(chunk)
                    size += Int64(chunk.count)
                }
                summary.files.append((name, size, hasher.finalize().hex))
            }
            let card = DataCard(descriptor: descriptor, genesis: report.genesis?.sha256 ?? "", summary: summary, parquet: options.parquet)
            try Files.writeAtomically("\(temporary)/datapackage.json", contents: card.dataPackage())
            try Files.writeAtomically("\(temporary)/README.md", contents: Array(card.readme().utf8))
            try FileManager.default.moveItem(atPath: temporary, toPath: out)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        return summary
    }

    static func bundlesCSV(_ bundles: [(collector: String, day: UTCDay, manifestSHA256: String, records: Int64)]) -> String {
        "collector,day,manifest_sha256,records\n" + bundles.map { "\($0.collector),\($0.day),\($0.manifestSHA256),\($0.records)\n" }.joined()
    }
}

/// Why an export cannot be made.
public struct ExportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
