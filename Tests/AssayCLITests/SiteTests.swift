import AssaySimulate
import AssayCore
import AssayLedger
import AssayTestSupport
import Foundation
import Testing

/// `assay site` served and checked in real headless Chromium (numbers, accessibility, in-browser
/// verification), on a synthetic dataset with hostile strings. The builder itself (same bytes on
/// every build, nothing from data executed or used as a path) is tested in process in AssaySiteTests.
@Suite("assay site", .serialized)
struct SiteTests {
    static let lastDay = UTCDay("2026-03-12")!
    static let xssModel = "<script>window.__assay_xss=1</script>"
    static let xssPipeline = "javascript:window.__assay_xss=1"
    static let xssRegion = "<img/src=x/onerror=window.__assay_xss=1>"
    static let traversal = "../../../../tmp/assay-site-escape"

    static func hostile(_ day: UTCDay) -> [(collector: String, line: String)] {
        guard day == lastDay else { return [] }
        // Gateway-observed live sessions (schema 2, with status hours), so every profile scores them.
        func job(_ id: String, pipeline: String, model: String) -> String {
            let start = day.startMs + 3_600_000
            return #"{"schema":2,"kind":"live_session","id":"\#(id)","observer_role":"gateway","observer_id":"gw-1","stream_id":"\#(id)","request_id":"\#(id)","attempt":1,"pipeline":"\#(pipeline)","model_id":"\#(model)","orchestrator":"0x0000000000000000000000000000000000000001","region":"\#(xssRegion)","start_ms":\#(start),"first_output_ms":\#(start + 900),"outcome":"completed","swap_count":0,"restarts":0,"status_samples":3,"session_request_ms":\#(start),"session_playable_ms":\#(start + 2000),"session_last_ms":\#(start + 40_000),"session_swaps":0,"runner_start_ms":\#(start + 500),"status_hours":[{"fps_positive_samples":3,"hour_ms":\#(start),"latency_samples":0,"latency_sum_ms":0,"output_fps_sum_mfps":60000,"running_samples":3,"samples":3}]}"#
        }
        return [("gw-1", job("xss-1", pipeline: xssPipeline, model: xssModel)), ("gw-1", job("xss-2", pipeline: traversal, model: traversal))]
    }

    /// A dataset of 6 orchestrators over 12 days by two collectors, with hostile strings on the last day.
    static func dataset(in directory: TemporaryDirectory) throws -> String {
        let root = directory.file("dataset")
        _ = try SyntheticScoringDataset.build(at: root, id: "site-test", orchestrators: 6, lastDay: lastDay, days: 12, records: 3000,
                                              extra: hostile, progress: { _ in })
        return root
    }


    /// `sla` of a scorer entry as the site shows it: hundredths, rounded half up.
    /// (orchestrator, SLA score in millionths) from a scores document, best first.
    static func ranking(_ scores: JSONValue) -> [(String, Int64)] {
        (scores["scores"]?["orchestrators"]?.arrayValue ?? []).compactMap { entry -> (String, Int64)? in
            guard case .string(let address)? = entry["orchestrator"], case .integer(let score)? = entry["slo"]?["score"] else { return nil }
            return (address, score)
        }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
    }

    static func shown(_ score: Int64) -> String {
        let hundredths = (score * 100 * 100 * 2 + 1_000_000) / 2_000_000
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }

    /// Serves a built site on loopback (stopped when the value goes away).
    static func serve(_ site: String) throws -> ServerProcess {
        try ServerProcess(Command.assayPath, ["site", "serve", "--dir", site, "--listen", "127.0.0.1:0"], waitFor: ["site"])
    }

