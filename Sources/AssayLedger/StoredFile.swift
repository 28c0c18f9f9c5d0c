#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AssayCore
import AssayCrypto
import AssayZstd

/// How a file a manifest names is stored in its bundle (spec/dataset.md §4.7): as itself, compressed
/// as `<name>.zst`, or — where a clone did not fetch it — as a Git LFS pointer. Content (hash, size,
/// lines) is always the decompressed bytes; nothing here trusts the compressed ones.
public struct StoredFile: Sendable, Equatable {
    public enum Form: Sendable, Equatable {
        case plain
        case zstd
    }

    /// The file's name in the manifest.
    public let name: String
    /// The stored file's absolute path (`<name>` or `<name>.zst`).
    public let path: String
    public let form: Form
    /// Whether the stored file is a Git LFS pointer, not the file: it was not fetched.
    public let isPointer: Bool

    public static let compressedSuffix = ".zst"
    /// The reference sealer stores plain every file up to this size and compresses larger ones (spec/dataset.md §4.7).
    public static let compressAbove = 1 << 20
    /// The level it compresses at: most of level 19's size at a fraction of its time.
    public static let compressionLevel: Int32 = 9
    /// The first line of every Git LFS pointer (git-lfs docs/spec.md); pointers are under 1 024 bytes.
    static let pointerFirstLine = Array("version https://git-lfs.github.com/spec/v1\n".utf8)
    static let pointerLimit = 1024

    /// Why a stored file cannot be opened: a failure of `locate`.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Neither `<name>` nor `<name>.zst` is there.
        case missing(name: String)
        /// `<name>.zst` is a Git LFS pointer: the file was not fetched.
        case notFetched(path: String)
        /// The stored file exists but cannot be opened or read (a link, a device, permissions).
        case unreadable(FileError)

        public var description: String {
            switch self {
            case .missing(let name): "\(name) is missing (neither \(name) nor \(name)\(StoredFile.compressedSuffix) is there)"
            case .notFetched(let path): "\(path) is a Git LFS pointer: the file was not fetched (git lfs pull, or assay verify --fetch)"
            case .unreadable(let error): "\(error)"
            }
        }
    }

    /// The name of `name`'s stored file in `directory`: `<name>` when anything is there, else `<name>.zst` when anything
    /// is there, else `<name>` — the file findings about it name, whatever is wrong with it.
    public static func storedName(_ name: String, in directory: String) -> String {
        if Files.kind("\(directory)/\(name)") == nil, Files.kind("\(directory)/\(name)\(compressedSuffix)") != nil { return name + compressedSuffix }
        return name
    }

    /// Finds `name` in the bundle directory `directory` (absolute). The plain form wins when both exist
    /// (the other is `unlisted-file`, reported by the bundle's file check). Nothing is followed: a link
    /// where the file belongs is found here and refused when opened.
    public static func locate(_ name: String, in directory: String) -> Result<StoredFile, Failure> {
        let plain = "\(directory)/\(name)", compressed = plain + compressedSuffix
        let path: String, form: Form
        if Files.kind(plain) != nil {
            (path, form) = (plain, .plain)
        } else if Files.kind(compressed) != nil {
            (path, form) = (compressed, .zstd)
        } else {
            return .failure(.missing(name: name))
        }
        switch isPointer(path) {
        case .success(let pointer): return .success(StoredFile(name: name, path: path, form: form, isPointer: pointer))
        case .failure(let error): return .failure(.unreadable(error))
        }
    }

    /// Whether the regular file at `path` is a Git LFS pointer: under 1 024 bytes and starting with its first line.
    static func isPointer(_ path: String) -> Result<Bool, FileError> {
        let fd: Int32
        do { fd = try Files.openRegular(path) } catch { return .failure(error) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(FileError(path: path, operation: "stat", errno: errno)) }
        guard info.st_size < pointerLimit, info.st_size >= pointerFirstLine.count else { return .success(false) }
        var head = [UInt8](repeating: 0, count: pointerFirstLine.count)
        let count = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { return .failure(FileError(path: path, operation: "read", errno: errno)) }
        return .success(count == head.count && head == pointerFirstLine)
    }

    /// A line reader of the content, never more than `contentSize` + 1 bytes of it (and, compressed, never
    /// more compressed bytes than that content can need). Read failures of a `.zst` file have operation
    /// `decompress` when the stream is wrong.
    public func lineReader(contentSize: Int64, maxLineBytes: Int = 64 * 1024) throws(FileError) -> LineReader {
        precondition(!isPointer, "a Git LFS pointer has no content to read; callers check isPointer first")
        let limit = max(0, contentSize)
        switch form {
        case .plain:
            return try LineReader(regularFile: path, maxLineBytes: maxLineBytes, byteLimit: limit)
        case .zstd:
            let source = try ZstdReader(regularFile: path, compressedLimit: Zstd.storedLimit(contentSize: limit))
            return LineReader(source: source, name: path, maxLineBytes: maxLineBytes, byteLimit: limit)
        }
    }

    /// The whole content, at most `limit` bytes (more is an `EFBIG` error).
    public func read(limit: Int) throws(FileError) -> [UInt8] {
        precondition(!isPointer, "a Git LFS pointer has no content to read; callers check isPointer first")
        switch form {
        case .plain:
            return try Files.readRegular(path, limit: limit)
        case .zstd:
            return try ZstdReader(regularFile: path, compressedLimit: Zstd.storedLimit(contentSize: Int64(limit))).readAll(limit: limit)
        }
    }

    /// Whether a read failure means the compressed stream itself is wrong (`file-encoding`).
    public static func isEncodingFailure(_ error: FileError) -> Bool { error.operation == "decompress" }
}

