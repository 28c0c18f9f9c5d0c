import AssayCore
import AssayCrypto

/// `record-order`, `record-count`, `merkle-root`, `coverage`, `shard`, and keys
/// that are also in conflict (`conflicts`): the records — `records.jsonl`, or
/// its shards one after the other — are strictly sorted by key, cut into shards
/// as §4.6 says, and the manifest's counts, Merkle tree and coverage are what
/// they give (spec/dataset.md §4.1, §4.4, §4.6, §5).
struct RecordsCheck {
    let scan: BundleFileScan
    let day: UTCDay
    /// Keys in conflicts.jsonl.
    let conflictKeys: Set<RecordKey>
    /// The dataset's shard size (spec/dataset.md §4.6).
    let shardBytes: Int64

    /// Each valid, canonical record also goes to `receiver`, in order (numbered across shards). Returns the test
    /// jobs, for the probe check, or nil when some records file was not read (missing, not fetched, unreadable):
    /// then nothing that needs every record is checked, and the file's own finding says why.
    func check(log: inout FindingLog, receiver: (any VerifiedRecordReceiver)?) -> [TestJobFacts]? {
        let manifest = scan.manifest
        let manifestPath = "\(scan.base)/manifest.json"
        // The key of the line before as its sort bytes, in a buffer reused line after line: no allocation per record.
        var previous: [UInt8] = [], current: [UInt8] = []
        var hasPrevious = false
        var byKind = [Int64](repeating: 0, count: RecordKind.ordered.count)
        var root = Merkle.RootBuilder()
        var coverage = CoverageAccumulator()
        let hasher = MessageDigest(.sha256)
        var leaves: Int64 = 0
        var testJobs: [TestJobFacts] = []
        var outcomes: [BundleFileScan.Outcome] = []
        for entry in manifest.recordFiles {
            let path = scan.storedPath(entry.name)
            let lines = RecordLineCheck(day: day, path: path)
            outcomes.append(scan.scan(entry.name, log: &log) { number, line, log in
                leaves += 1
                if case .bytes(let bytes) = line { root.append(leafHash: Merkle.leafHash(bytes, using: hasher)) }
                guard let record = lines.record(number, line, log: &log) else { return }
                receiver?.record(line: Int(leaves), record)
                current.removeAll(keepingCapacity: true)
                RecordKey.appendSortBytes(of: record, to: &current)
                if hasPrevious && !previous.lexicographicallyPrecedes(current) {
                    let key = RecordKey(record)
                    log.add(.recordOrder, path, previous == current
                        ? "line \(number) repeats \(key.description) from the line before"
                        : "line \(number): \(key.description) is out of order")
                }
                if !conflictKeys.isEmpty, case let key = RecordKey(record), conflictKeys.contains(key) {
                    log.add(.conflicts, path, "line \(number): \(key.description) is also in conflicts.jsonl")
                }
                swap(&previous, &current)
                hasPrevious = true
                byKind[record.kind.ordinal] += 1
                coverage.add(record)
                if record.kind == .testJob { testJobs.append(TestJobFacts(record, line: Int(leaves))) }
            })
        }
        ShardCheck(shardBytes: shardBytes, path: manifestPath).check(manifest.recordFiles, outcomes: outcomes, log: &log)
        guard outcomes.allSatisfy(\.read) else { return nil }
        let recordsName = manifest.recordFiles.count == 1 ? "records.jsonl" : "the records' shards"
        func count(_ kind: RecordKind) -> Int64 { byKind[kind.ordinal] }
        for kind in RecordKind.allCases where count(kind) != (manifest.recordsByKind[kind] ?? 0) {
            log.add(.recordCount, manifestPath,
                    "records.by_kind.\(kind.rawValue) is \(manifest.recordsByKind[kind] ?? 0); \(recordsName) \(manifest.recordFiles.count == 1 ? "has" : "have") \(count(kind))")
        }
        if leaves != manifest.merkleTreeSize || Hex.encode(root.root) != manifest.merkleRoot {
            log.add(.merkleRoot, manifestPath,
                    "merkle says \(manifest.merkleTreeSize) leaves with root \(manifest.merkleRoot); \(recordsName) give\(manifest.recordFiles.count == 1 ? "s" : "") \(leaves) leaves with root \(Hex.encode(root.root))")
        }
        if coverage.coverage != manifest.coverage {
            log.add(.coverage, manifestPath, "coverage differs from the probes in \(recordsName)")
        }
        return testJobs
    }
}

/// `shard`: a bundle's records files are cut as spec/dataset.md §4.6 says — one `records.jsonl` when the records fit
/// in the dataset's shard size, else shards, none empty or over the size, each ending only where the next one's first
/// line would not have fit. Sizes are the manifest's; the cut needs the next shard's first line, when it was read.
struct ShardCheck {
    let shardBytes: Int64
    /// manifest.json, relative to the dataset.
    let path: String

    func check(_ files: [Manifest.FileEntry], outcomes: [BundleFileScan.Outcome], log: inout FindingLog) {
        guard let first = files.first else { return }
        if files.count == 1 && first.name == Manifest.recordsName {
            if first.size > shardBytes {
                log.add(.shard, path, "records.jsonl is \(first.size) bytes, more than the dataset's shard_bytes \(shardBytes): its records belong in shards")
            }
            return
        }
        guard let total = Manifest.checkedSum(files.map(\.size)) else {
            log.add(.shard, path, "the shards' sizes add up past 2^63 - 1")
            return
        }
        if total <= shardBytes {
            log.add(.shard, path, "the shards hold \(total) bytes, which fit in one file of the dataset's shard_bytes \(shardBytes): the bundle has records.jsonl, not shards")
        }
        for (index, file) in files.enumerated() {
            if file.size <= 0 { log.add(.shard, path, "\(file.name) is empty; a shard holds at least one line") }
            if file.size > shardBytes { log.add(.shard, path, "\(file.name) is \(file.size) bytes, more than the dataset's shard_bytes \(shardBytes)") }
            guard index + 1 < files.count, index + 1 < outcomes.count, let next = outcomes[index + 1].firstLineLength else { continue }
            // The next shard's first line, with its newline, would have fitted here: the cut is not greedy.
            if file.size <= shardBytes - Int64(next) - 1 {
                log.add(.shard, path, "\(file.name) ends at \(file.size) bytes, but the next shard's first line (\(next + 1) bytes with its newline) "
                    + "fits within the dataset's shard_bytes \(shardBytes): shards are cut greedily")
            }
        }
    }
}

/// What the probe check compares of a test job with its probe (spec/probe.md §7.4 item 4).
struct TestJobFacts: Sendable {
    let line: Int
    let id: String, observer: String, scenario: String, scenarioSHA256: String, orchestrator: String, pipeline: String, modelID: String
    let slot: Int64, startMs: Int64

    init(_ record: RecordView, line: Int) {
        self.line = line
        id = record.string(.id) ?? ""
        observer = record.string(.observerID) ?? ""
        scenario = record.string(.scenario) ?? ""
        scenarioSHA256 = record.string(.scenarioSHA256) ?? ""
        orchestrator = record.string(.orchestrator) ?? ""
        pipeline = record.string(.pipeline) ?? ""
        modelID = record.string(.modelID) ?? ""
        slot = record.integer(.slot) ?? -1
        startMs = record.integer(.startMs) ?? -1
    }
}
