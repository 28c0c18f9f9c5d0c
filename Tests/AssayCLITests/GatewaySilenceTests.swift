import AssayCore
import AssayHTTP
import AssaySimulate
import AssayTestSupport
import Foundation
import Testing

/// A gateway that falls silent loses no session (issue: an operator's first
/// deployment). The real go-livepeer events of ../shared/fixtures reach a
/// collector through each kind of source and then stop; the collector's clock
/// runs on past the seal grace. Every session `assay ingest` makes of the same
/// events must be in the sealed bundle — before, the last two stayed open until
/// a later event arrived and were lost to the day.
@Suite("a silent gateway loses no session", .serialized, .enabled(if: Shared.isAvailable, Shared.skipReason))
struct GatewaySilenceTests {
    static let fixtures = "fixtures/go-livepeer-events"

    /// The fixture events, in capture order.
    static func events() throws -> [UInt8] {
        try Shared.list(fixtures).filter { $0.hasSuffix(".jsonl") }.sorted().flatMap { try Shared.bytes("\(fixtures)/\($0)") }
    }

    enum Source: String, CaseIterable, CustomTestStringConvertible {
        case file, listen, stdin
        var testDescription: String { "gateway_events \(rawValue)" }
    }

    @Test("the fixture events, then silence: the sealed day holds every session the mapping makes", arguments: Source.allCases)
    func silence(_ source: Source) async throws {
        try await TestExclusion.exclusively { try await runSilence(source) }
    }

    func runSilence(_ source: Source) async throws {
        let directory = try TemporaryDirectory()
        let events = try Self.events()
        try directory.write("events.jsonl", bytes: events)
        // What the mapping makes of the whole input (closing everything at its end).
        let ingest = try Command.assay(["ingest", "--format", "go-livepeer", "--observer", "gw-a", directory.file("events.jsonl")])
        try #require(ingest.status == 0, "\(ingest.stderr)")
        let expected = ingest.stdout.split(separator: "\n").map(String.init)
        try #require(expected.count == 6, "the fixtures make 4 live sessions and 2 capability snapshots: \(ingest.stdout)")
        #expect(expected.filter { $0.contains(#""outcome":"completed""#) }.count == 2, "two of them served by an orchestrator")

        // A dataset with a bare remote, and a collector that reads only the gateway's events.
        try TestDataset.create(in: directory, id: "silence")
        let port = try LoopbackPort.free()
        let sourceYAML = switch source {
        case .file: "  - file: events.jsonl"
        case .listen: "  - listen: 127.0.0.1:\(port)"
        case .stdin: "  - stdin: true"
        }
        try directory.write("collector.yaml", """
            collector:
              id: gw-a
              key: gw-a
            dataset:
              repository: dataset
            staging: staging.sqlite
            gateway_events:
            \(sourceYAML)

            """)
        // The fixture's last event is at 2026-01-09T13:54:55Z. The clock starts just after it and runs
        // 1800 times faster: the day ends 10 simulated hours later and is due 2 hours after that (24 s: time
        // for a debug collector on a loaded machine to start its listener and take the events first).
        let collector = Process()
        collector.executableURL = URL(fileURLWithPath: Command.assayPath)
        collector.arguments = ["collect", "run", "--config", directory.file("collector.yaml"),
                               "--clock-start", "2026-01-09T14:00:00Z", "--speed", "1800"]
        let stdin = Pipe()
        collector.standardInput = stdin
        collector.standardOutput = FileHandle.nullDevice
        // The log goes to a file: a pipe nobody reads while the collector runs could fill and block it.
        FileManager.default.createFile(atPath: directory.file("collector.log"), contents: nil)
        collector.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.file("collector.log")))
        try collector.run()
        defer { if collector.isRunning { kill(collector.processIdentifier, SIGKILL) } }
        switch source {
        case .file: try stdin.fileHandleForWriting.close()
        case .stdin:
            try stdin.fileHandleForWriting.write(contentsOf: Data(events))
            try stdin.fileHandleForWriting.close()
        case .listen:
            try stdin.fileHandleForWriting.close()
            var answer: HTTPResponse?
            for _ in 0..<100 where answer == nil {
                answer = try? HTTPClient.request("127.0.0.1:\(port)", "POST", "/v1/events", body: events)
                if answer == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(answer?.status == 202, "the listener took the events: \(answer.map { "\($0.status) \($0.text)" } ?? "no answer")")
        }
        // Then nothing more arrives. Wait for the day to be sealed.
        let bundle = directory.file("dataset/bundles/gw-a/2026/01/09")
        let deadline = Date().addingTimeInterval(90)
        while !Files.exists("\(bundle)/manifest.json"), collector.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        kill(collector.processIdentifier, SIGTERM)
        collector.waitUntilExit()
        let log = String(decoding: try Files.read(directory.file("collector.log")), as: UTF8.self)
        try #require(Files.exists("\(bundle)/manifest.json"), "2026-01-09 was sealed: \(log)")
        let sealed = Set(String(decoding: try Files.read("\(bundle)/records.jsonl"), as: UTF8.self).split(separator: "\n").map(String.init))
        for record in expected {
            #expect(sealed.contains(record), "the bundle holds \(record.prefix(120))…")
        }
        #expect(sealed.filter { $0.contains(#""kind":"live_session""#) }.count == 4)
        #expect(log.contains("gateway events") && log.contains("sealed"), "the log says what it read and sealed: \(log)")
        // collect status says what the source read, and that nothing is left open.
        let status = try Command.assay(["collect", "status", "--config", directory.file("collector.yaml")])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("100 events read"), "\(status.stdout)")
        #expect(status.stdout.contains("no session, request or job open"), "\(status.stdout)")
        #expect(status.stdout.contains("live_session 4"), "\(status.stdout)")
    }
}
