import AssayConfiguration
import AssayCore
import AssayExporter
import AssayHTTP
import AssayStore
import AssayTestSupport
import Foundation
import Synchronization
import Testing
import Yams

final class Flag: Sendable {
    let value = Mutex(false)
}

/// `assay exporter serve` as a real process on loopback, driven by a raw HTTP client: what needs a
/// process (kill -9, signals, timeouts, connection limits, listeners). The routes themselves are
/// tested in process in AssayExporterTests.
@Suite("exporter")
struct ExporterTests {
    let directory: TemporaryDirectory
    var store: String { directory.file("exporter.sqlite") }

    init() throws { directory = try TemporaryDirectory() }

    func start(_ extra: [String] = [], config: String? = nil) throws -> ServerProcess {
        var arguments = ["exporter", "serve", "--scrape-listen", "127.0.0.1:0", "--ingest-listen", "127.0.0.1:0"]
        if let config {
            try directory.write("exporter.yaml", config)
            arguments += ["--config", directory.file("exporter.yaml")]
        } else {
            arguments += ["--store", store]
        }
        return try ServerProcess(Command.assayPath, arguments + extra, waitFor: ["scrape", "ingest"])
    }

    func ingest(_ server: ServerProcess, _ body: [UInt8], headers: [(String, String)] = []) throws -> (HTTPResponse, JSONValue) {
        let response = try HTTPClient.request(server.addresses["ingest"]!, "POST", "/v1/ingest", headers: headers, body: body)
        return (response, try JSONParser(limits: .init(maxDepth: 16, maxBytes: 64 << 20)).parse(response.body))
    }

    /// Pages through /v1/records with `limit` until has_more is false.
    func scrapeAll(_ server: ServerProcess, limit: Int, after start: Int64 = 0) throws -> [(cursor: Int64, id: String)] {
        var after = start
        var seen: [(Int64, String)] = []
        while true {
            let response = try HTTPClient.request(server.addresses["scrape"]!, "GET", "/v1/records?after=\(after)&limit=\(limit)")
            try #require(response.status == 200, "\(response.text)")
            let page = try JSONParser(limits: .init(maxDepth: 16, maxBytes: 64 << 20)).parse(response.body)
            let records = page["records"]?.arrayValue ?? []
            let next = page["next_cursor"]?.intValue ?? -1
            for (offset, record) in records.enumerated() {
                seen.append((next - Int64(records.count - 1 - offset), record["id"]?.stringValue ?? ""))
            }
            if page["has_more"] != .bool(true) { return seen }
            after = next
        }
    }

    func info(_ server: ServerProcess) throws -> JSONValue {
        try JSONParser().parse(try HTTPClient.request(server.addresses["scrape"]!, "GET", "/v1/info").body)
    }

