import AssayCore
import AssayLedger
import Yams

/// `assay collect` configuration (spec/collector.md §1).
public struct CollectorConfiguration: Sendable, Equatable {
    public struct Target: Sendable, Equatable {
        public var url: String
        public var orchestrator: String
        public var region: String?
        public var job: String
        public var intervalMs: Int64
        public var pageRecords: Int
        public var line: Int

        public init(url: String, orchestrator: String, region: String?, job: String, intervalMs: Int64, pageRecords: Int, line: Int) {
            self.url = url
            self.orchestrator = orchestrator
            self.region = region
            self.job = job
            self.intervalMs = intervalMs
            self.pageRecords = pageRecords
            self.line = line
        }
    }

    public var collectorID = ""
    public var signer = ""
    public var key = ""
    public var region: String?
    public var repository = ""
    public var branch = "main"
    public var remote = "origin"
    public var staging = ""
    public var scrapeIntervalMs: Int64 = 60_000
    public var scrapeTimeoutMs: Int64 = 10_000
    public var sealGraceMs: Int64 = 2 * 3_600_000
    /// The most missed days one seal pass seals without `--catch-up` (spec/collector.md §4.1).
    public var maxCatchUpDays = 7
    /// No day before this one is ever sealed by this collector (`collector.first_day`).
    public var firstDay: UTCDay?
    public var targets: [Target] = []
    /// When the dataset's collectors split the orchestrators (`scrape_share`, spec/scale.md §3): all of them, and how many
    /// scrape each orchestrator. `targets` then holds only this collector's share.
    public var scrapeShare: ScrapeShare?
    /// The configured targets that are other collectors' share, left out of `targets`.
    public var targetsOutsideShare: [Target] = []
    public var eventFiles: [String] = []
    public var eventListen: String?
    /// Events arrive on standard input (`- stdin: true`).
    public var eventStdin = false
    /// Where events that arrive over HTTP or standard input are spooled: the staging path with `.events` appended.
    public var eventSpool: String { staging + ".events" }
    public var metricsListen: String?
    /// Witnesses the collector submits its dataset's newest checkpoint to after publishing (spec/log.md §8):
    /// each by its name in the policy's witnesses file and its submission URL.
    public var witnesses: [Witness] = []
    /// The job tester the daemon runs beside the collector (`probe:`, spec/probe.md §5), writing into its staging store.
    public var probe: ProbeConfiguration?

    /// `scrape_share`: every collector of the dataset, and how many of them scrape each orchestrator.
    public struct ScrapeShare: Sendable, Equatable {
        public var collectors: [String]
        public var copies: Int
    }

    public struct Witness: Sendable, Equatable {
        public var name: String
        public var url: String
    }

