import AssayCore
import AssayCrypto
import AssayLedger
import AssayScore
import AssayTestSupport
import AssayZstd
import Foundation
import Testing

/// spec/vectors/dataset: a small dataset sealed deterministically from the
/// record vectors with the vector keys, and the expected verify report.
/// Regenerate with ASSAY_WRITE_VECTORS=1 after a deliberate format change.
@Suite("spec/vectors/dataset is current", .serialized)
struct DatasetVectorTests {
    static let signer = try! Ed25519PrivateKey(seed: MessageDigest.sha256(Array("assay spec vector key 1".utf8)).bytes)
    static let cosigner = try! Ed25519PrivateKey(seed: MessageDigest.sha256(Array("assay spec vector key 2".utf8)).bytes)

    /// Builds the vector dataset under `root`.
    static func build(at root: String) throws {
        let allowed = """
            vector-signer namespaces="assay-manifest-v1,assay-scores-v1,assay-policy-v1,git" \(OpenSSHPublicKey(signer.publicKey).line)
            vector-cosigner namespaces="assay-manifest-v1",valid-after="20260101Z" \(OpenSSHPublicKey(cosigner.publicKey).line)

            """
        _ = try DatasetDirectory.create(
            at: root,
            descriptor: DatasetDescriptor(id: "assay-vectors", title: "Assay spec test vectors",
                                          description: "Bundles sealed from spec/vectors/records with the vector keys (test only).",
                                          licence: "CC0-1.0",
                                          scoringProfiles: [.init(id: "assay-sla-v1", sha256: MessageDigest.sha256(try Repository.bytes("spec/profiles/assay-sla-v1.json")).hex),
                                                            .init(id: "naap-sla-v1", sha256: MessageDigest.sha256(try Repository.bytes("spec/profiles/naap-sla-v1.json")).hex)],
                                          simulated: true),
            allowedSigners: allowed, threshold: 1, issued: UTCDay("2026-01-01")!.startMs / 1000, approvals: [("vector-signer", signer)])
        let directory = DatasetDirectory(root)
        let records = Repository.url("spec/vectors/records/valid.jsonl").path
        let invalid = Repository.url("spec/vectors/records/invalid.jsonl").path
        let conflict = Repository.url("spec/vectors/dataset-inputs/conflict.jsonl").path
        let day = UTCDay("2026-01-09")!
        // collector-a: day 1 with every valid record, the invalid lines and a conflict; an empty day; a third day.
        let first = try directory.seal(collector: "collector-a", day: day, inputs: [records, invalid, conflict], key: signer, signer: "vector-signer") { _ in }
        try directory.addSignature(try SSHSignature.sign(first.manifestBytes, namespace: DatasetDirectory.manifestNamespace, with: cosigner),
                                   signer: "vector-cosigner", collector: "collector-a", day: day)
        _ = try directory.seal(collector: "collector-a", day: day.next, inputs: [], key: signer, signer: "vector-signer") { _ in }
        _ = try directory.seal(collector: "collector-a", day: day.next.next,
                               inputs: [Repository.url("spec/vectors/dataset-inputs/day3.jsonl").path],
                               key: signer, signer: "vector-signer") { _ in }
        // collector-b: one day, the same records seen by another collector.
        _ = try directory.seal(collector: "collector-b", day: day, inputs: [records], key: signer, signer: "vector-signer") { _ in }
        // The co-signer's signature on the log's newest checkpoint too (spec/log.md §7.4).
        _ = try DatasetLog.cosign(directory, datasetID: "assay-vectors", signer: "vector-cosigner", key: cosigner)
    }


