import AssayCore
import AssaySimulate
import AssayTestSupport
import Foundation
import Testing

/// `assay demo` and the committed sample dataset it produced (issue: the demo,
/// the simulator and the sample dataset). `.ci/run` also runs the full default
/// demo and requires its fresh clone to equal datasets/sample byte for byte.
@Suite("assay demo and the sample dataset")
struct DemoTests {
    static let sample = Repository.url("datasets/sample").path

    @Test("a short demo runs end to end on loopback with a relative --out; the fresh clone it made verifies with assay, git and ssh-keygen")
    func shortDemo() async throws {
        try await TestExclusion.exclusively { try runShortDemo() }
    }

    func runShortDemo() throws {
        // As a newcomer runs it: a relative --out, from a working directory of its own.
        let directory = try TemporaryDirectory()
        let cwd = directory.path
        let out = "demo"
        let run = try Command.assay(["demo", "--out", out, "--days", "2", "--peak-jobs-per-hour", "3", "--port-base", "29300"], directory: cwd)
        try #require(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("Bundles     6 (3 collectors × 2 days)"), "\(run.stdout)")
        #expect(run.stdout.contains("6 of 6 reach the threshold, 18 signatures"), "\(run.stdout)")
        #expect(run.stdout.contains("Verified    yes: 0 errors, 0 warnings"), "\(run.stdout)")
        #expect(run.stdout.contains("orch-5 (offline-hours) goes offline at 2026-01-02T10:00:00Z"), "\(run.stdout)")
        for behaviour in Simulation.Behaviour.allCases { #expect(run.stdout.contains(behaviour.rawValue), "the summary ranks \(behaviour)") }
        #expect(!Files.exists(directory.file("demo/orchestrators/orch-1/demo")), "the exporter's store sits beside its exporter.yaml")

        // Every command with relative paths, from the same working directory.
        let clone = "\(out)/clone"
        let verified = try Command.assay(["verify", clone, "--git"], directory: cwd)
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        let scored = try Command.assay(["score", "--dataset", clone, "--day", "2026-01-02", "--window", "1", "--output", "scores.json"], directory: cwd)
        #expect(scored.status == 0 && Files.exists(directory.file("scores.json")), "\(scored.stderr)")
        let site = try Command.assay(["site", "--dataset", clone, "--out", "site"], directory: cwd)
        #expect(site.status == 0 && Files.exists(directory.file("site/index.html")), "\(site.stderr)")
        let check = try Command.assay(["collect", "check-config", "\(out)/operators/gw-a/collector.yaml"], directory: cwd)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let status = try Command.assay(["collect", "status", "--config", "\(out)/operators/gw-a/collector.yaml"], directory: cwd)
        #expect(status.status == 0 && status.stdout.contains("2026-01-02"), "\(status.stdout)\(status.stderr)")
        // The exporter.yaml the demo wrote runs as it is, from elsewhere, on the store the demo filled.
        do {
            let exporter = try ServerProcess(Command.assayPath, ["exporter", "serve", "--config", "\(out)/orchestrators/orch-1/exporter.yaml"],
                                             waitFor: ["scrape", "ingest"], directory: cwd)
            let page = try HTTPClient.request(exporter.addresses["scrape"]!, "GET", "/v1/records?limit=1")
            #expect(page.status == 200 && String(decoding: page.body, as: UTF8.self).contains("orch-1"), "\(page.status)")
            #expect(exporter.stop() == 0)
        }
        let commit = try Command.system("git", ["-C", clone, "-c", "gpg.ssh.allowedSignersFile=policy/0001/allowed_signers", "verify-commit", "HEAD"],
                                        directory: cwd)
        #expect(commit.status == 0, "\(commit.stderr)")
        let bundle = "\(cwd)/\(clone)/bundles/gw-b/2026/01/02"
        for signer in ["gw-a", "gw-b", "gw-c"] {
            let check = try Command.system("ssh-keygen", ["-Y", "verify", "-f", "\(cwd)/\(clone)/policy/0001/allowed_signers", "-I", signer, "-n", "assay-manifest-v1",
                                                          "-s", "\(bundle)/signatures/\(signer).sig"], input: try Files.read("\(bundle)/manifest.json"))
            #expect(check.status == 0, "ssh-keygen accepts \(signer)'s signature: \(check.stderr)")
        }
        // The offline orchestrator's exporter was really down: its probes on odd days are refused connections.
        let records = String(decoding: try Files.read("\(bundle)/records.jsonl"), as: UTF8.self)
        let refused = records.split(separator: "\n").filter { $0.contains(#""target_url":"http://127.0.0.1:29304""#) && $0.contains(#""outcome":"connect_error""#) }
        #expect(refused.count == 6, "10:00–16:00: six hourly scrapes found orch-5 down")
        let probes = records.split(separator: "\n").filter { $0.contains(#""kind":"probe""#) }
        #expect(probes.count == 168, "24 hourly scrapes of 7 exporters, each with its probe")
        #expect(probes.filter { $0.contains(#""outcome":"ok""#) }.allSatisfy { $0.contains(#""latency_ms":0,"#) },
                "on the demo's stepped clock a scrape takes no time")

        // The same workspace twice is refused, with the reason.
        let again = try Command.assay(["demo", "--out", out, "--days", "1", "--port-base", "29300"], directory: cwd)
        #expect(again.status != 0 && again.stderr.contains("exists and is not empty"), "\(again.stderr)")
    }

    @Test("Ctrl-C stops the demo between two simulated hours: exit 130, a message, every port released")
    func interrupted() async throws {
        try await TestExclusion.exclusively { try runInterrupted() }
    }

    func runInterrupted() throws {
        let directory = try TemporaryDirectory()
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: Command.assayPath)
        process.arguments = ["demo", "--out", directory.file("demo"), "--days", "5", "--peak-jobs-per-hour", "2", "--port-base", "29340"]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Interrupt once the first day is sealed.
        var text = ""
        let deadline = Date().addingTimeInterval(120)
        while !text.contains("sealed by"), process.isRunning, Date() < deadline {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { usleep(20_000) } else { text += String(decoding: data, as: UTF8.self) }
        }
        try #require(text.contains("sealed by"), "the demo sealed a day: \(text)")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        text += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 130, "\(text)")
        #expect(text.contains("Stopped. Everything done so far is in"), "\(text)")
        // Every exporter's port is free again: a new listener binds each of them.
        for port in 29340..<29346 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var reuse: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(bound == 0 && listen(fd, 1) == 0, "port \(port) is free after Ctrl-C")
        }
    }

    @Test("the demo's site opens in headless Chromium with the leaderboard populated",
          .enabled(if: SiteTests.browserAvailable, "needs Debian's chromium and chromium-driver, and pip's selenium and axe-selenium-python (.ci/run installs them)"))
    func siteInChromium() async throws {
        try await TestExclusion.exclusively { try runSiteInChromium() }
    }

    func runSiteInChromium() throws {
        let directory = try TemporaryDirectory()
        let out = directory.file("demo")
        let run = try Command.assay(["demo", "--out", out, "--days", "2", "--peak-jobs-per-hour", "3", "--port-base", "29320"])
        try #require(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let scores = try JSONParser(limits: .init(maxDepth: 64, maxBytes: 64 << 20)).parse(try Files.read("\(out)/scores-7d.json"))
        let ranked = SiteTests.ranking(scores)
        #expect(ranked.count == 7)
        // The network over time (charts with their tables) and what live video costs (spec/site.md §6): checked by axe-core too.
        var expected = ["Leaderboard, 7 days to 2026-01-02", "Simulated data.", "The network over time", "Live cost / min", "Capacity per day"]
        for (address, score) in ranked { expected += [address, SiteTests.shown(score)] }
        let server = try SiteTests.serve("\(out)/site")
        defer { _ = server.stop() }
        let check = try SiteTests.browserCheck(server, ["pages": ["index.html": expected], "verify": "ok"], in: directory)
        #expect(check.status == 0, "\(check.stdout)\n\(check.stderr)")
    }

    @Test("the sample's site in headless Chromium: the reliable orchestrator's SLO calendar shows no ✗ on a day whose score had too little evidence",
          .enabled(if: SiteTests.browserAvailable, "needs Debian's chromium and chromium-driver, and pip's selenium and axe-selenium-python (.ci/run installs them)"))
    func sampleCalendarInChromium() async throws {
        try await TestExclusion.exclusively { try runSampleCalendarInChromium() }
    }

    func runSampleCalendarInChromium() throws {
        let directory = try TemporaryDirectory()
        let site = directory.file("site")
        let built = try Command.assay(["site", "--dataset", Self.sample, "--out", site])
        try #require(built.status == 0, "\(built.stderr)")
        // orch-1 (reliable) of the sample; its daily verdicts as the site's read API publishes them.
        let address = "0x00000000000000000000000000000000000005e1"
        let history = try JSONParser().parse(try Files.read("\(site)/api/v1/orchestrators/\(address).json"))
        var cells: [String: String] = [:]
        for point in history["history"]?.arrayValue ?? [] {
            guard let day = point["day"]?.stringValue, let verdict = point["verdict"]?.stringValue else { continue }
            cells[day] = verdict == "not_judged" ? "not-judged" : verdict
        }
        try #require(cells.count == 8, "8 days of daily scores: \(cells)")
        #expect(cells.values.contains("not-judged"), "the sample has days whose score rests on too few samples")
        #expect(!cells.values.contains("missed"), "the reliable orchestrator never misses on evidence")
        cells["2025-12-31"] = "none"
        let server = try SiteTests.serve(site)
        defer { _ = server.stop() }
        let check = try SiteTests.browserCheck(server, ["pages": ["orchestrators/\(address).html": ["SLO, the last 90 days", "not judged"]],
                                                        "calendars": ["orchestrators/\(address).html": cells]], in: directory)
        #expect(check.status == 0, "\(check.stdout)\n\(check.stderr)")
    }

    @Test("the sample's tester leaderboard shows each stand-in orchestrator's designed behaviour, under both profiles, in its records and on the site; pages show the other profile's score")
    func sampleTesterLeaderboard() throws {
        let simulation = Simulation(.init(seed: 1, orchestrators: 7, gateways: ["gw-a", "gw-b", "gw-c"], peakJobsPerHour: 5))
        var tested: [JSONValue] = []
        for profile in ["naap-sla-v1", "assay-sla-v1"] {
            let scored = try Command.assay(["score", "--dataset", Self.sample, "--day", "2026-01-08", "--window", "7", "--profile", profile])
            try #require(scored.status == 0, "\(scored.stderr)")
            tested.append(try JSONParser(limits: .init(maxDepth: 64, maxBytes: 64 << 20)).parse(scored.stdoutBytes)["scores"]?["tested"] ?? .null)
        }
        #expect(tested[0] == tested[1] && tested[0] != .null, "the tester leaderboard is the same under both profiles")
        func scenario(_ behaviour: Simulation.Behaviour, _ id: String) -> JSONValue? {
            let address = simulation.orchestrators.first { $0.behaviour == behaviour }!.address
            let entry = tested[0]["orchestrators"]?.arrayValue.first { $0["orchestrator"]?.stringValue == address }
            return entry?["scenarios"]?.arrayValue.first { $0["scenario"]?.stringValue == id }
        }
        let batch = "t2i-bear-64", live = "live-smoke-30s"
        // Reliable: every attempt passes, at the stand-in's 800 ms; its streams run at 24 FPS.
        #expect(scenario(.reliable, batch)?["pass_rate"] == .integer(1_000_000) && scenario(.reliable, batch)?["latency_ms"]?["p50"] == .integer(800))
        #expect(scenario(.reliable, live)?["output_fps_mfps"]?["p50"] == .integer(24_000))
        // Slow: passes, at 6 s, and its streams' first output after 6 s.
        #expect(scenario(.slowStart, batch)?["latency_ms"]?["p50"] == .integer(6000) && scenario(.slowStart, live)?["ttfb_ms"]?["p50"] == .integer(6000))
        // Failing: go-livepeer's 503, every attempt, batch and live.
        #expect(scenario(.flaky, batch)?["pass_rate"] == .integer(0) && scenario(.flaky, batch)?["outcomes"]?["http_error"] != nil)
        #expect(scenario(.flaky, live)?["outcomes"]?["http_error"] != nil)
        // Low FPS: its streams fail the 12 FPS minimum at 8 FPS.
        #expect(scenario(.zeroFPS, live)?["outcomes"] == .object([.init("failed_check", .integer(6))]))
        #expect(scenario(.zeroFPS, live)?["output_fps_mfps"]?["p50"] == .integer(8000))
        // Wrong size: the over-reporter's images fail their check.
        #expect(scenario(.overReporter, batch)?["passed"] == .integer(0) && scenario(.overReporter, batch)?["outcomes"]?["failed_check"] != nil)
        // Not advertising while its runner is down (10:00–16:00 UTC on alternate days), and the cost cap.
        #expect(scenario(.offline, batch)?["not_counted"]?["not_advertising"] != nil)
        #expect((tested[0]["orchestrators"]?.arrayValue ?? []).contains { ($0["scenarios"]?.arrayValue ?? []).contains { $0["not_counted"]?["cost_cap"] != nil } })
        // The records say the same: the 503's text and the failed check, percent-encoded as records.md §4.6 writes them.
        let records = String(decoding: try Files.read("\(Self.sample)/bundles/gw-a/2026/01/05/records.jsonl"), as: UTF8.self)
        #expect(records.contains(#""error_text":"insufficient%20capacity""#) && records.contains(#""failed_checks":["images"]"#))
        #expect(records.contains(#""failed_checks":["min_output_fps_mfps"]"#) && records.contains(#""skip_reason":"cost_cap""#))
        // The site shows the leaderboard apart from the SLA score: a Tested column, the tester's table, a page section.
        let directory = try TemporaryDirectory()
        let built = try Command.assay(["site", "--dataset", Self.sample, "--out", directory.file("site")])
        try #require(built.status == 0, "\(built.stderr)")
        let board = String(decoding: try Files.read(directory.file("site/leaderboards/all-w7.html")), as: UTF8.self)
        #expect(board.contains("<th scope=\"col\">Tested</th>") && board.contains("Orchestrators by test pass rate over 7 days"))
        let slow = simulation.orchestrators.first { $0.behaviour == .slowStart }!.address
        let page = String(decoding: try Files.read(directory.file("site/orchestrators/\(slow).html")), as: UTF8.self)
        #expect(page.contains("id=\"tested\"") && page.contains("t2i-bear-64") && page.contains("6000 ms"), "the slow orchestrator's page")
        // The sample publishes both profiles: each orchestrator's page shows its score under the other (spec/scoring.md §14).
        #expect(page.contains("The same 7 days under the other profiles this dataset publishes") && page.contains("<code>assay-sla-v1</code>"))
    }

    @Test("the committed sample dataset says it is simulated, verifies, and shows every designed behaviour in its 7-day scores")
    func sampleDataset() throws {
        let descriptor = try JSONParser().parse(try Files.read("\(Self.sample)/dataset.json"))
        #expect(descriptor["simulated"] == .bool(true))
        #expect(descriptor["description"]?.stringValue?.contains("assay demo --seed 1 --days 8") == true, "it names the command that regenerates it")
        #expect(String(decoding: try Files.read("\(Self.sample)/README.md"), as: UTF8.self).contains("SIMULATED"))
        let verified = try Command.assay(["verify", Self.sample])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        let simulation = Simulation(.init(seed: 1, orchestrators: 7, gateways: ["gw-a", "gw-b", "gw-c"], peakJobsPerHour: 5))
        var lowest: [String: Int64] = [:]
        for profile in ["naap-sla-v1", "naap-sla-v2", "assay-sla-v1"] {
            let scored = try Command.assay(["score", "--dataset", Self.sample, "--day", "2026-01-08", "--window", "7", "--profile", profile])
            try #require(scored.status == 0, "\(scored.stderr)")
            let scores = try JSONParser(limits: .init(maxDepth: 64, maxBytes: 64 << 20)).parse(scored.stdoutBytes)
            DesignedBehaviours.expect(in: scores, profiles: simulation.profilesJSON.arrayValue ?? [])
            let badNetwork = simulation.orchestrators.first { $0.behaviour == .badNetwork }!.address
            lowest[profile] = scores["scores"]?["orchestrators"]?.arrayValue.first { $0["orchestrator"]?.stringValue == badNetwork }?["slo"]?["score"]?.intValue
        }
        // naap-sla-v2 excuses the bad-network orchestrator's bad-input sessions; naap-sla-v1 does not.
        #expect((lowest["naap-sla-v2"] ?? 0) > (lowest["naap-sla-v1"] ?? .max), "\(lowest)")

        // What the sessions cost and what the orchestrators advertised (records schema 4): the slow starter is the cheapest.
        var paid: [String: Set<String>] = [:], snapshots = 0, coldOffline = 0, costedJobs = 0
        let offline = simulation.orchestrators.first { $0.behaviour == .offline }!.address
        for day in 1...8 {
            let lines = String(decoding: try Files.read("\(Self.sample)/bundles/gw-a/2026/01/0\(day)/records.jsonl"), as: UTF8.self).split(separator: "\n")
            for line in lines {
                let record = try JSONParser().parse(Array(line.utf8))
                if record["kind"] == "capability_snapshot" {
                    snapshots += 1
                    if record["orchestrator"]?.stringValue == offline && record["warm"] == .bool(false) { coldOffline += 1 }
                } else if record["kind"] == "batch_request" || record["kind"] == "llm_request", record["cost_wei"] != nil {
                    costedJobs += 1
                } else if record["kind"] == "live_session", record["observer_role"] == "gateway", let price = record["paid_price_per_unit_wei"]?.stringValue {
                    paid[record["orchestrator"]?.stringValue ?? "", default: []].insert(price)
                }
            }
        }
        #expect(snapshots == 8 * 6 * 7 * 2, "a snapshot every four hours of each orchestrator's two live models")
        #expect(coldOffline > 0, "the offline-hours orchestrator's models are cold while its runner is down")
        #expect(costedJobs > 100, "batch and LLM jobs carry what the gateway paid for them")
        let slow = simulation.orchestrators.first { $0.behaviour == .slowStart }!
        #expect(paid[slow.address] == [String(simulation.price(slow))])
        #expect(paid.count == 7 && paid.values.allSatisfy { $0.count == 1 })
        #expect(simulation.orchestrators.allSatisfy { $0.behaviour == .slowStart || simulation.price($0) > simulation.price(slow) })
    }
}
