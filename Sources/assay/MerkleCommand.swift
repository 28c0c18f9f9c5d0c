import ArgumentParser
import AssayCommandLine
import AssayCore
import AssayCrypto
import AssayLedger

struct MerkleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merkle",
        abstract: "Compute the RFC 6962 Merkle root of a records file, or prove one record.",
        discussion: """
            Every line of FILE must be a valid record in canonical form; the leaves are the line \
            bytes without the newline (spec/hashing.md §3). Prints the tree size and root as \
            lowercase hex. With --prove N (0-based record index) prints an inclusion proof as JSON.

            Examples:
              assay merkle records.jsonl
              assay merkle records.jsonl --prove 41 > proof.json
            """)

    @Option(help: "Print the inclusion proof of the record at this 0-based index.")
    var prove: Int?

    @Argument(help: "A canonical JSON Lines records file.")
    var file: String

    func validate() throws {
        if let prove, prove < 0 { throw ValidationError("--prove takes a 0-based index, 0 or more") }
    }

    func run() throws {
        let reader = try LineReader(path: file)
        var builder = Merkle.RootBuilder()
        var leaves: [[UInt8]] = []
        let hasher = MessageDigest(.sha256)
        let summary = try RecordLines.scan(reader, requireCanonical: true) { _, record in
            let leaf = Merkle.leafHash(record.bytes, using: hasher)
            builder.append(leafHash: leaf)
            if prove != nil { leaves.append(leaf) }
        } onIssue: { issue in
            Diagnostics.print(issue.description)
        }
        if summary.issues > 0 {
            throw Failure(message: "\(file): \(summary.issues) bad lines; a Merkle root is only defined over a whole valid file")
        }
        let root = builder.root
        guard let index = prove else {
            print("size \(builder.count)")
            print("root \(Hex.encode(root))")
            return
        }
        guard index < leaves.count else {
            throw ValidationError("--prove \(index): the file has \(leaves.count) records (indexes 0...\(leaves.count - 1))")
        }
        let proof = MerkleProofDocument.inclusion(index: index, leafHashes: leaves, root: root)
        print(try CanonicalJSON.string(proof))
    }
}
