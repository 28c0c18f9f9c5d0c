#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AssayCore
import AssayCrypto
import AssayProbe
import Foundation

/// The bytes of one sealed bundle, before they are written or signed.
public struct SealedBundle: Sendable {
    public let manifest: Manifest
    public let manifestBytes: [UInt8]
    /// The day's records, all lines: `records.jsonl`, or the concatenation of the shards.
    public let records: [UInt8]
    /// The records files: `records.jsonl`, or the shards (spec/dataset.md §4.6), each a range of `records`.
    public let recordFiles: [(name: String, range: Range<Int>)]
    public let conflicts: [UInt8]
    /// The day's probe reveal, `probes.json` (spec/probe.md §7.3), when the collector's tester planned the day.
    public let reveal: [UInt8]?
    /// Input records on other days, not part of this bundle.
    public let outsideDay: Int
    /// Input records that were exact duplicates of one already staged.
    public let duplicatesCollapsed: Int

    /// SHA-256 of `manifest.json`: the manifest hash the next bundle links to.
    public var manifestHash: String { MessageDigest.sha256(manifestBytes).hex }
}

/// Builds a bundle from staged records (spec/dataset.md §5): validated input,
/// deduplicated by (observer_id, id), conflicts set apart, sorted, hashed,
/// Merkle-rooted and chained. The same input yields the same bytes, whatever
/// the order in which it arrives.
public struct BundleSealer {
    public let dataset: String
    public let collector: String
    public let day: UTCDay
    public let prev: Manifest.Previous?
    /// The dataset's shard size (spec/dataset.md §4.6).
    public var shardBytes = DatasetDescriptor.defaultShardBytes

    /// Every staged record as its key's sort bytes (`RecordKey.appendSortBytes`) followed by its canonical
    /// bytes, one after another: no allocation per record.
    private var arena: [UInt8] = []
    private var staged: [Staged] = []

    /// One staged record: where its key and bytes are in `arena`, and its kind (no second parse).
    struct Staged {
        let keyStart: Int, start: Int, end: Int
        let kind: RecordKind
    }
    private var rejected: [String: Int64] = [:]
    private var outsideDay = 0
    /// The bytes of the day's probe reveal (spec/probe.md §7.3), written into the bundle as `probes.json`.
    public var reveal: [UInt8]?

    public init(dataset: String, collector: String, day: UTCDay, prev: Manifest.Previous?) {
        self.dataset = dataset
        self.collector = collector
        self.day = day
        self.prev = prev
    }

    /// Stages one valid record, read from its canonical bytes.
    public mutating func add(_ record: RecordView) {
        guard let start = record.integer(.startMs), day.contains(start) else {
            outsideDay += 1
            return
        }
        let keyStart = arena.count
        RecordKey.appendSortBytes(of: record, to: &arena)
        let bytesStart = arena.count
        arena.append(contentsOf: record.bytes)
        staged.append(Staged(keyStart: keyStart, start: bytesStart, end: arena.count, kind: record.kind))
    }

    /// A sealer for the same bundle with nothing staged, to stage a share of the input on another thread.
    func emptyPart() -> BundleSealer {
        var part = BundleSealer(dataset: dataset, collector: collector, day: day, prev: prev)
        part.shardBytes = shardBytes
        return part
    }

    /// Stages everything `part` staged and counts what it counted (as if it had been added here).
    mutating func take(_ part: BundleSealer) {
        let offset = arena.count
        arena.append(contentsOf: part.arena)
        staged.reserveCapacity(staged.count + part.staged.count)
        for entry in part.staged {
            staged.append(Staged(keyStart: entry.keyStart + offset, start: entry.start + offset, end: entry.end + offset, kind: entry.kind))
        }
        for (code, count) in part.rejected { rejected[code, default: 0] += count }
        outsideDay += part.outsideDay
    }

    /// Counts one refused input by its code (it goes into `rejected`).
    public mutating func reject(_ code: String, count: Int64 = 1) {
        rejected[code, default: 0] += count
    }

