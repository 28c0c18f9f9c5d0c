#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import AssayCore
import AssayLedger
import Synchronization

/// A buffered writer on a file descriptor (1 for standard output), for
/// commands that print one line per record. Flushes at 64 KiB and on `flush()`.
public final class BufferedWriter {
    private let descriptor: Int32
    private var buffer: [UInt8] = []

    public init(descriptor: Int32 = 1) {
        self.descriptor = descriptor
        buffer.reserveCapacity(1 << 16)
    }

    deinit { flush() }

    public func write(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    public func line(_ text: String) {
        write(text.utf8)
        write(CollectionOfOne(0x0A))
    }

    public func flush() {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { break }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Messages on standard error, unbuffered.
public enum Diagnostics {
    public static func print(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }

    /// Writes a line to standard output at once, bypassing buffers (for lines
    /// other programs wait for, such as the addresses a server listens on).
    public static func printToStandardOutput(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
    }

    /// Writes `text` as is, without a newline.
    public static func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }

    /// True when standard error is a terminal (progress is shown only then).
    public static var isTerminal: Bool { isatty(2) == 1 }
}

/// A failure whose message is the whole explanation; `assay` exits with status 1.
public struct Failure: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// A one-line progress display on a terminal; silent otherwise (in a pipe or a log).
public final class ProgressLine: Sendable {
    let enabled: Bool
    private let last = Mutex<Int64>(0)

    public init(enabled: Bool) { self.enabled = enabled }

    public func update(_ text: String) {
        guard enabled else { return }
        let now = WallClock.nowMilliseconds
        let due = last.withLock { previous -> Bool in
            guard now - previous >= 100 else { return false }
            previous = now
            return true
        }
        if due { Diagnostics.write("\r\u{1B}[K\(text)") }
    }

    public func finish() { if enabled { Diagnostics.write("\r\u{1B}[K") } }
}
