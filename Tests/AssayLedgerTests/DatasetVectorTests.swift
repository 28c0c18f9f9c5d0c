import AssayCore
import AssayCrypto
import AssayLedger
import AssayTestSupport
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
        let report = await DatasetVerifier(directory: DatasetDirectory(committed)).verify()
        #expect(report.holds, "\(report.findings)")
        let expected = try PrettyJSON.string(report.jsonValue)
        let path = Repository.url("spec/vectors/dataset-report.json").path
        if ProcessInfo.processInfo.environment["ASSAY_WRITE_VECTORS"] == "1" {
            try Files.writeAtomically(path, contents: Array(expected.utf8))
        }
        #expect(String(decoding: try Files.read(path), as: UTF8.self) == expected)
    }
}
