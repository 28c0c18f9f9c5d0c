import AssayConfiguration
import AssayCore
import AssayHTTP
import AssaySimulate
import AssayStore
import Foundation

/// `assay-bench exporter`: durable ingest throughput (batched transactions,
/// in-process and over HTTP), and scrape throughput under `wrk` on loopback
/// for pages of 100 and 1000 records, next to nginx serving the same page
/// bytes as static files, in the same run.
public struct ExporterBenchmark {
    public struct WrkResult: Sendable {
        public let requestsPerSecond: Double
        public let p99Milliseconds: Double
        public let errors: Int
    }

    public struct Report: Sendable {
        public let records: Int
        public let storeIngestPerSecond: Double
        public let httpIngestPerSecond: Double
        /// (page size, exporter on one repeated page, exporter on random cursors, nginx on the same page bytes)
        public let scrape: [(Int, WrkResult, WrkResult, WrkResult?)]
    }

    public let records: Int
    public let directory: String
    public let seconds: Int
    public let connections: Int

    public init(records: Int, directory: String, seconds: Int, connections: Int) {
        self.records = records
        self.directory = directory
        self.seconds = seconds
        self.connections = connections
    }

    public func run(assay: String, progress: (String) -> Void) throws -> Report {
        let root = "\(directory)/assay-bench-exporter-\(getpid())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let lines = Array(SyntheticRecords(count: records, seed: 7))

        progress("durable ingest into the store, batches of 1000")
        let store = try ExporterStore(path: "\(root)/store.sqlite")
        var parsed: [(record: Record, canonical: [UInt8])] = []
        for line in lines {
            let record = try Record.parse(Array(line.utf8))
            parsed.append((record, record.canonicalBytes()))
        }
        let started = monotonicSeconds()
        var index = 0
        while index < parsed.count {
            let end = min(index + 1000, parsed.count)
            _ = try store.ingest(Array(parsed[index..<end]), receivedMs: Int64(Date().timeIntervalSince1970 * 1000))
            index = end
        }
        let storeRate = Double(records) / (monotonicSeconds() - started)

        progress("starting assay exporter serve")
        let server = try BenchServer(assay: assay, store: "\(root)/http.sqlite")
        defer { server.stop() }
        progress("durable ingest over HTTP, POST bodies of 1000 records")
        let httpStarted = monotonicSeconds()
        index = 0
        while index < lines.count {
            let end = min(index + 1000, lines.count)
            let body = Data(lines[index..<end].joined(separator: "\n").utf8 + [0x0A])
            try post(body, to: server.ingest)
            index = end
        }
        let httpRate = Double(records) / (monotonicSeconds() - httpStarted)

        var scrape: [(Int, WrkResult, WrkResult, WrkResult?)] = []
        let nginx = try? NginxServer(root: root)
        defer { nginx?.stop() }
        for size in [100, 1000] {
            let path = "/v1/records?after=0&limit=\(size)"
            let page = try fetch("http://\(server.scrape)\(path)")
            try page.write(to: URL(fileURLWithPath: "\(root)/www/page\(size).json"))
            progress("wrk: exporter, one page of \(size), repeated")
            let exporter = try wrk("http://\(server.scrape)\(path)")
            progress("wrk: exporter, pages of \(size) at random cursors")
            let script = "\(root)/random-\(size).lua"
            try """
                math.randomseed(7)
                request = function()
                  return wrk.format("GET", "/v1/records?after=" .. math.random(0, \(max(records - size, 1))) .. "&limit=\(size)")
                end
                """.write(toFile: script, atomically: true, encoding: .utf8)
            let random = try wrk("http://\(server.scrape)/", script: script)
            var reference: WrkResult?
            if let nginx {
                progress("wrk: nginx, the same \(page.count) bytes")
                reference = try wrk("http://127.0.0.1:\(nginx.port)/page\(size).json")
            }
            scrape.append((size, exporter, random, reference))
        }
        return Report(records: records, storeIngestPerSecond: storeRate, httpIngestPerSecond: httpRate, scrape: scrape)
    }

