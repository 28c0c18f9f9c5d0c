import AssayCore
import Foundation
import Synchronization

/// A stream of gateway events a follower reads (spec/collector.md §5): bytes
/// addressed by offsets that never change while the stream keeps its identity.
public protocol GatewayEventSource: Sendable {
    /// The key under which the follow state is kept.
    var name: String { get }
    /// The device and inode identifying the stream, and its length; nil when it does not exist yet.
    func status() throws -> (device: Int64, inode: Int64, size: Int64)?
    /// Up to `limit` bytes from `offset`.
    func read(from offset: Int64, limit: Int) throws -> [UInt8]
    /// Everything before `offset` is committed to staging and will not be read again.
    func consumed(before offset: Int64)
}

/// A file the gateway (or a log shipper) appends events to, followed as `tail -F` follows it
/// (`FileTail`): a file rotated away is read to its end before the one the path names now.
public final class GatewayEventFile: GatewayEventSource, Sendable {
    public let path: String
    let tail: Mutex<FileTail>

    public init(path: String) {
        self.path = path
        tail = Mutex(FileTail(path: path))
    }

    public var name: String { path }

    public func status() throws -> (device: Int64, inode: Int64, size: Int64)? {
        try tail.withLock { tail throws(FileError) in
            try tail.advance().map { ($0.identity.device, $0.identity.inode, $0.size) }
        }
    }

    public func read(from offset: Int64, limit: Int) throws -> [UInt8] {
        try tail.withLock { tail throws(FileError) in try tail.read(from: offset, limit: limit) }
    }

    public func consumed(before offset: Int64) {}
}

/// The collector's own spool for events that arrive over HTTP or on standard
/// input (spec/collector.md §5): a directory of segment files forming one
/// stream, each named by the stream offset of its first byte (20 digits,
/// `.jsonl`). Appends are whole lines made durable (fdatasync) before they are
/// acknowledged; a new segment starts once the current one reaches the segment
/// size; segments wholly before the follower's committed checkpoint are deleted.
public final class GatewayEventSpool: GatewayEventSource, Sendable {
    public let directory: String
    let segmentBytes: Int64
    struct Writer {
        var descriptor: Int32
        var start: Int64
        var size: Int64
    }
    let writer: Mutex<Writer>

    public struct SpoolError: Error, CustomStringConvertible {
        public let description: String
        init(_ what: String, _ path: String) { description = "\(what) \(path): \(String(cString: strerror(errno)))" }
        init(description: String) { self.description = description }
    }

    /// Opens (or creates) the spool; a partial last line left by a crash
    /// mid-append was never acknowledged and is cut off.
    public init(directory: String, segmentBytes: Int64 = 16 << 20) throws {
        self.directory = directory
        self.segmentBytes = segmentBytes
        if mkdir(directory, 0o700) != 0 && errno != EEXIST { throw SpoolError("cannot create the event spool", directory) }
        let segments = try Self.segments(directory)
        let start = segments.last ?? 0
        let path = Self.segmentPath(directory, start)
        let descriptor = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SpoolError("cannot open", path) }
        var size = Int64(lseek(descriptor, 0, SEEK_END))
        if size > 0 {
            let tail = try Self.read(path, from: max(0, size - (1 << 20)), limit: 1 << 20)
            let keep = tail.lastIndex(of: 0x0A).map { size - Int64(tail.count - $0 - 1) } ?? (size > 1 << 20 ? size : 0)
            if keep < size {
                guard ftruncate(descriptor, off_t(keep)) == 0, fsync(descriptor) == 0 else { close(descriptor); throw SpoolError("cannot repair", path) }
                size = keep
            }
        }
        try Files.syncDirectory(of: path)
        writer = Mutex(Writer(descriptor: descriptor, start: start, size: size))
    }

    deinit { writer.withLock { _ = close($0.descriptor) } }

    public var name: String { directory }

    /// Appends complete lines (`bytes` must end with a newline) and returns once they are on disk.
    public func append(_ bytes: [UInt8]) throws {
        precondition(bytes.last == 0x0A, "the spool takes whole lines")
        try writer.withLock { (writer: inout Writer) throws in
            if writer.size >= segmentBytes {
                let start = writer.start + writer.size
                let path = Self.segmentPath(directory, start)
                let descriptor = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
                guard descriptor >= 0 else { throw SpoolError("cannot create", path) }
                try Files.syncDirectory(of: path)
                close(writer.descriptor)
                writer = Writer(descriptor: descriptor, start: start, size: 0)
            }
            var written = 0
            while written < bytes.count {
                let count = bytes[written...].withUnsafeBytes { Glibc.write(writer.descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else {
                    // Leave no partial line behind: what was not acknowledged must not join the next append.
                    _ = ftruncate(writer.descriptor, off_t(writer.size))
                    throw SpoolError("cannot append to", Self.segmentPath(directory, writer.start))
                }
                written += count
            }
            guard fdatasync(writer.descriptor) == 0 else {
                _ = ftruncate(writer.descriptor, off_t(writer.size))
                throw SpoolError("cannot sync", Self.segmentPath(directory, writer.start))
            }
            writer.size += Int64(bytes.count)
        }
    }

    public func status() -> (device: Int64, inode: Int64, size: Int64)? {
        var info = stat()
        guard stat(directory, &info) == 0 else { return nil }
        let end = writer.withLock { $0.start + $0.size }
        return (Int64(info.st_dev), Int64(info.st_ino), end)
    }

    public func read(from offset: Int64, limit: Int) throws -> [UInt8] {
        let end = writer.withLock { $0.start + $0.size }
        let starts = try Self.segments(directory)
        var bytes: [UInt8] = []
        for (index, start) in starts.enumerated() where bytes.count < limit {
            let next = index + 1 < starts.count ? starts[index + 1] : end
            guard next > offset + Int64(bytes.count) else { continue }
            let from = offset + Int64(bytes.count) - start
            guard from >= 0 else { break }  // a gap: a segment was deleted while we read
            let want = Int(min(next - start - from, Int64(limit - bytes.count)))
            bytes += try Self.read(Self.segmentPath(directory, start), from: from, limit: want)
        }
        return bytes
    }

    public func consumed(before offset: Int64) {
        let current = writer.withLock { $0.start }
        // A spool that cannot be listed now keeps its segments until a later pass can: deleting less is always safe.
        guard let starts = try? Self.segments(directory) else { return }
        for (index, start) in starts.enumerated() where index + 1 < starts.count && starts[index + 1] <= offset && start < current {
            unlink(Self.segmentPath(directory, start))
        }
    }

    /// The stream offsets of the segments present, ascending.
    static func segments(_ directory: String) throws -> [Int64] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw SpoolError(description: "cannot list the event spool \(directory): \(error.localizedDescription)")
        }
        return names.compactMap { name -> Int64? in
            guard name.count == 26, name.hasSuffix(".jsonl"), name.prefix(20).allSatisfy(\.isASCII) else { return nil }
            return Int64(name.prefix(20))
        }.sorted()
    }

    static func segmentPath(_ directory: String, _ start: Int64) -> String {
        let digits = String(start)
        return "\(directory)/\(String(repeating: "0", count: max(0, 20 - digits.count)))\(digits).jsonl"
    }

    /// Up to `limit` bytes of the segment at `path` from `offset` (fewer at its end).
    static func read(_ path: String, from offset: Int64, limit: Int) throws -> [UInt8] {
        do { return try FileTail.read(path, from: offset, limit: limit) } catch { throw SpoolError("cannot read", path) }
    }
}
