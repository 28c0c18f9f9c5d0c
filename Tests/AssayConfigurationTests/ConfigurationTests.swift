import AssayConfiguration
import AssayCore
import AssayCrypto
import AssayLedger
import AssayTestSupport
import Testing
import Yams

/// The collector's and the exporter's YAML configurations, parsed in process: every error with its
/// line and key, no knock-on errors, no trap on a huge value, and every documented key parsed as
/// spec/collector.md §1 says.
@Suite("configurations")
struct ConfigurationTests {
    @Test("configuration errors are all reported, each with its line")
    func configurationErrors() {
        let (configuration, errors) = CollectorConfiguration.parse(yaml: """
            collector:
              id: Not A Slug
              kye: x
            staging: s.sqlite
            dataset:
              repository: d
            global:
              scrape_interval: soon
            scrape_configs:
              - job_name: a
                static_configs:
                  - targets: ["http://a:1", "ftp://b", "http://a:1"]
                    labels:
                      orchestrator: "0x1234"

            """, relativeTo: "")
        #expect(configuration == nil)
        let lines = Set(errors.compactMap(\.line))
        #expect(lines.isSuperset(of: [2, 3, 8, 12, 14]), "\(errors)")
        #expect(errors.contains { $0.reason.contains("unknown key 'kye'") })
        // 'kye' is refused; that collector.key is then missing is its knock-on, not a second error.
        #expect(!errors.contains { $0.reason.contains("collector.key is required") }, "\(errors)")
    }

    @Test("a refused key is reported once: no knock-on 'is required' errors after a misspelled section")
    func noKnockOnErrors() throws {
        let text = Fixtures.collectorConfiguration().replacingOccurrences(of: "collector:", with: "colector:")
        let (parsed, errors) = CollectorConfiguration.parse(yaml: text, relativeTo: "/etc/assay")
        #expect(parsed == nil)
        #expect(errors.map(\.reason) == ["unknown key 'colector' in the top level"], "\(errors)")
        let badID = Fixtures.collectorConfiguration().replacingOccurrences(of: "id: gw-a", with: "id: GW A")
        let (_, idErrors) = CollectorConfiguration.parse(yaml: badID, relativeTo: "/etc/assay")
        #expect(idErrors.count == 1 && idErrors[0].reason.hasPrefix("collector.id 'GW A' must be"), "\(idErrors)")
    }