    /// POSTs over one short-lived connection and checks for 200 (no client library in the timing).
    func post(_ body: Data, to address: String) throws {
        guard let (host, port) = ConfigurationValues.hostPort(address) else {
            throw BenchError(message: "the exporter's ingest address '\(address)' is not HOST:PORT")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = UInt16(port).bigEndian
        target.sin_addr.s_addr = inet_addr(host)
        let connected = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw BenchError(message: "cannot connect to \(address)") }
        let request = Array("POST /v1/ingest HTTP/1.1\r\nHost: \(address)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + Array(body)
        var offset = 0
        while offset < request.count {
            let sent = request.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw BenchError(message: "send failed") }
            offset += sent
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response += buffer[..<count]
        }
        guard response.starts(with: Array("HTTP/1.1 200".utf8)) else {
            throw BenchError(message: "ingest answered \(String(decoding: response.prefix(200), as: UTF8.self))")
        }
    }

    func fetch(_ url: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "-sf", url]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError(message: "GET \(url) failed") }
        return data
    }

    func wrk(_ url: String, script: String? = nil) throws -> WrkResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["wrk", "-t2", "-c\(connections)", "-d\(seconds)s", "--latency"] + (script.map { ["-s", $0] } ?? []) + [url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError(message: "wrk is not installed or failed (apt-get install wrk)") }
        var rate = 0.0, p99 = 0.0, errors = 0
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            if words.first == "Requests/sec:", words.count > 1 { rate = Double(words[1]) ?? 0 }
            if words.first == "99%", words.count > 1 { p99 = Self.milliseconds(String(words[1])) }
            if line.contains("Non-2xx") || line.contains("Socket errors") { errors += 1 }
        }
        return WrkResult(requestsPerSecond: rate, p99Milliseconds: p99, errors: errors)
    }

    /// wrk prints latencies as 1.23ms, 456.00us or 1.02s.
    static func milliseconds(_ text: String) -> Double {
        for (suffix, factor) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where text.hasSuffix(suffix) {
            return (Double(text.dropLast(suffix.count)) ?? 0) * factor
        }
        return 0
    }
}

public struct BenchError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// A child `assay exporter serve` on loopback ports chosen by the kernel.
final class BenchServer {
    static let orchestrator = "0x" + String(repeating: "0", count: 40)
    let process = Process()
    private(set) var scrape = ""
    private(set) var ingest = ""

    init(assay: String, store: String) throws {
        process.executableURL = URL(fileURLWithPath: assay)
        process.arguments = ["exporter", "serve", "--store", store, "--scrape-listen", "127.0.0.1:0", "--ingest-listen", "127.0.0.1:0",
                             "--orchestrator", BenchServer.orchestrator]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while scrape.isEmpty || ingest.isEmpty {
            guard Date() < deadline, process.isRunning else { throw BenchError(message: "the exporter did not start") }
            text += String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ")
                guard words.count == 4, words[3].hasPrefix("http://") else { continue }
                if words[0] == "scrape" { scrape = String(words[3].dropFirst(7)) }
                if words[0] == "ingest" { ingest = String(words[3].dropFirst(7)) }
            }
        }
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }
}

/// nginx serving `root/www` on a free loopback port, with a configuration of its own.
final class NginxServer {
    let process = Process()
    let port: Int

    init(root: String) throws {
        try FileManager.default.createDirectory(atPath: "\(root)/www", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(root)/nginx", withIntermediateDirectories: true)
        port = try LoopbackPort.free()
        let config = """
            worker_processes 2;
            daemon off;
            pid \(root)/nginx/nginx.pid;
            error_log \(root)/nginx/error.log;
            events { worker_connections 1024; }
            http {
              access_log off;
              default_type application/json;
              client_body_temp_path \(root)/nginx/body;
              proxy_temp_path \(root)/nginx/proxy;
              fastcgi_temp_path \(root)/nginx/fastcgi;
              uwsgi_temp_path \(root)/nginx/uwsgi;
              scgi_temp_path \(root)/nginx/scgi;
              sendfile on;
              server { listen 127.0.0.1:\(port); root \(root)/www; }
            }
            """
        try config.write(toFile: "\(root)/nginx/nginx.conf", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-c", "\(root)/nginx/nginx.conf", "-p", "\(root)/nginx"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(300_000)
        guard process.isRunning else { throw BenchError(message: "nginx did not start") }
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGQUIT)
        process.waitUntilExit()
    }
}
