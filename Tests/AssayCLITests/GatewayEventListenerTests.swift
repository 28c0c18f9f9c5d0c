import AssaySimulate
import AssayCollect
import AssayCore
import AssayIngest
import AssayStore
import AssayTestSupport
import Foundation
import Testing

/// Gateway events that arrive over HTTP or standard input go through the
/// collector's spool (spec/collector.md §5): acknowledged means durable, and a
/// SIGKILL never loses, splits or duplicates a session.
@Suite("gateway event listener and spool")
struct GatewayEventListenerTests {
    static func chunks(_ lines: [String], seed: UInt64) -> [[String]] {
        var chunks: [[String]] = []
        var index = 0
        var generator = SplitMix64(seed: seed)
        while index < lines.count {
            let size = 50 + Int(generator.next() % 400)
            chunks.append(Array(lines[index..<min(index + size, lines.count)]))
            index += size
        }
        return chunks
    }

    /// What one uninterrupted follower of a plain file stages from all the lines.
    static func reference(_ directory: TemporaryDirectory, _ lines: [String]) async throws -> [String] {
        try await FollowerReplay.follow(directory, staging: "reference.sqlite", chunks: [lines], restartBetween: false)
    }

    /// The staged rows once they equal `expected`, or as they are after 20 s (the follower polls every 250 ms).
    static func staged(_ path: String, reaching expected: [String]) async throws -> [String] {
        var staged: [String] = []
        for _ in 0..<80 {
            staged = try StagedRows.read(path)
            if staged == expected { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        return staged
    }

    @Test("a spool of small segments, followed with a restart after every append, stages what a plain file does; consumed segments are deleted")
    func spoolRestarts() async throws {
        let directory = try TemporaryDirectory()
        let lines = GatewayEventWorkload.lines()
        let expected = try await Self.reference(directory, lines)
        let options = GatewaySessionizer.Options(observerID: "gw-a", idleTimeoutMs: 120_000)
        let spoolPath = directory.file("staging.sqlite.events")
        var segmentsSeen = 0
        for chunk in Self.chunks(lines, seed: 4) {
            // A crash between appends: the spool and the follower are reopened from disk every time.
            let spool = try GatewayEventSpool(directory: spoolPath, segmentBytes: 16 << 10)
            try spool.append(Array(chunk.map { $0 + "\n" }.joined().utf8))
            let follower = GatewayEventFollower(source: spool, staging: try StagingActor(path: directory.file("staging.sqlite")), options: options)
            try await follower.poll()
            segmentsSeen = max(segmentsSeen, try FileManager.default.contentsOfDirectory(atPath: spoolPath).count)
        }
        let staged = try StagedRows.read(directory.file("staging.sqlite"))
        #expect(staged == expected)
        #expect(staged.count > 200)
        let left = try FileManager.default.contentsOfDirectory(atPath: spoolPath)
        let total = lines.reduce(0) { $0 + $1.utf8.count + 1 }
        #expect(left.count < total / (16 << 10) / 2, "consumed segments are deleted: \(left.count) of about \(total / (16 << 10)) remain")
        #expect(segmentsSeen >= 2)
    }

    @Test("a partial last line left by a crash mid-append is cut when the spool reopens")
    func partialTail() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("spool")
        do {
            let spool = try GatewayEventSpool(directory: path)
            try spool.append(Array("{\"a\":1}\n{\"b\":2}\n".utf8))
        }
        let segment = "\(path)/00000000000000000000.jsonl"
        let handle = try #require(FileHandle(forWritingAtPath: segment))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"c\":".utf8))
        try handle.close()
        let spool = try GatewayEventSpool(directory: path)
        try spool.append(Array("{\"d\":4}\n".utf8))
        #expect(String(decoding: try spool.read(from: 0, limit: 1 << 20), as: UTF8.self) == "{\"a\":1}\n{\"b\":2}\n{\"d\":4}\n")
        #expect(spool.status()?.size == 24)
        #expect(String(decoding: try spool.read(from: 8, limit: 8), as: UTF8.self) == "{\"b\":2}\n")
    }

    @Test("a body is taken whole or refused whole, with the line that is wrong")
    func parse() {
        #expect(GatewayEventListener.parse(Array("{\"id\":\"1\"}\r\n\n{\"id\":\"2\"}".utf8))
                == .events(count: 2, bytes: Array("{\"id\":\"1\"}\n{\"id\":\"2\"}\n".utf8)))
        #expect(GatewayEventListener.parse(Array("{\"id\":\"1\"}\n[1,2]\n".utf8)) == .refused(line: 2, reason: "not a JSON object (one event per line)"))
        guard case .refused(3, let reason) = GatewayEventListener.parse(Array("{}\n{}\n{\"id\":\n".utf8)) else {
            Issue.record("a truncated object must be refused at line 3")
            return
        }
        #expect(reason.hasPrefix("not JSON"))
        guard case .refused(1, _) = GatewayEventListener.parse(Array("\n \n".utf8)) else {
            Issue.record("a body without events must be refused")
            return
        }
    }