    /// Runs Tests/site/browser_check.py against a served site with `expectations` (its expect.json format).
    static func browserCheck(_ server: ServerProcess, _ expectations: [String: Any], in directory: TemporaryDirectory, name: String = "expect",
                             screenshots: String? = nil) throws -> CommandResult {
        try directory.write("\(name).json", String(decoding: try JSONSerialization.data(withJSONObject: expectations, options: [.sortedKeys]), as: UTF8.self))
        return try Command.system("python3", [Repository.url("Tests/site/browser_check.py").path, "--url", "http://\(server.addresses["site"]!)",
                                              "--expect", directory.file("\(name).json"), "--screenshots", screenshots ?? directory.file("\(name)-screenshots")])
    }

    static var browserAvailable: Bool {
        Files.exists("/usr/bin/chromium") && Files.exists("/usr/bin/chromedriver")
            && (try? Command.system("python3", ["-c", "import selenium, axe_selenium_python"]))?.status == 0
    }

    @Test("the site in headless Chromium: the scorer's numbers, no serious accessibility violation, in-browser verification",
          .enabled(if: browserAvailable, "needs Debian's chromium and chromium-driver, and pip's selenium and axe-selenium-python (.ci/run installs them)"))
    func inChromium() async throws {
        try await TestExclusion.exclusively { try runInChromium() }
    }

    func runInChromium() throws {
        let directory = try TemporaryDirectory()
        let dataset = try Self.dataset(in: directory)
        let site = directory.file("site")
        #expect(try Command.assay(["site", "--dataset", dataset, "--out", site]).status == 0)
        // The numbers the pages must show, from the scorer itself.
        let scored = try Command.assay(["score", "--dataset", dataset, "--day", Self.lastDay.description, "--window", "7"])
        let scores = try JSONParser().parse(scored.stdoutBytes)
        let ranked = Self.ranking(scores)
        let top = try #require(ranked.first), bottom = try #require(ranked.last)
        let index = try JSONParser().parse(try Files.read("\(site)/api/v1/index.json"))
        let newest = (index["bundles"]?.arrayValue ?? []).last { $0["collector"] == "gw-2" }
        let manifest = try #require(newest?["manifest_sha256"]?.stringValue)
        let xssGroup = try #require(FileTree.regularFiles(under: site).first { $0.hasPrefix("leaderboards/javascript-window-assay-xss-1") && $0.hasSuffix("-w1.html") })
        let expectations: [String: Any] = [
            "pages": [
                "index.html": ["Leaderboard, 7 days to \(Self.lastDay)", top.0, Self.shown(top.1), bottom.0, Self.shown(bottom.1), "Simulated data."],
                "orchestrators/\(top.0).html": ["SLA score \(Self.shown(top.1))", "SLO, the last 90 days", "Daily SLA score"],
                "provenance.html": [manifest, "Collector gw-1", "Collector gw-2", "ssh-keygen -Y verify"],
                // naap-sla-v1 has no region sub-groups: the hostile region is in the records, not on this page.
                xssGroup: [Self.xssModel],
                "verify.html": ["Verify in your browser"],
            ],
            "verify": "ok",
            "light_and_dark": true,
        ]
        let screenshots = ProcessInfo.processInfo.environment["ASSAY_SCREENSHOTS"] ?? directory.file("screenshots")
        let server = try Self.serve(site)
        defer { _ = server.stop() }
        let check = try Self.browserCheck(server, expectations, in: directory, screenshots: screenshots)
        #expect(check.status == 0, "\(check.stdout)\n\(check.stderr)")
        for name in ["index.png", "provenance.png", "verify.png"] { #expect(Files.exists("\(screenshots)/\(name)")) }

        // A tampered record file on the site: the browser says so.
        let records = try #require(FileTree.regularFiles(under: site).first { $0.hasSuffix("records.jsonl") && $0.contains("gw-1") })
        var bytes = try Files.read("\(site)/\(records)")
        bytes[10] ^= 0x01
        try Files.writeAtomically("\(site)/\(records)", contents: bytes)
        let tampered = try Self.browserCheck(server, ["pages": [String: [String]](), "verify": "failed"], in: directory, name: "tampered")
        #expect(tampered.status == 0, "\(tampered.stdout)\n\(tampered.stderr)")
    }
}
