import AssayConfiguration
import AssayExporter
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Synchronization

/// One simulated orchestrator's real exporter (spec/exporter.md), in this
/// process: its SQLite store, its scrape listener on a fixed loopback port
/// (the URL collectors record) and its ingest listener on any free port. It
/// can be stopped and started again, as the orchestrator that goes offline is.
final class DemoExporter {
    let name: String
    let configuration: ExporterConfiguration
    let logger: Logger
    private var task: Task<Void, Never>?
    private(set) var ingestURL: String?

    init(name: String, configuration: ExporterConfiguration, logger: Logger) {
        self.name = name
        self.configuration = configuration
        self.logger = logger
    }

    var isRunning: Bool { task != nil }

    /// Starts both listeners and returns once they are bound.
    func start() async throws(DemoError) {
        guard task == nil else { return }
        let server: ExporterServer
        do { server = try ExporterServer(configuration: configuration, logger: logger) } catch {
            throw DemoError("exporter \(name): cannot open \(configuration.store): \(error)")
        }
        let state = Mutex<(addresses: [String: String], failure: String?, ended: Bool)>(([:], nil, false))
        task = Task {
            do {
                try await server.run(shutdownSignals: []) { listener, address in state.withLock { $0.addresses[listener] = address } }
            } catch {
                state.withLock { $0.failure = "\(error)" }
            }
            state.withLock { $0.ended = true }
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let now = state.withLock { $0 }
            if let failure = now.failure {
                task = nil
                throw DemoError("exporter \(name) could not listen on \(configuration.scrapeListen) and \(configuration.ingestListen): \(failure)"
                    + " (is another program using the port? choose others with --port-base)")
            }
            if let ingest = now.addresses["ingest"], now.addresses["scrape"] != nil {
                ingestURL = "http://\(ingest)"
                return
            }
            if now.ended { break }
            try? await Task.sleep(for: .milliseconds(5))
        }
        await stop()
        throw DemoError("exporter \(name) did not start listening within 20 s")
    }

    /// Stops both listeners (the store stays).
    func stop() async {
        guard let task else { return }
        task.cancel()
        await task.value
        self.task = nil
        ingestURL = nil
    }

    /// POSTs JSON Lines to the ingest API, as an orchestrator's hook does; every line must be accepted.
    func ingest(_ lines: [String], client: HTTPClient) async throws(DemoError) {
        guard !lines.isEmpty else { return }
        guard let ingestURL else { throw DemoError("exporter \(name) is not running; its records cannot be ingested") }
        var request = HTTPClientRequest(url: "\(ingestURL)/v1/ingest")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-ndjson")
        request.body = .bytes(ByteBuffer(string: lines.map { $0 + "\n" }.joined()))
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 16 << 20)
            guard response.status == .ok else {
                throw DemoError("exporter \(name) answered \(response.status.code) to an ingest of \(lines.count) records: \(String(buffer: body).prefix(500))")
            }
        } catch let error as DemoError {
            throw error
        } catch {
            throw DemoError("exporter \(name): ingest failed: \(error)")
        }
    }
}
