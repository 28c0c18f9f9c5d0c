import AssayCore
import Yams

/// The longest duration either configuration accepts: ten years, in milliseconds.
/// Larger values are mistakes, and bounding them keeps every later sum of times far from overflow.

/// `assay exporter serve` configuration (spec/exporter.md §8), from YAML;
/// command-line flags override single fields.
public struct ExporterConfiguration: Sendable, Equatable {
    /// The SQLite store file.
    public var store: String
    /// The orchestrator's Ethereum address, as /v1/info reports it (lowercase).
    public var orchestrator: String?
    /// host:port of the public scrape listener.
    public var scrapeListen: String = "0.0.0.0:9108"
    /// host:port of the ingest listener (loopback by default).
    public var ingestListen: String = "127.0.0.1:9109"
    /// Bearer token required on the ingest listener (mandatory when it is not on loopback).
    public var ingestToken: String?
    /// Records received longer ago than this are pruned (milliseconds; nil keeps them).
    public var retentionMaxAgeMs: Int64? = 30 * 86_400_000
    /// The oldest records are pruned while the store holds more than this many record bytes.
    public var retentionMaxBytes: Int64? = 10 << 30
    public var maxBodyBytes: Int = 8 << 20
    public var pageRecords: Int = 5000
    public var pageBytes: Int = 4 << 20
    public var defaultPageRecords: Int = 500
    public var idleTimeoutMs: Int64 = 10_000
    public var maxConnections: Int = 512
    /// Open scrape connections one client address may hold.
    public var maxConnectionsPerClient: Int = 32
    /// Time a connection may take to send a request head (from opening, or from the previous response's end).
    public var requestHeadTimeoutMs: Int64 = 10_000

    public init(store: String) { self.store = store }

