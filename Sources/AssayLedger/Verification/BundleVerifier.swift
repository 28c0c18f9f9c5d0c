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
    /// One valid, canonical record; `bytes` is its line (without the newline), valid only during the call.
    func record(line: Int, _ record: Record, bytes: UnsafeRawBufferPointer)
    func finish()
}

/// Checks one bundle against its manifest, the record schema and the trust
/// policy, streaming each file once (spec/dataset.md §8). One check per
/// rule; each failure is a finding naming the file and the rule.
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

        let manifestBytes: [UInt8]
        do { manifestBytes = try Files.readRegular("\(absolute)/manifest.json", limit: DatasetDirectory.manifestLimit) } catch {
            log.add(.manifest, manifestPath, "cannot be read: \(error)")
            return BundleResult(collector: collector, day: day, manifest: nil, manifestHash: nil, signers: [],
                                unsigned: [], threshold: threshold, findings: log.all)
        }
        let manifestHash = Hasher.sha256(manifestBytes).hex
        let manifest: Manifest
        do { manifest = try Manifest(bytes: manifestBytes) } catch {
            log.add(.manifest, manifestPath, error.reason)
            return BundleResult(collector: collector, day: day, manifest: nil, manifestHash: manifestHash, signers: [],
                                unsigned: [], threshold: threshold, findings: log.all)
        }
        checkLocation(manifest, collector: collector, day: day, path: manifestPath, log: &log)
        let conflictKeys = checkConflicts(manifest, day: day, base: base, absolute: absolute, log: &log)
        let receiver = sink?.bundle(collector: collector, day: day)
        checkRecords(manifest, day: day, base: base, absolute: absolute, excluding: conflictKeys, log: &log, receiver: receiver)
        receiver?.finish()
        let counting = checkSignatures(manifestBytes: manifestBytes, day: day, base: base, absolute: absolute, log: &log)
        if counting.count < threshold {
            log.add(.threshold, "\(base)/signatures",
                      "\(counting.count) of \(threshold) required signatures count"
                          + (counting.isEmpty ? "" : " (\(counting.joined(separator: ", ")))"))
        }
        let allowed = policy.principals(namespace: DatasetDirectory.manifestNamespace, at: day.startMs / 1000)
        let unsigned = allowed.filter { pattern in !counting.contains { AllowedSigners.matches($0, pattern: pattern) } }
        return BundleResult(collector: collector, day: day, manifest: manifest, manifestHash: manifestHash,
                            signers: counting, unsigned: unsigned, threshold: threshold, findings: log.all)
    }

    /// `manifest-location`: the manifest says where it belongs.
    func checkLocation(_ manifest: Manifest, collector: String, day: UTCDay, path: String, log: inout FindingLog) {
        if manifest.dataset != datasetID {
            log.add(.manifestLocation, path, "names dataset '\(manifest.dataset)', but this is '\(datasetID)'")
        }
        if manifest.collector != collector {
            log.add(.manifestLocation, path, "names collector '\(manifest.collector)', but is in the directory of '\(collector)'")
        }
        if manifest.day != day {
            log.add(.manifestLocation, path, "is for \(manifest.day), but is in the directory of \(day)")
        }
        if let prev = manifest.prev, prev.day >= manifest.day {
            log.add(.chainLink, path, "prev.day \(prev.day) is not before the bundle's day \(manifest.day)")
        }
    }

    /// Streams a named file through the line reader, hashing it in the same pass;
    /// reports `file-missing`, `file-size`, `file-hash` and a missing final newline.
    func scanFile(_ name: String, _ manifest: Manifest, base: String, absolute: String, log: inout FindingLog,
                  line: (_ number: Int, _ line: LineReader.Line, _ log: inout FindingLog) -> Void) {
        let path = "\(base)/\(name)"
        guard let entry = manifest.file(name) else { return }
        let reader: LineReader
        do {
            // Never more than the manifest says, plus one byte to tell that there is more.
            reader = try LineReader(regularFile: "\(absolute)/\(name)", byteLimit: max(0, entry.size))
        } catch {
            log.add(.fileMissing, path, "is named in the manifest but cannot be read: \(error)")
            return
        }
        let hasher = Hasher(.sha256)
        var size: Int64 = 0
        reader.onChunk = { chunk in
            hasher.update(chunk)
            size += Int64(chunk.count)
        }
        do {
            try reader.forEachLine { (number, value) throws(Never) in line(number, value, &log) }
        } catch {
            if reader.exceededLimit {
                log.add(.fileSize, path, "is larger than the \(entry.size) bytes the manifest says; reading stopped there")
            } else if case .io(let fileError) = error {
                log.add(.unreadable, path, "cannot be read: \(fileError)")
            }
            return
        }
        if size != entry.size { log.add(.fileSize, path, "is \(size) bytes; the manifest says \(entry.size)") }
        let digest = hasher.finalize().hex
        if digest != entry.sha256 { log.add(.fileHash, path, "has SHA-256 \(digest); the manifest says \(entry.sha256)") }
        if !reader.endsWithNewline { log.add(.recordNotCanonical, path, "the last line does not end with a newline") }
    }

    /// Parses one line as a canonical record of the bundle's day.
    func record(_ number: Int, _ line: LineReader.Line, day: UTCDay, path: String, log: inout FindingLog) -> (Record, [UInt8])? {
        switch line {
        case .tooLong(let bytes):
            log.add(.recordInvalid, path, "line \(number): \(bytes) bytes, longer than a record may be [too-long]")
            return nil
        case .bytes(let bytes):
            let record: Record
            do { record = try Record.parse(bytes) } catch {
                log.add(.recordInvalid, path, "line \(number): \(error)")
                return nil
            }
            let canonical = record.canonicalBytes()
            guard canonical.elementsEqual(bytes) else {
                log.add(.recordNotCanonical, path, "line \(number) is a valid record but not in canonical form")
                return nil
            }
            if case .integer(let start)? = record["start_ms"], !day.contains(start) {
                log.add(.recordDay, path, "line \(number): start_ms \(start) (\(UTCTime.iso8601(milliseconds: start))) is not on \(day)")
            }
            return (record, canonical)
        }
    }

    /// `conflicts`: conflicts.jsonl is sorted, every key has several distinct versions, counts match.
    func checkConflicts(_ manifest: Manifest, day: UTCDay, base: String, absolute: String, log: inout FindingLog) -> Set<RecordKey> {
        let path = "\(base)/conflicts.jsonl"
        var keys = Set<RecordKey>()
        var previous: (key: RecordKey, bytes: [UInt8])?
        var versionsOfKey = 0
        var versions: Int64 = 0
        func closeKey(_ key: RecordKey, log: inout FindingLog) {
            if versionsOfKey < 2 {
                log.add(.conflicts, path, "\(key.description) has a single version; a conflict needs two distinct ones")
            }
        }
        scanFile("conflicts.jsonl", manifest, base: base, absolute: absolute, log: &log) { number, line, log in
            guard let (record, canonical) = record(number, line, day: day, path: path, log: &log) else { return }
            versions += 1
            let key = RecordKey(record)
            if let previous {
                if previous.key == key {
                    if !previous.bytes.lexicographicallyPrecedes(canonical) {
                        log.add(.recordOrder, path, "line \(number) is not after line \(number - 1) (duplicated or reordered)")
                    }
                    versionsOfKey += 1
                } else {
                    if !(previous.key < key) { log.add(.recordOrder, path, "line \(number): \(key.description) is out of order") }
                    closeKey(previous.key, log: &log)
                    versionsOfKey = 1
                }
            } else {
                versionsOfKey = 1
            }
            keys.insert(key)
            previous = (key, canonical)
        }
        if let previous { closeKey(previous.key, log: &log) }
        if Int64(keys.count) != manifest.conflictKeys || versions != manifest.conflictVersions {
            log.add(.conflicts, "\(base)/manifest.json",
                      "conflicts says \(manifest.conflictKeys) keys and \(manifest.conflictVersions) versions; conflicts.jsonl has \(keys.count) and \(versions)")
        }
        return keys
    }

    /// Records: valid, canonical, on the day, strictly sorted; counts, Merkle root and coverage match.
    func checkRecords(_ manifest: Manifest, day: UTCDay, base: String, absolute: String, excluding conflictKeys: Set<RecordKey>,
                      log: inout FindingLog, receiver: (any VerifiedRecordReceiver)? = nil) {
        let path = "\(base)/records.jsonl"
        var previous: RecordKey?
        var byKind: [RecordKind: Int64] = [:]
        var root = Merkle.RootBuilder()
        var coverage = CoverageAccumulator()
        let hasher = Hasher(.sha256)
        var lines: Int64 = 0
        scanFile("records.jsonl", manifest, base: base, absolute: absolute, log: &log) { number, line, log in
            lines += 1
            if case .bytes(let bytes) = line { root.append(leafHash: Merkle.leafHash(bytes, using: hasher)) }
            guard let (record, _) = record(number, line, day: day, path: path, log: &log) else { return }
            if let receiver, case .bytes(let bytes) = line { receiver.record(line: number, record, bytes: bytes) }
            let key = RecordKey(record)
            if let previous, !(previous < key) {
                log.add(.recordOrder, path, previous == key
                    ? "line \(number) repeats \(key.description) from the line before"
                    : "line \(number): \(key.description) is out of order")
            }
            if conflictKeys.contains(key) {
                log.add(.conflicts, path, "line \(number): \(key.description) is also in conflicts.jsonl")
            }
            previous = key
            byKind[record.kind, default: 0] += 1
            coverage.add(record)
        }
        for kind in RecordKind.allCases where (byKind[kind] ?? 0) != (manifest.recordsByKind[kind] ?? 0) {
            log.add(.recordCount, "\(base)/manifest.json",
                      "records.by_kind.\(kind.rawValue) is \(manifest.recordsByKind[kind] ?? 0); records.jsonl has \(byKind[kind] ?? 0)")
        }
        if lines != manifest.merkleTreeSize || Hex.encode(root.root) != manifest.merkleRoot {
            log.add(.merkleRoot, "\(base)/manifest.json",
                      "merkle says \(manifest.merkleTreeSize) leaves with root \(manifest.merkleRoot); records.jsonl gives \(lines) leaves with root \(Hex.encode(root.root))")
        }
        if coverage.coverage != manifest.coverage {
            log.add(.coverage, "\(base)/manifest.json", "coverage differs from the probes in records.jsonl")
        }
    }

    /// Signatures: each file verifies over the manifest; counting ones per spec/dataset.md §6.
    func checkSignatures(manifestBytes: [UInt8], day: UTCDay, base: String, absolute: String, log: inout FindingLog) -> [String] {
        let time = day.startMs / 1000
        var usedKeys: [Ed25519PublicKey: String] = [:]
        var counting: [String] = []
        for valid in SignatureFiles.verify(manifestBytes, namespace: DatasetDirectory.manifestNamespace, root: directory.root,
                                           relative: base, log: &log) {
            let signer = valid.signer, path = valid.path, signature = valid.signature
            switch policy.standing(principal: signer, key: signature.publicKey.key, namespace: DatasetDirectory.manifestNamespace, at: time) {
            case .counts: break
            case .revoked(let revocation):
                log.add(.revokedSigner, path,
                            "\(signer)'s key \(signature.publicKey.fingerprint) is revoked from \(UTCTime.seconds(revocation.from)) (\(revocation.reason)); it does not count for \(day)")
                continue
            case .notAllowed:
                let known = !policy.signers.principals(for: signature.publicKey.key, namespace: DatasetDirectory.manifestNamespace, at: nil).isEmpty
                log.add(.unknownSigner, path, known
                    ? "\(signer)'s key \(signature.publicKey.fingerprint) is not valid for \(day) in allowed_signers"
                    : "allowed_signers does not let '\(signer)' sign manifests with \(signature.publicKey.fingerprint)")
                continue
            }
            if let first = usedKeys[signature.publicKey.key] {
                log.add(.duplicateSigner, path, "the key \(signature.publicKey.fingerprint) already signed as '\(first)'; it counts once")
                continue
            }
            usedKeys[signature.publicKey.key] = signer
            counting.append(signer)
        }
        return counting.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
}
