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

    public var threshold: Int { policy.threshold }
    /// Receives the valid records of each bundle verified (optional).
    public var sink: (any VerifiedRecordSink)?

    public init(directory: DatasetDirectory, datasetID: String, policy: TrustPolicy) {
        self.directory = directory
        self.datasetID = datasetID
        self.policy = policy
    }

    public func verify(collector: String, day: UTCDay) -> BundleResult {
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
        let scan = BundleFileScan(manifest: manifest, base: base, absolute: absolute)
        let conflictKeys = ConflictsCheck(scan: scan, day: day).check(log: &log)
        let receiver = sink?.bundle(collector: collector, day: day)
        let testJobs = RecordsCheck(scan: scan, day: day, conflictKeys: conflictKeys).check(log: &log, receiver: receiver)
        receiver?.finish()
        let scenarioDocument = ProbeCheck(directory: directory, datasetID: datasetID, collector: collector, day: day, base: base)
            .check(manifest, testJobs: testJobs, log: &log)
        let counting = ManifestSignaturesCheck(root: directory.root, policy: policy, day: day, base: base).check(manifestBytes, log: &log)
        let allowed = policy.principals(namespace: DatasetDirectory.manifestNamespace, at: day.startMs / 1000)
        let unsigned = allowed.filter { pattern in !counting.contains { AllowedSigners.matches($0, pattern: pattern) } }
        var verified = result(manifest, hash: manifestHash, signers: counting, unsigned: unsigned)
        verified.scenarioDocument = scenarioDocument
        return verified
    }
}
