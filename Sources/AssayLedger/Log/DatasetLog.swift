import AssayCore
import AssayCrypto
import AssayProbe
import Foundation

/// A dataset's append-only log of its signed documents (spec/log.md §7): entries, tiles, checkpoints and the
/// signers' signature lines under `log/`.
public enum DatasetLog {
    public static let directoryName = "log"
    public static let checkpointsName = "checkpoints"
    /// The signers' signature files and the witnesses' cosignature files of a checkpoint (spec/log.md §7.3, §8.2).
    public static let signaturesName = "signatures"
    public static let cosignaturesName = "cosignatures"
    /// Caps for reading (spec/dataset.md §8.1): an entry, a checkpoint text, a signature line.
    public static let entryLimit = 4096
    public static let checkpointLimit = 4096
    public static let signatureLimit = 4096

    /// `assay/<dataset id>` (spec/log.md §7.2).
    public static func origin(datasetID: String) -> String { "assay/\(datasetID)" }

    /// One entry: a signed document's kind, path and SHA-256 (spec/log.md §7.1).
    public struct Entry: Equatable, Sendable {
        public enum Kind: String, Sendable { case policy, manifest, scores, commitment }
        public let kind: Kind
        public let path: String
        public let sha256: String

        public init(kind: Kind, path: String, sha256: String) {
            self.kind = kind
            self.path = path
            self.sha256 = sha256
        }

        /// The entry for the document at `path` with these bytes; nil when the path is no signed document's.
        public init?(path: String, contents: [UInt8]) {
            guard let kind = Self.kind(of: path) else { return nil }
            self.init(kind: kind, path: path, sha256: MessageDigest.sha256(contents).hex)
        }

        /// Parses an entry's bytes: canonical JSON of exactly kind, path and sha256, the kind matching the path.
        public init(bytes: [UInt8]) throws(LedgerError) {
            guard bytes.count <= DatasetLog.entryLimit else { throw LedgerError(.invalidDocument, "an entry is at most \(DatasetLog.entryLimit) bytes") }
            let value: JSONValue
            do { value = try JSONParser(limits: .init(maxDepth: 2, maxBytes: DatasetLog.entryLimit)).parse(bytes) } catch {
                throw LedgerError(.invalidDocument, "an entry is not JSON: \(error)")
            }
            guard case .object(let members) = value, members.map(\.key) == ["kind", "path", "sha256"],
                  let kindText = value["kind"]?.stringValue, let kind = Kind(rawValue: kindText),
                  let path = value["path"]?.stringValue, Self.kind(of: path) == kind,
                  let sha256 = value["sha256"]?.stringValue, Digest(sha256Hex: sha256) != nil
            else { throw LedgerError(.invalidDocument, "an entry is {kind, path, sha256} naming a policy, manifest, scores or commitment document") }
            self.init(kind: kind, path: path, sha256: sha256)
            guard self.bytes == bytes else { throw LedgerError(.invalidDocument, "entry \(path) is not in canonical form") }
        }

        public var bytes: [UInt8] {
            CanonicalJSON.encodeBuilt(.object([.init("kind", .string(kind.rawValue)), .init("path", .string(path)), .init("sha256", .string(sha256))]),
                                      "a log entry")
        }

        /// `policy/NNNN/policy.json`, `bundles/<c>/<YYYY>/<MM>/<DD>/manifest.json`, `scores/<c>/<YYYY>/<MM>/<DD>/scores.json`,
        /// `probes/commitments/<c>/<YYYY>/<MM>/<DD>.json`.
        public static func kind(of path: String) -> Kind? {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            if parts.count == 3, parts[0] == DatasetDirectory.policyName, parts[2] == "policy.json",
               parts[1].utf8.count == 4, parts[1].utf8.allSatisfy({ (0x30...0x39).contains($0) }) { return .policy }
            if isCommitment(parts) { return .commitment }
            guard parts.count == 6, Slug.isValid(parts[1]), UTCDay("\(parts[2])-\(parts[3])-\(parts[4])")?.description == "\(parts[2])-\(parts[3])-\(parts[4])"
            else { return nil }
            if parts[0] == DatasetDirectory.bundlesName && parts[5] == "manifest.json" { return .manifest }
            if parts[0] == DatasetDirectory.scoresName && parts[5] == "scores.json" { return .scores }
            return nil
        }

