import AssayCore
import AssayHTTP
import AssaySimulate
import AssayTestSupport
import Foundation
import Synchronization
import Testing

/// The collector daemon end to end on loopback: three real exporters (healthy,
/// flaky behind a proxy that fails and stalls, one that dies mid-day and comes
/// back), two simulated days in compressed time, a bare git remote.
@Suite("collector daemon", .enabled(if: Command.available("git"), "git is not installed"))
struct CollectorDaemonTests {
    static let dayOne: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z
    static let speed: Double = 3600  // one simulated day in 24 real seconds
    static let address = "0xd00354656922168815fcd1e51cbddb9e359e3c7f"

    final class Counter: Sendable {
        let value = Mutex(0)
        func next() -> Int { value.withLock { $0 += 1; return $0 } }
    }

    static func record(_ id: String, start: Int64) -> String {
        #"{"schema":1,"kind":"batch_request","id":"\#(id)","observer_role":"orchestrator","observer_id":"orch-test","request_id":"\#(id)","pipeline":"text-to-image","model_id":"m","start_ms":\#(start),"success":true,"tries":1}"#
    }

    @Test("two simulated days: signed bundles pushed, a fresh clone verifies, every record exactly once")
    func twoDays() async throws {
        // The body paces itself against the collector's compressed clock and blocks on processes and
        // synchronous HTTP, so it runs on a thread of its own, not on the cooperative pool that other
        // tests' waiting can starve.
        try await TestExclusion.exclusively { try await DedicatedThread.run { try runTwoDays() } }
    }

