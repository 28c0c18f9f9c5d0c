import AssayCore
import AssayCrypto

/// `record-order`, `record-count`, `merkle-root`, `coverage`, and keys that
/// are also in conflict (`conflicts`): records.jsonl is strictly sorted by key,
/// and the manifest's counts, Merkle tree and coverage are what the file gives
/// (spec/dataset.md §4.1, §4.4, §5).
struct RecordsCheck {
    let scan: BundleFileScan
    let day: UTCDay
    /// Keys in conflicts.jsonl.
    let conflictKeys: Set<RecordKey>

    /// Each valid, canonical record also goes to `receiver`, in file order. Returns the test jobs, for the probe check.
    func check(log: inout FindingLog, receiver: (any VerifiedRecordReceiver)?) -> [TestJobFacts] {
        let manifest = scan.manifest
        let path = "\(scan.base)/records.jsonl", manifestPath = "\(scan.base)/manifest.json"
        let lines = RecordLineCheck(day: day, path: path)
        // The key of the line before as its sort bytes, in a buffer reused line after line: no allocation per record.
        var previous: [UInt8] = [], current: [UInt8] = []
        var hasPrevious = false
        var byKind = [Int64](repeating: 0, count: RecordKind.ordered.count)
        var root = Merkle.RootBuilder()
        var coverage = CoverageAccumulator()
        let hasher = MessageDigest(.sha256)
        var leaves: Int64 = 0
        var testJobs: [TestJobFacts] = []
        scan.scan("records.jsonl", log: &log) { number, line, log in
            leaves += 1
            if case .bytes(let bytes) = line { root.append(leafHash: Merkle.leafHash(bytes, using: hasher)) }
            guard let record = lines.record(number, line, log: &log) else { return }
            receiver?.record(line: number, record)
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
            if record.kind == .testJob { testJobs.append(TestJobFacts(record, line: number)) }
        }
        func count(_ kind: RecordKind) -> Int64 { byKind[kind.ordinal] }
        for kind in RecordKind.allCases where count(kind) != (manifest.recordsByKind[kind] ?? 0) {
            log.add(.recordCount, manifestPath,
                    "records.by_kind.\(kind.rawValue) is \(manifest.recordsByKind[kind] ?? 0); records.jsonl has \(count(kind))")
        }
        if leaves != manifest.merkleTreeSize || Hex.encode(root.root) != manifest.merkleRoot {
            log.add(.merkleRoot, manifestPath,
                    "merkle says \(manifest.merkleTreeSize) leaves with root \(manifest.merkleRoot); records.jsonl gives \(leaves) leaves with root \(Hex.encode(root.root))")
        }
        if coverage.coverage != manifest.coverage {
            log.add(.coverage, manifestPath, "coverage differs from the probes in records.jsonl")
        }
        return testJobs
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
