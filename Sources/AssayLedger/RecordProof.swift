import AssayCore
import AssayCrypto

/// An inclusion proof of one record in one bundle (spec/dataset.md §8.3): it
/// names the dataset, collector, day and manifest it belongs to, so that it is
/// checked against that bundle's signed manifest, never on its own.
public struct RecordProof: Equatable, Sendable {
    public static let format = "assay-record-proof-v2"

    public var dataset: String
    public var collector: String
    public var day: UTCDay
    public var manifestSHA256: String
    /// The record's canonical line, without newline.
    public var record: String
    public var leafIndex: Int64
    public var treeSize: Int64
    public var path: [String]
    public var root: String

    /// Finds the record `id` (of `observer`, when given) in a bundle and proves it.
    public static func make(directory: DatasetDirectory, collector: String, day: UTCDay, id: String,
                            observer: String?) throws(LedgerError) -> RecordProof {
        let bundle = directory.bundlePath(collector: collector, day: day)
        let manifestBytes: [UInt8]
        do { manifestBytes = try directory.manifestBytes(collector: collector, day: day) } catch { throw LedgerError(.notFound, error.description) }
        let manifest: Manifest
        do { manifest = try Manifest(bytes: manifestBytes) } catch { throw LedgerError(.invalidDocument, "manifest.json: \(error.reason)") }
        let dataset = try directory.descriptor().id
        var leaves: [[UInt8]] = []
        var matches: [(index: Int, line: [UInt8])] = []
        let hasher = MessageDigest(.sha256)
        var failure: String?
        // The records, shard after shard and in either stored form, each file checked against the manifest.
        try BundleRecordReader(directory: bundle, manifest: manifest, base: DatasetDirectory.bundleRelativePath(collector: collector, day: day))
            .forEachLine { file, number, line in
                guard failure == nil else { return }
                guard case .bytes(let bytes) = line else {
                    failure = "\(file) line \(number): longer than a record may be"
                    return
                }
                let problem = RecordLines.read(bytes, requireCanonical: true) { record in
                    if record.slice(.id)?.elementsEqual(id.utf8) == true && (observer.map { record.slice(.observerID)?.elementsEqual($0.utf8) == true } ?? true) {
                        matches.append((leaves.count, Array(record.bytes)))
                    }
                    leaves.append(Merkle.leafHash(record.bytes, using: hasher))
                }
                if let problem { failure = "\(file) line \(number): \(LineIssue(source: file, line: number, problem: problem).code)" }
            }
        if let failure { throw LedgerError(.invalidDocument, "the bundle's records are not valid: \(failure); run assay verify") }
        guard let match = matches.first else {
            throw LedgerError(.notFound, "no record with id '\(id)'\(observer.map { " from observer '\($0)'" } ?? "") in \(DatasetDirectory.bundleRelativePath(collector: collector, day: day))")
        }
        guard matches.count == 1 else {
            throw LedgerError(.notFound, "\(matches.count) observers have a record '\(id)'; name one with --observer")
        }
        let root = Merkle.root(leafHashes: leaves)
        guard Hex.encode(root) == manifest.merkleRoot else {
            throw LedgerError(.invalidDocument, "the bundle's records do not match the manifest's Merkle root; run assay verify")
        }
        return RecordProof(
            dataset: dataset, collector: collector, day: day, manifestSHA256: MessageDigest.sha256(manifestBytes).hex,
            record: String(decoding: match.line, as: UTF8.self), leafIndex: Int64(match.index), treeSize: Int64(leaves.count),
            path: Merkle.inclusionProof(index: match.index, leafHashes: leaves).map { Hex.encode($0) }, root: Hex.encode(root))
    }

    public var jsonValue: JSONValue {
        .object([
            .init("format", .string(Self.format)),
            .init("dataset", .string(dataset)),
            .init("collector", .string(collector)),
            .init("day", .string(day.description)),
            .init("manifest_sha256", .string(manifestSHA256)),
            .init("record", .string(record)),
            .init("leaf_index", .integer(leafIndex)),
            .init("tree_size", .integer(treeSize)),
            .init("path", .array(path.map { .string($0) })),
            .init("root", .string(root)),
        ])
    }

    public init(dataset: String, collector: String, day: UTCDay, manifestSHA256: String, record: String, leafIndex: Int64,
                treeSize: Int64, path: [String], root: String) {
        self.dataset = dataset
        self.collector = collector
        self.day = day
        self.manifestSHA256 = manifestSHA256
        self.record = record
        self.leafIndex = leafIndex
        self.treeSize = treeSize
        self.path = path
        self.root = root
    }

