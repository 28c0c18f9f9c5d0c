#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small, careful file operations: whole-file reads, exclusive creation
/// with a mode, and atomic replacement (write a temporary name, fsync,
/// rename, fsync the directory) so a crash leaves the old or the new file.
public enum Files {
    /// The whole content of `path` (`-` reads standard input).
    /// The whole content of `path` (`-` reads standard input), at most `limit` bytes. A path may be
    /// a symbolic link (configuration files often are), but what it names must be a regular file.
    public static func read(_ path: String, limit: Int = 1 << 30) throws(FileError) -> [UInt8] {
        if path == "-" { return try readAll(0, path: "<stdin>", limit: limit) }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw FileError(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileError(path: path, operation: "stat", errno: errno) }
        let found = kind(mode: info.st_mode)
        guard found == .regular else {
            throw FileError(path: path, operation: "open", errno: EINVAL, detail: "it is a \(found.rawValue), not a regular file")
        }
        return try readAll(fd, path: path, limit: limit)
    }

    /// What is at a path, without following a symbolic link there (`lstat`).
    public enum Kind: String, Sendable {
        case regular, directory
        case symbolicLink = "symbolic link"
        case fifo = "FIFO"
        case device
        case socket
        case other
    }

    /// The kind of `path` itself (a link is not followed); nil when nothing is there.
    public static func kind(_ path: String) -> Kind? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return kind(mode: info.st_mode)
    }

    static func kind(mode: mode_t) -> Kind {
        switch mode & S_IFMT {
        case S_IFREG: .regular
        case S_IFDIR: .directory
        case S_IFLNK: .symbolicLink
        case S_IFIFO: .fifo
        case S_IFCHR, S_IFBLK: .device
        case S_IFSOCK: .socket
        default: .other
        }
    }

    /// Opens a regular file for reading: a symbolic link, FIFO, device, socket or directory is
    /// refused without reading (O_NOFOLLOW, O_NONBLOCK so a FIFO cannot block the open, then fstat).
    public static func openRegular(_ path: String) throws(FileError) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP { throw FileError(path: path, operation: "open", errno: code, detail: "it is a symbolic link") }
            throw FileError(path: path, operation: "open", errno: code)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw FileError(path: path, operation: "stat", errno: code)
        }
        let found = kind(mode: info.st_mode)
        guard found == .regular else {
            close(fd)
            throw FileError(path: path, operation: "open", errno: EINVAL, detail: "it is a \(found.rawValue), not a regular file")
        }
        return fd
    }

    /// The whole content of a regular file of at most `limit` bytes: a symbolic link, FIFO,
    /// device, socket or directory is refused, and reading stops at `limit` + 1 bytes.
    public static func readRegular(_ path: String, limit: Int) throws(FileError) -> [UInt8] {
        let fd = try openRegular(path)
        defer { close(fd) }
        return try readAll(fd, path: path, limit: limit)
    }

    static func readAll(_ fd: Int32, path: String, limit: Int) throws(FileError) -> [UInt8] {
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let want = min(chunk.count, limit + 1 - output.count)
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, want) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, operation: "read", errno: errno)
            }
            if count == 0 { return output }
            output.append(contentsOf: chunk[..<count])
            if output.count > limit { throw FileError(path: path, operation: "read", errno: EFBIG, detail: "larger than \(limit) bytes") }
        }
    }

    /// One entry of a directory, with its own kind (links not followed).
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let kind: Kind
    }

    /// The entries of a directory (without `.` and `..`), sorted by the bytes of their names;
    /// a directory that exists but cannot be read is an error, never an empty list. At most
    /// `limit` entries are read: a directory with more is refused.
    public static func entries(_ path: String, limit: Int = 1_000_000) throws(FileError) -> [Entry] {
        guard let directory = opendir(path) else { throw FileError(path: path, operation: "list", errno: errno) }
        defer { closedir(directory) }
        var result: [Entry] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw FileError(path: path, operation: "list", errno: errno) }
                break
            }
            // readdir(3) may return a record shorter than `struct dirent`: read the name through a
            // pointer up to its NUL, never by copying the struct (found by the tree fuzz target).
            let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
            let name = String(cString: UnsafeRawPointer(entry).advanced(by: offset).assumingMemoryBound(to: CChar.self))
            if name == "." || name == ".." { continue }
            guard result.count < limit else {
                throw FileError(path: path, operation: "list", errno: EFBIG, detail: "more than \(limit) entries")
            }
            result.append(Entry(name: name, kind: kind("\(path)/\(name)") ?? .other))
        }
        return result.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    /// Calls `body` with successive chunks of `path` (`-` for standard input), in constant memory.
    public static func stream(_ path: String, _ body: (UnsafeRawBufferPointer) -> Void) throws(FileError) {
        let fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: path, operation: "open", errno: errno) }
        defer { if fd != 0 { close(fd) } }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, operation: "read", errno: errno)
            }
            if count == 0 { return }
            body(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// Creates `path` with `mode`, failing if it exists (O_EXCL), writes and fsyncs it.
    public static func createExclusive(_ path: String, contents: [UInt8], mode: mode_t) throws(FileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileError(path: path, operation: "create", errno: errno) }
        defer { close(fd) }
        try writeAll(fd, contents, path: path)
        // The umask may have narrowed the mode; set it exactly.
        guard fchmod(fd, mode) == 0 else { throw FileError(path: path, operation: "chmod", errno: errno) }
        guard fsync(fd) == 0 else { throw FileError(path: path, operation: "fsync", errno: errno) }
    }

    /// Replaces `path` atomically with `contents`.
    public static func writeAtomically(_ path: String, contents: [UInt8], mode: mode_t = 0o644) throws(FileError) {
        let temporary = "\(path).tmp-\(getpid())"
        unlink(temporary)
        try createExclusive(temporary, contents: contents, mode: mode)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw FileError(path: path, operation: "rename", errno: code)
        }
        try syncDirectory(of: path)
    }

    /// Whether something exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// The permission bits of `path`.
    public static func mode(_ path: String) throws(FileError) -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileError(path: path, operation: "stat", errno: errno) }
        return info.st_mode & 0o7777
    }

    static func writeAll(_ fd: Int32, _ contents: [UInt8], path: String) throws(FileError) {
        let result = contents.withUnsafeBytes { bytes in Result { () throws(FileError) in try writeAll(fd, bytes, path: path) } }
        try result.get()
    }

    /// Writes all of `bytes` to `fd` (`path` names it in errors), retrying short and interrupted writes.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(FileError) {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, operation: "write", errno: errno)
            }
            offset += written
        }
    }

    /// fsyncs the directory that holds `path`, so a rename or creation in it is durable; a
    /// directory that cannot be opened or synced is an error (the write is not known to be durable).
    public static func syncDirectory(of path: String) throws(FileError) {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let name = directory.isEmpty ? "/" : directory
        let fd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: name, operation: "open to fsync", errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw FileError(path: name, operation: "fsync", errno: errno) }
    }
}
