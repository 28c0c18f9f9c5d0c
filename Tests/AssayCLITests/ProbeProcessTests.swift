import AssayCore
import AssayGatewayStandIn
import AssayHTTP
import AssayStore
import AssayTestSupport
import Foundation
import Hummingbird
import Testing

/// `assay probe run` as a process against the gateway stand-in: killed with SIGKILL while a request is in flight,
/// then restarted later the same day, it loses no probe, records none twice, and reports the cut-short attempt as
/// interrupted, never as a result; the probes planned while it was down are recorded as tester_down.
@Suite("the tester as a process: crash and restart, and inside the collector", .serialized)
struct ProbeProcessTests {
    static let dayStart = UTCDay("2026-12-01")!.startMs
    /// A day in ten real seconds.
    static let speed = 8640.0

    /// One text-to-image scenario of model m, 32×32.
    static func scenarios(perDay: Int, timeoutMs: Int) -> String {
        """
        scenarios:
          - id: t2i
            pipeline: text-to-image
            model_id: m
            request: {json: {model_id: m, prompt: a bear, width: 32, height: 32}}
            checks: {status: 200, images: {count: 1, width: 32, height: 32}}
            timeout_ms: \(timeoutMs)
            schedule: {per_day: \(perDay)}
        version: 1

        """
    }

    @Test("kill -9 mid-request, restart: every probe of the day recorded once, the cut-short one as interrupted")
    func killAndRestart() async throws {
        // Real processes on a clock that runs with the machine's: never beside the other heavy process tests.
        try await TestExclusion.exclusively { try await runKillAndRestart() }
    }

