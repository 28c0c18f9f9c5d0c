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

    public struct Witness: Sendable, Equatable {
        public var name: String
        public var url: String
    }

    /// Parses YAML, collecting every error with its line.
    public static func parse(yaml text: String, relativeTo directory: String) -> (CollectorConfiguration?, [ConfigurationError]) {
        var errors: [ConfigurationError] = []
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { return (nil, [ConfigurationError(line: 1, "the file is empty")]) }
            root = node
        } catch let error as YamlError {
            var line = 1
            switch error {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): line = mark.line
            default: break
            }
            return (nil, [ConfigurationError(line: line, "not valid YAML: \(error)")])
        } catch {
            return (nil, [ConfigurationError(line: 1, "not valid YAML: \(error)")])
        }
        var configuration = CollectorConfiguration()
        var reader = NodeReader(errors: [])
        guard let top = reader.mapping(root, "the top level") else { return (nil, reader.errors) }
        var globalInterval: Int64 = 60_000
        var scrapeConfigs: Node?
        for (key, value) in top {
            switch key.string ?? "" {
            case "collector":
                for (subKey, subValue) in reader.mapping(value, "collector") ?? [] {
                    switch subKey.string ?? "" {
                    case "id": configuration.collectorID = reader.slug(subValue, "collector.id") ?? ""
                    case "signer": configuration.signer = reader.slug(subValue, "collector.signer") ?? ""
                    case "key": configuration.key = resolve(reader.string(subValue, "collector.key") ?? "", directory)
                    case "region": configuration.region = reader.identifier(subValue, "collector.region")
                    case "first_day": configuration.firstDay = reader.day(subValue, "collector.first_day")
                    default: reader.unknown(subKey, "collector")
                    }
                }
            case "dataset":
                for (subKey, subValue) in reader.mapping(value, "dataset") ?? [] {
                    switch subKey.string ?? "" {
                    case "repository": configuration.repository = resolve(reader.string(subValue, "dataset.repository") ?? "", directory)
                    case "branch": configuration.branch = reader.branch(subValue, "dataset.branch") ?? "main"
                    case "remote": configuration.remote = reader.string(subValue, "dataset.remote") ?? "origin"
                    default: reader.unknown(subKey, "dataset")
                    }
                }
            case "staging": configuration.staging = resolve(reader.string(value, "staging") ?? "", directory)
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
                        if let text = reader.string(subValue, "seal.max_catch_up_days"), let number = Int(text), (1...366).contains(number) {
                            configuration.maxCatchUpDays = number
                        } else {
                            reader.error(subValue, "seal.max_catch_up_days must be an integer from 1 to 366")
                        }
                    default: reader.unknown(subKey, "seal")
                    }
                }
            case "scrape_configs": scrapeConfigs = value
            case "gateway_events":
                guard case .sequence(let items) = value else { reader.error(value, "gateway_events must be a list"); continue }
                for item in items {
                    for (subKey, subValue) in reader.mapping(item, "a gateway_events entry") ?? [] {
                        switch subKey.string ?? "" {
                        case "file": configuration.eventFiles.append(resolve(reader.string(subValue, "gateway_events.file") ?? "", directory))
                        case "listen":
                            if configuration.eventListen != nil { reader.error(subKey, "only one gateway_events listen entry is allowed") }
                            configuration.eventListen = reader.listen(subValue, "gateway_events.listen", loopbackOnly: true)
                        case "stdin":
                            guard case .scalar(let scalar) = subValue, ["true", "false"].contains(scalar.string) else {
                                reader.error(subValue, "gateway_events.stdin must be true or false"); continue
                            }
                            configuration.eventStdin = scalar.string == "true"
                        default: reader.unknown(subKey, "a gateway_events entry")
                        }
                    }
                }
            case "witnesses":
                guard case .sequence(let items) = value else { reader.error(value, "witnesses must be a list"); continue }
                for item in items {
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
        if let scrapeConfigs { configuration.targets = reader.targets(scrapeConfigs, defaultInterval: globalInterval) }
        // Required values and combinations. A value that is missing because its key or section was
        // refused above is not reported again (the refusal names the cause).
        func require(_ missing: Bool, _ scope: String, _ reason: String) {
            guard missing, !reader.refused.contains(scope), !reader.refused.contains("the top level") else { return }
            reader.errors.append(ConfigurationError(line: root.mark?.line, reason))
        }
        require(configuration.collectorID.isEmpty, "collector", "collector.id is required (a slug: \(Slug.rule))")
        if configuration.signer.isEmpty { configuration.signer = configuration.collectorID }
        require(configuration.key.isEmpty, "collector", "collector.key is required: the path of the collector's private key")
        require(configuration.repository.isEmpty, "dataset", "dataset.repository is required")
        require(configuration.staging.isEmpty, "staging", "staging is required: the path of the staging SQLite file")
        if reader.errors.isEmpty, configuration.targets.isEmpty && configuration.eventFiles.isEmpty && configuration.eventListen == nil && !configuration.eventStdin {
            reader.errors.append(ConfigurationError(line: root.mark?.line, "nothing to collect: give scrape_configs targets or gateway_events"))
        }
        if configuration.scrapeTimeoutMs > configuration.targets.map(\.intervalMs).min() ?? .max {
            reader.errors.append(ConfigurationError(line: nil, "global.scrape_timeout exceeds a scrape_interval"))
        }
        errors += reader.errors
        return (errors.isEmpty ? configuration : nil, errors.sorted { ($0.line ?? 0) < ($1.line ?? 0) })
    }

    static func resolve(_ path: String, _ directory: String) -> String {
        path.isEmpty || path.hasPrefix("/") || directory.isEmpty ? path : "\(directory)/\(path)"
    }
}

