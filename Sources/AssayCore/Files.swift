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
    public static func read(_ path: String, limit: Int = 1 << 30) throws(FileError) -> [UInt8] {
        let fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: path, operation: "open", errno: errno) }
        defer { if fd != 0 { close(fd) } }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, operation: "read", errno: errno)
            }
            if count == 0 { return output }
            output.append(contentsOf: chunk[..<count])
            if output.count > limit { throw FileError(path: path, operation: "read (file larger than \(limit) bytes)", errno: EFBIG) }
        }
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
        syncDirectory(of: path)
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
        var offset = 0
        while offset < contents.count {
            let written = contents.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, operation: "write", errno: errno)
            }
            offset += written
        }
    }

    /// fsyncs the directory that holds `path`, so a rename or creation in it is durable.
    public static func syncDirectory(of path: String) {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let fd = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}
