import AssayConfiguration
import AssayCore
@testable import AssayExporter
import AssayTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// The exporter's two routers in process (HummingbirdTesting, no sockets) over a real SQLite store:
/// ingest answers each kind of bad input with its status and code and keeps the good lines;
/// scraping pages every record once, in order, and names a bad parameter. What needs a process
/// (kill -9, signals, timeouts, connection limits) stays in AssayCLITests.
@Suite("exporter routes")
struct ExporterRoutesTests {
    let directory: TemporaryDirectory
    let server: ExporterServer

    init() throws {
        directory = try TemporaryDirectory()
        let configuration = try ExporterConfiguration(yaml: "store: exporter.sqlite\nlimits:\n  max_body_bytes: 256KiB\n", relativeTo: directory.path)
        server = try ExporterServer(configuration: configuration, logger: Logger(label: "exporter-routes-test"))
    }

    static func json(_ buffer: ByteBuffer) throws -> JSONValue {
        try JSONParser(limits: .init(maxDepth: 16, maxBytes: 64 << 20)).parse(Array(buffer.readableBytesView))
    }

    /// POSTs `body` to /v1/ingest: the status and the report.
    func ingest(_ body: [UInt8]) async throws -> (status: Int, text: String) {
        try await Application(router: server.ingestRouter()).test(.router) { client in
            try await client.execute(uri: "/v1/ingest", method: .post, body: ByteBuffer(bytes: body)) { response in
                (response.status.code, String(buffer: response.body))
            }
        }
    }

    /// GETs `uri` from the scrape router: the status and the body.
    func scrape(_ uri: String) async throws -> (status: Int, body: ByteBuffer) {
        try await Application(router: server.scrapeRouter()).test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in (response.status.code, response.body) }
        }
    }

    @Test("bad ingest input gets its 4xx and error code; a huge line does not block the good one beside it")
    func badIngest() async throws {
        let first = try await ingest(Fixtures.batchRequests(0..<5))
        #expect(first.status == 200 && first.text.contains("\"accepted\":5"), "\(first.text)")
        let cases: [(String, [UInt8], Int, String)] = [
            ("malformed JSON", Array("{\"schema\":1,\n".utf8), 422, "malformed-json"),
            ("wrong type", Array(Fixtures.batchRequest(9).replacingOccurrences(of: "\"tries\":1", with: "\"tries\":\"1\"").utf8), 422, "wrong-type"),
            ("float", Array(Fixtures.batchRequest(9).replacingOccurrences(of: "\"tries\":1", with: "\"tries\":1.5").utf8), 422, "wrong-type"),
            ("negative", Array(Fixtures.batchRequest(9).replacingOccurrences(of: "\"tries\":1", with: "\"tries\":-1").utf8), 422, "out-of-range"),
            ("absurd", Array(Fixtures.batchRequest(9).replacingOccurrences(of: "\"tries\":1", with: "\"tries\":99999999999999999999").utf8), 422, "wrong-type"),
            ("unknown schema version", Array(Fixtures.batchRequest(9).replacingOccurrences(of: "\"schema\":1", with: "\"schema\":7").utf8), 422, "unsupported-schema"),
            ("invalid UTF-8", Array(Fixtures.batchRequest(9).replacingOccurrences(of: "\"req-9\"", with: "\"req-\u{1}9\"").utf8)
                .map { $0 == 0x01 ? 0xC0 : $0 }, 422, "invalid-utf8"),
            ("huge line", Array("{\"id\":\"\(String(repeating: "x", count: 70_000))\"}".utf8), 422, "too-long"),
            ("oversized body", Array(repeating: 0x20, count: 300_000), 413, "body-too-large"),
            ("empty body", [], 400, "empty-body"),
        ]
        for (name, body, status, code) in cases {
            let response = try await ingest(body)
            #expect(response.status == status, "\(name): \(response.text)")
            #expect(response.text.contains(code), "\(name): \(response.text)")
        }
        let huge = Array("{\"id\":\"\(String(repeating: "x", count: 66_000))\"}\n".utf8) + Array((Fixtures.batchRequest(20) + "\n").utf8)
        let mixed = try await ingest(huge)
        #expect(mixed.status == 422 && mixed.text.contains("\"accepted\":1") && mixed.text.contains("\"rejected\":1"), "\(mixed.text)")
        let info = try Self.json(try await scrape("/v1/info").body)
        #expect(info["records"] == .integer(6) && info["api"] == .string(ExporterServer.api))
    }

    @Test("pages of any size return every record once, in cursor order, and say when there is no more", arguments: [1, 3, 7, 100])
    func pagination(limit: Int) async throws {
        _ = try await ingest(Fixtures.batchRequests(0..<20))
        var after: Int64 = 0
        var ids: [String] = []
        while true {
            let (status, body) = try await scrape("/v1/records?after=\(after)&limit=\(limit)")
            try #require(status == 200)
            let page = try Self.json(body)
            let records = page["records"]?.arrayValue ?? []
            #expect(records.count <= limit)
            ids += records.compactMap { $0["id"]?.stringValue }
            guard page["has_more"] == .bool(true), let next = page["next_cursor"]?.intValue else { break }
            after = next
        }
        #expect(ids == (0..<20).map { "req-\($0)" })
    }

    @Test("bad scrape parameters get a 400 naming the parameter", arguments: [
        "after=-1", "after=abc", "after=01", "after=1e3", "after=%00", "limit=0", "limit=99999", "limit=x", "cursor=5", "after=999999",
    ])
    func badScrape(query: String) async throws {
        _ = try await ingest(Fixtures.batchRequests(0..<3))
        let (status, body) = try await scrape("/v1/records?\(query)")
        #expect(status == 400, "\(String(buffer: body))")
        #expect(String(buffer: body).contains("\"error\":\"bad-parameter\""))
    }

    @Test("conflicting versions of a record are both kept under their own cursors, never overwritten")
    func conflicts() async throws {
        _ = try await ingest(Array((Fixtures.batchRequest(1) + "\n").utf8))
        let again = try await ingest(Array((Fixtures.batchRequest(1) + "\n").utf8))
        #expect(again.text.contains("\"duplicates\":1"), "the same bytes again: \(again.text)")
        let other = try await ingest(Array((Fixtures.batchRequest(1, tries: 2) + "\n").utf8))
        #expect(other.text.contains("\"conflicts\":1"), "\(other.text)")
        let page = try Self.json(try await scrape("/v1/records?after=0&limit=10").body)
        let tries = (page["records"]?.arrayValue ?? []).compactMap { $0["tries"]?.intValue }
        #expect(tries == [1, 2])
    }
}
