import AssayCollect
import AssayConfiguration
import AssayCore
import AssaySimulate
import AssayStore
import AsyncHTTPClient
import Foundation

/// `assay-bench collect`: the collector's CPU seconds per 1,000 scrapes of
/// 100-record pages against a local exporter, and the exporter's for serving them
/// (its own process, read from /proc), so the cost of a scrape is seen from both ends.
public struct CollectBenchmark {
    public struct Report: Sendable {
        public let scrapes: Int
        public let cpuSeconds: Double
        /// The exporter process's CPU seconds over the same scrapes (nil where /proc cannot be read).
        public let exporterCPUSeconds: Double?
        public let wallSeconds: Double
        public var cpuPerThousand: Double { cpuSeconds / Double(scrapes) * 1000 }
        /// Share of one core needed for `targets` scraped every `interval` seconds.
        public func coreShare(targets: Int, interval: Double) -> Double { cpuSeconds / Double(scrapes) * Double(targets) / interval }
    }

    public let scrapes: Int
    public let directory: String

    public init(scrapes: Int, directory: String) {
        self.scrapes = scrapes
        self.directory = directory
    }

    public func run(assay: String, progress: (String) -> Void) async throws -> Report {
        let root = "\(directory)/assay-bench-collect-\(getpid())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        progress("starting an exporter with 1000 records")
        let server = try BenchServer(assay: assay, store: "\(root)/exporter.sqlite")
        defer { server.stop() }
        let body = Data(Array(SyntheticRecords(count: 1000, seed: 3)).joined(separator: "\n").utf8 + [0x0A])
        try ExporterBenchmark(records: 0, directory: root, seconds: 0, connections: 0).post(body, to: server.ingest)

        let staging = try StagingActor(path: "\(root)/staging.sqlite")
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = Task { try? await client.shutdown() } }
        let scraper = Scraper(client: client, collectorID: "bench", timeoutMs: 10_000)
        let target = CollectorConfiguration.Target(url: "http://\(server.scrape)", orchestrator: BenchServer.orchestrator,
                                                   region: nil, job: "bench", intervalMs: 60_000, pageRecords: 100, line: 0)
        progress("\(scrapes) scrapes of one 100-record page each")
        let cpuBefore = Self.cpuSeconds()
        let exporterBefore = ProcessTimer.cpuSeconds(ofProcess: server.process.processIdentifier)
        let started = Date()
        for index in 0..<scrapes {
            // Each scrape fetches the last 100 records: one full page, has_more false.
            _ = await scraper.scrape(target, startMs: 1_767_225_600_000 + Int64(index), cursor: 900) { batch in
                var page = batch
                page.cursor = nil  // keep the cursor where it is, so every scrape reads the same page
                try await staging.commit(page, source: target.url, receivedMs: 0)
            }
        }
        let exporterAfter = ProcessTimer.cpuSeconds(ofProcess: server.process.processIdentifier)
        let exporter = exporterBefore.flatMap { before in exporterAfter.map { $0 - before } }
        return Report(scrapes: scrapes, cpuSeconds: Self.cpuSeconds() - cpuBefore, exporterCPUSeconds: exporter,
                      wallSeconds: Date().timeIntervalSince(started))
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