    /// Seals what was staged: sorted by key and then by bytes, so each key's versions are neighbours; equal
    /// bytes are one version (the others duplicates), a key with one version is a record, with more a conflict.
    public func seal() -> SealedBundle {
        var records: [UInt8] = []
        var conflicts: [UInt8] = []
        var byKind: [RecordKind: Int64] = [:]
        var conflictKeys: Int64 = 0
        var conflictVersions: Int64 = 0
        var duplicates = 0
        var lines: [Range<Int>] = []
        var coverage = CoverageAccumulator()
        arena.withUnsafeBufferPointer { arena in
            func key(_ entry: Staged) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: arena[entry.keyStart..<entry.start]) }
            func bytes(_ entry: Staged) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: arena[entry.start..<entry.end]) }
            func order(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
                let common = min(a.count, b.count)
                let difference = common == 0 ? 0 : Int(memcmp(a.baseAddress!, b.baseAddress!, common))
                return difference != 0 ? difference : a.count - b.count
            }
            let sorted = staged.sorted { a, b in
                let byKey = order(key(a), key(b))
                return byKey != 0 ? byKey < 0 : order(bytes(a), bytes(b)) < 0
            }
            records.reserveCapacity(sorted.reduce(0) { $0 + $1.end - $1.start + 1 })
            // The records first (each key with one version, in order), where their lines are; their hashes after.
            var index = 0
            while index < sorted.count {
                // One key's entries; its distinct versions are the entries whose bytes differ from the one
                // before (equal bytes are neighbours; the others are duplicates).
                var end = index + 1, versions = 1
                while end < sorted.count && order(key(sorted[end]), key(sorted[index])) == 0 {
                    if order(bytes(sorted[end]), bytes(sorted[end - 1])) == 0 { duplicates += 1 } else { versions += 1 }
                    end += 1
                }
                if versions == 1 {
                    let entry = sorted[index], line = bytes(entry)
                    byKind[entry.kind, default: 0] += 1
                    if entry.kind == .probe { coverage.add(canonical: Array(line)) }
                    lines.append(records.count..<records.count + line.count)
                    records.append(contentsOf: line)
                    records.append(0x0A)
                } else {
                    conflictKeys += 1
                    for position in index..<end where position == index || order(bytes(sorted[position]), bytes(sorted[position - 1])) != 0 {
                        conflictVersions += 1
                        conflicts.append(contentsOf: bytes(sorted[position]))
                        conflicts.append(0x0A)
                    }
                }
                index = end
            }
        }
        let recordFiles = Self.recordFiles(lines: lines, total: records.count, shardBytes: Int(shardBytes))
        let (leaves, fileHashes) = Self.hashes(records, lines: lines, files: recordFiles.map(\.range))
        var root = Merkle.RootBuilder()
        for leaf in leaves { root.append(leafHash: leaf) }
        let manifest = Manifest(
            dataset: dataset, collector: collector, day: day, prev: prev,
            files: [.init(name: Manifest.conflictsName, sha256: MessageDigest.sha256(conflicts).hex, size: Int64(conflicts.count))]
                + (reveal.map { [.init(name: ProbeReveal.fileName, sha256: MessageDigest.sha256($0).hex, size: Int64($0.count))] } ?? [])
                + zip(recordFiles, fileHashes).map { .init(name: $0.name, sha256: $1, size: Int64($0.range.count)) },
            recordsByKind: Dictionary(uniqueKeysWithValues: RecordKind.allCases.map { ($0, byKind[$0] ?? 0) }),
            merkleTreeSize: Int64(root.count), merkleRoot: Hex.encode(root.root),
            conflictKeys: conflictKeys, conflictVersions: conflictVersions,
            coverage: coverage.coverage, rejectedByCode: rejected)
        return SealedBundle(manifest: manifest, manifestBytes: manifest.bytes(), records: records, recordFiles: recordFiles,
                            conflicts: conflicts, reveal: reveal,
                            outsideDay: outsideDay, duplicatesCollapsed: duplicates)
    }
}

extension BundleSealer {
    /// The records files of `total` bytes of lines (`lines`, without their newlines): all of them as
    /// `records.jsonl` when they fit in `shardBytes`, else shards cut greedily — each shard as many whole
    /// lines as fit, the next beginning with the first that did not (spec/dataset.md §4.6).
    public static func recordFiles(lines: [Range<Int>], total: Int, shardBytes: Int) -> [(name: String, range: Range<Int>)] {
        guard total > shardBytes else { return [(Manifest.recordsName, 0..<total)] }
        var files: [(name: String, range: Range<Int>)] = []
        var start = 0
        for line in lines where line.upperBound + 1 - start > shardBytes && line.lowerBound > start {
            files.append((Manifest.shardName(files.count), start..<line.lowerBound))
            start = line.lowerBound
        }
        files.append((Manifest.shardName(files.count), start..<total))
        return files
    }

    /// The leaf hash of each line (`lines` are ranges of `records`) and the SHA-256 of each of `files` (ranges
    /// of `records`), on every core: the files' hashes on one thread while the others hash leaves, a share each.
    static func hashes(_ records: [UInt8], lines: [Range<Int>], files: [Range<Int>]) -> (leaves: [[UInt8]], files: [String]) {
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        // Too few lines to be worth a thread: one after the other.
        let leafWorkers = lines.count < 1024 || cores == 1 ? 1 : cores
        // Task 0 hashes the file; the others a share of the leaves each. With one core, both in turn.
        let results = records.withUnsafeBytes { bytes in
            Parallel.map(leafWorkers + 1) { task -> (files: [String], leaves: [[UInt8]]) in
                guard task > 0 else { return (files.map { MessageDigest.sha256(UnsafeRawBufferPointer(rebasing: bytes[$0])).hex }, []) }
                let worker = task - 1, hasher = MessageDigest(.sha256)
                return ([], lines[lines.count * worker / leafWorkers..<lines.count * (worker + 1) / leafWorkers].map { line in
                    Merkle.leafHash(UnsafeRawBufferPointer(rebasing: bytes[line]), using: hasher)
                })
            }
        }
        return (results.dropFirst().flatMap(\.leaves), results[0].files)
    }
}

