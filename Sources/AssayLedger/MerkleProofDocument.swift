import AssayCore

/// The JSON form of an inclusion proof that `assay merkle --prove` prints
/// (spec/hashing.md §4.1): hashes in lowercase hex, the path from the leaf up.
public enum MerkleProofDocument {
    public static func inclusion(index: Int, leafHashes: [[UInt8]], root: [UInt8]) -> JSONValue {
        let path = Merkle.inclusionProof(index: index, leafHashes: leafHashes)
        return .object([
            .init("leaf_hash", .string(Hex.encode(leafHashes[index]))),
            .init("leaf_index", .integer(Int64(index))),
            .init("path", .array(path.map { .string(Hex.encode($0)) })),
            .init("root", .string(Hex.encode(root))),
            .init("tree_size", .integer(Int64(leafHashes.count))),
            .init("type", "rfc9162-inclusion-sha256"),
        ])
    }
}
