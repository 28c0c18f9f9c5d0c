import AssayCore
import AssayCrypto
import AssayLedger
import AssayTestSupport
import Foundation
import Testing

/// The test vectors of Assay's own formats, committed under spec/vectors/.
/// Each expected file is recomputed here and compared byte for byte; run
/// with ASSAY_WRITE_VECTORS=1 to regenerate them after a deliberate change.
@Suite("spec/vectors are current", .serialized)
struct SpecVectorTests {
    static let directory = "spec/vectors"
    static let writing = ProcessInfo.processInfo.environment["ASSAY_WRITE_VECTORS"] == "1"

    /// The vector key's seed: SHA-256("assay spec vector key 1"). Test use only.
    static let vectorKey: Ed25519PrivateKey = try! Ed25519PrivateKey(seed: MessageDigest.sha256(Array("assay spec vector key 1".utf8)).bytes)

    func check(_ relative: String, _ expected: [UInt8]) throws {
        let path = Repository.url("\(Self.directory)/\(relative)").path
        if Self.writing { try Files.writeAtomically(path, contents: expected) }
        let actual = try Repository.bytes("\(Self.directory)/\(relative)")
        #expect(actual == expected, "\(relative) is stale; regenerate with ASSAY_WRITE_VECTORS=1 swift test")
    }

    func scan(_ relative: String) throws -> (records: [(Int, [UInt8])], issues: [LineIssue]) {
        var records: [(Int, [UInt8])] = []
        var issues: [LineIssue] = []
        let reader = try LineReader(path: Repository.url("\(Self.directory)/\(relative)").path)
        try RecordLines.scan(reader) { line, record in records.append((line, Array(record.bytes))) } onIssue: { issues.append($0) }
        return (records, issues)
    }

    @Test("valid records: canonical form, leaf hashes, Merkle root and proofs")
    func validRecords() throws {
        let (records, issues) = try scan("records/valid.jsonl")
        #expect(issues.isEmpty, "\(issues)")
        #expect(records.count == 12)
        var canonical: [UInt8] = []
        var leaves: [[UInt8]] = []
        for (_, bytes) in records {
            canonical += bytes + [0x0A]
            leaves.append(Merkle.leafHash(bytes))
        }
        try check("records/valid.canonical.jsonl", canonical)
        try check("records/valid.leaves.txt", Array(leaves.map { Hex.encode($0) + "\n" }.joined().utf8))

        let root = Merkle.root(leafHashes: leaves)
        let document = JSONValue.object([
            .init("leaf_data", "the lines of records/valid.canonical.jsonl without their newlines"),
            .init("tree_size", .integer(Int64(leaves.count))),
            .init("root", .string(Hex.encode(root))),
            .init("inclusion", .array(leaves.indices.map { MerkleProofDocument.inclusion(index: $0, leafHashes: leaves, root: root) })),
            .init("consistency", .array((1...leaves.count).map { oldSize in
                .object([
                    .init("old_size", .integer(Int64(oldSize))),
                    .init("old_root", .string(Hex.encode(Merkle.root(leafHashes: Array(leaves[..<oldSize]))))),
                    .init("new_size", .integer(Int64(leaves.count))),
                    .init("new_root", .string(Hex.encode(root))),
                    .init("path", .array(Merkle.consistencyProof(oldSize: oldSize, leafHashes: leaves).map { .string(Hex.encode($0)) })),
                ])
            })),
        ])
        try check("merkle/valid-records.json", Array(try PrettyJSON.string(document).utf8))
    }

    @Test("canonicalizing the canonical file is the identity")
    func canonicalIsFixedPoint() throws {
        let (records, issues) = try scan("records/valid.canonical.jsonl")
        #expect(issues.isEmpty)
        let bytes = try Repository.bytes("\(Self.directory)/records/valid.canonical.jsonl")
        #expect(records.flatMap { $0.1 + [0x0A] } == bytes)
    }