    /// Parses YAML; `relativeTo` resolves relative paths (the config file's directory).
    public init(yaml text: String, relativeTo directory: String) throws(ConfigurationError) {
        let root = try Self.compose(text)
        guard case .mapping(let mapping) = root else { throw ConfigurationError(line: root.mark?.line ?? 1, "the top level must be a mapping") }
        var store: String?
        var configuration = ExporterConfiguration(store: "")
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            let line = keyNode.mark?.line ?? 1
            switch key {
            case "store": store = try Self.string(value, key)
            case "orchestrator":
                let address = try Self.string(value, key)
                guard Self.isAddress(address) else {
                    throw ConfigurationError(line: value.mark?.line ?? line, "orchestrator must be 0x and 40 hexadecimal digits")
                }
                configuration.orchestrator = address.lowercased()
            case "scrape":
                for (subKey, subValue) in try Self.mapping(value, key) {
                    switch subKey.string ?? "" {
                    case "listen": configuration.scrapeListen = try Self.listen(subValue, "scrape.listen")
                    default: throw Self.unknown(subKey, in: "scrape")
                    }
                }
            case "ingest":
                for (subKey, subValue) in try Self.mapping(value, key) {
                    switch subKey.string ?? "" {
                    case "listen": configuration.ingestListen = try Self.listen(subValue, "ingest.listen")
                    case "token": configuration.ingestToken = try Self.string(subValue, "ingest.token")
                    case "token_file":
                        let path = Self.resolve(try Self.string(subValue, "ingest.token_file"), directory)
                        do {
                            configuration.ingestToken = String(decoding: try Files.read(path, limit: 4096), as: UTF8.self)
                                .filter { !$0.isWhitespace }
                        } catch {
                            throw ConfigurationError(line: subValue.mark?.line ?? line, "ingest.token_file: \(error)")
                        }
                    default: throw Self.unknown(subKey, in: "ingest")
                    }
                }
            case "retention":
                for (subKey, subValue) in try Self.mapping(value, key) {
                    switch subKey.string ?? "" {
                    case "max_age":
                        configuration.retentionMaxAgeMs = Self.isOff(subValue) ? nil : try Self.duration(subValue, "retention.max_age")
                    case "max_bytes":
                        configuration.retentionMaxBytes = Self.isOff(subValue) ? nil : try Self.size(subValue, "retention.max_bytes")
                    default: throw Self.unknown(subKey, in: "retention")
                    }
                }
            case "limits":
                for (subKey, subValue) in try Self.mapping(value, key) {
                    let name = subKey.string ?? ""
                    switch name {
                    case "max_body_bytes": configuration.maxBodyBytes = Int(try Self.size(subValue, "limits.\(name)"))
                    case "page_records": configuration.pageRecords = try Self.integer(subValue, "limits.\(name)", 1...100_000)
                    case "page_bytes": configuration.pageBytes = Int(try Self.size(subValue, "limits.\(name)"))
                    case "default_page_records": configuration.defaultPageRecords = try Self.integer(subValue, "limits.\(name)", 1...100_000)
                    case "idle_timeout": configuration.idleTimeoutMs = try Self.duration(subValue, "limits.\(name)")
                    case "max_connections": configuration.maxConnections = try Self.integer(subValue, "limits.\(name)", 1...100_000)
                    case "max_connections_per_client": configuration.maxConnectionsPerClient = try Self.integer(subValue, "limits.\(name)", 1...100_000)
                    case "request_head_timeout": configuration.requestHeadTimeoutMs = try Self.duration(subValue, "limits.\(name)")
                    default: throw Self.unknown(subKey, in: "limits")
                    }
                }
            default:
                throw Self.unknown(keyNode, in: "the top level")
            }
        }
        guard let store else { throw ConfigurationError(line: 1, "store is required: the path of the SQLite file") }
        configuration.store = Self.resolve(store, directory)
        self = configuration
        try validate()
    }

    /// Checks the combination: a non-loopback ingest listener needs a token.
    public func validate() throws(ConfigurationError) {
        for (name, value) in [("scrape.listen", scrapeListen), ("ingest.listen", ingestListen)] where ConfigurationValues.hostPort(value) == nil {
            throw ConfigurationError(line: nil, "\(name) '\(value)' must be HOST:PORT")
        }
        if let (host, _) = ConfigurationValues.hostPort(ingestListen), !ConfigurationValues.isLoopback(host), (ingestToken ?? "").isEmpty {
            throw ConfigurationError(line: nil, "ingest.listen '\(ingestListen)' is not a loopback address: set ingest.token or ingest.token_file, so only holders of the token can ingest")
        }
        if defaultPageRecords > pageRecords {
            throw ConfigurationError(line: nil, "limits.default_page_records (\(defaultPageRecords)) exceeds limits.page_records (\(pageRecords))")
        }
    }


    static func isAddress(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 42 && text.hasPrefix("0x")
            && bytes[2...].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46) }
    }

    static func resolve(_ path: String, _ directory: String) -> String {
        path.hasPrefix("/") || directory.isEmpty ? path : "\(directory)/\(path)"
    }

    /// The root node of a YAML document; an empty or malformed one is an error with its line.
    static func compose(_ text: String) throws(ConfigurationError) -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else { throw ConfigurationError(line: 1, "the file is empty") }
            return node
        } catch let error as ConfigurationError {
            throw error
        } catch let error as YamlError {
            throw ConfigurationError(line: line(of: error), "not valid YAML: \(error)")
        } catch {
            throw ConfigurationError(line: 1, "not valid YAML: \(error)")
        }
    }

    static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return 1
        }
    }

    static func unknown(_ key: Node, in place: String) -> ConfigurationError {
        ConfigurationError(line: key.mark?.line, "unknown key '\(key.string ?? "?")' in \(place)")
    }

    static func string(_ node: Node, _ name: String) throws(ConfigurationError) -> String {
        guard case .scalar(let scalar) = node else { throw ConfigurationError(line: node.mark?.line, "\(name) must be a string") }
        return scalar.string
    }

    static func mapping(_ node: Node, _ name: String) throws(ConfigurationError) -> Node.Mapping {
        guard case .mapping(let mapping) = node else { throw ConfigurationError(line: node.mark?.line, "\(name) must be a mapping") }
        return mapping
    }

    static func listen(_ node: Node, _ name: String) throws(ConfigurationError) -> String {
        let text = try string(node, name)
        guard ConfigurationValues.hostPort(text) != nil else { throw ConfigurationError(line: node.mark?.line, "\(name) '\(text)' must be HOST:PORT") }
        return text
    }

    static func integer(_ node: Node, _ name: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let value = Int(try string(node, name)), range.contains(value) else {
            throw ConfigurationError(line: node.mark?.line, "\(name) must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// `off`, `none`, `null`, `~` or empty: the limit is disabled.
    static func isOff(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node, ["", "~", "null", "none", "off"].contains(scalar.string) { return true }
        return false
    }

    /// `500ms`, `10s`, `5m`, `12h`, `30d` to milliseconds.
    public static func duration(_ node: Node, _ name: String) throws(ConfigurationError) -> Int64 {
        let text = try string(node, name)
        switch ConfigurationValues.duration(text) {
        case .milliseconds(let value): return value
        case .tooLarge: throw ConfigurationError(line: node.mark?.line, "\(name) '\(text)' is too large (at most 3650d)")
        case .invalid: throw ConfigurationError(line: node.mark?.line, "\(name) '\(text)' must be a duration such as 500ms, 10s, 5m, 12h or 30d")
        }
    }

    /// `1024`, `64KiB`, `8MiB`, `10GiB` to bytes.
    public static func size(_ node: Node, _ name: String) throws(ConfigurationError) -> Int64 {
        let text = try string(node, name)
        let units: [(String, Int64)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40), ("B", 1), ("", 1)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let number = Int64(text.dropLast(suffix.count)), number >= 0 else { continue }
            let (value, overflow) = number.multipliedReportingOverflow(by: factor)
            guard !overflow else { throw ConfigurationError(line: node.mark?.line, "\(name) '\(text)' is too large") }
            return value
        }
        throw ConfigurationError(line: node.mark?.line, "\(name) '\(text)' must be a size such as 4096, 64KiB, 8MiB or 10GiB")
    }
}

/// A configuration problem, with the line it is on when known.
public struct ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int?
    public let reason: String

    public init(line: Int?, _ reason: String) {
        self.line = line
        self.reason = reason
    }

    public var description: String { line.map { "line \($0): \(reason)" } ?? reason }
}
