#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AssayCore
import CAssayZstd

/// Zstandard (RFC 8878) through the system's libzstd: the stored form of a
/// dataset's large files (spec/dataset.md §4.7). Compression is transport
/// only: nothing signed ever depends on the compressed bytes, so this module
/// needs no guarantee that two libzstd versions compress alike.
public enum Zstd {
    /// The largest window a verifier accepts (2²³ bytes, 8 MiB): every level up to 19 stays within it.
    public static let maxWindowLog: Int32 = 23
    /// The levels `compress` takes: those whose window stays within `maxWindowLog`.
    public static let levels: ClosedRange<Int32> = 1...19

    /// The most compressed bytes a verifier reads for `contentSize` bytes of content: more than zstd can
    /// need (its bound is about size / 256 more), so an honest file always fits (spec/dataset.md §4.7).
    public static func storedLimit(contentSize: Int64) -> Int64 {
        let size = max(0, contentSize)
        let (sum, overflow) = size.addingReportingOverflow(size / 128 + 131_072)
        return overflow ? .max : sum
    }

    /// `bytes` as one frame with its content size and checksum, at `level` (1…19).
    public static func compress(_ bytes: UnsafeRawBufferPointer, level: Int32 = 9) -> [UInt8] {
        precondition(levels.contains(level), "zstd level \(level) is outside \(levels); the caller chose it, not the data")
        guard let context = ZSTD_createCCtx() else { preconditionFailure("libzstd could not allocate a compression context") }
        defer { ZSTD_freeCCtx(context) }
        for (parameter, value) in [(ZSTD_c_compressionLevel, level), (ZSTD_c_checksumFlag, 1)] {
            let code = ZSTD_CCtx_setParameter(context, parameter, value)
            precondition(ZSTD_isError(code) == 0, "libzstd refused a parameter: \(String(cString: ZSTD_getErrorName(code)))")
        }
        let bound = ZSTD_compressBound(bytes.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { destination in
            ZSTD_compress2(context, destination.baseAddress, bound, bytes.baseAddress, bytes.count)
        }
        // With an output of compressBound bytes, compression fails only when memory does.
        precondition(ZSTD_isError(written) == 0, "libzstd could not compress: \(String(cString: ZSTD_getErrorName(written)))")
        output.removeLast(bound - written)
        return output
    }

    public static func compress(_ bytes: [UInt8], level: Int32 = 9) -> [UInt8] {
        bytes.withUnsafeBytes { compress($0, level: level) }
    }

    /// Decompresses all of `bytes` (tests and small files), refusing more than `limit` bytes of output.
    public static func decompress(_ bytes: [UInt8], limit: Int, name: String = "<memory>") throws(FileError) -> [UInt8] {
        try ZstdReader(bytes: bytes, name: name).readAll(limit: limit)
    }
}

/// Decompresses a Zstandard stream (one or more frames) in constant memory, as a `LineSource`: reads
/// the compressed file in chunks, never more than `compressedLimit` bytes plus one, and refuses a
/// frame that needs a window over 8 MiB, a corrupt or truncated stream, and a failed checksum.
/// Failures are `FileError`s with operation `decompress` (the stream is wrong) or `read` (the file).
public final class ZstdReader: LineSource {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let memory: [UInt8]?
    private var memoryOffset = 0
    public let name: String
    private let compressedLimit: Int64
    private let context: OpaquePointer
    private let input: UnsafeMutableRawBufferPointer
    private var inputStart = 0, inputEnd = 0
    private var inputAtEnd = false
    /// Compressed bytes read so far.
    public private(set) var compressedBytes: Int64 = 0
    /// libzstd's last answer: 0 when a frame has just ended (the stream may end there), else more is due.
    private var pending = 1

    /// Opens a regular file of a dataset (spec/dataset.md §8.1): no symbolic link, FIFO or device.
    public init(regularFile path: String, compressedLimit: Int64) throws(FileError) {
        descriptor = try Files.openRegular(path)
        ownsDescriptor = true
        memory = nil
        name = path
        self.compressedLimit = compressedLimit
        (context, input) = Self.makeContext()
    }

    init(bytes: [UInt8], name: String) {
        descriptor = -1
        ownsDescriptor = false
        memory = bytes
        self.name = name
        compressedLimit = .max
        (context, input) = Self.makeContext()
    }

    private static func makeContext() -> (OpaquePointer, UnsafeMutableRawBufferPointer) {
        guard let context = ZSTD_createDCtx() else { preconditionFailure("libzstd could not allocate a decompression context") }
        let code = ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, Zstd.maxWindowLog)
        precondition(ZSTD_isError(code) == 0, "libzstd refused windowLogMax: \(String(cString: ZSTD_getErrorName(code)))")
        return (context, UnsafeMutableRawBufferPointer.allocate(byteCount: ZSTD_DStreamInSize(), alignment: 16))
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
        ZSTD_freeDCtx(context)
        input.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileError) -> Int {
        guard buffer.count > 0 else { return 0 }
        var output = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
        while true {
            // Between frames with no input there is nothing to decode (and libzstd would ask for the next frame).
            if inputStart < inputEnd || pending != 0 {
                var source = ZSTD_inBuffer(src: input.baseAddress! + inputStart, size: inputEnd - inputStart, pos: 0)
                let code = ZSTD_decompressStream(context, &output, &source)
                inputStart += source.pos
                if ZSTD_isError(code) != 0 {
                    throw FileError(path: name, operation: "decompress", errno: EILSEQ,
                                    detail: "not a valid Zstandard stream: \(String(cString: ZSTD_getErrorName(code)))")
                }
                pending = code
                if output.pos > 0 { return output.pos }
                if inputStart < inputEnd {
                    // Input consumed without output (frame headers, skippable frames): go on, unless nothing moved.
                    if source.pos == 0 {
                        throw FileError(path: name, operation: "decompress", errno: EILSEQ, detail: "the Zstandard stream makes no progress")
                    }
                    continue
                }
            }
            if inputAtEnd {
                guard pending == 0 else {
                    throw FileError(path: name, operation: "decompress", errno: EILSEQ,
                                    detail: compressedBytes == 0 ? "is empty: no Zstandard frame" : "the Zstandard stream is truncated")
                }
                return 0
            }
            try refill()
        }
    }