/// Typed reads of YAML nodes that record errors instead of stopping, so every error is reported.
struct NodeReader {
    var errors: [ConfigurationError]
    /// The scopes ("collector", "dataset", "the top level", …) in which a key or value was refused:
    /// a required value missing from them is a knock-on of that refusal, not a second error.
    var refused: Set<String> = []

    init(errors: [ConfigurationError]) { self.errors = errors }

    mutating func error(_ node: Node, _ reason: String) { errors.append(ConfigurationError(line: node.mark?.line, reason)) }

    /// An error in the value named `name` (`collector.id`: scope `collector`).
    mutating func error(_ node: Node, _ reason: String, name: String) {
        refused.insert(String(name.split(separator: ".").first ?? Substring(name)))
        error(node, reason)
    }

    mutating func unknown(_ key: Node, _ place: String) {
        refused.insert(place)
        error(key, "unknown key '\(key.string ?? "?")' in \(place)")
    }

    /// A UTC day, `YYYY-MM-DD`.
    mutating func day(_ node: Node, _ name: String) -> UTCDay? {
        guard let text = string(node, name) else { return nil }
        guard let day = UTCDay(text) else {
            error(node, "\(name) '\(text)' must be a date, YYYY-MM-DD", name: name)
            return nil
        }
        return day
    }