/// (observer_id, id) as bytes, ordered as spec/dataset.md §4.1 sorts records.
public struct RecordKey: Hashable, Comparable, Sendable {
    public let observer: [UInt8]
    public let id: [UInt8]

    public init(observer: [UInt8], id: [UInt8]) {
        self.observer = observer
        self.id = id
    }

    public init(_ record: Record) {
        self.init(observer: Array(record.observerID.utf8), id: Array(record.id.utf8))
    }

    public init(_ record: RecordView) {
        self.init(observer: record.slice(.observerID).map { Array($0) } ?? [], id: record.slice(.id).map { Array($0) } ?? [])
    }

    /// Appends `observer_id 0x00 id` of `record`: bytes that sort as the keys do (identifiers have no
    /// 0x00 byte), for comparing keys in a buffer without making one.
    public static func appendSortBytes(of record: RecordView, to buffer: inout [UInt8]) {
        if let observer = record.slice(.observerID) { buffer.append(contentsOf: observer) }
        buffer.append(0)
        if let id = record.slice(.id) { buffer.append(contentsOf: id) }
    }

    public func hash(into hasher: inout Hasher) {
        observer.withUnsafeBytes { hasher.combine(bytes: $0) }
        hasher.combine(observer.count)
        id.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    public static func < (lhs: RecordKey, rhs: RecordKey) -> Bool {
        if lhs.observer != rhs.observer { return lhs.observer.lexicographicallyPrecedes(rhs.observer) }
        return lhs.id.lexicographicallyPrecedes(rhs.id)
    }

    /// `observer_id/id`, for messages.
    public var description: String {
        String(decoding: observer, as: UTF8.self) + "/" + String(decoding: id, as: UTF8.self)
    }
}

extension DatasetDirectory {
    /// Seals (collector, day) from JSON Lines inputs, signs the manifest with
    /// `key` as `signer`, and writes the bundle atomically. Bad input lines
    /// go to `onIssue` and into the manifest's `rejected` counts.
    public func seal(collector: String, day: UTCDay, inputs: [String], key: any Ed25519Signer, signer: String,
                     onIssue: (LineIssue) -> Void) throws(LedgerError) -> SealedBundle {
        try seal(collector: collector, day: day, key: key, signer: signer) { (sealer) throws(LedgerError) in
            for input in inputs {
                do {
                    let reader = try LineReader(path: input)
                    var lines = SealerInput(source: reader.name, requireCanonical: false)
                    try lines.add(reader, into: &sealer, onIssue: onIssue)
                } catch { throw LedgerError(.io, "\(error)") }
            }
        }
    }

    /// Seals (collector, day) from whatever `feed` stages into the sealer
    /// (files, a staging store), signs the manifest, and writes atomically.
    public func seal(collector: String, day: UTCDay, key: any Ed25519Signer, signer: String,
                     feed: (inout BundleSealer) throws(LedgerError) -> Void) throws(LedgerError) -> SealedBundle {
        guard Slug.isValid(collector) else { throw LedgerError(.invalidName, "collector '\(collector)' must be \(Slug.rule)") }
        guard Slug.isValid(signer) else { throw LedgerError(.invalidName, "signer '\(signer)' must be \(Slug.rule)") }
        let descriptor = try descriptor()
        if Files.exists(bundlePath(collector: collector, day: day)) {
            throw LedgerError(.alreadyExists, "\(Self.bundleRelativePath(collector: collector, day: day)) is already sealed; a sealed bundle is never rewritten")
        }
        var sealer = BundleSealer(dataset: descriptor.id, collector: collector, day: day,
                                  prev: try previous(collector: collector, before: day))
        sealer.shardBytes = descriptor.effectiveShardBytes
        try feed(&sealer)
        let bundle = sealer.seal()
        let signature: SSHSignature
        do { signature = try SSHSignature.sign(bundle.manifestBytes, namespace: Self.manifestNamespace, with: key) } catch {
            throw LedgerError(.io, "signing failed: \(error)")
        }
        try write(bundle, signatures: [(signer, signature)])
        // The manifest (and any other document the log lacks) becomes the log's next entry, signed by the sealer.
        let documents: [String]
        do { documents = try DatasetLog.documents(self) } catch { throw LedgerError(.io, "listing the dataset's documents: \(error)") }
        _ = try DatasetLog.append(self, paths: documents, datasetID: descriptor.id, signer: signer, key: key)
        return bundle
    }
}
