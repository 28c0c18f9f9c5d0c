#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file or stream as lines separated by `\n`, in constant memory:
/// one buffer, refilled with `read(2)`, lines handed out in place. A line
/// longer than the limit is reported and skipped, and reading goes on.
public final class LineReader {
    /// One line, valid only during the callback.
    public enum Line {
        /// The bytes of the line, without `\n`.
        case bytes(UnsafeRawBufferPointer)
        /// The line was longer than the limit; `length` counts the bytes seen.
        case tooLong(length: Int)
    }

    private let descriptor: Int32
    private let ownsDescriptor: Bool
    /// Where the bytes come from instead of `descriptor` (a decompressor), when set.
    private let source: (any LineSource)?
    private let maxLineBytes: Int
    /// Where the data comes from, for messages.
    public let name: String
    /// Called with every chunk exactly as read, before its lines are handed
    /// out (to hash a file in the same pass that reads its lines).
    public var onChunk: ((UnsafeRawBufferPointer) -> Void)?
    /// Whether the data ended with `\n` (or was empty); known after `forEachLine`.
    public private(set) var endsWithNewline = true

    /// Reads from an open descriptor (for example 0, standard input), which stays open.
    public init(fileDescriptor: Int32, name: String, maxLineBytes: Int = 64 * 1024) {
        descriptor = fileDescriptor
        ownsDescriptor = false
        source = nil
        self.maxLineBytes = maxLineBytes
        self.name = name
    }

    /// Stops reading after this many bytes plus one: the caller learns the file is larger than it
    /// may be without reading it all (a `/dev/zero` in a dataset is refused, never read to its end).
    public var byteLimit: Int64?
    /// Bytes read so far.
    public private(set) var bytesRead: Int64 = 0
    /// Whether reading stopped at `byteLimit`.
    public private(set) var exceededLimit = false

    /// Opens a regular file of a dataset: not through a symbolic link, not a device, FIFO,
    /// socket or directory (spec/dataset.md §8.1), and never blocking on open.
    public init(regularFile path: String, maxLineBytes: Int = 64 * 1024, byteLimit: Int64) throws(FileError) {
        descriptor = try Files.openRegular(path)
        ownsDescriptor = true
        source = nil
        name = path
        self.maxLineBytes = maxLineBytes
        self.byteLimit = byteLimit
    }

    /// Reads what `source` produces (decompressed bytes, for example), at most `byteLimit` bytes plus one.
    public init(source: any LineSource, name: String, maxLineBytes: Int = 64 * 1024, byteLimit: Int64?) {
        descriptor = -1
        ownsDescriptor = false
        self.source = source
        self.name = name
        self.maxLineBytes = maxLineBytes
        self.byteLimit = byteLimit
    }

