import AssayCore
import AssayCrypto

/// What verification found out about one bundle.
public struct BundleResult: Sendable {
    public let collector: String
    public let day: UTCDay
    /// The manifest, when it parsed.
    public let manifest: Manifest?
    /// SHA-256 of `manifest.json`, when it could be read.
    public let manifestHash: String?
    /// Principals whose signatures count (spec/dataset.md §6), sorted.
    public let signers: [String]
    /// Principals (patterns as written) the policy lets sign the day's manifests who did not (spec/policy.md §4).
    public let unsigned: [String]
    public let threshold: Int
    public let findings: [Finding]
    /// The SHA-256 of the scenario document the bundle's probe reveal names (spec/probe.md §7.3), if any.
    public var scenarioDocument: String? = nil
    /// Whether the run's selection asked for the bundle's records (spec/dataset.md §8.5).
    public var recordsSelected = true
    /// Whether the bundle's record files were read and checked: false outside the run's selection, or when
    /// one of them was missing, not fetched or unreadable (spec/dataset.md §8.5).
    public var recordsChecked = false

    public var holds: Bool { signers.count >= threshold }
    public var hasErrors: Bool { findings.contains { $0.severity == .error } }
    public var relativePath: String { DatasetDirectory.bundleRelativePath(collector: collector, day: day) }
}

/// Receives, while a dataset is verified, every record line of a bundle's
/// `records.jsonl` that is valid and canonical, so a caller that needs the
/// records (the site) reads each file once. Called from verification's
/// worker threads, one bundle per receiver.
public protocol VerifiedRecordSink: Sendable {
    /// The receiver of one bundle's records; `finish` follows its last record.
    func bundle(collector: String, day: UTCDay) -> any VerifiedRecordReceiver
}

public protocol VerifiedRecordReceiver: AnyObject {
    /// One valid, canonical record, read in place: valid only during the call (its `bytes` are its line).
    func record(line: Int, _ record: RecordView)
    func finish()
}

/// Checks one bundle against its manifest, the record schema and the trust
/// policy, streaming each file once (spec/dataset.md §8). It composes one
/// check per rule family (Checks/): the manifest's location, conflicts.jsonl,
/// records.jsonl, the signatures; each failure is a finding naming the file
/// and the rule.
public struct BundleVerifier: Sendable {
    public let directory: DatasetDirectory
    public let datasetID: String
    public let policy: TrustPolicy

    /// The dataset's shard size (spec/dataset.md §4.6): its descriptor's, never a default, since a bundle cut
    /// at another size breaks the rule `shard`.
    public let shardBytes: Int64

    public var threshold: Int { policy.threshold }
    /// Receives the valid records of each bundle verified (optional).
    public var sink: (any VerifiedRecordSink)?

    /// `descriptor` gives the dataset's id and shard size.
    public init(directory: DatasetDirectory, descriptor: DatasetDescriptor, policy: TrustPolicy) {
        self.directory = directory
        self.datasetID = descriptor.id
        self.shardBytes = descriptor.effectiveShardBytes
        self.policy = policy
    }