    /// `check-config` with `9999999999999999d` stopped with an arithmetic overflow (exit 132) on main.
    @Test("durations beyond 3650 days or 64 bits are configuration errors naming the key, never a trap", arguments: [
        "9999999999999999d", "3651d", "106751991167301d", "9223372036854775807ms0",
    ])
    func hugeDurations(value: String) throws {
        let collector = Fixtures.collectorConfiguration().replacingOccurrences(of: "staging: staging.sqlite", with: "staging: staging.sqlite\nseal:\n  grace: \(value)")
        let (parsed, errors) = CollectorConfiguration.parse(yaml: collector, relativeTo: "/etc/assay")
        #expect(parsed == nil && errors.count == 1 && errors[0].reason.hasPrefix("seal.grace '\(value)'"), "\(errors)")
        let exporter = "store: exporter.sqlite\nlimits:\n  idle_timeout: \(value)\n"
        #expect {
            try ExporterConfiguration(yaml: exporter, relativeTo: "/srv")
        } throws: { ($0 as? ConfigurationError)?.reason.hasPrefix("limits.idle_timeout '\(value)'") == true }
        #expect(throws: ConfigurationError.self) {
            try ExporterConfiguration(yaml: "store: exporter.sqlite\nretention:\n  max_bytes: 9999999999999TiB\n", relativeTo: "/srv")
        }
        let limit = Fixtures.collectorConfiguration().replacingOccurrences(of: "staging: staging.sqlite", with: "staging: staging.sqlite\nseal:\n  grace: 3650d")
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
            "probe.tester.id": c.probe?.testerID == "tester-gw-a", "probe.tester.region": c.probe?.region == "eu-west",
            "probe.scenarios": c.probe?.scenarios == "/etc/assay/scenarios.yaml", "probe.gateway.api": c.probe?.api == "http://127.0.0.1:8935",
            "probe.gateway.cli": c.probe?.cli == "http://127.0.0.1:7935", "probe.gateway.rtmp": c.probe?.rtmp == "rtmp://127.0.0.1:1935",
            "probe.gateway.webhook_listen": c.probe?.webhookListen == "127.0.0.1:7940", "probe.gateway.webhook_refresh": c.probe?.webhookRefreshMs == 60_000,
            "scrape_share.collectors": c.scrapeShare?.collectors == ["gw-eu-1", "gw-us-1"], "scrape_share.copies": c.scrapeShare?.copies == 2,
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

    @Test("scrape_share: each collector keeps the orchestrators rendezvous hashing gives it, every orchestrator goes to `copies` of them, and mistakes are refused (spec/scale.md §3)")
    func scrapeShare() throws {
        let collectors = ["gw-a", "gw-b", "gw-c"]
        let addresses = (1...30).map { "0x" + String(repeating: "0", count: 38) + ($0 < 10 ? "0\($0)" : "\($0)") }
        func configuration(_ collector: String, share: String) -> (CollectorConfiguration?, [ConfigurationError]) {
            CollectorConfiguration.parse(yaml: """
                collector: {id: \(collector), key: k}
                dataset: {repository: d}
                staging: s.sqlite
                scrape_share:
                \(share)
                scrape_configs:
                  - job_name: all
                    static_configs:
                \(addresses.enumerated().map { "      - targets: [\"http://orch-\($0.offset):9108\"]\n        labels: {orchestrator: \"\($0.element)\"}" }.joined(separator: "\n"))

                """, relativeTo: "")
        }
        var scrapedBy: [String: [String]] = [:]
        for collector in collectors {
            let (parsed, errors) = configuration(collector, share: "  collectors: [gw-a, gw-b, gw-c]\n  copies: 2")
            let c = try #require(parsed, "\(errors)")
            #expect(c.targets.count + c.targetsOutsideShare.count == 30 && !c.targets.isEmpty && !c.targetsOutsideShare.isEmpty)
            for target in c.targets { scrapedBy[target.orchestrator, default: []].append(collector) }
            for target in c.targets {
                #expect(ScrapeAssignment.scrapers(of: target.orchestrator, collectors: collectors, copies: 2).contains(collector))
            }
        }
        #expect(scrapedBy.count == 30 && scrapedBy.values.allSatisfy { $0.count == 2 }, "every orchestrator is scraped by exactly two: \(scrapedBy)")
        // The weights of spec/scale.md §3, recomputed here byte for byte for one orchestrator.
        let weights = collectors.map { ($0, MessageDigest.sha256(Array("assay-scrape-v1\u{0}\($0)\u{0}\(addresses[0])".utf8)).hex) }
        #expect(ScrapeAssignment.scrapers(of: addresses[0], collectors: collectors, copies: 2) == weights.sorted { $0.1 > $1.1 }.prefix(2).map(\.0).sorted())
        for (share, reason) in [("  collectors: [gw-b, gw-c]", "must name this collector"), ("  collectors: [gw-a, gw-a]", "twice"),
                                ("  collectors: [gw-a, gw-b]\n  copies: 3", "more than its 2 collectors"), ("  copies: 2", "needs collectors")] {
            let (parsed, errors) = configuration("gw-a", share: share)
            #expect(parsed == nil && errors.contains { $0.reason.contains(reason) && $0.line != nil }, "\(share): \(errors)")
        }
    }

    @Test("configuration errors name their line")
    func configuration() {
        #expect(throws: ConfigurationError(line: 3, "unknown key 'lissten' in scrape")) {
            try ExporterConfiguration(yaml: "store: x.sqlite\nscrape:\n  lissten: 1.2.3.4:5\n", relativeTo: "/tmp")
        }
        #expect(throws: ConfigurationError.self) { try ExporterConfiguration(yaml: "store: x\nretention:\n  max_age: forever\n", relativeTo: "") }
        #expect(throws: ConfigurationError.self) { try ExporterConfiguration(yaml: "scrape: {listen: 1.2.3.4:5}\n", relativeTo: "") }
    }

    @Test("the exporter's and the witness's configurations report every error at once, each with its line, as the collector's does")
    func allErrorsAtOnce() {
        let (exporter, errors) = ExporterConfiguration.parse(yaml: """
            store: x.sqlite
            scrape:
              lissten: 1.2.3.4:5
            limits:
              idle_timeout: soon
              page_records: 0
            orchestrator: 0x12
            """, relativeTo: "/srv")
        #expect(exporter == nil)
        #expect(errors.map(\.line) == [3, 5, 6, 7], "\(errors)")
        #expect(errors.map(\.reason) == [
            "unknown key 'lissten' in scrape",
            "limits.idle_timeout 'soon' must be a positive duration such as 500ms, 10s, 5m, 2h or 1d",
            "limits.page_records must be an integer from 1 to 100000",
            "orchestrator '0x12' must be 0x and 40 hexadecimal digits",
        ])
        let (witness, witnessErrors) = WitnessConfiguration.parse(yaml: "witness:\n  name: a b\n  kee: k\nlogs: nope\n", relativeTo: "/srv")
        #expect(witness == nil)
        #expect(witnessErrors.map(\.line) == [2, 3, 4], "\(witnessErrors)")
        #expect(!witnessErrors.contains { $0.reason.contains("required") }, "no knock-on errors: \(witnessErrors)")
    }

    @Test("retention may be 0 or off; every other duration must be positive")
    func zeroDurations() throws {
        let zero = try ExporterConfiguration(yaml: "store: x.sqlite\nretention:\n  max_age: 0s\n", relativeTo: "/srv")
        #expect(zero.retentionMaxAgeMs == 0)
        let off = try ExporterConfiguration(yaml: "store: x.sqlite\nretention:\n  max_age: off\n  max_bytes: none\n", relativeTo: "/srv")
        #expect(off.retentionMaxAgeMs == nil && off.retentionMaxBytes == nil)
        #expect(throws: ConfigurationError(line: 3, "limits.idle_timeout '0s' must be a positive duration such as 500ms, 10s, 5m, 2h or 1d")) {
            try ExporterConfiguration(yaml: "store: x.sqlite\nlimits:\n  idle_timeout: 0s\n", relativeTo: "/srv")
        }
    }
}

