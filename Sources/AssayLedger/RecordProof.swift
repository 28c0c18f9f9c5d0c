import AssayCore
import AssayCrypto

/// An inclusion proof of one record in one bundle (spec/dataset.md §8.3).
public struct RecordProof: Equatable, Sendable {
    public static let format = "assay-record-proof-v1"

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
        let reader: LineReader
        do {
            manifestBytes = try directory.manifestBytes(collector: collector, day: day)
            reader = try LineReader(path: "\(bundle)/records.jsonl")
        } catch { throw LedgerError(.notFound, error.description) }
        let manifest: Manifest
        do { manifest = try Manifest(bytes: manifestBytes) } catch { throw LedgerError(.invalidDocument, "manifest.json: \(error.reason)") }
        var leaves: [[UInt8]] = []
        var matches: [(index: Int, line: [UInt8])] = []
        let hasher = Hasher(.sha256)
        var failure: LineIssue?
        do {
            try RecordLines.scan(reader, requireCanonical: true) { _, record, canonical in
                if record.id == id && (observer == nil || record.observerID == observer) {
                    matches.append((leaves.count, canonical))
                }
                leaves.append(Merkle.leafHash(canonical, using: hasher))
            } onIssue: { issue in
                if failure == nil { failure = issue }
            }
        } catch { throw LedgerError(.io, error.description) }
        if let failure { throw LedgerError(.invalidDocument, "records.jsonl is not a valid bundle file: \(failure)") }
        guard let match = matches.first else {
            throw LedgerError(.notFound, "no record with id '\(id)'\(observer.map { " from observer '\($0)'" } ?? "") in \(DatasetDirectory.bundleRelativePath(collector: collector, day: day))")
        }
        guard matches.count == 1 else {
            throw LedgerError(.notFound, "\(matches.count) observers have a record '\(id)'; name one with --observer")
        }
        let root = Merkle.root(leafHashes: leaves)
        guard Hex.encode(root) == manifest.merkleRoot else {
            throw LedgerError(.invalidDocument, "records.jsonl does not match the manifest's Merkle root; run assay verify")
        }
        return RecordProof(
            collector: collector, day: day, manifestSHA256: Hasher.sha256(manifestBytes).hex,
            record: String(decoding: match.line, as: UTF8.self), leafIndex: Int64(match.index), treeSize: Int64(leaves.count),
            path: Merkle.inclusionProof(index: match.index, leafHashes: leaves).map { Hex.encode($0) }, root: Hex.encode(root))
    }

    public var jsonValue: JSONValue {
        .object([
            .init("format", .string(Self.format)),
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

    public init(collector: String, day: UTCDay, manifestSHA256: String, record: String, leafIndex: Int64,
                treeSize: Int64, path: [String], root: String) {
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
            guard try reader.string("format") == Self.format else { throw JSONShapeError(path: "format", reason: "must be \"\(Self.format)\"") }
            collector = try reader.string("collector")
            let dayText = try reader.string("day")
            guard let day = UTCDay(dayText) else { throw JSONShapeError(path: "day", reason: "must be YYYY-MM-DD") }
            self.day = day
            manifestSHA256 = try reader.string("manifest_sha256")
            record = try reader.string("record")
            leafIndex = try reader.integer("leaf_index")
            treeSize = try reader.integer("tree_size")
            path = try reader.array("path").map { $0.stringValue ?? "" }
            root = try reader.string("root")
            try reader.finish()
        } catch {
            throw DocumentError(error.description)
        }
    }

    /// Checks the proof against the bundle's manifest bytes: the manifest is
    /// the one named, its Merkle root is the proof's, and the path leads
    /// from the record's leaf hash to that root.
    public func verify(manifestBytes: [UInt8]) throws(LedgerError) {
        let hash = Hasher.sha256(manifestBytes).hex
        guard hash == manifestSHA256 else {
            throw LedgerError(.invalidDocument, "the manifest has hash \(hash), the proof names \(manifestSHA256)")
        }
        let manifest: Manifest
        do { manifest = try Manifest(bytes: manifestBytes) } catch { throw LedgerError(.invalidDocument, error.reason) }
        guard manifest.merkleRoot == root, manifest.merkleTreeSize == treeSize else {
            throw LedgerError(.invalidDocument, "the manifest's Merkle root or size differs from the proof's")
        }
        guard (try? Record.parse(Array(record.utf8)))?.canonicalBytes() == Array(record.utf8) else {
            throw LedgerError(.invalidDocument, "the proof's record is not a valid canonical record")
        }
        do {
            try Merkle.verifyInclusion(
                leafHash: Merkle.leafHash(Array(record.utf8)), index: UInt64(leafIndex), size: UInt64(treeSize),
                proof: path.map { Hex.decode($0) ?? [] }, root: Hex.decode(root) ?? [])
        } catch {
            throw LedgerError(.invalidDocument, "the inclusion path does not lead to the root: \(error)")
        }
    }
}