    /// The whole content, refusing more than `limit` bytes of it (an `EFBIG` error).
    public func readAll(limit: Int) throws(FileError) -> [UInt8] {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { chunk.deallocate() }
        var content: [UInt8] = []
        while true {
            let count = try read(into: chunk)
            if count == 0 { return content }
            content.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            if content.count > limit {
                throw FileError(path: name, operation: "read", errno: EFBIG, detail: "decompresses to more than \(limit) bytes")
            }
        }
    }

    private func refill() throws(FileError) {
        inputStart = 0
        inputEnd = 0
        // At most one byte past the limit, to tell that there is more (no overflow at a limit of Int64.max).
        let remaining = compressedLimit - compressedBytes
        let room = remaining >= Int64(input.count) ? input.count : Int(remaining) + 1
        var count = 0
        if let memory {
            count = min(room, memory.count - memoryOffset)
            memory.withUnsafeBytes { input.baseAddress!.copyMemory(from: $0.baseAddress! + memoryOffset, byteCount: count) }
            memoryOffset += count
        } else {
            while true {
                count = systemRead(descriptor, input.baseAddress!, room)
                if count >= 0 { break }
                if errno != EINTR { throw FileError(path: name, operation: "read", errno: errno) }
            }
        }
        compressedBytes += Int64(count)
        if compressedBytes > compressedLimit {
            throw FileError(path: name, operation: "read", errno: EFBIG,
                            detail: "its compressed form is larger than the \(compressedLimit) bytes its content can need")
        }
        if count == 0 { inputAtEnd = true }
        inputEnd = count
    }
}

#if canImport(Glibc)
private let systemRead = Glibc.read
#elseif canImport(Darwin)
private let systemRead = Darwin.read
#endif

/// Compresses a stream of bytes into a file as one Zstandard frame (content checksum on), in constant memory:
/// for exports (spec/export.md), which are too large to hold compressed in memory.
public final class ZstdWriter {
    private var descriptor: Int32
    public let path: String
    private let context: OpaquePointer
    private let output: UnsafeMutableRawBufferPointer
    /// Compressed bytes written so far.
    public private(set) var bytesWritten: Int64 = 0

    /// Creates (or truncates) `path`; `workers` > 0 compresses on that many threads where libzstd can.
    public init(path: String, level: Int32 = 9, workers: Int = 0) throws(FileError) {
        precondition(Zstd.levels.contains(level), "zstd level \(level) is outside \(Zstd.levels); the caller chose it, not the data")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(path: path, operation: "create", errno: errno) }
        guard let context = ZSTD_createCCtx() else { preconditionFailure("libzstd could not allocate a compression context") }
        for (parameter, value) in [(ZSTD_c_compressionLevel, level), (ZSTD_c_checksumFlag, 1)] {
            let code = ZSTD_CCtx_setParameter(context, parameter, value)
            precondition(ZSTD_isError(code) == 0, "libzstd refused a parameter: \(String(cString: ZSTD_getErrorName(code)))")
        }
        // A libzstd built without threads refuses workers: it then compresses on this thread, the same format.
        if workers > 0 { _ = ZSTD_CCtx_setParameter(context, ZSTD_c_nbWorkers, Int32(workers)) }
        descriptor = fd
        self.path = path
        self.context = context
        output = UnsafeMutableRawBufferPointer.allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 16)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        ZSTD_freeCCtx(context)
        output.deallocate()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        while input.pos < input.size {
            _ = try step(&input, ZSTD_e_continue)
        }
    }

    public func write(_ bytes: [UInt8]) throws(FileError) {
        // withUnsafeBytes rethrows untyped: the failure is carried out as a value.
        let failure: FileError? = bytes.withUnsafeBytes { buffer in
            do throws(FileError) { try write(buffer) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// Ends the frame, syncs and closes the file.
    public func finish() throws(FileError) {
        var input = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
        while try step(&input, ZSTD_e_end) != 0 {}
        guard fsync(descriptor) == 0 else { throw FileError(path: path, operation: "fsync", errno: errno) }
        close(descriptor)
        descriptor = -1
    }

    /// One call of the compressor, its output written; returns what libzstd says remains to flush.
    private func step(_ input: inout ZSTD_inBuffer, _ directive: ZSTD_EndDirective) throws(FileError) -> Int {
        guard descriptor >= 0 else { throw FileError(path: path, operation: "write", errno: EBADF, detail: "the stream is finished") }
        var out = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let remaining = ZSTD_compressStream2(context, &out, &input, directive)
        guard ZSTD_isError(remaining) == 0 else {
            throw FileError(path: path, operation: "compress", errno: EIO, detail: String(cString: ZSTD_getErrorName(remaining)))
        }
        try Files.writeAll(descriptor, UnsafeRawBufferPointer(rebasing: output[0..<out.pos]), path: path)
        bytesWritten += Int64(out.pos)
        return remaining
    }
}
