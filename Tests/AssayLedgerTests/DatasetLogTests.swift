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

    @Test("two clones that sealed different days at one size: each one's checkpoint is a split view for the other; an older checkpoint is consistent; a newer one is log-behind")
    func splitView() async throws {
        let original = try DatasetFixture(days: 2)
        let copies = try TemporaryDirectory()
        // Two clones of one dataset; each seals gw-a's next day with other records, both operators signing.
        func clone(_ name: String, records count: Int) throws -> DatasetDirectory {
            try FileManager.default.copyItem(atPath: original.root, toPath: copies.file(name))
            let directory = DatasetDirectory(copies.file(name))
            let day = UTCDay(number: DatasetFixture.firstDay.number + 2)
            try copies.write("\(name).jsonl", DatasetFixture.records(collector: "gw-a", day: day, count: count).joined(separator: "\n") + "\n")
            let bundle = try directory.seal(collector: "gw-a", day: day, inputs: [copies.file("\(name).jsonl")], key: DatasetFixture.keyA, signer: "gw-a") { _ in }
            try directory.addSignature(try SSHSignature.sign(bundle.manifestBytes, namespace: DatasetDirectory.manifestNamespace, with: DatasetFixture.keyB),
                                       signer: "gw-b", collector: "gw-a", day: day)
            _ = try DatasetLog.cosign(directory, datasetID: "fixture", signer: "gw-b", key: DatasetFixture.keyB)
            return directory
        }
        let a = try clone("a", records: 40), b = try clone("b", records: 7)
        func verify(_ directory: DatasetDirectory, against other: String) async throws -> VerificationReport {
            var options = DatasetVerifier.Options()
            options.checkpoint = try Files.read("\(other)/log/checkpoint")
            return await DatasetVerifier(directory: directory, options: options).verify()
        }
        let split = try await verify(b, against: a.root)
        #expect(split.errorRules == ["split-view"], "\(split.findings)")
        let evidence = try #require(split.findings.first { $0.rule == .splitView })
        #expect(evidence.path == "--checkpoint" && evidence.message.contains("given:\nassay/fixture\n6\n") && evidence.message.contains("this dataset:\nassay/fixture\n6\n"),
                "both signed checkpoints are printed as evidence: \(evidence.message)")
        #expect(try await verify(a, against: b.root).errorRules == ["split-view"])
        // The original's checkpoint (size 5) is a prefix of both; each of theirs (size 6) is beyond the original.
        #expect(try await verify(a, against: original.root).holds)
        #expect(try await verify(original.directory, against: a.root).errorRules == ["log-behind"])
        // A state recorded on one clone catches the other's history.
        let seen = await DatasetVerifier(directory: a).verify()
        var options = DatasetVerifier.Options()
        options.state = try #require(seen.state)
        #expect(options.state?.log?.size == 6)
        #expect(await DatasetVerifier(directory: b, options: options).verify().errorRules.contains("split-view"))
        #expect(await DatasetVerifier(directory: original.directory, options: options).verify().errorRules.contains("rollback"))
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
