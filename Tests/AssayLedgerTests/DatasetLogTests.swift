import AssayCore
import AssayCrypto
import AssayTestSupport
import Foundation
import Testing

@testable import AssayLedger

/// The dataset's log (spec/log.md §7): written by sealing and co-signing, checked by the verifier, readable by
/// any C2SP reader.
@Suite("the dataset's log")
struct DatasetLogTests {
    @Test("sealing appends each manifest; the log holds the genesis first, a checkpoint per size, and verifies")
    func sealedLog() async throws {
        let fixture = try DatasetFixture(days: 2)
        let root = fixture.root
        let sizes = try DatasetLog.sizes(root)
        #expect(sizes == Array(1...5), "the genesis, then one entry per sealed bundle: \(sizes)")
        let entries = try DatasetLog.entries(root, size: 5)
        #expect(entries.first?.path == "policy/0001/policy.json")
        #expect(Set(entries.map(\.path)) == Set(try DatasetLog.documents(fixture.directory)))
        let report = await fixture.verify()
        #expect(report.holds, "\(report.findings)")
        // log/checkpoint is a signed note any C2SP reader opens with the operators' vkeys.
        let note = try SignedNote(parsing: try Files.read("\(root)/log/checkpoint"))
        let origin = DatasetLog.origin(datasetID: "fixture")
        let keys = try [DatasetFixture.keyA, DatasetFixture.keyB].map { try NoteVerifierKey(name: origin, type: NoteKeys.ed25519, publicKey: $0.publicKey) }
        #expect(Set(try note.open(keys)) == Set(keys), "both operators signed the newest checkpoint")
        let checkpoint = try Checkpoint(text: note.text)
        #expect(checkpoint.origin == "assay/fixture" && checkpoint.size == 5)
        #expect(checkpoint.root == Merkle.root(leafHashes: entries.map { Merkle.leafHash($0.bytes) }))
        // Every earlier checkpoint is a prefix of the newest: a consistency proof exists from each.
        let leafHashes = entries.map { Merkle.leafHash($0.bytes) }
        for size in sizes.dropLast() {
            let old = try Checkpoint(text: try Files.read("\(root)/log/checkpoints/\(size)/checkpoint"))
            let proof = Merkle.consistencyProof(oldSize: Int(size), leafHashes: leafHashes)
            #expect(throws: Never.self) { try Merkle.verifyConsistency(oldSize: size, newSize: 5, proof: proof, oldRoot: old.root, newRoot: checkpoint.root) }
        }
    }

    @Test("a changed tile, a missing entry, a forged or missing checkpoint signature, a stale log/checkpoint: each with its rule")
    func tampered() async throws {
        func rules(_ change: (DatasetFixture) throws -> Void) async throws -> Set<String> {
            let fixture = try DatasetFixture(days: 2)
            try change(fixture)
            return await fixture.verify().errorRules
        }
        #expect(try await rules { fixture in
            let path = "\(fixture.root)/log/tile/0/000.p/5"
            var bytes = try Files.read(path)
            bytes[3] ^= 1
            try Files.writeAtomically(path, contents: bytes)
        } == ["log"])
        // A manifest the log does not name: the log rebuilt without it, as someone hiding a bundle would.
        #expect(try await rules { fixture in
            try FileManager.default.removeItem(atPath: "\(fixture.root)/log")
            let documents = try DatasetLog.documents(fixture.directory).filter { $0 != "bundles/gw-b/2026/01/10/manifest.json" }
            _ = try DatasetLog.append(fixture.directory, paths: documents, datasetID: "fixture", signer: "gw-a", key: DatasetFixture.keyA)
            _ = try DatasetLog.cosign(fixture.directory, datasetID: "fixture", signer: "gw-b", key: DatasetFixture.keyB)
        } == ["log-entry"])
        // An outsider's signature under gw-b's name does not count: the newest checkpoint lacks the threshold.
        #expect(try await rules { fixture in
            let text = try Files.read("\(fixture.root)/log/checkpoints/5/checkpoint")
            let line = try NoteSigner(name: "assay/fixture", privateKey: DatasetFixture.outsider).sign(text)
            try Files.writeAtomically("\(fixture.root)/log/checkpoints/5/signatures/gw-b.sig", contents: Array((line.line + "\n").utf8))
            try Files.writeAtomically("\(fixture.root)/log/checkpoint", contents: try DatasetLog.assemble(fixture.root, size: 5))
        } == ["checkpoint-signature", "checkpoint-threshold"])
        #expect(try await rules { fixture in
            try FileManager.default.removeItem(atPath: "\(fixture.root)/log/checkpoints/5/signatures/gw-b.sig")
            try Files.writeAtomically("\(fixture.root)/log/checkpoint", contents: try DatasetLog.assemble(fixture.root, size: 5))
        } == ["checkpoint-threshold"])
        #expect(try await rules { fixture in
            try Files.writeAtomically("\(fixture.root)/log/checkpoint", contents: try DatasetLog.assemble(fixture.root, size: 4))
        } == ["log"])
        #expect(try await rules { fixture in try FileManager.default.removeItem(atPath: "\(fixture.root)/log") } == ["log"])
    }

    @Test("entries are canonical {kind, path, sha256} of a signed document's path; anything else is refused")
    func entries() throws {
        let entry = DatasetLog.Entry(kind: .manifest, path: "bundles/gw-a/2026/01/09/manifest.json", sha256: String(repeating: "ab", count: 32))
        #expect(String(decoding: entry.bytes, as: UTF8.self)
            == #"{"kind":"manifest","path":"bundles/gw-a/2026/01/09/manifest.json","sha256":"\#(String(repeating: "ab", count: 32))"}"#)
        #expect(try DatasetLog.Entry(bytes: entry.bytes) == entry)
        for bad in [#"{"kind":"scores","path":"bundles/gw-a/2026/01/09/manifest.json","sha256":"00"}"#,
                    #"{"path":"policy/0001/policy.json","kind":"policy","sha256":"\#(String(repeating: "0", count: 64))"}"#,
                    #"{"kind":"manifest","path":"bundles/gw-a/2026/02/30/manifest.json","sha256":"\#(String(repeating: "0", count: 64))"}"#,
                    #"{"kind":"manifest","path":"bundles/../x/2026/01/09/manifest.json","sha256":"\#(String(repeating: "0", count: 64))"}"#] {
            #expect(throws: LedgerError.self, "\(bad)") { _ = try DatasetLog.Entry(bytes: Array(bad.utf8)) }
        }
    }
}