    /// Opens `path` for reading; `-` means standard input.
    public init(path: String, maxLineBytes: Int = 64 * 1024) throws(FileError) {
        source = nil
        if path == "-" {
            descriptor = 0
            ownsDescriptor = false
            name = "<stdin>"
        } else {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw FileError(path: path, operation: "open", errno: errno) }
            descriptor = fd
            ownsDescriptor = true
            name = path
        }
        self.maxLineBytes = maxLineBytes
    }

    deinit { if ownsDescriptor { close(descriptor) } }

    /// Calls `body` with each line and its 1-based number. A final line
    /// without `\n` is delivered too. Stops early if `body` throws.
    public func forEachLine<E: Error>(_ body: (_ number: Int, _ line: Line) throws(E) -> Void) throws(LineReaderError<E>) {
        let capacity = max(1 << 20, maxLineBytes * 2)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var start = 0  // first byte of the current (unfinished) line
        var end = 0  // one past the last valid byte
        var number = 0
        var skipping = 0  // > 0 while discarding an over-long line: bytes seen so far
        var atEOF = false
        while true {
            // Hand out every complete line in [start, end).
            var scan = start
            while let newline = Self.findNewline(buffer, from: scan, to: end) {
                number += 1
                do {
                    if skipping > 0 {
                        try body(number, .tooLong(length: skipping + newline - start))
                        skipping = 0
                    } else if newline - start > maxLineBytes {
                        try body(number, .tooLong(length: newline - start))
                    } else {
                        try body(number, .bytes(UnsafeRawBufferPointer(rebasing: buffer[start..<newline])))
                    }
                } catch { throw .body(error) }
                start = newline + 1
                scan = start
            }
            if atEOF {
                if end > start || skipping > 0 {
                    number += 1
                    do {
                        if skipping > 0 || end - start > maxLineBytes {
                            try body(number, .tooLong(length: skipping + end - start))
                        } else {
                            try body(number, .bytes(UnsafeRawBufferPointer(rebasing: buffer[start..<end])))
                        }
                    } catch { throw .body(error) }
                }
                return
            }
            // Keep the unfinished line; drop it (counting) if it already exceeds the limit.
            if end - start > maxLineBytes {
                skipping += end - start
                start = end
            }
            if start > 0 {
                let remaining = end - start
                if remaining > 0 {
                    buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: remaining)
                }
                start = 0
                end = remaining
            }
            var want = capacity - end
            if let byteLimit { want = Int(min(Int64(want), max(0, byteLimit + 1 - bytesRead))) }
            let count: Int
            if want == 0 {
                count = 0
            } else if let source {
                do { count = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer.baseAddress! + end, count: want)) } catch { throw .io(error) }
            } else {
                count = read(descriptor, buffer.baseAddress! + end, want)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw .io(FileError(path: name, operation: "read", errno: errno))
                }
            }
            bytesRead += Int64(count)
            if let byteLimit, bytesRead > byteLimit {
                // The lines completed within the first `byteLimit` bytes are handed out; then the
                // file is reported too large (the same lines whatever the read sizes were).
                exceededLimit = true
                end += count - Int(bytesRead - byteLimit)
                var scan = start
                while let newline = Self.findNewline(buffer, from: scan, to: end) {
                    number += 1
                    do {
                        if skipping > 0 {
                            try body(number, .tooLong(length: skipping + newline - start))
                            skipping = 0
                        } else if newline - start > maxLineBytes {
                            try body(number, .tooLong(length: newline - start))
                        } else {
                            try body(number, .bytes(UnsafeRawBufferPointer(rebasing: buffer[start..<newline])))
                        }
                    } catch { throw .body(error) }
                    start = newline + 1
                    scan = start
                }
                throw .io(FileError(path: name, operation: "read", errno: EFBIG, detail: "larger than \(byteLimit) bytes"))
            }
            if count == 0 {
                atEOF = true
            } else {
                onChunk?(UnsafeRawBufferPointer(start: buffer.baseAddress! + end, count: count))
                endsWithNewline = buffer[end + count - 1] == 0x0A
                end += count
            }
        }
    }

    private static func findNewline(_ buffer: UnsafeMutableRawBufferPointer, from: Int, to: Int) -> Int? {
        guard from < to else { return nil }
        guard let found = memchr(buffer.baseAddress! + from, 0x0A, to - from) else { return nil }
        return buffer.baseAddress!.distance(to: found)
    }
}

/// Bytes for a `LineReader` from somewhere other than a descriptor: `read` fills a prefix of `buffer`
/// and returns its length, 0 at the end; a failure is a `FileError` naming the file and the operation.
public protocol LineSource: AnyObject {
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileError) -> Int
}

/// A failure while reading lines: of the file, or of the caller's callback.
public enum LineReaderError<E: Error>: Error {
    case io(FileError)
    case body(E)
}

/// A file system call that failed, with the path and the system's reason.
public struct FileError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let operation: String
    public let code: Int32
    /// Why, when it is not the system's text for `code` (a symlink, a device, a size over the limit).
    public let detail: String?

    public init(path: String, operation: String, errno code: Int32) {
        self.path = path
        self.operation = operation
        self.code = code
        detail = nil
    }

    public init(path: String, operation: String, errno code: Int32, detail: String) {
        self.path = path
        self.operation = operation
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(path): cannot \(operation): \(detail ?? String(cString: strerror(code)))" }
}
