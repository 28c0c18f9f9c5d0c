import AssayCore
import AssayCrypto
import AssayLedger
import AssayTestSupport
import Foundation
import Testing

/// Record proofs as c2sp.org/tlog-proof files (spec/log.md §10): made from datasets/sample, then checked in an
/// empty directory with nothing but the pinned genesis, by assay, assay-verify and the Python verifier.
@Suite("record proofs as tlog-proof files, checked with the genesis alone")
struct TransparentProofTests {
    static let sample = Repository.url("datasets/sample").path
    static let bundle = "\(sample)/bundles/gw-b/2026/01/05"

    /// The sample's genesis hash, as README.md publishes it.
    static func genesis() throws -> String {
        MessageDigest.sha256(try Files.read("\(sample)/policy/0001/policy.json")).hex
    }

    /// (assay, assay-verify, python) exit statuses and outputs for `proof` in a directory of its own.
    static func check(_ bytes: [UInt8], trust: String, in directory: TemporaryDirectory, name: String) throws -> [(status: Int32, output: String)] {
        try directory.write(name, String(decoding: bytes, as: UTF8.self))
        let path = directory.file(name)
        let empty = directory.file("empty-\(name)")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        return [
            try Command.assay(["verify", "--proof", path, "--trust", trust], directory: empty),
            try Command.system(Command.assayVerifyPath, ["--proof", path, "--trust", trust], directory: empty),
            try Command.system("python3", [Repository.url("verify/assay_verify.py").path, "--proof", path, "--trust", trust], directory: empty),
        ].map { ($0.status, $0.stdout + $0.stderr) }
    }

    @Test("a proof of one record of the sample holds with only the genesis; relabelled, tampered, unwitnessed or under-signed copies fail in all three verifiers with their rule")
    func proofs() async throws {
        try await DedicatedThread.run {
            let directory = try TemporaryDirectory()
            let first = try #require(String(decoding: try Files.read("\(Self.bundle)/records.jsonl"), as: UTF8.self).split(separator: "\n").first)
            let parsed = try JSONParser().parse(String(first))
            let id = try #require(parsed["id"]?.stringValue), observer = try #require(parsed["observer_id"]?.stringValue)
            let made = try Command.assay(["prove", Self.bundle, id, "--observer", observer, "--tlog-proof"])
            #expect(made.status == 0, "\(made.stderr)")
            let bytes = made.stdoutBytes
            #expect(bytes.starts(with: Array("c2sp.org/tlog-proof@v1\nextra ".utf8)))
            let genesis = try Self.genesis()
            for (status, output) in try Self.check(bytes, trust: genesis, in: directory, name: "good.tlog-proof") {
                #expect(status == 0, "\(output)")
            }
            // The checkpoint in it is witnessed, and its index and lines are a plain tlog-proof a C2SP tool reads.
            let proof = try TransparentRecordProof(bytes: bytes)
            #expect(proof.bytes == bytes, "the file round-trips")
            let note = try SignedNote(parsing: proof.checkpoint)
            #expect(note.signatures.contains { $0.name == "witness.assay-demo.invalid/w1" })

            var cases: [(name: String, bytes: [UInt8], rule: String)] = []
            cases.append(("another genesis pinned", bytes, "genesis"))
            var record = proof
            record.record = Array(String(decoding: proof.record, as: UTF8.self).replacingOccurrences(of: "\"id\":\"\(id)\"", with: "\"id\":\"\(id)-forged\"").utf8)
            #expect(record.record != proof.record)
            cases.append(("the record changed", record.bytes, "proof"))
            var index = proof
            index.index += 1
            cases.append(("the entry index moved", index.bytes, "proof-binding"))
            var unwitnessed = proof
            let withoutWitness = SignedNote(text: note.text, signatures: note.signatures.filter { $0.name != "witness.assay-demo.invalid/w1" })
            unwitnessed.checkpoint = withoutWitness.bytes
            cases.append(("the witness's cosignature removed", unwitnessed.bytes, "witness-quorum"))
            var underSigned = proof
            underSigned.manifestSignatures = Array(proof.manifestSignatures.prefix(1))
            cases.append(("one manifest signature of the two needed", underSigned.bytes, "threshold"))
            var otherManifest = proof
            otherManifest.manifest = try Files.read("\(Self.sample)/bundles/gw-a/2026/01/05/manifest.json")
            cases.append(("relabelled to another bundle's manifest", otherManifest.bytes, "proof-binding"))
            for (number, item) in cases.enumerated() {
                let trust = item.name == "another genesis pinned" ? String(repeating: "ab", count: 32) : genesis
                for (status, output) in try Self.check(item.bytes, trust: trust, in: directory, name: "case\(number).tlog-proof") {
                    #expect(status == 1 && output.contains("[\(item.rule)]"), "\(item.name): \(output)")
                }
            }
            // Without --trust there is nothing to check it against.
            let unpinned = try Command.assay(["verify", "--proof", directory.file("good.tlog-proof")])
            #expect(unpinned.status != 0 && unpinned.stderr.contains("--trust"), "\(unpinned.stderr)")
        }
    }
}