    /// The records of spec/vectors/sharded's large day: `records/valid.jsonl` 40 times, each copy's ids suffixed
    /// `-r00` … `-r39` (about 200 KB, so four shards of at most 65 536 bytes).
    static func replicatedRecords() throws -> String {
        var lines = ""
        let valid = try Repository.bytes("spec/vectors/records/valid.jsonl")
        for copy in 0..<40 {
            for line in valid.split(separator: 0x0A) {
                guard case .object(let members) = try JSONParser().parse(Array(line)) else { continue }
                let suffix = copy < 10 ? "-r0\(copy)" : "-r\(copy)"
                let renamed = JSONValue.object(members.map { $0.key == "id" ? .init("id", .string(($0.value.stringValue ?? "") + suffix)) : $0 })
                lines += String(decoding: try CanonicalJSON.encode(renamed), as: UTF8.self) + "\n"
            }
        }
        return lines
    }

    /// spec/vectors/sharded: a dataset of shard size 65 536 (spec/dataset.md §4.6) whose large days are split into
    /// four compressed shards (§4.7): collector-a 2026-01-09 (the replicated records and a conflict), 2026-01-11
    /// (four records: one plain records.jsonl), collector-b 2026-01-09 (the same records: the same shards), and
    /// collector-a's published scores of 2026-01-11 stored as scores.json.zst (spec/scoring.md §10).
    static func buildSharded(at root: String, scratch: TemporaryDirectory) throws {
        let allowed = """
            vector-signer namespaces="assay-manifest-v1,assay-scores-v1,assay-policy-v1,git" \(OpenSSHPublicKey(signer.publicKey).line)

            """
        _ = try DatasetDirectory.create(
            at: root,
            descriptor: DatasetDescriptor(id: "assay-sharded-vectors", title: "Assay spec test vectors: shards and stored forms",
                                          description: "Bundles sealed from spec/vectors/records with the vector key, cut into shards of 65536 bytes (test only).",
                                          licence: "CC0-1.0",
                                          scoringProfiles: [.init(id: "assay-sla-v1", sha256: MessageDigest.sha256(try Repository.bytes("spec/profiles/assay-sla-v1.json")).hex),
                                                            .init(id: "naap-sla-v1", sha256: MessageDigest.sha256(try Repository.bytes("spec/profiles/naap-sla-v1.json")).hex)],
                                          simulated: true, shardBytes: 65_536),
            allowedSigners: allowed, threshold: 1, issued: UTCDay("2026-01-01")!.startMs / 1000, approvals: [("vector-signer", signer)])
        let directory = DatasetDirectory(root)
        let replicated = scratch.file("replicated.jsonl")
        try Files.writeAtomically(replicated, contents: Array(try replicatedRecords().utf8))
        let conflict = Repository.url("spec/vectors/dataset-inputs/conflict.jsonl").path
        let day = UTCDay("2026-01-09")!
        _ = try directory.seal(collector: "collector-a", day: day, inputs: [replicated, conflict], key: signer, signer: "vector-signer") { _ in }
        _ = try directory.seal(collector: "collector-a", day: day.next.next, inputs: [Repository.url("spec/vectors/dataset-inputs/day3.jsonl").path],
                               key: signer, signer: "vector-signer") { _ in }
        _ = try directory.seal(collector: "collector-b", day: day, inputs: [replicated], key: signer, signer: "vector-signer") { _ in }
        // collector-a's scores of 2026-01-11, stored compressed whatever their size (spec/scoring.md §10), and logged by content.
        try PublishedScores.write(directory, collector: "collector-a", day: day.next.next, key: signer, signer: "vector-signer", compressAbove: 0)
        _ = try DatasetLog.append(directory, paths: try DatasetLog.documents(directory), datasetID: "assay-sharded-vectors", signer: "vector-signer", key: signer)
    }

    /// A file's content as signed: a `.zst` file decompressed (its compressed bytes depend on the libzstd version,
    /// which is transport: spec/dataset.md §4.7).
    static func content(_ path: String) throws -> [UInt8] {
        let bytes = try Files.read(path)
        return path.hasSuffix(".zst") ? try Zstd.decompress(bytes, limit: 64 << 20, name: path) : bytes
    }