        /// `probes/commitments/<c>/<YYYY>/<MM>/<DD>.json` (spec/probe.md §7.2).
        static func isCommitment(_ parts: [String]) -> Bool {
            guard parts.count == 6, parts[0] == DatasetDirectory.probesName, parts[1] == DatasetDirectory.commitmentsName,
                  Slug.isValid(parts[2]), parts[5].hasSuffix(".json") else { return false }
            let day = "\(parts[3])-\(parts[4])-\(parts[5].dropLast(5))"
            return UTCDay(day)?.description == day
        }
    }

    /// The signed documents of a dataset that must be entries, as relative paths in byte order.
    public static func documents(_ directory: DatasetDirectory) throws(FileError) -> [String] {
        var paths: [String] = []
        let policy = "\(directory.root)/\(DatasetDirectory.policyName)"
        if Files.kind(policy) == .directory {
            for version in try DatasetDirectory.list(policy) {
                let path = "\(DatasetDirectory.policyName)/\(version)/policy.json"
                if Entry.kind(of: path) != nil, Files.kind("\(directory.root)/\(path)") == .regular { paths.append(path) }
            }
        }
        for collector in try directory.collectors() {
            for day in try directory.days(of: collector) {
                let path = "\(DatasetDirectory.bundleRelativePath(collector: collector, day: day))/manifest.json"
                if Files.kind("\(directory.root)/\(path)") == .regular { paths.append(path) }
            }
        }
        for (collector, day) in try directory.scoreDays() {
            // In either stored form, named by the content's name (spec/log.md §7.1).
            let relative = DatasetDirectory.scoresRelativePath(collector: collector, day: day)
            if ScoresDocumentFile.exists(root: directory.root, relative: relative) { paths.append("\(relative)/\(ScoresDocumentFile.name)") }
        }
        for (collector, day) in try directory.commitmentDays() {
            let path = ProbeCommitment.relativePath(collector: collector, day: day)
            if Files.kind("\(directory.root)/\(path)") == .regular { paths.append(path) }
        }
        return paths.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// The content of the signed document at `path` (relative, of `kind`): a scores document in either stored
    /// form (spec/log.md §7.1), decompressed; nil when it is a Git LFS pointer (not fetched).
    static func content(root: String, path: String, kind: Entry.Kind) throws(FileError) -> [UInt8]? {
        guard kind == .scores else { return try Files.readRegular("\(root)/\(path)", limit: cap(for: kind)) }
        switch try ScoresDocumentFile.read(root: root, relative: String(path.dropLast(ScoresDocumentFile.name.count + 1))) {
        case .bytes(let bytes): return bytes
        case .notFetched: return nil
        }
    }

    static func cap(for kind: Entry.Kind) -> Int {
        switch kind {
        case .policy: DatasetDirectory.policyDocumentLimit
        case .manifest: DatasetDirectory.manifestLimit
        case .scores: DatasetDirectory.scoresLimit
        case .commitment: ProbeCommitment.maxBytes
        }
    }

    // MARK: reading

    /// The checkpoint sizes under `log/checkpoints/`, ascending; names that are not sizes are left to the check.
    public static func sizes(_ root: String) throws(FileError) -> [UInt64] {
        let path = "\(root)/\(directoryName)/\(checkpointsName)"
        guard Files.kind(path) == .directory else { return [] }
        return try DatasetDirectory.list(path).compactMap(decimal).sorted()
    }

    /// A size as written in a path: decimal without leading zeros, at most 2^63 − 1.
    static func decimal(_ text: String) -> UInt64? {
        guard let value = UInt64(text), String(value) == text, value <= UInt64(Int64.max) else { return nil }
        return value
    }

    /// The entries of a log of `size` entries, read from its entry bundles.
    public static func entries(_ root: String, size: UInt64) throws(LedgerError) -> [Entry] {
        var entries: [Entry] = []
        guard size > 0 else { return entries }
        let bundles = (size + UInt64(Tiles.width) - 1) / UInt64(Tiles.width)
        for index in 0..<bundles {
            let count = index == bundles - 1 && size % UInt64(Tiles.width) != 0 ? Int(size % UInt64(Tiles.width)) : Tiles.width
            let path = "\(directoryName)/\(Tiles.entriesPath(index: index, width: count))"
            let bytes: [UInt8]
            do { bytes = try Files.readRegular("\(root)/\(path)", limit: count * (2 + entryLimit)) } catch {
                throw LedgerError(.invalidDocument, "\(path) cannot be read: \(error)")
            }
            guard let items = Tiles.entries(ofBundle: bytes, count: count) else {
                throw LedgerError(.invalidDocument, "\(path) is not \(count) length-prefixed entries")
            }
            for item in items {
                do { entries.append(try Entry(bytes: item)) } catch { throw LedgerError(.invalidDocument, "\(path): \(error.reason)") }
            }
        }
        return entries
    }

    /// The root of every prefix of `leafHashes` whose size is in `sizes`.
    static func prefixRoots(_ leafHashes: [[UInt8]], sizes: Set<UInt64>) -> [UInt64: [UInt8]] {
        var builder = Merkle.RootBuilder()
        var roots: [UInt64: [UInt8]] = [:]
        if sizes.contains(0) { roots[0] = Merkle.emptyRoot }
        for (index, hash) in leafHashes.enumerated() {
            builder.append(leafHash: hash)
            if sizes.contains(UInt64(index + 1)) { roots[UInt64(index + 1)] = builder.root }
        }
        return roots
    }

    /// Every file under `log/` except the checkpoints' signature files and `log/checkpoint`, for a log whose
    /// checkpoints have `sizes` over `entries` (spec/log.md §7.3): relative path → bytes.
    public static func expectedFiles(entries: [Entry], sizes: [UInt64], origin: String) throws(LedgerError) -> [String: [UInt8]] {
        let leafHashes = entries.map { Merkle.leafHash($0.bytes) }
        let roots = prefixRoots(leafHashes, sizes: Set(sizes))
        var files: [String: [UInt8]] = [:]
        // Hashes of every complete 256^L-leaf block, level by level, for the largest size; a smaller size uses a prefix.
        var levels: [[[UInt8]]] = [leafHashes]
        while levels.last!.count >= Tiles.width {
            let below = levels.last!
            levels.append(stride(from: 0, to: below.count - Tiles.width + 1, by: Tiles.width).map { Merkle.root(leafHashes: Array(below[$0..<($0 + Tiles.width)])) })
        }
        for size in sizes {
            guard size <= UInt64(entries.count), let root = roots[size] else { throw LedgerError(.invalidDocument, "checkpoint size \(size) is beyond the log's \(entries.count) entries") }
            let checkpoint: Checkpoint
            do { checkpoint = try Checkpoint(origin: origin, size: size, root: root) } catch { throw LedgerError(.invalidDocument, "\(error)") }
            files["\(directoryName)/\(checkpointsName)/\(size)/checkpoint"] = checkpoint.text
            for (level, full, partial) in Tiles.shape(size: size) {
                let hashes = levels[level]
                for index in 0..<Int(full) {
                    files["\(directoryName)/\(Tiles.tilePath(level: level, index: UInt64(index)))"] = Array(hashes[(index * Tiles.width)..<((index + 1) * Tiles.width)].joined())
                }
                if partial > 0 {
                    let start = Int(full) * Tiles.width
                    files["\(directoryName)/\(Tiles.tilePath(level: level, index: full, width: partial))"] = Array(hashes[start..<(start + partial)].joined())
                }
            }
            let bundled: [(path: String, bytes: [UInt8])]
            do { bundled = try Tiles.bundles(entries: entries.prefix(Int(size)).map(\.bytes)) } catch { throw LedgerError(.invalidDocument, "\(error)") }
            for (path, bytes) in bundled { files["\(directoryName)/\(path)"] = bytes }
        }
        return files
    }

    /// The signature files (or, with `kind` `cosignatures`, the witnesses' cosignature files) of checkpoint `size`:
    /// signer or witness name → the line's bytes, in the byte order of the names.
    public static func signatureFiles(_ root: String, size: UInt64, kind: String = signaturesName) throws(FileError)
        -> [(signer: String, path: String, bytes: [UInt8])] {
        let directory = "\(directoryName)/\(checkpointsName)/\(size)/\(kind)"
        guard Files.kind("\(root)/\(directory)") == .directory else { return [] }
        var files: [(String, String, [UInt8])] = []
        for name in try DatasetDirectory.list("\(root)/\(directory)") where name.hasSuffix(".sig") {
            files.append((String(name.dropLast(4)), "\(directory)/\(name)", try Files.readRegular("\(root)/\(directory)/\(name)", limit: signatureLimit)))
        }
        return files.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
    }

    /// `log/checkpoint` for `size`: the checkpoint text, an empty line, the signature files' lines by signer, then the
    /// cosignature files' lines by witness.
    public static func assemble(_ root: String, size: UInt64) throws(FileError) -> [UInt8] {
        let text = try Files.readRegular("\(root)/\(directoryName)/\(checkpointsName)/\(size)/checkpoint", limit: checkpointLimit)
        return text + [0x0A] + (try signatureFiles(root, size: size)).flatMap(\.bytes)
            + (try signatureFiles(root, size: size, kind: cosignaturesName)).flatMap(\.bytes)
    }

    // MARK: writing

    /// Appends an entry for each of `paths` (relative signed documents) not yet in the log, in byte order, writes
    /// the new size's tiles, bundles and checkpoint with `signer`'s signature, and `log/checkpoint`. Returns the
    /// files written (relative), empty when there was nothing to append. Creates the log when there is none.
    public static func append(_ directory: DatasetDirectory, paths: [String], datasetID: String, signer: String,
                              key: any Ed25519Signer) throws(LedgerError) -> [String] {
        let root = directory.root
        let sizes: [UInt64]
        do { sizes = try Self.sizes(root) } catch { throw LedgerError(.invalidDocument, "log/checkpoints cannot be listed: \(error)") }
        var entries = try Self.entries(root, size: sizes.last ?? 0)
        let known = Set(entries.map(\.path))
        // In byte order, except that a new log starts with the genesis (spec/log.md §7.1).
        let genesis = "\(DatasetDirectory.policyName)/0001/policy.json"
        let new = paths.filter { !known.contains($0) }.sorted { a, b in
            a == genesis || (b != genesis && Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)))
        }
        guard !new.isEmpty else { return [] }
        for path in new {
            guard let kind = Entry.kind(of: path) else { throw LedgerError(.invalidDocument, "\(path) is not a signed document of the log") }
            let content: [UInt8]?
            do { content = try Self.content(root: root, path: path, kind: kind) } catch { throw LedgerError(.invalidDocument, "\(path): \(error)") }
            guard let bytes = content else {
                throw LedgerError(.notFound, "\(path) is a Git LFS pointer: its content is needed for the log entry (git lfs pull)")
            }
            entries.append(Entry(kind: kind, path: path, sha256: MessageDigest.sha256(bytes).hex))
        }
        let size = UInt64(entries.count)
        let origin = origin(datasetID: datasetID)
        let files = try expectedFiles(entries: entries, sizes: [size], origin: origin)
        var written: [String] = []
        for (path, bytes) in files.sorted(by: { $0.key < $1.key }) {
            let absolute = "\(root)/\(path)"
            if Files.kind(absolute) == .regular {
                // A full tile or an earlier bundle is already there: it must be what the entries give.
                let existing: [UInt8]
                do { existing = try Files.readRegular(absolute, limit: bytes.count + 1) } catch { throw LedgerError(.invalidDocument, "\(path): \(error)") }
                guard existing == bytes else { throw LedgerError(.invalidDocument, "\(path) differs from what the log's entries give: the log is damaged") }
                continue
            }
            try write(absolute, bytes)
            written.append(path)
        }
        written += try sign(directory, size: size, origin: origin, signer: signer, key: key)
        return written
    }

    /// Adds `signer`'s signature for the newest checkpoint (when it has none) and rewrites `log/checkpoint`;
    /// returns the files written (relative).
    public static func cosign(_ directory: DatasetDirectory, datasetID: String, signer: String, key: any Ed25519Signer) throws(LedgerError) -> [String] {
        let sizes: [UInt64]
        do { sizes = try Self.sizes(directory.root) } catch { throw LedgerError(.invalidDocument, "log/checkpoints cannot be listed: \(error)") }
        guard let size = sizes.last else { return [] }
        return try sign(directory, size: size, origin: origin(datasetID: datasetID), signer: signer, key: key)
    }

    static func sign(_ directory: DatasetDirectory, size: UInt64, origin: String, signer: String, key: any Ed25519Signer) throws(LedgerError) -> [String] {
        let root = directory.root
        let path = "\(directoryName)/\(checkpointsName)/\(size)/signatures/\(signer).sig"
        var written: [String] = []
        if Files.kind("\(root)/\(path)") == nil {
            let line: NoteSignature
            do {
                let text = try Files.readRegular("\(root)/\(directoryName)/\(checkpointsName)/\(size)/checkpoint", limit: checkpointLimit)
                line = try NoteSigner(name: origin, privateKey: key).sign(text)
            } catch {
                throw LedgerError(.invalidDocument, "checkpoint \(size) cannot be signed: \(error)")
            }
            try write("\(root)/\(path)", Array((line.line + "\n").utf8))
            written.append(path)
        }
        return written + (try reassemble(root, size: size))
    }

    /// Rewrites `log/checkpoint` from checkpoint `size` and its signature and cosignature files, when it differs;
    /// returns the file written (relative), if any.
    static func reassemble(_ root: String, size: UInt64) throws(LedgerError) -> [String] {
        let assembled: [UInt8]
        do { assembled = try assemble(root, size: size) } catch { throw LedgerError(.invalidDocument, "log/checkpoint cannot be assembled: \(error)") }
        let current = "\(root)/\(directoryName)/checkpoint"
        if (try? Files.readRegular(current, limit: assembled.count + 1)) != assembled {  // absent or different: (re)written
            try write(current, assembled)
            return ["\(directoryName)/checkpoint"]
        }
        return []
    }

    /// Stores `witness`'s cosignature line (with its newline) of checkpoint `size` (spec/log.md §8.2) unless one is
    /// there, and rewrites `log/checkpoint` when `size` is the newest; returns the files written (relative).
    public static func addCosignature(_ directory: DatasetDirectory, size: UInt64, witness: String, line: [UInt8]) throws(LedgerError) -> [String] {
        guard Slug.isValid(witness), line.last == 0x0A, !line.dropLast().contains(0x0A) else {
            throw LedgerError(.invalidDocument, "a cosignature file holds one line by a witness named by a slug")
        }
        let root = directory.root
        let path = "\(directoryName)/\(checkpointsName)/\(size)/\(cosignaturesName)/\(witness).sig"
        guard Files.kind("\(root)/\(directoryName)/\(checkpointsName)/\(size)/checkpoint") == .regular else {
            throw LedgerError(.invalidDocument, "the log has no checkpoint of size \(size)")
        }
        var written: [String] = []
        if Files.kind("\(root)/\(path)") == nil {
            try write("\(root)/\(path)", line)
            written.append(path)
        }
        let sizes: [UInt64]
        do { sizes = try Self.sizes(root) } catch { throw LedgerError(.invalidDocument, "log/checkpoints cannot be listed: \(error)") }
        if sizes.last == size { written += try reassemble(root, size: size) }
        return written
    }

    /// The consistency proof from the log's first `oldSize` entries to its first `newSize` (RFC 6962), from its
    /// entry bundles; empty when `oldSize` is 0 or equals `newSize`.
    public static func consistencyProof(_ root: String, from oldSize: UInt64, to newSize: UInt64) throws(LedgerError) -> [[UInt8]] {
        guard oldSize > 0, oldSize < newSize else { return [] }
        let leafHashes = try entries(root, size: newSize).map { Merkle.leafHash($0.bytes) }
        return Merkle.consistencyProof(oldSize: Int(oldSize), leafHashes: leafHashes)
    }

    static func write(_ absolute: String, _ bytes: [UInt8]) throws(LedgerError) {
        let parent = String(absolute[..<(absolute.lastIndex(of: "/") ?? absolute.endIndex)])
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            try Files.writeAtomically(absolute, contents: bytes)
        } catch {
            throw LedgerError(.invalidDocument, "\(absolute) cannot be written: \(error)")
        }
    }
}