    /// A git branch name (`refs/heads/NAME` must be a valid reference: no spaces, `..`, `~^:?*[\\`).
    mutating func branch(_ node: Node, _ name: String) -> String? {
        guard let text = string(node, name) else { return nil }
        let forbidden: Set<UInt8> = Set(" ~^:?*[\\".utf8)
        guard !text.hasPrefix("-"), !text.hasPrefix("/"), !text.hasSuffix("/"), !text.hasSuffix(".lock"), !text.contains(".."),
              !text.contains("@{"), !text.contains("//"), text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && !forbidden.contains($0) }) else {
            error(node, "\(name) '\(text)' is not a valid git branch name", name: name)
            return nil
        }
        return text
    }

    mutating func mapping(_ node: Node, _ name: String) -> [(Node, Node)]? {
        guard case .mapping(let mapping) = node else {
            error(node, "\(name) must be a mapping", name: name)
            return nil
        }
        return Array(mapping)
    }

    mutating func string(_ node: Node, _ name: String) -> String? {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            error(node, "\(name) must be a non-empty string", name: name)
            return nil
        }
        return scalar.string
    }

    mutating func slug(_ node: Node, _ name: String) -> String? {
        guard let text = string(node, name) else { return nil }
        guard Slug.isValid(text) else {
            error(node, "\(name) '\(text)' must be \(Slug.rule)", name: name)
            return nil
        }
        return text
    }

    mutating func identifier(_ node: Node, _ name: String) -> String? {
        guard let text = string(node, name) else { return nil }
        guard text.utf8.count <= 256, text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) else {
            error(node, "\(name) must be printable ASCII without spaces, quotes or backslashes")
            return nil
        }
        return text
    }

    mutating func duration(_ node: Node, _ name: String) -> Int64? {
        guard let text = string(node, name) else { return nil }
        // Every collector duration is an interval or a timeout: 0 would spin or never wait.
        switch ConfigurationValues.duration(text) {
        case .milliseconds(let value) where value > 0: return value
        case .tooLarge: error(node, "\(name) '\(text)' is too large (at most 3650d)", name: name)
        case .milliseconds, .invalid: error(node, "\(name) '\(text)' must be a positive duration such as 500ms, 10s, 5m, 2h or 1d", name: name)
        }
        return nil
    }

    mutating func listen(_ node: Node, _ name: String, loopbackOnly: Bool = false) -> String? {
        guard let text = string(node, name) else { return nil }
        guard let (host, _) = ConfigurationValues.hostPort(text) else {
            error(node, "\(name) '\(text)' must be HOST:PORT")
            return nil
        }
        if loopbackOnly, !["127.0.0.1", "localhost", "::1"].contains(host) {
            error(node, "\(name) '\(text)' must be a loopback address (127.0.0.1:PORT): the endpoint has no authentication")
            return nil
        }
        return text
    }

    mutating func targets(_ node: Node, defaultInterval: Int64) -> [CollectorConfiguration.Target] {
        guard case .sequence(let jobs) = node else {
            error(node, "scrape_configs must be a list of jobs")
            return []
        }
        var targets: [CollectorConfiguration.Target] = []
        var seen: [String: Int] = [:]
        for job in jobs {
            var name = "job"
            var interval = defaultInterval
            var pageRecords = 1000
            var groups: Node?
            for (key, value) in mapping(job, "a scrape_configs entry") ?? [] {
                switch key.string ?? "" {
                case "job_name": name = string(value, "job_name") ?? name
                case "scrape_interval": interval = duration(value, "scrape_interval") ?? interval
                case "page_records":
                    if let text = string(value, "page_records"), let number = Int(text), (1...5000).contains(number) { pageRecords = number } else {
                        error(value, "page_records must be an integer from 1 to 5000")
                    }
                case "static_configs": groups = value
                default: unknown(key, "a scrape_configs entry")
                }
            }
            guard let groups, case .sequence(let list) = groups else {
                error(job, "scrape job '\(name)' needs static_configs: a list of target groups")
                continue
            }
            for group in list {
                var urls: [(String, Int)] = []
                var orchestrator: String?
                var region: String?
                for (key, value) in mapping(group, "a static_configs entry") ?? [] {
                    switch key.string ?? "" {
                    case "targets":
                        guard case .sequence(let items) = value else { error(value, "targets must be a list of URLs"); continue }
                        for item in items {
                            guard let url = string(item, "a target") else { continue }
                            guard (url.hasPrefix("http://") || url.hasPrefix("https://")), !url.contains("?"), !url.contains(" ") else {
                                error(item, "target '\(url)' must be an http:// or https:// base URL without a query")
                                continue
                            }
                            urls.append((url.hasSuffix("/") ? String(url.dropLast()) : url, item.mark?.line ?? 0))
                        }
                    case "labels":
                        for (label, labelValue) in mapping(value, "labels") ?? [] {
                            switch label.string ?? "" {
                            case "orchestrator":
                                guard let text = string(labelValue, "labels.orchestrator") else { continue }
                                let lower = text.lowercased()
                                guard lower.utf8.count == 42, lower.hasPrefix("0x"),
                                      lower.utf8.dropFirst(2).allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
                                else {
                                    error(labelValue, "labels.orchestrator '\(text)' must be 0x and 40 hexadecimal digits")
                                    continue
                                }
                                orchestrator = lower
                            case "region": region = identifier(labelValue, "labels.region")
                            default: unknown(label, "labels (orchestrator, region)")
                            }
                        }
                    default: unknown(key, "a static_configs entry")
                    }
                }
                guard let orchestrator else {
                    if !urls.isEmpty { error(group, "a static_configs entry needs labels.orchestrator: the address its exporters must report") }
                    continue
                }
                for (url, line) in urls {
                    if let first = seen[url] {
                        errors.append(ConfigurationError(line: line, "target \(url) already appears on line \(first)"))
                        continue
                    }
                    seen[url] = line
                    targets.append(.init(url: url, orchestrator: orchestrator, region: region, job: name, intervalMs: interval,
                                         pageRecords: pageRecords, line: line))
                }
            }
        }
        return targets
    }
}
