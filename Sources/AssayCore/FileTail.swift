#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file read as `tail -F` reads it, by a reader that commits how far it got: the exporter's
/// `ingest FILE` (spec/exporter.md §4) and the collector's gateway-event files (spec/collector.md
/// §5) both read through it.
///
/// The file is named by its path and known by its identity (device and inode); offsets stay valid
/// while the identity does. A reader that saved (identity, offset) resumes there (`resumeOffset`);
/// a file that was replaced (the path names another identity) or truncated (shorter than the
/// offset) is read again from its start. The tail keeps the file it opened, so a file that is
/// rotated away is read to its end before the one the path now names is taken (`advance`).
public final class FileTail {
    /// Which file: what `stat` calls its device and inode.
    public struct Identity: Equatable, Sendable {
        public let device: Int64
        public let inode: Int64
        public init(device: Int64, inode: Int64) {
            self.device = device
            self.inode = inode
        }
    }

    /// The open file's identity and its size now.
    public struct Status: Equatable, Sendable {
        public let identity: Identity
        public let size: Int64
        public init(identity: Identity, size: Int64) {
            self.identity = identity
            self.size = size
        }
    }

    public let path: String
    private var descriptor: Int32 = -1
    /// The open file's identity, once opened.
    public private(set) var identity: Identity?
    /// The end of the latest read, as an offset of the open file.
    private var readEnd: Int64 = 0

    public init(path: String) { self.path = path }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Where a reader resumes in a file with `status`: the saved offset when it is this file and the
    /// file is at least that long; otherwise its start (a replaced or truncated file is read again).
    public static func resumeOffset(saved: (identity: Identity, offset: Int64)?, status: Status) -> Int64 {
        guard let saved, continues(saved, status: status) else { return 0 }
        return saved.offset
    }

    /// Whether a position saved in a file still holds for the file with `status`: the same file, at least that long.
    public static func continues(_ saved: (identity: Identity, offset: Int64), status: Status) -> Bool {
        saved.identity == status.identity && saved.offset >= 0 && saved.offset <= status.size
    }

    /// The open file's status, opening the file the path names when none is open; nil when there is
    /// no file yet. Once the open file was replaced at the path and read to its end, or truncated,
    /// the file the path names now is opened instead (so its identity changes).
    public func advance() throws(FileError) -> Status? {
        if descriptor >= 0, let status = try openStatus() {
            let replaced = Self.status(of: path).map { $0.identity != status.identity } ?? true
            let drained = readEnd >= status.size
            guard (replaced && drained) || status.size < readEnd else { return status }
            close(descriptor)
            descriptor = -1
            identity = nil
        }
        let opened = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard opened >= 0 else {
            if errno == ENOENT { return nil }
            throw FileError(path: path, operation: "open", errno: errno)
        }
        descriptor = opened
        readEnd = 0
        guard let status = try openStatus() else { return nil }
        identity = status.identity
        return status
    }

    /// Up to `limit` bytes of the open file from `offset` (fewer at its end); none when no file is open.
    public func read(from offset: Int64, limit: Int) throws(FileError) -> [UInt8] {
        guard descriptor >= 0, offset >= 0, limit > 0 else { return [] }
        let bytes = try Self.read(descriptor: descriptor, path: path, from: offset, limit: limit)
        readEnd = offset + Int64(bytes.count)
        return bytes
    }

    private func openStatus() throws(FileError) -> Status? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileError(path: path, operation: "stat", errno: errno) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw FileError(path: path, operation: "open", errno: EINVAL, detail: "not a regular file")
        }
        return Status(identity: Identity(device: Int64(info.st_dev), inode: Int64(info.st_ino)), size: Int64(info.st_size))
    }

    /// What the path names now; nil when nothing.
    public static func status(of path: String) -> Status? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Status(identity: Identity(device: Int64(info.st_dev), inode: Int64(info.st_ino)), size: Int64(info.st_size))
    }

    /// Up to `limit` bytes of the file at `path` from `offset` (fewer at its end), opened for this read only.
    public static func read(_ path: String, from offset: Int64, limit: Int) throws(FileError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { throw FileError(path: path, operation: "open", errno: errno) }
        defer { close(descriptor) }
        return try read(descriptor: descriptor, path: path, from: offset, limit: limit)
    }

    static func read(descriptor: Int32, path: String, from offset: Int64, limit: Int) throws(FileError) -> [UInt8] {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileError(path: path, operation: "stat", errno: errno) }
        let count = Int(max(0, min(Int64(limit), Int64(info.st_size) - offset)))
        var bytes = [UInt8](repeating: 0, count: count)
        var total = 0
        while total < count {
            let got = bytes[total...].withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset) + off_t(total)) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw FileError(path: path, operation: "read", errno: errno) }
            if got == 0 { break }
            total += got
        }
        bytes.removeSubrange(total...)
        return bytes
    }
}
