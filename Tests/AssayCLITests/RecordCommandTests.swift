import AssayCore
import AssayCrypto
import AssayLedger
import AssayTestSupport
import Foundation
import Testing

@Suite("canonicalize, merkle, schema, help")
struct RecordCommandTests {
    static let valid = Repository.url("spec/vectors/records/valid.jsonl").path
    static let canonical = Repository.url("spec/vectors/records/valid.canonical.jsonl").path

    @Test("canonicalize writes the committed canonical vector")
    func canonicalize() throws {
        let result = try Command.assay(["canonicalize", Self.valid])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutBytes == (try Repository.bytes("spec/vectors/records/valid.canonical.jsonl")))
    }

    @Test("one bad line among good ones: reported with its line, the rest still written, exit 1")
    func badLine() throws {
        let lines = String(decoding: try Repository.bytes("spec/vectors/records/valid.jsonl"), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        let input = ([lines[0], #"{"schema":1,"kind":"probe","start_ms":1.5}"#] + lines[1...]).joined(separator: "\n") + "\n"
        let result = try Command.assay(["canonicalize", "-"], input: Array(input.utf8))
        #expect(result.status == 1)
        #expect(result.stderr.contains("<stdin>:2:"))
        #expect(result.stderr.contains("11 of 13 lines") || result.stderr.contains("12 of 13 lines"))
        let written = result.stdout.split(separator: "\n")
        #expect(written.count == 12)
    }

    @Test("errors name line and column for malformed JSON, and the field for schema errors")
    func errorPlaces() throws {
        let input = "{\"schema\":1,\n{\"schema\":1,\"kind\":\"probe\",\"id\":\"x\",\"observer_role\":\"collector\",\"observer_id\":\"c\",\"target_url\":\"http://a\",\"start_ms\":1767975000000,\"outcome\":\"ok\",\"records_received\":0,\"latency_ms\":-5}\n"
        let result = try Command.assay(["canonicalize", "-"], input: Array(input.utf8))
        #expect(result.stderr.contains("<stdin>:1:13:"))
        #expect(result.stderr.contains("<stdin>:2: field \"latency_ms\""))
        #expect(result.stderr.contains("out-of-range"))
    }

    @Test("merkle prints the root of the vector file, and --prove a proof that verifies")
    func merkle() throws {
        let vector = try JSONParser(limits: .init(maxDepth: 64, maxBytes: 16 << 20)).parse(Repository.bytes("spec/vectors/merkle/valid-records.json"))
        let expectedRoot = vector["root"]?.stringValue ?? ""
        let result = try Command.assay(["merkle", Self.canonical])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "size 12\nroot \(expectedRoot)\n")

        let proof = try Command.assay(["merkle", Self.canonical, "--prove", "4"])
        #expect(proof.status == 0)
        let document = try JSONParser().parse(proof.stdoutBytes.dropLast())
        let path = document["path"]?.arrayValue.compactMap { Hex.decode($0.stringValue ?? "") } ?? []
        try Merkle.verifyInclusion(leafHash: Hex.decode(document["leaf_hash"]?.stringValue ?? "")!, index: 4, size: 12,
                                   proof: path, root: Hex.decode(expectedRoot)!)
        #expect(try Command.assay(["merkle", Self.canonical, "--prove", "12"]).status != 0)
    }

    @Test("merkle refuses non-canonical input")
    func merkleNeedsCanonical() throws {
        let result = try Command.assay(["merkle", Self.valid])
        #expect(result.status != 0)
        #expect(result.stderr.contains("not-canonical"))
    }
}