    func runTwoDays() throws {
        let directory = try TemporaryDirectory()
        func exporter(_ name: String, port: Int = 0) throws -> ServerProcess {
            try ServerProcess(Command.assayPath, ["exporter", "serve", "--store", directory.file("\(name).sqlite"), "--orchestrator", Self.address,
                                                  "--scrape-listen", "127.0.0.1:\(port)", "--ingest-listen", "127.0.0.1:0"], waitFor: ["scrape", "ingest"])
        }
        let healthy = try exporter("healthy")
        let flakyBackend = try exporter("flaky")
        var dying: ServerProcess? = try exporter("dying")
        let dyingScrape = dying!.addresses["scrape"]!
        let dyingPort = Int(dyingScrape.split(separator: ":").last!)!
        let backend = flakyBackend.addresses["scrape"]!
        let counter = Counter()
        let proxy = try FakeHTTPServer { target in
            let n = counter.next()
            if n % 3 == 0 { return .http(500, Array("flaky".utf8)) }
            let reply = (try? HTTPClient.request(backend, "GET", target)).map { FakeHTTPServer.Reply.http($0.status, $0.body) } ?? .http(502, [])
            if n % 7 == 0 { return FakeHTTPServer.Reply(bytes: reply.bytes, delayMicroseconds: 1_500_000, chunk: 64) }
            return reply
        }

        // The dataset: a work tree whose origin is a bare repository.
        try TestDataset.create(in: directory, id: "daemon-test")
        let metricsPort = try LoopbackPort.free()
        try directory.write("collector.yaml", """
            collector:
              id: gw-a
              key: gw-a
            dataset:
              repository: dataset
            staging: staging.sqlite
            global:
              scrape_interval: 10m
              scrape_timeout: 1s
            seal:
              grace: 8h
            metrics:
              listen: 127.0.0.1:\(metricsPort)
            gateway_events:
              - file: events.jsonl
            scrape_configs:
              - job_name: orchestrators
                page_records: 25
                static_configs:
                  - targets: ["http://\(healthy.addresses["scrape"]!)", "\(proxy.url)", "http://\(dyingScrape)"]
                    labels:
                      orchestrator: "\(Self.address)"

            """)
        // The gateway's own events: 40 live streams over the two days, appended as simulated time reaches them.
        var eventGenerator = SyntheticGatewayEvents(streams: 40, startMs: Self.dayOne, durationMs: 40 * 3_600_000, seed: 3)
        var pendingEvents = eventGenerator.events()[...]
        FileManager.default.createFile(atPath: directory.file("events.jsonl"), contents: nil)
        let events = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.file("events.jsonl")))
        defer { try? events.close() }
        let collector = Process()
        collector.executableURL = URL(fileURLWithPath: Command.assayPath)
        collector.arguments = ["collect", "run", "--config", directory.file("collector.yaml"),
                               "--clock-start", UTCTime.iso8601(milliseconds: Self.dayOne), "--speed", String(Self.speed)]
        collector.standardOutput = FileHandle.nullDevice
        // The daemon's log goes to a file: a pipe nobody reads would fill and block it.
        FileManager.default.createFile(atPath: directory.file("collector.log"), contents: nil)
        collector.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.file("collector.log")))
        let launched = Date()
        try collector.run()
        defer { if collector.isRunning { kill(collector.processIdentifier, SIGKILL) } }
        func simulatedNow() -> Int64 { Self.dayOne + Int64(Date().timeIntervalSince(launched) * 1000 * Self.speed) }

        // Ingest through two simulated days. The grace period (8 simulated hours, 8 real seconds) is
        // what a stalled loop on a loaded machine may lag before a record becomes late; the third exporter is down from 12:00 to 18:00 on day one.
        var ingested: Set<String> = []
        var sequence = 0
        var killedAt: Date?
        while simulatedNow() < Self.dayOne + 2 * 86_400_000 - 6 * 3_600_000 {
            let now = simulatedNow()
            let dayOneNoon = Self.dayOne + 12 * 3_600_000, dayOneEvening = Self.dayOne + 18 * 3_600_000
            // A loaded machine can stall this loop past the whole window, so the kill happens at the first
            // look after noon, and the restart waits for the evening and for at least 3 simulated hours down.
            if now >= dayOneNoon && killedAt == nil, let server = dying {
                _ = server.stop(signal: SIGKILL)
                dying = nil
                killedAt = Date()
            }
            if now >= dayOneEvening && dying == nil, let killedAt, Date().timeIntervalSince(killedAt) * Self.speed >= 3 * 3_600 {
                dying = try exporter("dying", port: dyingPort)
            }
            var targets = [("h", healthy.addresses["ingest"]!), ("f", flakyBackend.addresses["ingest"]!)]
            if let dying { targets.append(("d", dying.addresses["ingest"]!)) }
            for (prefix, ingest) in targets {
                let ids = (0..<3).map { _ -> String in sequence += 1; return "\(prefix)-\(sequence)" }
                let body = Array(ids.map { Self.record($0, start: now) + "\n" }.joined().utf8)
                if (try? HTTPClient.request(ingest, "POST", "/v1/ingest", body: body))?.status == 200 { ingested.formUnion(ids) }
            }
            var due: [String] = []
            while let next = pendingEvents.first, next.time <= now {
                due.append(next.line)
                pendingEvents = pendingEvents.dropFirst()
            }
            if !due.isEmpty { try events.write(contentsOf: Data(due.map { $0 + "\n" }.joined().utf8)) }
            Thread.sleep(forTimeInterval: 0.15)
        }
        // The collector reports itself on its metrics listener.
        let metrics = try HTTPClient.request("127.0.0.1:\(metricsPort)", "GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("assay_collect_target_up{target=\"http://\(healthy.addresses["scrape"]!)\"} 1"), "\(metrics.text)")
        #expect(metrics.text.contains("assay_collect_push_failures 0"))
        #expect(try HTTPClient.request("127.0.0.1:\(metricsPort)", "GET", "/healthz").status == 200)
        // Wait for the second day to be sealed and pushed.
        let deadline = Date().addingTimeInterval(60)
        var pushed = 0
        while Date() < deadline {
            let log = try Command.system("git", ["-C", directory.file("public.git"), "log", "--format=%s", "main"])
            pushed = log.stdout.split(separator: "\n").filter { $0.hasPrefix("Seal gw-a") }.count
            let clone = try? Command.system("git", ["-C", directory.file("public.git"), "ls-tree", "-r", "--name-only", "main"])
            if clone?.stdout.contains("bundles/gw-a/2026/01/02/manifest.json") == true { break }
            Thread.sleep(forTimeInterval: 0.25)
        }
        kill(collector.processIdentifier, SIGTERM)
        collector.waitUntilExit()
        #expect(pushed >= 1)
        let status = try Command.assay(["collect", "status", "--config", directory.file("collector.yaml")])
        #expect(status.stdout.contains("late records (arrived after their day was sealed, kept in quarantine): 0"), "\(status.stdout)")
        #expect(status.stdout.contains("last sealed day: 2026-01-02; next seal: 2026-01-03 at 2026-01-04T08:00:00.000Z"), "\(status.stdout)")
        // Each target shows its last attempt. On a saturated machine even the healthy target's very last 1-s scrape
        // can time out; that it was scraped is checked through /metrics above and here by the records it staged.
        let healthyLine = status.stdout.split(separator: "\n").first { $0.hasPrefix("http://\(healthy.addresses["scrape"]!) ") }
        #expect(healthyLine.map { $0.contains("staged ") && !$0.hasSuffix("staged 0") } == true, "\(status.stdout)")
        #expect(status.stdout.contains("  last attempt: ok at 2026-01-0") || status.stdout.contains("  last attempt: timeout at 2026-01-0"),
                "\(status.stdout)")
        // The flaky target fails with 500s and with stalls past the timeout; either may be the latest.
        #expect(status.stdout.contains("  last failure: http_error at 2026-01-0") || status.stdout.contains("  last failure: timeout at 2026-01-0"),
                "the flaky target's failures are shown: \(status.stdout)")

        let clone = directory.file("clone")
        #expect(try Command.system("git", ["clone", "-q", directory.file("public.git"), clone]).status == 0)
        let verify = try Command.assay(["verify", clone, "--git"])
        let log = String(decoding: try Files.read(directory.file("collector.log")), as: UTF8.self)
        #expect(verify.status == 0, "\(verify.stdout)\n\(log)")
        // One line per scrape summary, gateway-event pass, seal and push.
        for message in ["assay.collect: scraped", "assay.collect: gateway events", "assay.collect: sealed", "assay.collect: pushed"] {
            #expect(log.contains(message), "the log has '\(message)' lines")
        }
        for day in ["01", "02"] {
            #expect(FileManager.default.fileExists(atPath: "\(clone)/bundles/gw-a/2026/01/\(day)/manifest.json"))
            let signature = try Command.system("ssh-keygen", ["-Y", "verify", "-f", "\(clone)/policy/0001/allowed_signers", "-I", "gw-a", "-n", "assay-manifest-v1",
                                                              "-s", "\(clone)/bundles/gw-a/2026/01/\(day)/signatures/gw-a.sig"],
                                               input: try Files.read("\(clone)/bundles/gw-a/2026/01/\(day)/manifest.json"))
            #expect(signature.status == 0)
            // The day's scores were published beside the bundles, signed, and recompute byte for byte (spec/scoring.md §10).
            let scores = "\(clone)/scores/gw-a/2026/01/\(day)"
            #expect(FileManager.default.fileExists(atPath: "\(scores)/scores.json"))
            let scoresSignature = try Command.system("ssh-keygen", ["-Y", "verify", "-f", "\(clone)/policy/0001/allowed_signers", "-I", "gw-a", "-n", "assay-scores-v1",
                                                                    "-s", "\(scores)/signatures/gw-a.sig"], input: try Files.read("\(scores)/scores.json"))
            #expect(scoresSignature.status == 0)
            // `assay score` over every bundle of the clone gives the same scores from the same bundles (the published
            // document adds the heads it was computed at and its exclusions, here none).
            let recomputed = try JSONParser().parse(try Command.assay(["score", "--dataset", clone, "--day", "2026-01-\(day)"]).stdoutBytes)
            let published = try JSONParser().parse(try Files.read("\(scores)/scores.json"))
            #expect(recomputed["scores"] == published["scores"] && recomputed["inputs"]?["bundles"] == published["inputs"]?["bundles"],
                    "with every bundle of the clone, the scores of 2026-01-\(day) are those the collector published")
            #expect(published["inputs"]?["excluded"] == .array([]) && published["inputs"]?["heads"]?.arrayValue.count == 1)
        }
        let independent = try Command.system("python3", [Repository.url("verify/assay_verify.py").path, clone])
        #expect(independent.status == 0, "\(independent.stdout)")
        // A changed score is caught by both verifiers.
        let tampered = directory.file("tampered")
        _ = try Command.system("cp", ["-R", clone, tampered])
        let scoresFile = "\(tampered)/scores/gw-a/2026/01/01/scores.json"
        let text = String(decoding: try Files.read(scoresFile), as: UTF8.self)
        try Files.writeAtomically(scoresFile, contents: Array(text.replacingOccurrences(of: "\"excused\":", with: "\"excused\":1").utf8))
        let caught = try Command.assay(["verify", tampered])
        #expect(caught.status == 1)
        #expect(caught.stdout.contains("scores-mismatch") || caught.stdout.contains("scores-document"), "\(caught.stdout)")
        let caughtIndependently = try Command.system("python3", [Repository.url("verify/assay_verify.py").path, tampered])
        #expect(caughtIndependently.status == 1)
        // Every ingested record appears exactly once across the bundles.
        var seen: [String: Int] = [:]
        var probes: [String: Int] = [:]
        var sessions: [String: Int] = [:]
        var dyingFailures = 0
        for day in DatasetDirectoryDays.list("\(clone)/bundles/gw-a") {
            for line in String(decoding: try Files.read("\(clone)/bundles/gw-a/\(day)/records.jsonl"), as: UTF8.self).split(separator: "\n") {
                let value = try JSONParser().parse(String(line))
                if value["kind"] == "probe" {
                    probes[value["outcome"]?.stringValue ?? "", default: 0] += 1
                    if value["target_url"] == .string("http://\(dyingScrape)") && value["outcome"] != "ok" { dyingFailures += 1 }
                } else if value["observer_id"] == "gw-a" {
                    // Observed by the gateway itself (live sessions, batch, LLM, BYOC jobs from its event file).
                    sessions[value["id"]?.stringValue ?? "", default: 0] += 1
                } else {
                    seen[value["id"]?.stringValue ?? "", default: 0] += 1
                }
            }
        }
        // At least a few rounds a simulated day (a fully loaded 2-core machine has managed only ~6 rounds).
        #expect(ingested.count > 20, "the ingest loop ran too few rounds to mean much: \(ingested.count) records")
        #expect(Set(seen.keys) == ingested, "missing: \(ingested.subtracting(seen.keys).sorted().prefix(10)), extra: \(Set(seen.keys).subtracting(ingested).sorted().prefix(10))")
        #expect(seen.values.allSatisfy { $0 == 1 })
        // The gateway's sessions were followed from its event file and sealed, each once.
        #expect(sessions.count >= 20, "\(sessions.count) gateway-observed records")
        #expect(sessions.values.allSatisfy { $0 == 1 })
        // The failures were measured, not hidden.
        #expect((probes["http_error"] ?? 0) > 0, "\(probes)")
        #expect(dyingFailures > 0, "the exporter that died must show failed probes: \(probes)")
        #expect((probes["ok"] ?? 0) > 0)
        _ = healthy.stop()
        _ = flakyBackend.stop()
        _ = dying?.stop()
        proxy.stop()
    }
}

/// Bundle day directories (YYYY/MM/DD) under a collector directory.
enum DatasetDirectoryDays {
    static func list(_ base: String) -> [String] {
        var result: [String] = []
        let fm = FileManager.default
        for year in ((try? fm.contentsOfDirectory(atPath: base)) ?? []).sorted() {
            for month in ((try? fm.contentsOfDirectory(atPath: "\(base)/\(year)")) ?? []).sorted() {
                for day in ((try? fm.contentsOfDirectory(atPath: "\(base)/\(year)/\(month)")) ?? []).sorted() {
                    result.append("\(year)/\(month)/\(day)")
                }
            }
        }
        return result
    }
}
