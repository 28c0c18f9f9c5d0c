import AssayCore
import AssayCrypto

/// The Merkle tree of RFC 6962 §2.1 / RFC 9162 §2.1 over SHA-256, with
/// domain-separated leaf (0x00) and node (0x01) hashes (spec/hashing.md §3).
public enum Merkle {
    /// The root of the empty tree: SHA-256 of the empty string.
    public static let emptyRoot: [UInt8] = MessageDigest.sha256([UInt8]()).bytes

    /// Size of every hash in the tree.
    public static let hashSize = 32

    /// SHA-256(0x00 || data).
    public static func leafHash(_ data: some Collection<UInt8>) -> [UInt8] {
        let hasher = MessageDigest(.sha256)
        return leafHash(data, using: hasher)
    }

    /// SHA-256(0x00 || data) with a reusable hasher (hot loops).
    public static func leafHash(_ data: some Collection<UInt8>, using hasher: MessageDigest) -> [UInt8] {
        hasher.update(byte: 0x00)
        hasher.update(data)
        return hasher.finalize().bytes
    }

    /// SHA-256(0x01 || left || right).
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8], using hasher: MessageDigest = MessageDigest(.sha256)) -> [UInt8] {
        hasher.update(byte: 0x01)
        hasher.update(left)
        hasher.update(right)
        return hasher.finalize().bytes
    }

    /// The largest power of two smaller than `n` (n ≥ 2).
    static func split(_ n: Int) -> Int {
        precondition(n >= 2)
        return 1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount)
    }

    /// MTH(D[n]) over leaf hashes already computed.
    public static func root(leafHashes: some RandomAccessCollection<[UInt8]>) -> [UInt8] {
        var builder = RootBuilder()
        for leaf in leafHashes { builder.append(leafHash: leaf) }
        return builder.root
    }

    /// Builds the root incrementally in O(log n) memory: one perfect subtree
    /// per set bit of the leaf count, folded right to left at the end.
    public struct RootBuilder {
        private var stack: [(hash: [UInt8], size: Int)] = []
        private let hasher = MessageDigest(.sha256)
        /// Number of leaves appended so far.
        public private(set) var count = 0

        public init() {}

        /// Appends the leaf whose data is `data`.
        public mutating func append(leafData data: some Collection<UInt8>) {
            append(leafHash: Merkle.leafHash(data, using: hasher))
        }

        /// Appends a leaf by its leaf hash.
        public mutating func append(leafHash: [UInt8]) {
            var entry = (hash: leafHash, size: 1)
            while let last = stack.last, last.size == entry.size {
                stack.removeLast()
                entry = (Merkle.nodeHash(last.hash, entry.hash, using: hasher), last.size * 2)
            }
            stack.append(entry)
            count += 1
        }

        /// The root of the leaves appended so far.
        public var root: [UInt8] {
            guard var accumulator = stack.last?.hash else { return Merkle.emptyRoot }
            for entry in stack.dropLast().reversed() {
                accumulator = Merkle.nodeHash(entry.hash, accumulator, using: hasher)
            }
            return accumulator
        }
    }

    /// The audit path of leaf `index` in the tree over `leafHashes`
    /// (RFC 9162 §2.1.3.1), ordered from the leaf up.
    public static func inclusionProof(index: Int, leafHashes: [[UInt8]]) -> [[UInt8]] {
        precondition(index >= 0 && index < leafHashes.count, "leaf index out of range")
        let hasher = MessageDigest(.sha256)
        var path: [[UInt8]] = []
        func walk(_ m: Int, _ range: Range<Int>) {
            let n = range.count
            guard n > 1 else { return }
            let k = split(n)
            if m < k {
                walk(m, range.lowerBound..<range.lowerBound + k)
                path.append(subtreeRoot(range.lowerBound + k..<range.upperBound, leafHashes, hasher))
            } else {
                walk(m - k, range.lowerBound + k..<range.upperBound)
                path.append(subtreeRoot(range.lowerBound..<range.lowerBound + k, leafHashes, hasher))
            }
        }
        walk(index, 0..<leafHashes.count)
        return path
    }

    /// The consistency proof between the first `oldSize` leaves and all of
    /// `leafHashes` (RFC 9162 §2.1.4.1). Needs 0 < oldSize ≤ count.
    public static func consistencyProof(oldSize: Int, leafHashes: [[UInt8]]) -> [[UInt8]] {
        precondition(oldSize > 0 && oldSize <= leafHashes.count, "old size out of range")
        let hasher = MessageDigest(.sha256)
        var proof: [[UInt8]] = []
        func subproof(_ m: Int, _ range: Range<Int>, _ complete: Bool) {
            let n = range.count
            if m == n {
                if !complete { proof.append(subtreeRoot(range, leafHashes, hasher)) }
                return
            }
            let k = split(n)
            if m <= k {
                subproof(m, range.lowerBound..<range.lowerBound + k, complete)
                proof.append(subtreeRoot(range.lowerBound + k..<range.upperBound, leafHashes, hasher))
            } else {
                subproof(m - k, range.lowerBound + k..<range.upperBound, false)
                proof.append(subtreeRoot(range.lowerBound..<range.lowerBound + k, leafHashes, hasher))
            }
        }
        subproof(oldSize, 0..<leafHashes.count, true)
        return proof
    }

    static func subtreeRoot(_ range: Range<Int>, _ leaves: [[UInt8]], _ hasher: MessageDigest) -> [UInt8] {
        if range.count == 1 { return leaves[range.lowerBound] }
        let k = split(range.count)
        return nodeHash(
            subtreeRoot(range.lowerBound..<range.lowerBound + k, leaves, hasher),
            subtreeRoot(range.lowerBound + k..<range.upperBound, leaves, hasher), using: hasher)
    }

    /// Why a proof was rejected.
    public enum ProofError: Error, Equatable, Sendable {
        case indexOutOfRange(index: UInt64, size: UInt64)
        case wrongHashSize(what: String, size: Int)
        case wrongProofLength(got: Int, expected: Int)
        case sizesOutOfOrder(old: UInt64, new: UInt64)
        case emptyOldTree
        case emptyProof
        case nonEmptyProofForEqualSizes
        case wrongEmptyTreeRoot
        case rootMismatch
    }

    /// Checks that `leafHash` is leaf `index` of the tree of `size` leaves
    /// with root `root` (RFC 9162 §2.1.3.2; spec/hashing.md §4).
    public static func verifyInclusion(
        leafHash: [UInt8], index: UInt64, size: UInt64, proof: [[UInt8]], root: [UInt8]
    ) throws(ProofError) {
        guard index < size else { throw .indexOutOfRange(index: index, size: size) }
        try checkSize(leafHash, "leaf hash")
        try checkSize(root, "root")
        for element in proof { try checkSize(element, "proof element") }
        let inner = innerProofSize(index, size)
        let border = (index >> UInt64(inner)).nonzeroBitCount
        guard proof.count == inner + border else { throw .wrongProofLength(got: proof.count, expected: inner + border) }
        let hasher = MessageDigest(.sha256)
        var hash = chainInner(leafHash, proof[..<inner], index, hasher)
        hash = chainBorderRight(hash, proof[inner...], hasher)
        guard hash == root else { throw .rootMismatch }
    }

    /// Checks that the tree of `oldSize` leaves with `oldRoot` is a prefix of
    /// the tree of `newSize` leaves with `newRoot` (RFC 9162 §2.1.4.2).
    public static func verifyConsistency(
        oldSize: UInt64, newSize: UInt64, proof: [[UInt8]], oldRoot: [UInt8], newRoot: [UInt8]
    ) throws(ProofError) {
        guard oldSize <= newSize else { throw .sizesOutOfOrder(old: oldSize, new: newSize) }
        if oldSize == newSize {
            guard proof.isEmpty else { throw .nonEmptyProofForEqualSizes }
            guard oldRoot == newRoot else { throw .rootMismatch }
            if oldSize == 0 && oldRoot != emptyRoot { throw .wrongEmptyTreeRoot }
            return
        }
        guard oldSize > 0 else { throw .emptyOldTree }
        guard !proof.isEmpty else { throw .emptyProof }
        try checkSize(oldRoot, "old root")
        try checkSize(newRoot, "new root")
        for element in proof { try checkSize(element, "proof element") }

        var inner = innerProofSize(oldSize - 1, newSize)
        let border = ((oldSize - 1) >> UInt64(inner)).nonzeroBitCount
        let shift = oldSize.trailingZeroBitCount
        inner -= shift
        var seed = proof[0]
        var start = 1
        if oldSize == UInt64(1) << UInt64(shift) {
            seed = oldRoot
            start = 0
        }
        guard proof.count == start + inner + border else {
            throw .wrongProofLength(got: proof.count, expected: start + inner + border)
        }
        let rest = proof[start...]
        let innerPart = rest.prefix(inner)
        let borderPart = rest.dropFirst(inner)
        let mask = (oldSize - 1) >> UInt64(shift)
        let hasher = MessageDigest(.sha256)
        var hash1 = seed
        for (level, element) in innerPart.enumerated() where (mask >> UInt64(level)) & 1 == 1 {
            hash1 = nodeHash(element, hash1, using: hasher)
        }
        hash1 = chainBorderRight(hash1, borderPart, hasher)
        guard hash1 == oldRoot else { throw .rootMismatch }
        var hash2 = chainInner(seed, innerPart, mask, hasher)
        hash2 = chainBorderRight(hash2, borderPart, hasher)
        guard hash2 == newRoot else { throw .rootMismatch }
    }

    static func checkSize(_ hash: [UInt8], _ what: String) throws(ProofError) {
        guard hash.count == hashSize else { throw .wrongHashSize(what: what, size: hash.count) }
    }

    static func innerProofSize(_ index: UInt64, _ size: UInt64) -> Int {
        UInt64.bitWidth - (index ^ (size - 1)).leadingZeroBitCount
    }

    static func chainInner(_ seed: [UInt8], _ proof: ArraySlice<[UInt8]>, _ index: UInt64, _ hasher: MessageDigest) -> [UInt8] {
        var hash = seed
        for (level, element) in proof.enumerated() {
            hash = (index >> UInt64(level)) & 1 == 0
                ? nodeHash(hash, element, using: hasher) : nodeHash(element, hash, using: hasher)
        }
        return hash
    }

    static func chainBorderRight(_ seed: [UInt8], _ proof: ArraySlice<[UInt8]>, _ hasher: MessageDigest) -> [UInt8] {
        proof.reduce(seed) { nodeHash($1, $0, using: hasher) }
    }
}
