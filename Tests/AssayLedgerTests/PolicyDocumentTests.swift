import AssayCore
import AssayCrypto
import AssayLedger
import AssayTestSupport
import Foundation
import Testing

/// policy.json parsing (spec/policy.md §1.1) and the cross-check of co-signing (§6.1).
@Suite("policy documents and cross-checks")
struct PolicyDocumentTests {
    static let document = PolicyDocument(dataset: "d", version: 2, prevSHA256: String(repeating: "a", count: 64),
                                         issued: 1_772_452_800, threshold: 2, allowedSigners: Array("x\n".utf8),
                                         revocations: [Revocation(fingerprint: "SHA256:" + String(repeating: "A", count: 43), from: 1_772_582_400, reason: "leak")],
                                         summary: "s")

    @Test("a document round-trips byte for byte")
    func roundTrip() throws {
        let bytes = Self.document.bytes()
        #expect(try PolicyDocument(bytes: bytes) == Self.document)
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""issued":"2026-03-02T12:00:00Z""#))
    }

    @Test("invalid documents are refused with the member and the reason", arguments: [
        (#""threshold":2"#, #""threshold":0"#, "threshold"),
        (#""issued":"2026-03-02T12:00:00Z""#, #""issued":"2026-03-02T12:00:00""#, "issued must be a UTC time"),
        (#""issued":"2026-03-02T12:00:00Z""#, #""issued":"2026-02-30T12:00:00Z""#, "issued must be a UTC time"),
        (#""version":2"#, #""version":1"#, "version"),
        (#""summary":"s""#, #""summary":"s","x":1"#, "x"),
        (#""reason":"leak""#, #""reason":"""#, "revocations[0].reason must be 1 to 500 bytes"),
        (#""fingerprint":"SHA256:AAAA"#, #""fingerprint":"MD5:AAAA"#, "fingerprint"),
    ])
    func invalid(_ replacement: (String, String, String)) throws {
        let text = String(decoding: Self.document.bytes(), as: UTF8.self)
        #expect(text.contains(replacement.0))
        let changed = text.replacingOccurrences(of: replacement.0, with: replacement.1)
        // Re-encode canonically so only the value is wrong, not the form.
        let value = try JSONParser().parse(Array(changed.utf8.dropLast()))
        let bytes = try CanonicalJSON.encode(value) + [0x0A]
        #expect {
            _ = try PolicyDocument(bytes: bytes)
        } throws: { error in
            "\(error)".contains(replacement.2)
        }
    }

    @Test("a document that is not canonical is refused")
    func notCanonical() {
        #expect(throws: DocumentError.self) { _ = try PolicyDocument(bytes: [0x20] + Self.document.bytes()) }
    }

    @Test("the cross-check names differing, missing and extra job ids per orchestrator, and ignores other observers")
    func crossCheck() throws {
        let directory = try TemporaryDirectory()
        func record(_ observer: String, _ id: String, role: String = "orchestrator", tries: Int = 1) -> String {
            #"{"schema":1,"kind":"batch_request","id":"\#(id)","observer_role":"\#(role)","observer_id":"\#(observer)","request_id":"\#(id)","pipeline":"p","model_id":"m","start_ms":1772323200000,"success":true,"tries":\#(tries)}"#
        }
        func bundle(_ name: String, _ lines: [String], conflicts: [String] = []) throws -> String {
            try FileManager.default.createDirectory(atPath: directory.file(name), withIntermediateDirectories: true)
            try directory.write("\(name)/records.jsonl", lines.map { $0 + "\n" }.joined())
            try directory.write("\(name)/conflicts.jsonl", conflicts.map { $0 + "\n" }.joined())
            // The manifest names the files (the cross-check reads what it names, in either stored form); nothing else in it matters here.
            let files = try ["conflicts.jsonl", "records.jsonl"].map { file in
                let bytes = try Files.read(directory.file("\(name)/\(file)"))
                return Manifest.FileEntry(name: file, sha256: MessageDigest.sha256(bytes).hex, size: Int64(bytes.count))
            }
            let manifest = Manifest(dataset: "d", collector: "c", day: UTCDay("2026-03-01")!, prev: nil, files: files,
                                    recordsByKind: [:], merkleTreeSize: 0, merkleRoot: String(repeating: "0", count: 64),
                                    conflictKeys: 0, conflictVersions: 0, coverage: Coverage(targets: []), rejectedByCode: [:])
            try Files.writeAtomically(directory.file("\(name)/manifest.json"), contents: manifest.bytes())
            return directory.file(name)
        }
        let theirs = try bundle("theirs", [record("o1", "a"), record("o1", "b", tries: 2), record("o1", "c"), record("o2", "x"), record("gw", "g", role: "gateway")])
        let mine = try bundle("mine", [record("o1", "a"), record("o1", "b"), record("o1", "d"), record("o3", "y"), record("gw2", "g", role: "gateway")])
        let check = try CrossCheck.compare(theirs: theirs, mine: mine)
        #expect(check.compared == ["o1"], "only orchestrators both bundles have are compared")
        let difference = try #require(check.differences.first)
        #expect(check.differences.count == 1)
        #expect(difference.orchestrator == "o1" && difference.differs == ["b"] && difference.onlyTheirs == ["c"] && difference.onlyMine == ["d"])
        #expect(check.differences.first?.description == "orchestrator o1 served different records — differs: b; only-theirs: c; only-mine: d")
        // A conflict line counts as a version of its key: the same two versions on both sides agree.
        let a = try bundle("a", [], conflicts: [record("o1", "k"), record("o1", "k", tries: 2)])
        let b = try bundle("b", [], conflicts: [record("o1", "k"), record("o1", "k", tries: 2)])
        #expect(try CrossCheck.compare(theirs: a, mine: b).agrees)
        #expect(!(try CrossCheck.compare(theirs: a, mine: theirs).agrees))
    }
}