extension Manifest {
    /// The files holding the bundle's records, in order: `records.jsonl`, or its shards (spec/dataset.md §4.6).
    public var recordFiles: [FileEntry] { files.filter { Self.isRecordsFileName($0.name) } }

    /// Whether `name` is `records.jsonl` or a shard `records-NNNNN.jsonl`.
    public static func isRecordsFileName(_ name: String) -> Bool { name == recordsName || shardNumber(name) != nil }
}

/// Reads a bundle's records, shard after shard, as the files the manifest names: each file's size and
/// SHA-256 are checked as it is read, so a caller that finishes without an error read exactly the signed
/// records. For readers other than the verifier (scores, proofs), which stop at the first problem.
public struct BundleRecordReader {
    public let directory: String
    public let manifest: Manifest
    /// The bundle's directory relative to the dataset, for messages.
    public let base: String

    public init(directory: String, manifest: Manifest, base: String) {
        self.directory = directory
        self.manifest = manifest
        self.base = base
    }

    /// A failure of `scan`: of the files (missing, not fetched, not what the manifest names), or of the caller's body.
    public enum Failure<E: Error>: Error {
        case file(LedgerError)
        case body(E)
    }

    /// Calls `body` with each line of each records file (or of `files`), in order; `file` is the file's name.
    public func forEachLine(files: [Manifest.FileEntry]? = nil,
                            _ body: (_ file: String, _ number: Int, _ line: LineReader.Line) -> Void) throws(LedgerError) {
        do throws(Failure<Never>) {
            try scan(files: files) { (file, number, line) throws(Never) in body(file, number, line) }
        } catch {
            if case .file(let failure) = error { throw failure }
        }
    }

    /// Calls `body` with each line of each records file (or of `files`), in order, until it throws.
    public func scan<E: Error>(files: [Manifest.FileEntry]? = nil,
                               _ body: (_ file: String, _ number: Int, _ line: LineReader.Line) throws(E) -> Void) throws(Failure<E>) {
        for entry in files ?? manifest.recordFiles {
            let stored: StoredFile
            switch StoredFile.locate(entry.name, in: directory) {
            case .success(let found): stored = found
            case .failure(let failure):
                switch failure {
                case .missing, .notFetched: throw .file(LedgerError(.notFound, "\(base): \(failure)"))
                case .unreadable: throw .file(LedgerError(.io, "\(base)/\(entry.name): \(failure)"))
                }
            }
            if stored.isPointer {
                throw .file(LedgerError(.notFound, "\(base)/\(entry.name): \(StoredFile.Failure.notFetched(path: stored.path))"))
            }
            let reader: LineReader
            do { reader = try stored.lineReader(contentSize: entry.size) } catch { throw .file(LedgerError(.io, "\(error)")) }
            let hasher = MessageDigest(.sha256)
            var size: Int64 = 0
            reader.onChunk = { chunk in
                hasher.update(chunk)
                size += Int64(chunk.count)
            }
            do throws(LineReaderError<E>) {
                try reader.forEachLine { (number, line) throws(E) in try body(entry.name, number, line) }
            } catch {
                switch error {
                case .io(let failure): throw .file(LedgerError(.io, "\(base)/\(entry.name): \(failure)"))
                case .body(let failure): throw .body(failure)
                }
            }
            guard size == entry.size, hasher.finalize().hex == entry.sha256 else {
                throw .file(LedgerError(.invalidDocument,
                                        "\(base)/\(entry.name) is not the file the manifest names (size or SHA-256 differs); run assay verify"))
            }
        }
    }
}

/// A published scores document in its stored form (spec/scoring.md §10): `scores.json` or `scores.json.zst`,
/// its content at most the scores cap whichever form holds it.
public enum ScoresDocumentFile {
    public static let name = "scores.json"

    /// What reading a scores document found.
    public enum Content: Sendable, Equatable {
        /// The document's (decompressed) bytes.
        case bytes([UInt8])
        /// A Git LFS pointer stands where the document belongs (not fetched); `path` is the stored file's, relative.
        case notFetched(path: String)
    }

    /// The stored file's name in the scores directory `relative` (of `root`): what findings about the file name.
    public static func storedPath(root: String, relative: String) -> String {
        "\(relative)/\(StoredFile.storedName(name, in: "\(root)/\(relative)"))"
    }

    /// Whether either stored form of the document is a regular file in the scores directory `relative`.
    public static func exists(root: String, relative: String) -> Bool {
        Files.kind("\(root)/\(relative)/\(name)") == .regular || Files.kind("\(root)/\(relative)/\(name)\(StoredFile.compressedSuffix)") == .regular
    }

    /// The document of the scores directory `relative`: its content, or that it was not fetched. A failure to
    /// decompress has operation `decompress` (`StoredFile.isEncodingFailure`); a missing document is `ENOENT`.
    public static func read(root: String, relative: String) throws(FileError) -> Content {
        switch StoredFile.locate(name, in: "\(root)/\(relative)") {
        case .failure(.missing):
            throw FileError(path: "\(root)/\(relative)/\(name)", operation: "open", errno: ENOENT)
        case .failure(.notFetched):
            return .notFetched(path: storedPath(root: root, relative: relative))
        case .failure(.unreadable(let error)):
            throw error
        case .success(let stored):
            if stored.isPointer { return .notFetched(path: storedPath(root: root, relative: relative)) }
            return .bytes(try stored.read(limit: DatasetDirectory.scoresLimit))
        }
    }
}
