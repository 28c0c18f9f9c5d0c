internal import CAssayZlib

/// gzip (RFC 1952) through the system zlib, for HTTP `Content-Encoding: gzip`.
public enum Gzip {
    /// Compresses `bytes` into one gzip member.
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        guard assay_deflate_init_gzip(&stream, level) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
        var input = bytes
        let produced: Int = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                guard deflate(&stream, Z_FINISH) == Z_STREAM_END else { return -1 }
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        guard produced >= 0 else { return [] }
        output.removeSubrange(produced...)
        return output
    }

    /// Compresses the chunks that `input` hands over into one gzip member, in constant memory: the
    /// same bytes as `compress` of the chunks joined (deflate without flushes does not depend on how
    /// its input is split). `output` gets the compressed bytes as they are made; nil when zlib fails.
    public static func compress(level: Int32 = 6, input: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void,
                                output: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        try withoutActuallyEscaping(output) { output in try compress(level: level, input: input, escapingOutput: output) }
    }

    private static func compress(level: Int32, input: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void,
                                 escapingOutput output: @escaping (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        var stream = z_stream()
        guard assay_deflate_init_gzip(&stream, level) == Z_OK else { return false }
        defer { deflateEnd(&stream) }
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 18)
        defer { buffer.deallocate() }
        var failed = false
        func run(_ chunk: UnsafeRawBufferPointer, flush: Int32) throws {
            stream.next_in = UnsafeMutablePointer(mutating: chunk.baseAddress?.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(chunk.count)
            while true {
                stream.next_out = buffer.baseAddress
                stream.avail_out = UInt32(buffer.count)
                let status = deflate(&stream, flush)
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                    failed = true
                    return
                }
                let produced = buffer.count - Int(stream.avail_out)
                if produced > 0 { try output(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[..<produced]))) }
                if flush == Z_FINISH ? status == Z_STREAM_END : stream.avail_in == 0 && stream.avail_out > 0 { return }
            }
        }
        try input { chunk in
            // Inputs above 4 GiB go in pieces (avail_in is 32 bits).
            var rest = chunk
            while !rest.isEmpty && !failed {
                let piece = UnsafeRawBufferPointer(rebasing: rest.prefix(1 << 30))
                try run(piece, flush: Z_NO_FLUSH)
                rest = UnsafeRawBufferPointer(rebasing: rest.dropFirst(piece.count))
            }
        }
        guard !failed else { return false }
        try run(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH)
        return !failed
    }

    /// Decompresses gzip or zlib data, refusing output above `limit` bytes.
    public static func decompress(_ bytes: [UInt8], limit: Int) -> [UInt8]? {
        var stream = z_stream()
        guard assay_inflate_init_auto(&stream) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var input = bytes
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let finished: Bool = input.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = UInt32(inBuffer.count)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { outBuffer -> (Int32, Int) in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = UInt32(outBuffer.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, outBuffer.count - Int(stream.avail_out))
                }
                output.append(contentsOf: chunk[..<produced])
                if output.count > limit { return false }
                if status == Z_STREAM_END { return true }
                if status != Z_OK { return false }
            }
        }
        return finished ? output : nil
    }
}

/// Helpers for HTTP header values.
public enum HTTPHeaderValue {
    /// Whether an Accept-Encoding value (RFC 9110 §12.5.3) accepts gzip:
    /// `gzip`, `x-gzip` or `*` with a q-value above zero.
    public static func acceptsGzip(_ value: String?) -> Bool {
        guard let value else { return false }
        for item in value.split(separator: ",") {
            let parts = item.split(separator: ";").map { String($0).filter { $0 != " " && $0 != "\t" }.lowercased() }
            guard let coding = parts.first, ["gzip", "x-gzip", "*"].contains(coding) else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if quality > 0 { return true }
        }
        return false
    }
}
