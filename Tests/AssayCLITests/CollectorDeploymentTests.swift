import AssayConfiguration
import AssayCore
import AssayTestSupport
import Foundation
import Testing
import Yams

/// An operator's first deployment (issue: no lost sessions, no surprise
/// bundles): every documented configuration key does what it says, sealing
/// never publishes a backlog by surprise, the configured branch is the one
/// used, and one staging store keeps one clock.
@Suite("collector: a first deployment", .enabled(if: Command.available("git"), "git is not installed"))
struct CollectorDeploymentTests {
    static func configuration(_ extra: String = "") -> String {
        """
        collector:
          id: gw-a
          key: gw-a
          first_day: 2025-01-01
        dataset:
          repository: dataset
        staging: staging.sqlite
        scrape_configs:
          - job_name: orchestrators
            static_configs:
              - targets: ["http://127.0.0.1:1"]
                labels:
                  orchestrator: "0xd00354656922168815fcd1e51cbddb9e359e3c7f"
        \(extra)
        """
    }

    @Test("dataset init makes a git repository with its remote, and prints the next steps")
    func datasetInit() throws {
        let directory = try TemporaryDirectory()
        try #require(try Command.assay(["keygen", "--output", directory.file("gw-a")]).status == 0)
        let created = try Command.assay(["dataset", "init", directory.file("dataset"), "--id", "first", "--title", "First",
                                         "--signer", "gw-a=\(directory.file("gw-a.pub"))", "--key", directory.file("gw-a"),
                                         "--remote", "https://git.example/first.git"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("a git repository on branch main with remote origin https://git.example/first.git"), "\(created.stdout)")
        #expect(created.stdout.contains("Next steps:") && created.stdout.contains("assay publish --dataset \(directory.file("dataset"))"), "\(created.stdout)")
        let remote = try Command.system("git", ["-C", directory.file("dataset"), "remote", "get-url", "origin"])
        #expect(remote.stdout == "https://git.example/first.git\n")
    }

    @Test("a dataset whose last bundle is 300 days old: seal refuses without --catch-up, --dry-run lists the days, --catch-up seals them")
    func catchUp() throws {
        let directory = try TemporaryDirectory()
        try TestDataset.create(in: directory, id: "deploy", publish: false)
        try directory.write("collector.yaml", Self.configuration())
        let config = directory.file("collector.yaml")
        let first = try Command.assay(["collect", "seal", "--config", config, "--now", "2025-01-02T03:00:00Z"])
        try #require(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("Sealed 2025-01-01"), "\(first.stdout)")

        // 300 days later.
        let refused = try Command.assay(["collect", "seal", "--config", config, "--now", "2025-10-29T03:00:00.000Z"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("300 days are due (2025-01-02 … 2025-10-28), more than seal.max_catch_up_days (7); nothing was sealed"),
                "\(refused.stderr)")
        #expect(!Files.exists(directory.file("dataset/bundles/gw-a/2025/01/02")), "nothing sealed")
        let dry = try Command.assay(["collect", "seal", "--config", config, "--now", "2025-10-29T03:00:00Z", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("300 days, 2025-01-02 … 2025-10-28"), "\(dry.stdout)")
        #expect(dry.stdout.split(separator: "\n").filter { $0.hasPrefix("  2025-") }.count == 300)
        #expect(dry.stdout.contains("Dry run: nothing was sealed or published."))
        #expect(!Files.exists(directory.file("dataset/bundles/gw-a/2025/01/02")), "a dry run writes nothing")

        // The operator starts the chain again later; 9 days are still more than 7: --catch-up seals them.
        try directory.write("collector.yaml", Self.configuration().replacingOccurrences(of: "first_day: 2025-01-01", with: "first_day: 2025-10-20"))
        let nine = try Command.assay(["collect", "seal", "--config", config, "--now", "2025-10-29T03:00:00Z"])
        #expect(nine.status != 0 && nine.stderr.contains("9 days are due (2025-10-20 … 2025-10-28)"), "\(nine.stderr)")
        let caught = try Command.assay(["collect", "seal", "--config", config, "--now", "2025-10-29T03:00:00Z", "--catch-up"])
        #expect(caught.status == 0, "\(caught.stderr)")
        #expect(caught.stdout.contains("Sealed 2025-10-20, 2025-10-21") && caught.stdout.contains("2025-10-28"), "\(caught.stdout)")
        #expect(caught.stdout.contains("Published to origin (branch main)"), "\(caught.stdout)")
    }

    @Test("dataset.branch is honoured: a new repository on git's default branch publishes to the configured one; another branch with commits is refused")
    func branch() throws {
        let directory = try TemporaryDirectory()
        try TestDataset.create(in: directory, id: "deploy", gitInit: ["-c", "init.defaultBranch=master", "init", "--quiet"], publish: false)
        try directory.write("collector.yaml", Self.configuration())
        let sealed = try Command.assay(["collect", "seal", "--config", directory.file("collector.yaml"), "--now", "2025-01-02T03:00:00Z"])
        #expect(sealed.status == 0, "\(sealed.stdout)\(sealed.stderr)")
        let heads = try Command.system("git", ["-C", directory.file("public.git"), "for-each-ref", "--format=%(refname)", "refs/heads"])
        #expect(heads.stdout == "refs/heads/main\n", "pushed to main only: \(heads.stdout)")
        let head = try Command.system("git", ["-C", directory.file("dataset"), "symbolic-ref", "HEAD"])
        #expect(head.stdout == "refs/heads/main\n")

        // A repository whose commits are on master, configured for main: refused with what to do.
        let other = try TemporaryDirectory()
        try TestDataset.create(in: other, id: "deploy", gitInit: ["-c", "init.defaultBranch=master", "init", "--quiet"], publish: false)
        try #require(try Command.assay(["publish", "--dataset", other.file("dataset"), "--key", other.file("gw-a"), "--signer", "gw-a", "--no-push"]).status == 0)
        try other.write("collector.yaml", Self.configuration())
        let refused = try Command.assay(["collect", "seal", "--config", other.file("collector.yaml"), "--now", "2025-01-02T03:00:00Z"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("is on branch 'master', but the configured branch is 'main'"), "\(refused.stdout)\(refused.stderr)")
    }

    @Test("one clock per staging store: after a simulated clock, a manual scrape on the system clock is refused; with --now its probe lands on the clock's day")
    func oneClock() throws {
        let directory = try TemporaryDirectory()
        try TestDataset.create(in: directory, id: "deploy", publish: false)
        try directory.write("collector.yaml", Self.configuration())
        let config = directory.file("collector.yaml")
        try #require(try Command.assay(["collect", "seal", "--config", config, "--now", "2025-01-02T03:00:00Z"]).status == 0)
        let refused = try Command.assay(["collect", "scrape", "--config", config])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("runs on a simulated clock"), "\(refused.stderr)")
        let scraped = try Command.assay(["collect", "scrape", "--config", config, "--now", "2025-01-02T04:00:00Z"])
        #expect(scraped.status == 0, "\(scraped.stderr)")
        let status = try Command.assay(["collect", "status", "--config", config])
        #expect(status.stdout.contains("last attempt: connect_error at 2025-01-02T04:00:00.000Z"), "\(status.stdout)")
        #expect(status.stdout.contains("clock: simulated, last used at 2025-01-02T04:00:00.000Z"), "\(status.stdout)")
        // The same refusal for sealing and for the daemon.
        let seal = try Command.assay(["collect", "seal", "--config", config])
        #expect(seal.status != 0 && seal.stderr.contains("runs on a simulated clock"), "\(seal.stderr)")
    }

    @Test("a refused key is reported once: no knock-on 'is required' errors after a misspelled section")
    func noKnockOnErrors() throws {
        let text = Self.configuration().replacingOccurrences(of: "collector:", with: "colector:")
        let (parsed, errors) = CollectorConfiguration.parse(yaml: text, relativeTo: "/etc/assay")
        #expect(parsed == nil)
        #expect(errors.map(\.reason) == ["unknown key 'colector' in the top level"], "\(errors)")
        let badID = Self.configuration().replacingOccurrences(of: "id: gw-a", with: "id: GW A")
        let (_, idErrors) = CollectorConfiguration.parse(yaml: badID, relativeTo: "/etc/assay")
        #expect(idErrors.count == 1 && idErrors[0].reason.hasPrefix("collector.id 'GW A' must be"), "\(idErrors)")
    }

    /// `check-config` with `9999999999999999d` stopped with an arithmetic overflow (exit 132) on main.
    @Test("durations beyond 3650 days or 64 bits are configuration errors naming the key, never a trap", arguments: [
        "9999999999999999d", "3651d", "106751991167301d", "9223372036854775807ms0",
    ])
    func hugeDurations(value: String) throws {
        let collector = Self.configuration().replacingOccurrences(of: "staging: staging.sqlite", with: "staging: staging.sqlite\nseal:\n  grace: \(value)")
        let (parsed, errors) = CollectorConfiguration.parse(yaml: collector, relativeTo: "/etc/assay")
        #expect(parsed == nil && errors.count == 1 && errors[0].reason.hasPrefix("seal.grace '\(value)'"), "\(errors)")
        let exporter = "store: exporter.sqlite\nlimits:\n  idle_timeout: \(value)\n"
        #expect {
            try ExporterConfiguration(yaml: exporter, relativeTo: "/srv")
        } throws: { ($0 as? ConfigurationError)?.reason.hasPrefix("limits.idle_timeout '\(value)'") == true }
        #expect(throws: ConfigurationError.self) {
            try ExporterConfiguration(yaml: "store: exporter.sqlite\nretention:\n  max_bytes: 9999999999999TiB\n", relativeTo: "/srv")
        }
        let limit = Self.configuration().replacingOccurrences(of: "staging: staging.sqlite", with: "staging: staging.sqlite\nseal:\n  grace: 3650d")
        let grace: Int64? = CollectorConfiguration.parse(yaml: limit, relativeTo: "/etc/assay").0?.sealGraceMs
        #expect(grace == Int64(3650) * 86_400_000)
    }

    /// Every key of spec/collector.md §1's example, as a dotted path, with what the parser must make of it.
    @Test("every key documented in spec/collector.md §1 is parsed into what it says")
    func everyDocumentedKey() throws {
        let spec = String(decoding: try Repository.bytes("spec/collector.md"), as: UTF8.self)
        let section = try #require(spec.range(of: "## 1. Configuration"))
        let start = try #require(spec.range(of: "```yaml\n", range: section.upperBound..<spec.endIndex))
        let end = try #require(spec.range(of: "```", range: start.upperBound..<spec.endIndex))
        let yaml = String(spec[start.upperBound..<end.lowerBound])
        let (parsed, errors) = CollectorConfiguration.parse(yaml: yaml, relativeTo: "/etc/assay")
        let c = try #require(parsed, "the documented example parses: \(errors)")
        let target = try #require(c.targets.first)
        let checks: [String: Bool] = [
            "collector.id": c.collectorID == "gw-eu-1", "collector.signer": c.signer == "gw-eu-1",
            "collector.key": c.key == "/etc/assay/keys/gw-eu-1", "collector.region": c.region == "eu-central",
            "collector.first_day": c.firstDay == UTCDay("2026-11-01"),
            "dataset.repository": c.repository == "/srv/assay/dataset", "dataset.branch": c.branch == "main", "dataset.remote": c.remote == "origin",
            "staging": c.staging == "/var/lib/assay/staging.sqlite",
            "global.scrape_interval": c.scrapeIntervalMs == 60_000, "global.scrape_timeout": c.scrapeTimeoutMs == 10_000,
            "seal.grace": c.sealGraceMs == 2 * 3_600_000, "seal.max_catch_up_days": c.maxCatchUpDays == 7,
            "scrape_configs.job_name": target.job == "orchestrators", "scrape_configs.scrape_interval": target.intervalMs == 30_000,
            "scrape_configs.page_records": target.pageRecords == 1000,
            "scrape_configs.static_configs.targets": c.targets.map(\.url) == ["http://orch-1.example:9108"],
            "scrape_configs.static_configs.labels.orchestrator": target.orchestrator == "0xd00354656922168815fcd1e51cbddb9e359e3c7f",
            "scrape_configs.static_configs.labels.region": target.region == "us-east",
            "gateway_events.file": c.eventFiles == ["/var/log/livepeer/events.jsonl"], "gateway_events.listen": c.eventListen == "127.0.0.1:9110",
            "gateway_events.stdin": c.eventStdin, "metrics.listen": c.metricsListen == "127.0.0.1:9111",
            "witnesses.name": c.witnesses.map(\.name) == ["w1"], "witnesses.url": c.witnesses.map(\.url) == ["https://witness.example/"],
        ]
        // The documented keys, read from the example itself: each must have a check above, and pass it.
        var documented: Set<String> = []
        func walk(_ node: Node, _ path: String) {
            switch node {
            case .mapping(let mapping):
                for (key, value) in mapping { walk(value, path.isEmpty ? key.string ?? "" : "\(path).\(key.string ?? "")") }
            case .sequence(let items): for item in items { walk(item, path) }
            default: documented.insert(path)
            }
        }
        walk(try #require(try Yams.compose(yaml: yaml)), "")
        #expect(documented.subtracting(checks.keys).isEmpty, "documented keys without a check: \(documented.subtracting(checks.keys).sorted())")
        for (key, ok) in checks.sorted(by: { $0.key < $1.key }) { #expect(ok, "\(key) is parsed as documented") }
    }
}
