import AssayCore
import AssayHTTP
import AssayTestSupport
import Foundation
import Testing

/// gzip through the system zlib: compressing a stream of chunks gives the bytes of compressing them
/// at once, whatever the chunks, and the system's gzip reads it back.
@Suite("gzip")
struct GzipTests {
    /// About 3 MB that compresses the way a records database does: repeated structure, varying values.
    static func input() -> [UInt8] {
        var generator = SplitMix64(seed: 11)
        var bytes: [UInt8] = []
        while bytes.count < 3_000_000 {
            bytes += Array(#"{"kind":"live_session","orchestrator":"0x\#(generator.next() % 64)","e2e_latency_ms":\#(generator.next() % 5000)}"#.utf8)
            bytes += (0..<Int(generator.next() % 40)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        }
        return bytes
    }

    @Test("compressing chunks of any sizes gives the one-shot bytes; gzip -dc reads them back")
    func streamed() throws {
        let input = Self.input()
        let whole = Gzip.compress(input, level: 6)
        #expect(!whole.isEmpty)
        var generator = SplitMix64(seed: 12)
        for maximum in [1, 100, 65_536, 1 << 20, input.count] {
            var output: [UInt8] = []
            let ok = try Gzip.compress(level: 6, input: { chunk in
                var start = 0
                while start < input.count {
                    let end = min(input.count, start + 1 + Int(generator.next() % UInt64(maximum)))
                    try input[start..<end].withUnsafeBytes { try chunk($0) }
                    start = end
                }
            }, output: { output += $0 })
            #expect(ok)
            #expect(output == whole, "chunks of at most \(maximum) bytes")
        }
        let directory = try TemporaryDirectory()
        try directory.write("input.gz", bytes: whole)
        let gzip = try Command.run("/usr/bin/env", ["gzip", "-dc", directory.file("input.gz")])
        try #require(gzip.status == 0, "\(gzip.stderr)")
        #expect(gzip.stdoutBytes == input)
    }
}