    /// Parses YAML, collecting every error with its line.
    public static func parse(yaml text: String, relativeTo directory: String) -> (CollectorConfiguration?, [ConfigurationError]) {
        var reader = YAMLReader()
        guard let root = reader.compose(text) else { return (nil, reader.errors) }
        var configuration = CollectorConfiguration()
        guard let top = reader.mapping(root, "the top level") else { return (nil, reader.errors) }
        var globalInterval: Int64 = 60_000
        var scrapeConfigs: Node?
        var probeSection: Node?
        var shareLine: Node?
        for (key, value) in top {
            switch key.string ?? "" {
            case "collector":
                for (subKey, subValue) in reader.mapping(value, "collector") ?? [] {
                    switch subKey.string ?? "" {
                    case "id": configuration.collectorID = reader.slug(subValue, "collector.id") ?? ""
                    case "signer": configuration.signer = reader.slug(subValue, "collector.signer") ?? ""
                    case "key": configuration.key = reader.path(subValue, "collector.key", relativeTo: directory) ?? ""
                    case "region": configuration.region = reader.identifier(subValue, "collector.region")
                    case "first_day": configuration.firstDay = reader.day(subValue, "collector.first_day")
                    default: reader.unknown(subKey, "collector")
                    }
                }
            case "dataset":
                for (subKey, subValue) in reader.mapping(value, "dataset") ?? [] {
                    switch subKey.string ?? "" {
                    case "repository": configuration.repository = reader.path(subValue, "dataset.repository", relativeTo: directory) ?? ""
                    case "branch": configuration.branch = reader.branch(subValue, "dataset.branch") ?? "main"
                    case "remote": configuration.remote = reader.string(subValue, "dataset.remote") ?? "origin"
                    default: reader.unknown(subKey, "dataset")
                    }
                }
            case "staging": configuration.staging = reader.path(value, "staging", relativeTo: directory) ?? ""
            case "global":
                for (subKey, subValue) in reader.mapping(value, "global") ?? [] {
                    switch subKey.string ?? "" {
                    case "scrape_interval": globalInterval = reader.duration(subValue, "global.scrape_interval") ?? globalInterval
                    case "scrape_timeout": configuration.scrapeTimeoutMs = reader.duration(subValue, "global.scrape_timeout") ?? 10_000
                    default: reader.unknown(subKey, "global")
                    }
                }
            case "seal":
                for (subKey, subValue) in reader.mapping(value, "seal") ?? [] {
                    switch subKey.string ?? "" {
                    case "grace": configuration.sealGraceMs = reader.duration(subValue, "seal.grace") ?? configuration.sealGraceMs
                    case "max_catch_up_days":
                        configuration.maxCatchUpDays = reader.integer(subValue, "seal.max_catch_up_days", 1...366) ?? configuration.maxCatchUpDays
                    default: reader.unknown(subKey, "seal")
                    }
                }
            case "scrape_configs": scrapeConfigs = value
            case "scrape_share":
                var collectors: [String]?, copies = 2
                for (subKey, subValue) in reader.mapping(value, "scrape_share") ?? [] {
                    switch subKey.string ?? "" {
                    case "collectors":
                        collectors = (reader.sequence(subValue, "scrape_share.collectors") ?? []).compactMap { reader.slug($0, "scrape_share.collectors") }
                        if let list = collectors, Set(list).count != list.count { reader.error(subValue, "scrape_share.collectors names a collector twice") }
                    case "copies": copies = reader.integer(subValue, "scrape_share.copies", 1...1000) ?? copies
                    default: reader.unknown(subKey, "scrape_share")
                    }
                }
                guard let collectors, !collectors.isEmpty else { reader.error(value, "scrape_share needs collectors: every collector of the dataset"); break }
                if copies > collectors.count { reader.error(value, "scrape_share.copies (\(copies)) is more than its \(collectors.count) collectors") }
                configuration.scrapeShare = ScrapeShare(collectors: collectors, copies: copies)
                shareLine = value
            case "probe": probeSection = value
            case "gateway_events":
                for item in reader.sequence(value, "gateway_events") ?? [] {
                    for (subKey, subValue) in reader.mapping(item, "a gateway_events entry") ?? [] {
                        switch subKey.string ?? "" {
                        case "file": configuration.eventFiles.append(reader.path(subValue, "gateway_events.file", relativeTo: directory) ?? "")
                        case "listen":
                            if configuration.eventListen != nil { reader.error(subKey, "only one gateway_events listen entry is allowed") }
                            configuration.eventListen = reader.listen(subValue, "gateway_events.listen", loopbackOnly: true)
                        case "stdin": configuration.eventStdin = reader.boolean(subValue, "gateway_events.stdin") ?? configuration.eventStdin
                        default: reader.unknown(subKey, "a gateway_events entry")
                        }
                    }
                }
            case "witnesses":
                for item in reader.sequence(value, "witnesses") ?? [] {
                    var name: String?, url: String?
                    for (subKey, subValue) in reader.mapping(item, "a witnesses entry") ?? [] {
                        switch subKey.string ?? "" {
                        case "name": name = reader.slug(subValue, "witnesses.name")
                        case "url":
                            url = reader.string(subValue, "witnesses.url")
                            if let text = url, !(text.hasPrefix("http://") || text.hasPrefix("https://")) {
                                reader.error(subValue, "witnesses.url must be an http:// or https:// submission prefix")
                            }
                        default: reader.unknown(subKey, "a witnesses entry")
                        }
                    }
                    guard let name, let url else { reader.error(item, "a witnesses entry needs name and url"); continue }
                    if configuration.witnesses.contains(where: { $0.name == name }) { reader.error(item, "witness \(name) is listed twice") }
                    configuration.witnesses.append(Witness(name: name, url: url))
                }
            case "metrics":
                for (subKey, subValue) in reader.mapping(value, "metrics") ?? [] {
                    switch subKey.string ?? "" {
                    case "listen": configuration.metricsListen = reader.listen(subValue, "metrics.listen")
                    default: reader.unknown(subKey, "metrics")
                    }
                }
            default: reader.unknown(key, "the top level")
            }
        }
        configuration.scrapeIntervalMs = globalInterval
        // Read after the collector's own keys: the tester writes into its staging store, and is named after it by default.
        if let probeSection, let pairs = reader.mapping(probeSection, "probe") {
            configuration.probe = ProbeConfiguration.read(pairs, reader: &reader, line: probeSection.mark?.line, relativeTo: directory, prefix: "probe.",
                                                          staging: configuration.staging.isEmpty ? "staging" : configuration.staging,
                                                          defaultID: configuration.collectorID.isEmpty ? nil : "tester-\(configuration.collectorID)",
                                                          defaultRegion: configuration.region)
        }
        if let scrapeConfigs { configuration.targets = reader.targets(scrapeConfigs, defaultInterval: globalInterval) }
        // This collector's share (spec/scale.md §3): the orchestrators the rendezvous hash gives it; the others' targets stay listed
        // for check-config, not scraped.
        if let share = configuration.scrapeShare, let shareLine, !configuration.collectorID.isEmpty {
            if !share.collectors.contains(configuration.collectorID) {
                reader.error(shareLine, "scrape_share.collectors must name this collector (\(configuration.collectorID))")
            } else {
                let all = configuration.targets
                let mine = all.map {
                    ScrapeAssignment.scrapers(of: $0.orchestrator, collectors: share.collectors, copies: share.copies).contains(configuration.collectorID)
                }
                configuration.targets = zip(all, mine).filter(\.1).map(\.0)
                configuration.targetsOutsideShare = zip(all, mine).filter { !$0.1 }.map(\.0)
            }
        }
        // Required values and combinations. A value that is missing because its key or section was
        // refused above is not reported again (the refusal names the cause).
        let line = root.mark?.line
        reader.require(configuration.collectorID.isEmpty, scope: "collector", line: line, "collector.id is required (a slug: \(Slug.rule))")
        if configuration.signer.isEmpty { configuration.signer = configuration.collectorID }
        reader.require(configuration.key.isEmpty, scope: "collector", line: line, "collector.key is required: the path of the collector's private key")
        reader.require(configuration.repository.isEmpty, scope: "dataset", line: line, "dataset.repository is required")
        reader.require(configuration.staging.isEmpty, scope: "staging", line: line, "staging is required: the path of the staging SQLite file")
        if reader.errors.isEmpty, configuration.targets.isEmpty && configuration.eventFiles.isEmpty && configuration.eventListen == nil && !configuration.eventStdin
            && configuration.probe == nil {
            reader.errors.append(ConfigurationError(line: root.mark?.line, "nothing to collect: give scrape_configs targets, gateway_events or probe"))
        }
        if configuration.scrapeTimeoutMs > configuration.targets.map(\.intervalMs).min() ?? .max {
            reader.errors.append(ConfigurationError(line: nil, "global.scrape_timeout exceeds a scrape_interval"))
        }
        return reader.result(configuration)
    }

}
