import AssayCore
import AssayCrypto
import AssayTestSupport
import Foundation
import Testing

@testable import AssayLedger

/// spec/vectors/log (spec/log.md §5, §8, §9): from fixed keys and the log of spec/vectors/dataset, a witnesses
/// file, its checkpoint with two signatures and two cosignatures, a consistency proof and an add-checkpoint
/// request. Regenerated with ASSAY_WRITE_VECTORS=1 like the other vectors.
@Suite("spec/vectors/log is current")
struct LogVectorTests {
    static func key(_ label: String) throws -> Ed25519PrivateKey {
        try Ed25519PrivateKey(seed: MessageDigest.sha256(Array(label.utf8)).bytes)
    }

    static let dataset = "spec/vectors/dataset"
    static let origin = "assay/assay-vectors"
    /// Fixed cosignature times: 2026-01-01T00:00:00Z and one second later.
    static let times: [UInt64] = [1_767_225_600, 1_767_225_601]

    func check(_ relative: String, _ expected: [UInt8]) throws {
        try SpecVectorTests().check("log/\(relative)", expected)
    }

    @Test("the witnesses file, a checkpoint with two signatures and two cosignatures, a consistency proof and an add-checkpoint request")
    func vectors() async throws {
        let root = Repository.url(Self.dataset).path
        let signers = [try Self.key("assay spec vector key 1"), try Self.key("assay spec vector key 2")]
        let witnesses = [try Self.key("assay spec vector witness 1"), try Self.key("assay spec vector witness 2")]
        let logKeys = try signers.map { try NoteVerifierKey(name: Self.origin, type: NoteKeys.ed25519, publicKey: $0.publicKey) }
        let cosigners = try witnesses.enumerated().map { index, key in
            try NoteSigner(name: "witness.example/w\(index + 1)", type: NoteKeys.cosignatureV1, privateKey: key)
        }
        // The witnesses file (spec/log.md §8.1): both log keys, both witnesses, both required.
        let policyText = ["# spec/vectors/log/witnesses: both witnesses must cosign (test keys only)"]
            + logKeys.map { "log \($0.vkey)" }
            + cosigners.enumerated().map { "witness w\($0.offset + 1) \($0.element.verifierKey.vkey) https://witness.example/w\($0.offset + 1)/" }
            + ["group both all w1 w2", "quorum both"]
        let policyBytes = Array(policyText.map { $0 + "\n" }.joined().utf8)
        try check("witnesses", policyBytes)
        let policy = try WitnessPolicy(assay: policyBytes, origin: Self.origin)
        #expect(Set(policy.logs.map(\.key)) == Set(logKeys.map(\.vkey)) && policy.quorum == "both")

        // The checkpoint of the vector dataset's newest size, signed by both keys and cosigned by both witnesses.
        let size: UInt64 = 5
        let text = try Files.read("\(root)/log/checkpoints/\(size)/checkpoint")
        var note = SignedNote(text: text, signatures: [])
        for signer in signers { note = note.adding(try NoteSigner(name: Self.origin, privateKey: signer).sign(text)) }
        for (cosigner, time) in zip(cosigners, Self.times) { note = note.adding(try cosigner.sign(text, timestamp: time)) }
        try check("checkpoint", note.bytes)
        let opened = try SignedNote(parsing: note.bytes).open(logKeys + cosigners.map(\.verifierKey))
        #expect(opened.count == 4)
        #expect(policy.isSatisfied(by: ["w1", "w2"]) && !policy.isSatisfied(by: ["w1"]))

        // The consistency proof from size 2 to 5, as JSON, and the request a publisher sends a witness that holds size 2.
        let entries = try DatasetLog.entries(root, size: size)
        let hashes = entries.map { Merkle.leafHash($0.bytes) }
        let proof = Merkle.consistencyProof(oldSize: 2, leafHashes: hashes)
        let oldRoot = Merkle.root(leafHashes: Array(hashes.prefix(2))), newRoot = Merkle.root(leafHashes: hashes)
        try Merkle.verifyConsistency(oldSize: 2, newSize: size, proof: proof, oldRoot: oldRoot, newRoot: newRoot)
        #expect(try DatasetLog.consistencyProof(root, from: 2, to: size) == proof)
        let document = JSONValue.object([
            .init("origin", .string(Self.origin)), .init("old_size", .integer(2)), .init("old_root", .string(Base64.encode(oldRoot))),
            .init("new_size", .integer(Int64(size))), .init("new_root", .string(Base64.encode(newRoot))),
            .init("proof", .array(proof.map { .string(Base64.encode($0)) })),
        ])
        try check("consistency.json", Array(try PrettyJSON.string(document).utf8))
        let request = Array("old 2\n".utf8) + proof.flatMap { Array((Base64.encode($0) + "\n").utf8) } + [0x0A]
            + SignedNote(text: text, signatures: Array(note.signatures.prefix(2))).bytes
        try check("add-checkpoint-request", request)

        // A record proof as a tlog-proof (spec/log.md §10), checked with the genesis alone.
        let proofFile = try TransparentRecordProof.make(directory: DatasetDirectory(root), collector: "collector-a", day: UTCDay("2026-01-09")!,
                                                        id: "probe-orch-d003-1767975000000", observer: nil)
        try check("record.tlog-proof", proofFile.bytes)
        let genesis = MessageDigest.sha256(try Files.read("\(root)/policy/0001/policy.json")).hex
        #expect(proofFile.verify(genesis: genesis).isEmpty)
        #expect(try TransparentRecordProof(bytes: proofFile.bytes).bytes == proofFile.bytes)
    }
}
