import AssayCore

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

    /// Parses YAML, collecting every error with its line; `relativeTo` resolves relative paths (the
    /// config file's directory). The combination rules (`validate`) run when each value is valid.
    public static func parse(yaml text: String, relativeTo directory: String) -> (ExporterConfiguration?, [ConfigurationError]) {
        var reader = YAMLReader()
        guard let root = reader.compose(text), let top = reader.mapping(root, "the top level") else { return (nil, reader.errors) }
        var store: String?
        var configuration = ExporterConfiguration(store: "")
        for (key, value) in top {
            switch key.string ?? "" {
            case "store": store = reader.path(value, "store", relativeTo: directory)
            case "orchestrator": configuration.orchestrator = reader.address(value, "orchestrator")
            case "scrape":
                for (subKey, subValue) in reader.mapping(value, "scrape") ?? [] {
                    switch subKey.string ?? "" {
                    case "listen": configuration.scrapeListen = reader.listen(subValue, "scrape.listen") ?? configuration.scrapeListen
                    default: reader.unknown(subKey, "scrape")
                    }
                }
            case "ingest":
                for (subKey, subValue) in reader.mapping(value, "ingest") ?? [] {
                    switch subKey.string ?? "" {
                    case "listen": configuration.ingestListen = reader.listen(subValue, "ingest.listen") ?? configuration.ingestListen
                    case "token": configuration.ingestToken = reader.string(subValue, "ingest.token")
                    case "token_file":
                        guard let path = reader.path(subValue, "ingest.token_file", relativeTo: directory) else { continue }
                        do {
                            configuration.ingestToken = String(decoding: try Files.read(path, limit: 4096), as: UTF8.self).filter { !$0.isWhitespace }
                        } catch {
                            reader.error(subValue, "ingest.token_file: \(error)", name: "ingest.token_file")
                        }
                    default: reader.unknown(subKey, "ingest")
                    }
                }
            case "retention":
                for (subKey, subValue) in reader.mapping(value, "retention") ?? [] {
                    switch subKey.string ?? "" {
                    case "max_age":
                        configuration.retentionMaxAgeMs = YAMLReader.isOff(subValue) ? nil
                            : reader.duration(subValue, "retention.max_age", allowZero: true) ?? configuration.retentionMaxAgeMs
                    case "max_bytes":
                        configuration.retentionMaxBytes = YAMLReader.isOff(subValue) ? nil
                            : reader.size(subValue, "retention.max_bytes") ?? configuration.retentionMaxBytes
                    default: reader.unknown(subKey, "retention")
                    }
                }
            case "limits":
                for (subKey, subValue) in reader.mapping(value, "limits") ?? [] {
                    let name = "limits.\(subKey.string ?? "")"
                    switch subKey.string ?? "" {
                    case "max_body_bytes": configuration.maxBodyBytes = reader.size(subValue, name).flatMap { Int(exactly: $0) } ?? configuration.maxBodyBytes
                    case "page_records": configuration.pageRecords = reader.integer(subValue, name, 1...100_000) ?? configuration.pageRecords
                    case "page_bytes": configuration.pageBytes = reader.size(subValue, name).flatMap { Int(exactly: $0) } ?? configuration.pageBytes
                    case "default_page_records": configuration.defaultPageRecords = reader.integer(subValue, name, 1...100_000) ?? configuration.defaultPageRecords
                    case "idle_timeout": configuration.idleTimeoutMs = reader.duration(subValue, name) ?? configuration.idleTimeoutMs
                    case "max_connections": configuration.maxConnections = reader.integer(subValue, name, 1...100_000) ?? configuration.maxConnections
                    case "max_connections_per_client":
                        configuration.maxConnectionsPerClient = reader.integer(subValue, name, 1...100_000) ?? configuration.maxConnectionsPerClient
                    case "request_head_timeout": configuration.requestHeadTimeoutMs = reader.duration(subValue, name) ?? configuration.requestHeadTimeoutMs
                    default: reader.unknown(subKey, "limits")
                    }
                }
            default: reader.unknown(key, "the top level")
            }
        }
        reader.require(store == nil, scope: "store", line: 1, "store is required: the path of the SQLite file")
        configuration.store = store ?? ""
        if reader.errors.isEmpty {
            do { try configuration.validate() } catch { reader.errors.append(error) }
        }
        return reader.result(configuration)
    }

    /// `parse`, throwing the first error (for configurations written in code: the demo's, the tests').
    public init(yaml text: String, relativeTo directory: String) throws(ConfigurationError) {
        let (configuration, errors) = Self.parse(yaml: text, relativeTo: directory)
        guard let configuration else { throw errors.first ?? ConfigurationError(line: nil, "the configuration cannot be read") }
        self = configuration
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
