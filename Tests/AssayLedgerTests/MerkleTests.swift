import AssayCore
import AssayCrypto
import AssayLedger
import AssayTestSupport
import Testing

@Suite("RFC 6962 / RFC 9162 Merkle tree")
struct MerkleTests {
    static func files(_ kind: String) -> [String] {
        Shared.list("testvectors/merkle/\(kind)").flatMap { folder in
            Shared.list("testvectors/merkle/\(kind)/\(folder)").filter { $0.hasSuffix(".json") }.map { "\(kind)/\(folder)/\($0)" }
                + Shared.list("testvectors/merkle/\(kind)/\(folder)").filter { !$0.hasSuffix(".json") }.flatMap { sub in
                    Shared.list("testvectors/merkle/\(kind)/\(folder)/\(sub)").map { "\(kind)/\(folder)/\(sub)/\($0)" }
                }
        }
    }

    static func hash(_ value: JSONValue?) -> [UInt8] { Base64.decode(value?.stringValue ?? "") ?? [] }

    /// Sizes and indexes up to 2^64-1 appear in the vectors; JSON numbers above
    /// Int64 are doubles, so read the digits of `"name": N` from the raw text.
    static func uint64(_ name: String, in file: String) throws -> UInt64 {
        let text = String(decoding: try Shared.bytes("testvectors/merkle/\(file)"), as: UTF8.self)
        let start = try #require(text.range(of: "\"\(name)\":"))
        let digits = text[start.upperBound...].drop { $0 == " " }.prefix { $0.isNumber }
        return try #require(UInt64(digits))
    }

    @Test("inclusion vectors", .enabled(if: Shared.isAvailable, Shared.skipReason), arguments: files("inclusion"))
    func inclusion(file: String) throws {
        let vector = try Shared.json("testvectors/merkle/\(file)")
        let index = try Self.uint64("leafIdx", in: file)
        let size = try Self.uint64("treeSize", in: file)
        let result = Result { () throws(Merkle.ProofError) in
            try Merkle.verifyInclusion(
                leafHash: Self.hash(vector["leafHash"]), index: index, size: size, proof: vector["proof"]!.arrayValue.map { Self.hash($0) },
                root: Self.hash(vector["root"]))
        }
        if vector["wantErr"]!.boolValue! {
            #expect(throws: Merkle.ProofError.self, "\(vector["desc"]?.stringValue ?? file)") { try result.get() }
        } else {
            try result.get()
        }
    }

    @Test("consistency vectors", .enabled(if: Shared.isAvailable, Shared.skipReason), arguments: files("consistency"))
    func consistency(file: String) throws {
        let vector = try Shared.json("testvectors/merkle/\(file)")
        let oldSize = try Self.uint64("size1", in: file)
        let newSize = try Self.uint64("size2", in: file)
        let result = Result { () throws(Merkle.ProofError) in
            try Merkle.verifyConsistency(
                oldSize: oldSize, newSize: newSize,
                proof: vector["proof"]!.arrayValue.map { Self.hash($0) },
                oldRoot: Self.hash(vector["root1"]), newRoot: Self.hash(vector["root2"]))
        }
        if vector["wantErr"]!.boolValue! {
            #expect(throws: Merkle.ProofError.self, "\(vector["desc"]?.stringValue ?? file)") { try result.get() }
        } else {
            try result.get()
        }
    }

    @Test("all vector files were found", .enabled(if: Shared.isAvailable, Shared.skipReason))
    func found() {
        #expect(Self.files("inclusion").count > 80)
        #expect(Self.files("consistency").count > 80)
    }

    /// The RFC 6962 reference tree of the Certificate Transparency test suite (8 leaves).
    static let referenceLeaves: [[UInt8]] = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                             "606162636465666768696a6b6c6d6e6f"].map { Hex.decode($0)! }

    @Test("roots of every prefix of the reference tree")
    func referenceRoots() {
        let expected = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ]
        var builder = Merkle.RootBuilder()
        #expect(builder.root == Merkle.emptyRoot)
        for (index, leaf) in Self.referenceLeaves.enumerated() {
            builder.append(leafData: leaf)
            #expect(Hex.encode(builder.root) == expected[index])
        }
    }

    @Test("generated proofs verify for every index and size up to 40, and fail when moved")
    func generatedProofs() throws {
        let leaves = (0..<40).map { Merkle.leafHash([UInt8($0)]) }
        for size in 1...leaves.count {
            let tree = Array(leaves[..<size])
            let root = Merkle.root(leafHashes: tree)
            for index in 0..<size {
                let proof = Merkle.inclusionProof(index: index, leafHashes: tree)
                try Merkle.verifyInclusion(leafHash: tree[index], index: UInt64(index), size: UInt64(size), proof: proof, root: root)
                if size > 1 {
                    let other = (index + 1) % size
                    #expect(throws: Merkle.ProofError.self) {
                        try Merkle.verifyInclusion(leafHash: tree[other], index: UInt64(index), size: UInt64(size), proof: proof, root: root)
                    }
                }
            }
            for oldSize in 1...size {
                let proof = Merkle.consistencyProof(oldSize: oldSize, leafHashes: tree)
                let oldRoot = Merkle.root(leafHashes: Array(tree[..<oldSize]))
                try Merkle.verifyConsistency(oldSize: UInt64(oldSize), newSize: UInt64(size), proof: proof, oldRoot: oldRoot, newRoot: root)
            }
        }
    }
}