    @Test("assay collect run with a listen source: POSTed events are staged once and whole across a SIGKILL; bad bodies are refused with their line")
    func listenAcrossKill() async throws {
        let directory = try TemporaryDirectory()
        let lines = GatewayEventWorkload.lines()
        let expected = try await Self.reference(directory, lines)
        try #require(try Command.assay(["keygen", "--output", directory.file("gw-a")]).status == 0)
        try directory.write("collector.yaml", """
            collector:
              id: gw-a
              key: gw-a
            dataset:
              repository: dataset
            staging: staging.sqlite
            seal:
              grace: 6h
            gateway_events:
              - listen: 127.0.0.1:0

            """)
        func start() throws -> ServerProcess {
            // The clock starts at the events' day, so no day is due for sealing while the test runs.
            try ServerProcess(Command.assayPath, ["collect", "run", "--config", directory.file("collector.yaml"),
                                                  "--clock-start", "2026-01-01T00:00:00Z"], waitFor: ["events"])
        }
        var collector = try start()
        let chunks = Self.chunks(lines, seed: 12)
        let killAt = chunks.count / 2
        for (index, chunk) in chunks.enumerated() {
            if index == killAt {
                // Every acknowledged event is on disk: a SIGKILL now loses nothing.
                _ = collector.stop(signal: SIGKILL)
                collector = try start()
            }
            let response = try HTTPClient.request(collector.addresses["events"]!, "POST", "/v1/events",
                                                  body: Array(chunk.map { $0 + "\n" }.joined().utf8))
            #expect(response.status == 202, "chunk \(index): \(String(decoding: response.body, as: UTF8.self))")
            #expect(String(decoding: response.body, as: UTF8.self) == "{\"accepted\":\(chunk.count)}\n")
        }
        let bad = try HTTPClient.request(collector.addresses["events"]!, "POST", "/v1/events", body: Array("{\"id\":\"x\"}\nnot json\n".utf8))
        #expect(bad.status == 400)
        #expect(String(decoding: bad.body, as: UTF8.self).contains("line 2: not JSON"))
        let staged = try await Self.staged(directory.file("staging.sqlite"), reaching: expected)
        #expect(collector.stop() == 0)
        #expect(staged.count == expected.count)
        #expect(staged == expected)
    }

    @Test("assay collect run with stdin: piped events are staged as from a file; an unauthenticated listener must be on loopback")
    func standardInput() async throws {
        let directory = try TemporaryDirectory()
        let lines = GatewayEventWorkload.lines()
        let expected = try await Self.reference(directory, lines)
        try #require(try Command.assay(["keygen", "--output", directory.file("gw-a")]).status == 0)
        let configuration = """
            collector:
              id: gw-a
              key: gw-a
            dataset:
              repository: dataset
            staging: staging.sqlite
            gateway_events:
              - stdin: true

            """
        try directory.write("collector.yaml", configuration)
        let collector = Process()
        collector.executableURL = URL(fileURLWithPath: Command.assayPath)
        collector.arguments = ["collect", "run", "--config", directory.file("collector.yaml"), "--clock-start", "2026-01-01T00:00:00Z"]
        let input = Pipe()
        collector.standardInput = input
        collector.standardOutput = FileHandle.nullDevice
        collector.standardError = FileHandle.nullDevice
        try collector.run()
        defer { if collector.isRunning { kill(collector.processIdentifier, SIGKILL) } }
        // The last line has no newline: end of input completes it.
        try input.fileHandleForWriting.write(contentsOf: Data(lines.joined(separator: "\n").utf8))
        try input.fileHandleForWriting.close()
        let staged = try await Self.staged(directory.file("staging.sqlite"), reaching: expected)
        kill(collector.processIdentifier, SIGTERM)
        collector.waitUntilExit()
        #expect(collector.terminationStatus == 0)
        #expect(staged == expected)

        try directory.write("public.yaml", configuration.replacingOccurrences(of: "- stdin: true", with: "- listen: 0.0.0.0:9110"))
        let check = try Command.assay(["collect", "check-config", directory.file("public.yaml")])
        #expect(check.status == 1)
        #expect(check.stderr.contains("public.yaml:8: gateway_events.listen '0.0.0.0:9110' must be a loopback address"))
    }
}