/// The job tester's configuration (spec/probe.md §5): README's example parses into what it says, and mistakes are
/// reported with their lines.
@Suite("tester configuration")
struct ProbeConfigurationTests {
    @Test("README's tester configuration parses into what it says")
    func readmeExample() throws {
        let readme = String(decoding: try Repository.bytes("README.md"), as: UTF8.self)
        let section = try #require(readme.range(of: "#### Run the job tester"))
        let start = try #require(readme.range(of: "```yaml\n", range: section.upperBound..<readme.endIndex))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let (parsed, errors) = ProbeConfiguration.parse(yaml: String(readme[start.upperBound..<end.lowerBound]), relativeTo: "/etc/assay")
        let c = try #require(parsed, "README's example parses: \(errors)")
        #expect(c.testerID == "tester-gw-a" && c.scenarios == "/etc/assay/scenarios.yaml" && c.staging == "/var/lib/assay/staging.sqlite")
        #expect(c.api == "http://127.0.0.1:8935" && c.cli == "http://127.0.0.1:7935" && c.rtmp == "rtmp://127.0.0.1:1935")
        #expect(c.webhookListen == "127.0.0.1:7940" && c.webhookRefreshMs == 60_000)
    }

    @Test("README's collector with a probe section: one daemon, the tester named after the collector, writing into its staging store")
    func readmeCollectorSection() throws {
        let readme = String(decoding: try Repository.bytes("README.md"), as: UTF8.self)
        let section = try #require(readme.range(of: "#### Run the job tester"))
        let blocks = readme[section.upperBound...].components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        let (parsed, errors) = CollectorConfiguration.parse(yaml: try #require(blocks.dropFirst().first), relativeTo: "/etc/assay")
        let c = try #require(parsed, "README's collector parses: \(errors)")
        let probe = try #require(c.probe)
        #expect(probe.testerID == "tester-gw-a" && probe.region == "eu-west" && probe.staging == "/var/lib/assay/staging.sqlite")
        #expect(probe.scenarios == "/etc/assay/scenarios.yaml" && probe.api == "http://127.0.0.1:8935" && probe.webhookRefreshMs == 60_000)
        // A tester alone is something to collect; its section takes no staging of its own; its mistakes have their lines.
        let (alone, aloneErrors) = CollectorConfiguration.parse(yaml: """
            collector: {id: gw-b, key: k}
            dataset: {repository: d}
            staging: s.sqlite
            probe:
              tester: {id: t-1}
              scenarios: sc.yaml
              gateway: {api: "http://g:1", cli: "http://g:2", rtmp: "rtmp://g:3"}
            """, relativeTo: "/x")
        #expect(alone?.probe?.testerID == "t-1" && alone?.probe?.staging == "/x/s.sqlite", "\(aloneErrors)")
        let (refused, refusedErrors) = CollectorConfiguration.parse(yaml: """
            collector: {id: gw-b, key: k}
            dataset: {repository: d}
            staging: s.sqlite
            probe:
              scenarios: sc.yaml
              staging: other.sqlite
              gateway: {api: "ftp://g", cli: "http://g:2", rtmp: "rtmp://g:3"}
            """, relativeTo: "/x")
        #expect(refused == nil)
        #expect(refusedErrors.map { $0.line ?? 0 }.sorted() == [6, 7], "\(refusedErrors)")
    }

    @Test("mistakes are reported with their lines, every one")
    func mistakes() {
        let (parsed, errors) = ProbeConfiguration.parse(yaml: """
            tester:
              id: tester a
            scenarios: s.yaml
            gateway:
              api: ftp://gateway
              cli: http://127.0.0.1:7935/
              rtmp: rtmp://127.0.0.1:1935
              webhook_refresh: soon
              colour: blue
            """, relativeTo: "/etc/assay")
        #expect(parsed == nil)
        let lines = errors.map { $0.line ?? 0 }
        #expect(lines.contains(2) && lines.contains(5) && lines.contains(6) && lines.contains(8) && lines.contains(9), "\(errors)")
        #expect(errors.contains { $0.reason.contains("staging") }, "\(errors)")
    }
}