    /// One canonical line per refused line: its number, code, and the field, rule, JSON code and column that apply.
    static func expectedLines(_ issues: [LineIssue]) throws -> [UInt8] {
        var lines: [UInt8] = []
        for issue in issues {
            var members: [JSONValue.Member] = [.init("line", .integer(Int64(issue.line))), .init("code", .string(issue.code))]
            if case .invalid(let error) = issue.problem {
                if let field = error.field { members.append(.init("field", .string(field))) }
                if let rule = error.rule { members.append(.init("rule", .string(rule))) }
                if let json = error.json {
                    members.append(.init("json_code", .string(json.code.rawValue)))
                    members.append(.init("column", .integer(Int64(json.column))))
                }
            }
            lines += try CanonicalJSON.encode(.object(members)) + [0x0A]
        }
        return lines
    }

    @Test("invalid records: each line rejected with its code, field and rule")
    func invalidRecords() throws {
        let (records, issues) = try scan("records/invalid.jsonl")
        #expect(records.isEmpty)
        try check("records/invalid.expected.jsonl", try Self.expectedLines(issues))
        #expect(issues.count == 34)
    }

    @Test("test jobs (schema 3): the valid ones in canonical form, each invalid one with its code, field and rule")
    func testJobRecords() throws {
        let (records, issues) = try scan("records/test_job.valid.jsonl")
        #expect(issues.isEmpty, "\(issues)")
        #expect(records.count == 9)
        try check("records/test_job.valid.canonical.jsonl", records.flatMap { $0.1 + [0x0A] })
        let (refused, problems) = try scan("records/test_job.invalid.jsonl")
        #expect(refused.isEmpty)
        try check("records/test_job.invalid.expected.jsonl", try Self.expectedLines(problems))
        #expect(problems.count == 25)
    }

    @Test("schema 4 (cost, input quality, capability snapshots): valid ones in canonical form, each invalid one with its code")
    func schema4Records() throws {
        let (records, issues) = try scan("records/schema4.valid.jsonl")
        #expect(issues.isEmpty, "\(issues)")
        #expect(records.count == 9)
        try check("records/schema4.valid.canonical.jsonl", records.flatMap { $0.1 + [0x0A] })
        let (refused, problems) = try scan("records/schema4.invalid.jsonl")
        #expect(refused.isEmpty)
        try check("records/schema4.invalid.expected.jsonl", try Self.expectedLines(problems))
        #expect(problems.count == 27)
    }

    @Test("SSHSIG vector: a fixed key signs the canonical records for assay-manifest-v1")
    func sshsig() throws {
        let key = OpenSSHPrivateKey(Self.vectorKey, comment: "assay-spec-vector-key (test only, never trust it)")
        try check("sshsig/vector-key", Array(try key.pem(checkInt: 0x4153_5341).utf8))
        try check("sshsig/vector-key.pub", Array((key.publicKey.line + "\n").utf8))
        try check("sshsig/allowed_signers", Array("vector-signer namespaces=\"assay-manifest-v1\" \(key.publicKey.line)\n".utf8))
        let message = try Repository.bytes("\(Self.directory)/records/valid.canonical.jsonl")
        let signature = try SSHSignature.sign(message, namespace: "assay-manifest-v1", with: Self.vectorKey)
        try check("sshsig/valid.canonical.jsonl.assay-manifest-v1.sig", Array(signature.armored.utf8))
        try check("sshsig/fingerprint.txt", Array((key.publicKey.fingerprint + "\n").utf8))
        let reparsed = try OpenSSHPrivateKey(pem: String(decoding: try Repository.bytes("\(Self.directory)/sshsig/vector-key"), as: UTF8.self))
        #expect(reparsed.key.seed == Self.vectorKey.seed)
    }

    @Test("spec/schemas match the schema table")
    func schemas() throws {
        for version in AssayVersion.recordSchemas {
            for kind in RecordKind.allCases where version >= kind.firstSchema {
                let name = RecordJSONSchema.fileName(kind, version: version)
                let path = Repository.url("spec/schemas/\(name)").path
                let expected = Array(try PrettyJSON.string(RecordJSONSchema.document(for: kind, version: version)).utf8)
                if Self.writing { try Files.writeAtomically(path, contents: expected) }
                #expect(try Repository.bytes("spec/schemas/\(name)") == expected,
                        "spec/schemas/\(name) is stale; regenerate with assay schema --write spec/schemas")
            }
        }
    }
}