    /// Checks the bundle; with `checkRecords` false, its record files are not read (spec/dataset.md §8.5): the
    /// manifest, the signatures, the cut of its shards and its probe reveal are checked, nothing that needs the records.
    public func verify(collector: String, day: UTCDay, checkRecords: Bool = true) -> BundleResult {
        var log = FindingLog()
        let base = DatasetDirectory.bundleRelativePath(collector: collector, day: day)
        let absolute = directory.bundlePath(collector: collector, day: day)
        let manifestPath = "\(base)/manifest.json"
        func result(_ manifest: Manifest? = nil, hash: String? = nil, signers: [String] = [], unsigned: [String] = []) -> BundleResult {
            BundleResult(collector: collector, day: day, manifest: manifest, manifestHash: hash, signers: signers,
                         unsigned: unsigned, threshold: threshold, findings: log.all)
        }

        // `manifest`: the manifest is a regular file within its cap and parses.
        let manifestBytes: [UInt8]
        do { manifestBytes = try Files.readRegular("\(absolute)/manifest.json", limit: DatasetDirectory.manifestLimit) } catch {
            log.add(.manifest, manifestPath, "cannot be read: \(error)")
            return result()
        }
        let manifestHash = MessageDigest.sha256(manifestBytes).hex
        let manifest: Manifest
        do { manifest = try Manifest(bytes: manifestBytes) } catch {
            log.add(.manifest, manifestPath, error.reason)
            return result(hash: manifestHash)
        }

        ManifestLocationCheck(datasetID: datasetID, collector: collector, day: day).check(manifest, path: manifestPath, log: &log)
        StoredFilesCheck(manifest: manifest, base: base, absolute: absolute).check(log: &log)
        let scan = BundleFileScan(manifest: manifest, base: base, absolute: absolute)
        var scenarioDocument: String?
        var recordsChecked = false
        if checkRecords {
            let conflictKeys = ConflictsCheck(scan: scan, day: day).check(log: &log)
            let receiver = sink?.bundle(collector: collector, day: day)
            let testJobs = RecordsCheck(scan: scan, day: day, conflictKeys: conflictKeys, shardBytes: shardBytes).check(log: &log, receiver: receiver)
            receiver?.finish()
            recordsChecked = testJobs != nil
            scenarioDocument = ProbeCheck(directory: directory, datasetID: datasetID, collector: collector, day: day, base: base)
                .check(manifest, testJobs: testJobs, log: &log)
        } else {
            ShardCheck(shardBytes: shardBytes, path: manifestPath).check(manifest.recordFiles, outcomes: [], log: &log)
            // The probe reveal is small and names a scenario document the dataset must hold: checked, not matched with records.
            scenarioDocument = ProbeCheck(directory: directory, datasetID: datasetID, collector: collector, day: day, base: base)
                .check(manifest, testJobs: nil, log: &log)
        }
        let counting = ManifestSignaturesCheck(root: directory.root, policy: policy, day: day, base: base).check(manifestBytes, log: &log)
        let allowed = policy.principals(namespace: DatasetDirectory.manifestNamespace, at: day.startMs / 1000)
        let unsigned = allowed.filter { pattern in !counting.contains { AllowedSigners.matches($0, pattern: pattern) } }
        var verified = result(manifest, hash: manifestHash, signers: counting, unsigned: unsigned)
        verified.scenarioDocument = scenarioDocument
        verified.recordsChecked = recordsChecked
        verified.recordsSelected = checkRecords
        return verified
    }
}

/// `unlisted-file` inside a bundle: every stored file is a file its manifest names, in one form only — `<name>` or
/// `<name>.zst`, never both (spec/dataset.md §4.7). The layout check has already refused names no bundle may have.
struct StoredFilesCheck {
    let manifest: Manifest
    let base: String
    let absolute: String

    func check(log: inout FindingLog) {
        guard let entries = try? Files.entries(absolute) else { return }  // an unlistable directory is the layout check's `unreadable` finding
        let names = Set(entries.map(\.name))
        for entry in entries.sorted(by: { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }) {
            guard entry.name != "manifest.json", entry.name != "signatures" else { continue }
            let compressed = entry.name.hasSuffix(StoredFile.compressedSuffix)
            let content = compressed ? String(entry.name.dropLast(StoredFile.compressedSuffix.count)) : entry.name
            guard LayoutCheck.storedBundleFileKind(entry.name, files: LayoutCheck.bundleFiles) != nil || LayoutCheck.bundleFiles[entry.name] != nil
            else { continue }  // the layout check's finding
            if manifest.file(content) == nil {
                log.add(.unlistedFile, "\(base)/\(entry.name)", "is not named by the bundle's manifest")
            } else if compressed && names.contains(content) {
                log.add(.unlistedFile, "\(base)/\(entry.name)", "stores \(content) a second time; the bundle holds it as \(content) already (spec/dataset.md §4.7)")
            }
        }
    }
}
