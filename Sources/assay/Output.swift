#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser

/// A buffered writer on a file descriptor (1 for standard output), for
/// commands that print one line per record. Flushes at 64 KiB and on `flush()`.
final class BufferedWriter {
    private let descriptor: Int32
    private var buffer: [UInt8] = []

    init(descriptor: Int32 = 1) {
        self.descriptor = descriptor
        buffer.reserveCapacity(1 << 16)
    }

    deinit { flush() }

    func write(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    func line(_ text: String) {
        write(text.utf8)
        write(CollectionOfOne(0x0A))
    }

    func flush() {
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
enum Diagnostics {
    static func print(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }

    /// Writes `text` as is, without a newline.
    static func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }

    /// True when standard error is a terminal (progress is shown only then).
    static var isTerminal: Bool { isatty(2) == 1 }
}

/// A failure whose message is the whole explanation; `assay` exits with status 1.
struct Failure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
