import AssayCore

/// The note text of a checkpoint (c2sp.org/tlog-checkpoint, spec/log.md §2): origin, tree size, root hash and
/// optional extension lines.
public struct Checkpoint: Equatable, Sendable {
    public let origin: String
    public let size: UInt64
    public let root: [UInt8]
    public let extensions: [String]

    public static let maxOriginBytes = 255

    public init(origin: String, size: UInt64, root: [UInt8], extensions: [String] = []) throws(NoteError) {
        guard !origin.isEmpty, origin.utf8.count <= Self.maxOriginBytes, !origin.contains("\n") else {
            throw NoteError(.checkpoint, "the origin must be 1 to \(Self.maxOriginBytes) bytes on one line")
        }
        guard size <= UInt64(Int64.max) else { throw NoteError(.checkpoint, "the tree size exceeds 2^63 - 1") }
        guard root.count == 32 else { throw NoteError(.checkpoint, "the root hash is 32 bytes, not \(root.count)") }
        guard extensions.allSatisfy({ !$0.isEmpty && !$0.contains("\n") }) else {
            throw NoteError(.checkpoint, "extension lines are non-empty single lines")
        }
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions
    }

    /// Parses a checkpoint's note text (ending in a newline).
    public init(text: [UInt8]) throws(NoteError) {
        guard text.last == 0x0A else { throw NoteError(.checkpoint, "the text does not end in a newline") }
        let lines = text.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard lines.count >= 3 else { throw NoteError(.checkpoint, "a checkpoint has an origin, a size and a root hash line") }
        let sizeLine = lines[1]
        guard let size = UInt64(sizeLine), sizeLine.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              sizeLine == "0" || !sizeLine.hasPrefix("0") else {
            throw NoteError(.checkpoint, "the size line '\(sizeLine)' is not a decimal without leading zeros")
        }
        guard let root = Base64.decode(lines[2]) else { throw NoteError(.checkpoint, "the root hash line is not base64") }
        try self.init(origin: lines[0], size: size, root: root, extensions: Array(lines[3...]))
    }

    /// The note text.
    public var text: [UInt8] {
        Array((["\(origin)", "\(size)", Base64.encode(root)] + extensions).map { $0 + "\n" }.joined().utf8)
    }
}
