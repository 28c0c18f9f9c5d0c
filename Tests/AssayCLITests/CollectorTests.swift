import AssaySimulate
import AssayCollect
import AssayConfiguration
import AssayCore
import AssayStore
import AssayTestSupport
import AsyncHTTPClient
import Foundation
import Testing

/// Scraping and staging (spec/collector.md §1–3) against real exporters and misbehaving fakes.
@Suite("collector scraping and staging")
struct CollectorTests {
    let directory: TemporaryDirectory
    static let address = "0xd00354656922168815fcd1e51cbddb9e359e3c7f"

    init() throws { directory = try TemporaryDirectory() }

    func configuration(_ targets: [(url: String, orchestrator: String)], pageRecords: Int = 50, timeout: String = "10s") throws -> String {
        try Files.writeAtomically(directory.file("gw-a"), contents: [])
        let groups = targets.map { """
                  - targets: ["\($0.url)"]
                    labels:
                      orchestrator: "\($0.orchestrator)"
            """ }.joined(separator: "\n")
        let text = """
            collector:
              id: gw-a
              key: gw-a
            dataset:
              repository: dataset
            staging: staging.sqlite
            global:
              scrape_interval: 60s
              scrape_timeout: \(timeout)
            scrape_configs:
              - job_name: orchestrators
                page_records: \(pageRecords)
                static_configs:
            \(groups)

            """
        try directory.write("collector.yaml", text)
        return directory.file("collector.yaml")
    }