    func runKillAndRestart() async throws {
        let directory = try TemporaryDirectory()
        let webhookPort = try LoopbackPort.free()
        let slow = GatewayStandIn.Orchestrator(address: "0x" + String(repeating: "1", count: 40), uri: "https://orch-1.example:8935",
                                               models: [(pipeline: "text-to-image", model: "m")], behaviour: .slow(ms: 60_000))
        let quick = GatewayStandIn.Orchestrator(address: "0x" + String(repeating: "2", count: 40), uri: "https://orch-2.example:8935",
                                                models: [(pipeline: "text-to-image", model: "m")])
        let standIn = GatewayStandIn(orchestrators: [slow, quick], webhook: "http://127.0.0.1:\(webhookPort)/orchestrators", refresh: .milliseconds(30))
        let (gateway, server) = await standIn.start()
        defer { server.cancel() }

        try directory.write("scenarios.yaml", Self.scenarios(perDay: 3, timeoutMs: 120_000))
        try Files.writeAtomically(directory.file("probe.yaml"), contents: Array("""
            tester:
              id: tester-a
            scenarios: scenarios.yaml
            staging: staging.sqlite
            gateway:
              api: \(gateway)
              cli: \(gateway)
              rtmp: rtmp://127.0.0.1:1935
              webhook_listen: 127.0.0.1:\(webhookPort)
              webhook_refresh: 30ms

            """.utf8))
        func tester(clockStart: Int64, log: String) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Command.assayPath)
            process.arguments = ["probe", "run", "--config", directory.file("probe.yaml"), "--clock-start", UTCTime.iso8601(milliseconds: clockStart),
                                 "--speed", String(Self.speed), "--days", "1"]
            process.standardOutput = FileHandle.nullDevice
            _ = FileManager.default.createFile(atPath: directory.file(log), contents: nil)  // the handle below fails if it is not there
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.file(log)))
            try process.run()
            return process
        }

        // First run: killed while the slow orchestrator holds a request.
        let first = try tester(clockStart: Self.dayStart, log: "first.log")
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        let deadline = Date().addingTimeInterval(180)
        while standIn.inFlight == 0 || standIn.served.last?.orchestrator != slow.uri {
            try #require(Date() < deadline, "no request reached the slow orchestrator within 180 s (a loaded machine starts processes slowly)")
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(first.terminationReason == .uncaughtSignal)
        // A minute-long answer leaves a loaded machine time to see the request in flight; the restarted tester gets quick ones.
        standIn.setBehaviour(slow.address, .reliable)

        // Second run, from 16:00: the rest of the day.
        let second = try tester(clockStart: Self.dayStart + 16 * 3_600_000, log: "second.log")
        defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
        let end = Date().addingTimeInterval(180)
        while second.isRunning {
            try #require(Date() < end, "the restarted tester did not finish its day within 180 s")
            try await Task.sleep(for: .milliseconds(50))
        }
        let secondLog = String(decoding: try Files.read(directory.file("second.log")), as: UTF8.self)
        #expect(second.terminationStatus == 0, "\(secondLog)")

        let store = try StagingStore(path: directory.file("staging.sqlite"))
        var records: [Record] = []
        try store.forEachRecord(day: UTCDay("2026-12-01")!) { bytes in
            if let record = try? Record.parse(bytes) { records.append(record) } else { Issue.record("a staged line does not validate") }
        }
        #expect(try store.inflightProbes().isEmpty)
        // Two targets, three probes each a day: six records, one per probe, never two.
        #expect(records.count == 6)
        #expect(Set(records.map(\.id)).count == 6)
        let outcomes = records.map { $0["outcome"]?.stringValue ?? "" }
        #expect(outcomes.filter { $0 == "interrupted" }.count == 1, "\(outcomes)")
        let interrupted = records.first { $0["outcome"] == .string("interrupted") }
        #expect(interrupted?["orchestrator"] == .string(slow.address))
        #expect(interrupted?["sent_ms"] != nil && interrupted?["latency_ms"] == nil && interrupted?["http_status"] == nil)
        // Probes planned after the cut-short one and before 16:00 were missed while no tester ran: tester_down, exactly
        // those. (What the runs attempted may be anything a gateway answers; under load that includes gateway_down.)
        let killedAt = interrupted?["start_ms"]?.intValue ?? .max, restartedAt = Self.dayStart + 16 * 3_600_000
        for record in records {
            let start = record["start_ms"]?.intValue ?? 0
            let missed = start > killedAt && start < restartedAt
            #expect((record["skip_reason"] == .string("tester_down")) == missed, "\(String(decoding: record.canonicalBytes(), as: UTF8.self))")
        }
        // The probes of the evening were sent by the second run.
        #expect(records.contains { ($0["start_ms"]?.intValue ?? 0) >= Self.dayStart + 16 * 3_600_000 && $0["sent_ms"] != nil })

        // The staging store is a collector's: its seal puts the test jobs in the day's signed bundle, which verifies.
        try TestDataset.create(in: directory, id: "tested", publish: false)
        let sealed = try Command.assay(["seal", "--dataset", directory.file("dataset"), "--collector", "tester-a", "--day", "2026-12-01",
                                        "--key", directory.file("gw-a"), "--signer", "gw-a", "--staging", directory.file("staging.sqlite")])
        #expect(sealed.status == 0, "\(sealed.stderr)")
        #expect(sealed.stdout.contains("test_job 6"), "\(sealed.stdout)")
        let verified = try Command.run(Command.assayVerifyPath, [directory.file("dataset"), "--today", "2027-01-01"])
        #expect(verified.status == 0, "\(verified.stdout)")
    }

    @Test("one daemon: assay collect run with a probe section tests, seals, commits to and reveals each day; the clone verifies with both verifiers")
    func collectorRunsTheTester() async throws {
        try await TestExclusion.exclusively { try await runCollectorRunsTheTester() }
    }

    func runCollectorRunsTheTester() async throws {
        let directory = try TemporaryDirectory()
        let webhookPort = try LoopbackPort.free()
        let good = GatewayStandIn.Orchestrator(address: "0x" + String(repeating: "1", count: 40), uri: "https://orch-1.example:8935",
                                               models: [(pipeline: "text-to-image", model: "m")])
        let failing = GatewayStandIn.Orchestrator(address: "0x" + String(repeating: "2", count: 40), uri: "https://orch-2.example:8935",
                                                  models: [(pipeline: "text-to-image", model: "m")], behaviour: .failing(status: 503, message: "insufficient capacity"))
        let standIn = GatewayStandIn(orchestrators: [good, failing], webhook: "http://127.0.0.1:\(webhookPort)/orchestrators", refresh: .milliseconds(30))
        let (gateway, server) = await standIn.start()
        defer { server.cancel() }
        try TestDataset.create(in: directory, id: "one-daemon")
        try directory.write("scenarios.yaml", Self.scenarios(perDay: 2, timeoutMs: 20_000))
        // The collector has nothing else to collect: the tester alone is enough, and its section takes the collector's
        // staging store and names the tester after the collector.
        try directory.write("collector.yaml", """
            collector:
              id: gw-a
              key: gw-a
            dataset:
              repository: dataset
            staging: staging.sqlite
            seal:
              grace: 4h
            probe:
              scenarios: scenarios.yaml
              gateway:
                api: \(gateway)
                cli: \(gateway)
                rtmp: rtmp://127.0.0.1:1935
                webhook_listen: 127.0.0.1:\(webhookPort)
                webhook_refresh: 30ms

            """)
        let collector = Process()
        collector.executableURL = URL(fileURLWithPath: Command.assayPath)
        collector.arguments = ["collect", "run", "--config", directory.file("collector.yaml"), "--clock-start", UTCTime.iso8601(milliseconds: Self.dayStart),
                               "--speed", String(Self.speed)]
        collector.standardOutput = FileHandle.nullDevice
        FileManager.default.createFile(atPath: directory.file("collector.log"), contents: nil)
        collector.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.file("collector.log")))
        try collector.run()
        defer { if collector.isRunning { kill(collector.processIdentifier, SIGKILL) } }
        // Two days (about 20 real seconds alone; a machine loaded by the rest of the suite has taken four minutes), then
        // the second day sealed and pushed after its grace. The deadline is an upper bound, not a measurement.
        let deadline = Date().addingTimeInterval(480)
        while Date() < deadline {
            let tree = try Command.system("git", ["-C", directory.file("public.git"), "ls-tree", "-r", "--name-only", "main"])
            if tree.stdout.contains("bundles/gw-a/2026/12/02/probes.json") { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        kill(collector.processIdentifier, SIGTERM)
        collector.waitUntilExit()
        let log = String(decoding: try Files.read(directory.file("collector.log")), as: UTF8.self)
        #expect(collector.terminationStatus == 0, "\(log)")
        let clone = directory.file("clone")
        #expect(try Command.system("git", ["clone", "-q", directory.file("public.git"), clone]).status == 0)
        for day in ["01", "02"] {
            let bundle = "\(clone)/bundles/gw-a/2026/12/\(day)"
            let reveal = try JSONParser().parse(try Files.read("\(bundle)/probes.json").dropLast())
            #expect(reveal["tester"] == .string("tester-gw-a"), "the tester is named after the collector")
            let records = String(decoding: try Files.read("\(bundle)/records.jsonl"), as: UTF8.self).split(separator: "\n")
            // Two orchestrators, two probes each: four test jobs, one per probe, whether the tester or (if a loaded machine
            // made it that late) the seal recorded it.
            #expect(records.filter { $0.contains(#""kind":"test_job""#) }.count == 4, "\(day): \(records.count) records")
            #expect(records.contains { $0.contains(#""error_text":"insufficient%20capacity""#) || $0.contains(#""skip_reason":"tester_down""#) })
            #expect(Files.kind("\(clone)/probes/commitments/gw-a/2026/12/\(day).json") == .regular)
        }
        // Every hash, reveal and order checks (the dataset has no witnesses, so each commitment's time is a warning only).
        for verifier in [[Command.assayVerifyPath, clone, "--today", "2027-01-01"],
                         ["/usr/bin/env", "python3", Repository.url("verify/assay_verify.py").path, clone, "--today", "2027-01-01"]] {
            let result = try Command.run(verifier[0], Array(verifier.dropFirst()))
            #expect(result.status == 0, "\(verifier[0]): \(result.stdout)\(result.stderr)\n\(log)")
            #expect(result.stdout.contains("probe-timing"), "\(result.stdout)")
        }
    }
}
