import AssayCore
import Yams

/// The one way every configuration (the exporter's, the collector's, the witness's) reads YAML:
/// typed reads of nodes that record an error with its line instead of stopping, so a file's
/// errors are all reported at once, and a value missing because its key was refused is not
/// reported a second time.
struct YAMLReader {
    var errors: [ConfigurationError]
    /// The scopes ("collector", "dataset", "the top level", …) in which a key or value was refused:
    /// a required value missing from them is a knock-on of that refusal, not a second error.
    var refused: Set<String> = []

    init() { errors = [] }

    /// A required value that is missing is an error, unless its scope (or the whole file) was refused:
    /// the refusal already named the cause.
    mutating func require(_ missing: Bool, scope: String, line: Int?, _ reason: String) {
        guard missing, !refused.contains(scope), !refused.contains("the top level") else { return }
        errors.append(ConfigurationError(line: line, reason))
    }

    /// The document's root node, or nil with the error recorded (an empty file, or not YAML).
    mutating func compose(_ text: String) -> Node? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                errors.append(ConfigurationError(line: 1, "the file is empty"))
                return nil
            }
            return node
        } catch let error as YamlError {
            var line = 1
            switch error {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): line = mark.line
            default: break
            }
            errors.append(ConfigurationError(line: line, "not valid YAML: \(error)"))
        } catch {
            errors.append(ConfigurationError(line: 1, "not valid YAML: \(error)"))
        }
        return nil
    }

    /// The parsed value when nothing was refused, and every error sorted by line.
    func result<Value>(_ value: Value) -> (Value?, [ConfigurationError]) {
        (errors.isEmpty ? value : nil, errors.sorted { ($0.line ?? 0) < ($1.line ?? 0) })
    }

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

    /// `500ms`, `10s`, `5m`, `12h`, `30d` to milliseconds. An interval or a timeout must be positive
    /// (0 would spin or never wait); an age may be 0 (`allowZero`).
    mutating func duration(_ node: Node, _ name: String, allowZero: Bool = false) -> Int64? {
        guard let text = string(node, name) else { return nil }
        switch ConfigurationValues.duration(text) {
        case .milliseconds(let value) where value > 0 || allowZero: return value
        case .tooLarge: error(node, "\(name) '\(text)' is too large (at most 3650d)", name: name)
        case .milliseconds, .invalid:
            error(node, "\(name) '\(text)' must be a \(allowZero ? "" : "positive ")duration such as 500ms, 10s, 5m, 2h or 1d", name: name)
        }
        return nil
    }

    /// `1024`, `64KiB`, `8MiB`, `10GiB` to bytes.
    mutating func size(_ node: Node, _ name: String) -> Int64? {
        guard let text = string(node, name) else { return nil }
        let units: [(String, Int64)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40), ("B", 1), ("", 1)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let number = Int64(text.dropLast(suffix.count)), number >= 0 else { continue }
            let (value, overflow) = number.multipliedReportingOverflow(by: factor)
            guard !overflow else {
                error(node, "\(name) '\(text)' is too large", name: name)
                return nil
            }
            return value
        }
        error(node, "\(name) '\(text)' must be a size such as 4096, 64KiB, 8MiB or 10GiB", name: name)
        return nil
    }

    mutating func integer(_ node: Node, _ name: String, _ range: ClosedRange<Int>) -> Int? {
        guard let text = string(node, name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            error(node, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)", name: name)
            return nil
        }
        return value
    }

    mutating func boolean(_ node: Node, _ name: String) -> Bool? {
        guard case .scalar(let scalar) = node, ["true", "false"].contains(scalar.string) else {
            error(node, "\(name) must be true or false", name: name)
            return nil
        }
        return scalar.string == "true"
    }

    mutating func sequence(_ node: Node, _ name: String) -> [Node]? {
        guard case .sequence(let items) = node else {
            error(node, "\(name) must be a list", name: name)
            return nil
        }
        return Array(items)
    }

    /// A path, resolved against the configuration file's directory when relative.
    mutating func path(_ node: Node, _ name: String, relativeTo directory: String) -> String? {
        string(node, name).map { Self.resolve($0, directory) }
    }

    static func resolve(_ path: String, _ directory: String) -> String {
        path.isEmpty || path.hasPrefix("/") || directory.isEmpty ? path : "\(directory)/\(path)"
    }

    /// An Ethereum address, 0x and 40 hexadecimal digits, lowercased.
    mutating func address(_ node: Node, _ name: String) -> String? {
        guard let text = string(node, name) else { return nil }
        let lower = text.lowercased()
        guard lower.utf8.count == 42, lower.hasPrefix("0x"), lower.utf8.dropFirst(2).allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            error(node, "\(name) '\(text)' must be 0x and 40 hexadecimal digits", name: name)
            return nil
        }
        return lower
    }

    /// `off`, `none`, `null`, `~` or empty: a limit that is disabled.
    static func isOff(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node, ["", "~", "null", "none", "off"].contains(scalar.string) { return true }
        return false
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
                case "page_records": pageRecords = integer(value, "page_records", 1...5000) ?? pageRecords
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
                            case "orchestrator": orchestrator = address(labelValue, "labels.orchestrator") ?? orchestrator
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