    public init(bytes: [UInt8]) throws(DocumentError) {
        do throws(JSONShapeError) {
            let value: JSONValue
            do { value = try JSONParser().parse(bytes) } catch { throw JSONShapeError(path: "(proof)", reason: "is not JSON: \(error)") }
            var reader = try JSONObjectReader(value)
            let format = try reader.string("format")
            guard format == Self.format else {
                throw JSONShapeError(path: "format", reason: format == "assay-record-proof-v1"
                    ? "is v1, which names no dataset and cannot be bound to signatures; make it again with 'assay prove'"
                    : "must be \"\(Self.format)\"")
            }
            dataset = try reader.string("dataset")
            collector = try reader.string("collector")
            guard Slug.isValid(dataset), Slug.isValid(collector) else { throw JSONShapeError(path: "collector", reason: "dataset and collector must be slugs") }
            let dayText = try reader.string("day")
            guard let day = UTCDay(dayText) else { throw JSONShapeError(path: "day", reason: "must be YYYY-MM-DD") }
            self.day = day
            manifestSHA256 = try reader.string("manifest_sha256")
            record = try reader.string("record")
            leafIndex = try reader.integer("leaf_index")
            treeSize = try reader.integer("tree_size")
            guard treeSize >= 1, leafIndex >= 0, leafIndex < treeSize else {
                throw JSONShapeError(path: "leaf_index", reason: "must be in 0 ..< tree_size, and tree_size at least 1")
            }
            path = try reader.array("path").map { $0.stringValue ?? "" }
            root = try reader.string("root")
            try reader.finish()
        } catch {
            throw DocumentError(error.description)
        }
    }

    /// Checks the proof against the dataset (spec/dataset.md §8.3): the bundle it names exists
    /// with the named manifest, which names the same dataset, collector and day and the proof's
    /// Merkle root (`proof-binding`); the path leads from the record to that root (`proof`); the
    /// manifest's signatures reach the threshold of `policy` (`signature`, `unknown-signer`,
    /// `threshold`). Returns the findings; none means the record is in a signed bundle.
    public func verify(in directory: DatasetDirectory, datasetID: String, policy: TrustPolicy) -> [Finding] {
        var log = FindingLog()
        let relative = DatasetDirectory.bundleRelativePath(collector: collector, day: day)
        if dataset != datasetID {
            log.add(.proofBinding, "(proof)", "names dataset '\(dataset)', but this is '\(datasetID)'")
        }
        let manifestBytes: [UInt8]
        do { manifestBytes = try directory.manifestBytes(collector: collector, day: day) } catch {
            log.add(.proofBinding, "\(relative)/manifest.json", "the bundle the proof names cannot be read: \(error)")
            return log.all
        }
        let hash = MessageDigest.sha256(manifestBytes).hex
        if hash != manifestSHA256 {
            log.add(.proofBinding, "\(relative)/manifest.json", "has SHA-256 \(hash); the proof names \(manifestSHA256)")
        }
        let manifest: Manifest
        do { manifest = try Manifest(bytes: manifestBytes) } catch {
            log.add(.manifest, "\(relative)/manifest.json", error.reason)
            return log.all
        }
        if manifest.dataset != dataset || manifest.collector != collector || manifest.day != day {
            log.add(.proofBinding, "\(relative)/manifest.json",
                    "is the manifest of \(manifest.dataset)/\(manifest.collector)/\(manifest.day); the proof names \(dataset)/\(collector)/\(day)")
        }
        if manifest.merkleRoot != root || manifest.merkleTreeSize != treeSize {
            log.add(.proofBinding, "\(relative)/manifest.json", "its Merkle root or size differs from the proof's")
        }
        for problem in pathProblems() { log.add(.proof, "(proof)", problem) }
        // `signature`, `unknown-signer`, …, `threshold`: the proof's bundle is signed as the policy requires.
        _ = ManifestSignaturesCheck(root: directory.root, policy: policy, day: day, base: relative).check(manifestBytes, log: &log)
        return log.all
    }

    /// Why the record and its path do not lead to `root` (empty when they do).
    public func pathProblems() -> [String] {
        // An invalid record is not a canonical record: that is the answer.
        guard (try? Record.parse(Array(record.utf8)))?.canonicalBytes() == Array(record.utf8) else {  // a record that does not parse is not canonical: the same refusal
            return ["the proof's record is not a valid canonical record"]
        }
        let hashes = path.map { Hex.decode($0) }
        guard let rootBytes = Hex.decode(root), !hashes.contains(where: { $0 == nil }) else {
            return ["the path and root must be hexadecimal hashes"]
        }
        do {
            try Merkle.verifyInclusion(leafHash: Merkle.leafHash(Array(record.utf8)), index: UInt64(leafIndex), size: UInt64(treeSize),
                                       proof: hashes.map { $0! }, root: rootBytes)
        } catch {
            return ["the inclusion path does not lead to the root: \(error)"]
        }
        return []
    }
}