    @Test("ingest, kill -9, restart: every acknowledged record is there exactly once, cursors unchanged")
    func durability() throws {
        var acknowledged: [String: Int64] = [:]
        do {
            let server = try start()
            for batch in 0..<10 {
                let (response, report) = try ingest(server, Fixtures.batchRequests(batch * 100..<(batch + 1) * 100))
                #expect(response.status == 200)
                for (index, line) in (report["lines"]?.arrayValue ?? []).enumerated() {
                    acknowledged["req-\(batch * 100 + index)"] = line["cursor"]?.intValue
                }
            }
            #expect(server.stop(signal: SIGKILL) != 0)
        }
        let restarted = try start()
        let scraped = try scrapeAll(restarted, limit: 137)
        #expect(scraped.count == 1000)
        #expect(Set(scraped.map(\.id)).count == 1000)
        for (cursor, id) in scraped { #expect(acknowledged[id] == cursor, "\(id)") }
        #expect(zip(scraped, scraped.dropFirst()).allSatisfy { $0.cursor < $1.cursor })
        // Re-sending everything is idempotent: all duplicates, same cursors.
        let (again, report) = try ingest(restarted, Fixtures.batchRequests(0..<1000))
        #expect(again.status == 200)
        #expect(report["duplicates"] == .integer(1000))
        _ = restarted.stop()
    }

    @Test("pagination with any page size returns every record once, in order, while ingest runs", arguments: [1, 7, 100, 1000])
    func paginationUnderIngest(limit: Int) async throws {
        let server = try start()
        let ingestAddress = server.addresses["ingest"]!
        let finished = Flag()
        let writer = Task.detached {
            defer { finished.value.withLock { $0 = true } }
            for batch in 0..<40 {
                _ = try HTTPClient.request(ingestAddress, "POST", "/v1/ingest", body: Fixtures.batchRequests(batch * 50..<(batch + 1) * 50))
                usleep(20_000)
            }
        }
        var seen: [(cursor: Int64, id: String)] = []
        var after: Int64 = 0
        var rounds = 0
        while !finished.value.withLock({ $0 }) {
            let page = try scrapeAll(server, limit: limit, after: after)
            seen += page
            after = seen.last?.cursor ?? after
            rounds += 1
            if page.isEmpty { try await Task.sleep(for: .milliseconds(2)) }
        }
        try await writer.value
        seen += try scrapeAll(server, limit: limit, after: after)
        #expect(rounds >= 1, "at least one scrape ran while ingest was running")
        #expect(seen.count == 2000)
        #expect(Set(seen.map(\.id)).count == 2000)
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.cursor < $1.cursor })
        _ = server.stop()
    }

    @Test("a slow client does not block others and is cut off after the idle timeout")
    func slowloris() throws {
        let server = try start(config: "store: \(store)\nlimits:\n  idle_timeout: 1s\n")
        let scrape = server.addresses["scrape"]!
        let slow = try HTTPClient.connect(scrape, timeoutSeconds: 10)
        defer { close(slow) }
        try HTTPClient.send(slow, Array("GET /v1/info HTTP/1.1\r\nHo".utf8))
        let started = Date()
        for _ in 0..<20 { #expect(try HTTPClient.request(scrape, "GET", "/healthz").status == 200) }
        // The slow connection is closed by the server within a few seconds.
        let closed = HTTPClient.receiveAll(slow)
        #expect(closed.isEmpty || String(decoding: closed, as: UTF8.self).hasPrefix("HTTP/1.1 4"))
        #expect(Date().timeIntervalSince(started) < 8)
        _ = server.stop()
    }

    @Test("a client that sends its request head a byte at a time is cut off by the head timeout, though every byte resets the idle timeout")
    func tricklingHead() throws {
        let server = try start(config: "store: \(store)\nlimits:\n  idle_timeout: 5s\n  request_head_timeout: 1s\n")
        let scrape = server.addresses["scrape"]!
        let slow = try HTTPClient.connect(scrape, timeoutSeconds: 1)
        defer { close(slow) }
        let started = Date()
        var cutOff = false
        for byte in Array("GET /v1/info HTTP/1.1\r\nX-Slow: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 40) {
            if (try? HTTPClient.send(slow, [byte])) == nil { cutOff = true; break }
            var probe: UInt8 = 0
            if recv(slow, &probe, 1, Int32(MSG_DONTWAIT)) == 0 { cutOff = true; break }
            usleep(200_000)
        }
        #expect(cutOff, "the trickling connection was closed")
        #expect(Date().timeIntervalSince(started) < 4, "within the head timeout, not after 40 bytes × 200 ms")
        // A prompt client is served; a kept-alive connection gets the same time for its next head.
        #expect(try HTTPClient.request(scrape, "GET", "/v1/info").status == 200)
        _ = server.stop()
    }

    @Test("one client address holds at most max_connections_per_client scrape connections; other clients are still served")
    func connectionsPerClient() throws {
        let server = try start(config: "store: \(store)\nlimits:\n  max_connections_per_client: 3\n")
        let scrape = server.addresses["scrape"]!
        let held = try (0..<3).map { _ in try HTTPClient.connect(scrape, timeoutSeconds: 2, source: "127.0.0.2") }
        defer { held.forEach { close($0) } }
        usleep(200_000)
        let fourth = try HTTPClient.connect(scrape, timeoutSeconds: 2, source: "127.0.0.2")
        defer { close(fourth) }
        let started = Date()
        #expect(HTTPClient.receiveAll(fourth).isEmpty, "the fourth connection of 127.0.0.2 is closed without an answer")
        #expect(Date().timeIntervalSince(started) < 1.5)
        // 127.0.0.1 is another client: served while 127.0.0.2 holds its three.
        #expect(try HTTPClient.request(scrape, "GET", "/v1/info").status == 200)
        // A held connection still works.
        try HTTPClient.send(held[0], Array("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
        #expect(String(decoding: HTTPClient.receiveAll(held[0]), as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        _ = server.stop()
    }

    @Test("the ingest listener stays on loopback unless configured, and then needs the token")
    func ingestAccess() throws {
        // Binding elsewhere without a token is refused at start.
        let refused = try Command.assay(["exporter", "serve", "--store", store, "--scrape-listen", "127.0.0.1:0", "--ingest-listen", "0.0.0.0:0"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("not a loopback address"))

        try directory.write("token", "s3cret-token\n")
        let server = try start(["--ingest-listen", "0.0.0.0:0", "--ingest-token-file", directory.file("token")])
        let port = server.addresses["ingest"]!.split(separator: ":").last!
        let local = "127.0.0.1:\(port)"
        #expect(try HTTPClient.request(local, "POST", "/v1/ingest", body: Fixtures.batchRequests(0..<1)).status == 401)
        #expect(try HTTPClient.request(local, "POST", "/v1/ingest", headers: [("Authorization", "Bearer wrong")], body: Fixtures.batchRequests(0..<1)).status == 401)
        #expect(try HTTPClient.request(local, "POST", "/v1/ingest", headers: [("Authorization", "Bearer s3cret-token")], body: Fixtures.batchRequests(0..<1)).status == 200)
        _ = server.stop()

        // By default the ingest port answers on loopback only.
        let loopbackOnly = try start()
        let ingestPort = loopbackOnly.addresses["ingest"]!.split(separator: ":").last!
        if let external = Self.nonLoopbackAddress() {
            #expect(throws: (any Error).self) { try HTTPClient.request("\(external):\(ingestPort)", "GET", "/healthz", timeoutSeconds: 2) }
        }
        #expect(try HTTPClient.request("127.0.0.1:\(ingestPort)", "GET", "/healthz").status == 200)
        _ = loopbackOnly.stop()
    }

    /// A non-loopback IPv4 address of this machine, if it has one.
    static func nonLoopbackAddress() -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return nil }
        defer { freeifaddrs(list) }
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { var a = $0.pointee.sin_addr; inet_ntop(AF_INET, &a, &buffer, socklen_t(buffer.count)) }
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !text.hasPrefix("127.") { return text }
        }
        return nil
    }

    @Test("every route is in the OpenAPI document and answers as it says")
    func openAPI() throws {
        let document = try #require(try Yams.load(yaml: String(decoding: try Repository.bytes("spec/exporter.openapi.yaml"), as: UTF8.self)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        let server = try start()
        _ = try ingest(server, Fixtures.batchRequests(0..<3))
        for (listener, routes) in [("scrape", ExporterRoutes.scrape), ("ingest", ExporterRoutes.ingest)] {
            for (method, path) in routes {
                let operations = try #require(paths[path] as? [String: Any], "\(path) is not in the OpenAPI document")
                let operation = try #require(operations[method.lowercased()] as? [String: Any], "\(method) \(path) is not documented")
                let responses = try #require(operation["responses"] as? [String: Any])
                let response = try HTTPClient.request(server.addresses[listener]!, method, path,
                                                      body: method == "POST" ? Fixtures.batchRequests(10..<12) : [])
                let documented = try #require(responses[String(response.status)], "\(method) \(path) answered \(response.status), not documented")
                if let content = (documented as? [String: Any])?["content"] as? [String: Any] {
                    let type = response.header("Content-Type")?.split(separator: ";").first.map(String.init) ?? ""
                    #expect(content[type] != nil, "\(method) \(path): Content-Type \(type) is not documented")
                }
            }
        }
        _ = server.stop()
    }

    @Test("gzip when the client accepts it; the same bytes once inflated")
    func gzip() throws {
        let server = try start()
        _ = try ingest(server, Fixtures.batchRequests(0..<50))
        let plain = try HTTPClient.request(server.addresses["scrape"]!, "GET", "/v1/records?after=0")
        let compressed = try HTTPClient.request(server.addresses["scrape"]!, "GET", "/v1/records?after=0", headers: [("Accept-Encoding", "gzip")])
        #expect(plain.header("Content-Encoding") == nil)
        #expect(compressed.header("Content-Encoding") == "gzip")
        #expect(compressed.body.count < plain.body.count)
        #expect(Gzip.decompress(compressed.body, limit: 1 << 24) == plain.body)
        _ = server.stop()
    }

    @Test("retention prunes, and a pruned cursor gets an explicit 410 with where to resume")
    func pruned() throws {
        do {
            let server = try start()
            _ = try ingest(server, Fixtures.batchRequests(0..<100))
            #expect(server.stop() == 0)
        }
        let server = try start(config: "store: \(store)\nretention:\n  max_age: off\n  max_bytes: 4KiB\n")
        let info = try info(server)
        let through = try #require(info["pruned_through"]?.intValue)
        #expect(through > 0)
        let gone = try HTTPClient.request(server.addresses["scrape"]!, "GET", "/v1/records?after=0")
        #expect(gone.status == 410)
        #expect(gone.text.contains("\"resume_after\":\(through)"))
        let rest = try scrapeAll(server, limit: 1000, after: through)
        #expect(rest.count == 100 - Int(through))
        _ = server.stop()
    }

    @Test("SIGTERM stops gracefully with exit status 0")
    func gracefulStop() throws {
        let server = try start()
        _ = try ingest(server, Fixtures.batchRequests(0..<10))
        #expect(server.stop(signal: SIGTERM) == 0)
        let store = try ExporterStore(path: store)
        #expect(try store.summary().records == 10)
    }

    @Test("a store written by a newer schema is refused with a clear message")
    func newerSchema() throws {
        do {
            let database = try SQLiteDatabase(path: store)
            try database.execute("PRAGMA user_version = 99")
        }
        let result = try Command.assay(["exporter", "serve", "--store", store, "--scrape-listen", "127.0.0.1:0", "--ingest-listen", "127.0.0.1:0"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("newer Assay (store schema 99)"))
    }

    @Test("exporter ingest follows a file, resumes exactly after a restart, and rereads a truncated file")
    func follow() throws {
        let file = directory.file("jobs.jsonl")
        try directory.write("jobs.jsonl", String(decoding: Fixtures.batchRequests(0..<30), as: UTF8.self) + "not json\n")
        let first = try Command.assay(["exporter", "ingest", "--store", store, "--once", file])
        #expect(first.stdout.contains("accepted 30"))
        #expect(first.stderr.contains("jobs.jsonl@"))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(Fixtures.batchRequests(30..<45)))
        try handle.close()
        let second = try Command.assay(["exporter", "ingest", "--store", store, "--once", file])
        #expect(second.stdout.contains("accepted 15, duplicates 0"), "\(second.stdout)")
        // Truncated and rewritten: read again from the start (all duplicates now).
        try directory.write("jobs.jsonl", String(decoding: Fixtures.batchRequests(0..<5), as: UTF8.self))
        let third = try Command.assay(["exporter", "ingest", "--store", store, "--once", file])
        #expect(third.stdout.contains("accepted 0, duplicates 5"), "\(third.stdout)")
        let stdin = try Command.assay(["exporter", "ingest", "--store", store, "-"], input: Fixtures.batchRequests(45..<50))
        #expect(stdin.stdout.contains("accepted 5"))
        #expect(try ExporterStore(path: store).summary().records == 50)
    }

}