    @Test("spec/vectors/sharded rebuilds (content byte for byte, whatever libzstd compressed it), cuts its shards greedily, and verifies with the expected report")
    func shardedDataset() async throws {
        let committed = Repository.url("spec/vectors/sharded").path
        let scratch = try TemporaryDirectory()
        if ProcessInfo.processInfo.environment["ASSAY_WRITE_VECTORS"] == "1" {
            try? FileManager.default.removeItem(atPath: committed)
            try Self.buildSharded(at: committed, scratch: scratch)
        }
        try Self.buildSharded(at: scratch.file("dataset"), scratch: scratch)
        let rebuilt = FileTree.regularFiles(under: scratch.file("dataset"))
        #expect(rebuilt == FileTree.regularFiles(under: committed))
        for file in rebuilt {
            #expect(try Self.content("\(scratch.file("dataset"))/\(file)") == Self.content("\(committed)/\(file)"), "\(file) is stale")
        }
        // What the vector shows: four compressed shards, none over 65 536 bytes, each but the last too full for the next line.
        let bundle = "\(committed)/bundles/collector-a/2026/01/09"
        let manifest = try Manifest(bytes: try Files.read("\(bundle)/manifest.json"))
        #expect(manifest.recordFiles.map(\.name) == (0..<4).map(Manifest.shardName))
        for (index, entry) in manifest.recordFiles.enumerated() {
            #expect(Files.exists("\(bundle)/\(entry.name).zst") && !Files.exists("\(bundle)/\(entry.name)"))
            #expect(entry.size <= 65_536)
            if index + 1 < manifest.recordFiles.count {
                let next = try Self.content("\(bundle)/\(manifest.recordFiles[index + 1].name).zst")
                let firstLine = Int64(next.firstIndex(of: 0x0A)! + 1)
                #expect(entry.size + firstLine > 65_536, "\(entry.name) is cut greedily")
            }
        }
        #expect(try Files.read("\(committed)/bundles/collector-a/2026/01/11/records.jsonl").count > 0, "a small day keeps one plain records.jsonl")
        #expect(Files.exists("\(committed)/scores/collector-a/2026/01/11/scores.json.zst") && !Files.exists("\(committed)/scores/collector-a/2026/01/11/scores.json"))
        try await Self.expectReport(of: committed, "spec/vectors/sharded-report.json")
    }

    /// The dataset verifies, and its `assay verify --json` report is the committed one (rewritten with ASSAY_WRITE_VECTORS=1).
    static func expectReport(of dataset: String, _ reportPath: String) async throws {
        let report = await DatasetVerifier(directory: DatasetDirectory(dataset)).verify()
        #expect(report.holds, "\(report.findings)")
        let expected = try PrettyJSON.string(report.jsonValue)
        let path = Repository.url(reportPath).path
        if ProcessInfo.processInfo.environment["ASSAY_WRITE_VECTORS"] == "1" {
            try Files.writeAtomically(path, contents: Array(expected.utf8))
        }
        #expect(String(decoding: try Files.read(path), as: UTF8.self) == expected)
    }

    @Test("the vector dataset rebuilds byte for byte, and verifies with the expected report")
    func dataset() async throws {
        let committed = Repository.url("spec/vectors/dataset").path
        if ProcessInfo.processInfo.environment["ASSAY_WRITE_VECTORS"] == "1" {
            try? FileManager.default.removeItem(atPath: committed)
            try Self.build(at: committed)
        }
        let scratch = try TemporaryDirectory()
        try Self.build(at: scratch.file("dataset"))
        let rebuilt = FileTree.regularFiles(under: scratch.file("dataset"))
        #expect(rebuilt == FileTree.regularFiles(under: committed))
        for file in rebuilt {
            #expect(try Files.read("\(scratch.file("dataset"))/\(file)") == Files.read("\(committed)/\(file)"), "\(file) is stale")
        }
        try await Self.expectReport(of: committed, "spec/vectors/dataset-report.json")
    }
}