    func round(_ config: String, nowMs: Int64 = 1_767_225_600_000) async throws -> [(CollectorConfiguration.Target, Scraper.Report)] {
        let (configuration, errors) = CollectorConfiguration.parse(yaml: String(decoding: try Files.read(config), as: UTF8.self),
                                                                   relativeTo: directory.path)
        let parsed = try #require(configuration, "\(errors)")
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = Task { try? await client.shutdown() } }
        return try await CollectRound(configuration: parsed, staging: try StagingActor(path: parsed.staging), client: client)
            .run(nowMs: nowMs)
    }

    func exporter() throws -> ServerProcess {
        try ServerProcess(Command.assayPath, ["exporter", "serve", "--store", directory.file("exporter-\(UUID().uuidString).sqlite"),
                                              "--orchestrator", Self.address, "--scrape-listen", "127.0.0.1:0", "--ingest-listen", "127.0.0.1:0"],
                          waitFor: ["scrape", "ingest"])
    }

    @Test("scraping stages every record exactly once across rounds, and a day seals from staging and verifies")
    func exactlyOnce() async throws {
        let server = try exporter()
        let ingest = server.addresses["ingest"]!
        let config = try configuration([("http://\(server.addresses["scrape"]!)", Self.address)], pageRecords: 7)
        var ingested = 0
        for round in 0..<3 {
            let body = Array((0..<40).map { Fixtures.batchRequest(round * 40 + $0) + "\n" }.joined().utf8)
            #expect(try HTTPClient_post(ingest, body) == 200)
            ingested += 40
            let results = try await self.round(config, nowMs: 1_767_225_600_000 + Int64(round) * 60_000)
            #expect(results[0].1.outcome == .ok, "\(results[0].1)")
            #expect(results[0].1.recordsReceived == 40)
        }
        let store = try StagingStore(path: directory.file("staging.sqlite"))
        #expect(try store.cursor(target: "http://\(server.addresses["scrape"]!)") == Int64(ingested))
        let rows = try store.database.integer("SELECT count(*) FROM staged WHERE kind = 'batch_request'")
        #expect(rows == Int64(ingested))
        let probes = try store.database.integer("SELECT count(*) FROM staged WHERE kind = 'probe'")
        #expect(probes == 3)
        _ = server.stop()

        // The staged day seals into a bundle that verifies, holding every ingested record once.
        try #require(try Command.assay(["keygen", "--output", directory.file("key")]).status == 0)
        try #require(try Command.assay(["dataset", "init", directory.file("dataset"), "--id", "collect-test", "--title", "T",
                                        "--signer", "gw-a=\(directory.file("key.pub"))", "--key", directory.file("key")]).status == 0)
        let sealed = try Command.assay(["seal", "--dataset", directory.file("dataset"), "--collector", "gw-a", "--day", "2026-01-01",
                                        "--key", directory.file("key"), "--staging", directory.file("staging.sqlite")])
        #expect(sealed.status == 0, "\(sealed.stderr)")
        #expect(sealed.stdout.contains("records    123"), "\(sealed.stdout)")  // 120 batch requests + 3 probes
        #expect(try Command.assay(["verify", directory.file("dataset")]).status == 0)
    }

    @Test("bad orchestrators are recorded with a clear reason; the healthy target is unaffected")
    func badOrchestrators() async throws {
        let healthy = try exporter()
        _ = try HTTPClient_post(healthy.addresses["ingest"]!, Array((Fixtures.batchRequest(1) + "\n").utf8))
        let info = Array(#"{"api":"assay-exporter-v1","schema":1,"orchestrator":"\#(Self.address)"}"#.utf8)
        func fake(_ records: @escaping @Sendable () -> FakeHTTPServer.Reply) throws -> FakeHTTPServer {
            try FakeHTTPServer { target in target.hasPrefix("/v1/info") ? .http(200, info) : records() }
        }
        let malformed = try fake { .http(200, Array("{\"api\":\"assay-exporter-v1\",\"records\":[".utf8)) }
        let oversized = try fake { .http(200, [UInt8](repeating: 0x20, count: 17 << 20)) }
        // All but the last 2 bytes at once, then a 5-minute stall, against a 5 s timeout. Both margins are for a
        // loaded 2-core machine, where tests that wait for processes occupy the cooperative pool for minutes: the
        // healthy targets must answer within the timeout, and the stalled answer must never complete before it.
        let stalledBytes = FakeHTTPServer.Reply.http(200, Array(#"{"api":"assay-exporter-v1"}"#.utf8)).bytes
        let drip = try fake { FakeHTTPServer.Reply(bytes: stalledBytes, delayMicroseconds: 300_000_000, chunk: stalledBytes.count - 2) }
        let wrongSchema = try fake { .http(200, Array(#"{"api":"assay-exporter-v1","schema":2,"records":[],"next_cursor":0,"has_more":false}"#.utf8)) }
        let error500 = try fake { .http(500, Array("oops".utf8)) }
        let liar = try FakeHTTPServer { target in
            target.hasPrefix("/v1/info")
                ? .http(200, Array(#"{"api":"assay-exporter-v1","schema":1,"orchestrator":"0x1111111111111111111111111111111111111111"}"#.utf8))
                : .http(200, Array(#"{"api":"assay-exporter-v1","schema":1,"records":[\#(Fixtures.batchRequest(7))],"next_cursor":1,"has_more":false}"#.utf8))
        }
        let config = try configuration([
            ("http://\(healthy.addresses["scrape"]!)", Self.address), (malformed.url, Self.address), (oversized.url, Self.address),
            (drip.url, Self.address), (wrongSchema.url, Self.address), (error500.url, Self.address), (liar.url, Self.address),
            ("http://127.0.0.1:1", Self.address),
        ], timeout: "5s")
        let results = try await round(config)
        let outcomes = results.map(\.1.outcome)
        #expect(outcomes == [.ok, .invalidResponse, .invalidResponse, .timeout, .invalidResponse, .httpError, .addressMismatch, .connectError],
                "\(results.map { "\($0.1.outcome): \($0.1.reason ?? "")" })")
        #expect(results[0].1.recordsReceived == 1)
        #expect(results[2].1.reason?.contains("larger than") == true)
        #expect(results[6].1.quarantined == 1 && results[6].1.recordsReceived == 0)
        let store = try StagingStore(path: directory.file("staging.sqlite"))
        #expect(try store.database.integer("SELECT count(*) FROM staged WHERE kind = 'probe'") == 8)
        #expect(try store.database.integer("SELECT count(*) FROM quarantine WHERE reason = 'address-mismatch'") == 1)
        _ = healthy.stop()
        for server in [malformed, oversized, drip, wrongSchema, error500, liar] { server.stop() }
    }

    @Test("collect scrape killed with SIGKILL at random points: after a final round, every record is staged exactly once")
    func crashSafety() async throws {
        let server = try exporter()
        for batch in 0..<20 {
            let body = Array((0..<100).map { Fixtures.batchRequest(batch * 100 + $0) + "\n" }.joined().utf8)
            #expect(try HTTPClient_post(server.addresses["ingest"]!, body) == 200)
        }
        let config = try configuration([("http://\(server.addresses["scrape"]!)", Self.address)], pageRecords: 20)
        var generator = SplitMix64(seed: 42)
        for _ in 0..<6 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Command.assayPath)
            process.arguments = ["collect", "scrape", "--config", config]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(50_000 + generator.next() % 400_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let final = try Command.assay(["collect", "scrape", "--config", config])
        #expect(final.status == 0, "\(final.stderr)")
        let store = try StagingStore(path: directory.file("staging.sqlite"))
        #expect(try store.database.integer("SELECT count(*) FROM staged WHERE kind = 'batch_request'") == 2000)
        #expect(try store.database.integer("SELECT count(DISTINCT job_id) FROM staged WHERE kind = 'batch_request'") == 2000)
        #expect(try store.cursor(target: "http://\(server.addresses["scrape"]!)") == 2000)
        _ = server.stop()
    }
}

/// POSTs a body to an exporter's ingest listener and returns the status.
func HTTPClient_post(_ address: String, _ body: [UInt8]) throws -> Int {
    try AssayTestSupport.HTTPClient.request(address, "POST", "/v1/ingest", body: body).status
}
