import AssayCore
import AssayProbe
import Yams

/// `assay probe run` configuration (spec/probe.md §5), from YAML:
///
///     tester:
///       id: tester-a                        # the observer_id of its records
///       region: eu-west                     # optional
///     scenarios: scenarios.yaml             # the scenario file (YAML input form, or the published JSON)
///     staging: tester-staging.sqlite        # where its records wait for the seal (a collector's staging store)
///     gateway:
///       api: http://127.0.0.1:8935          # the gateway's AI API (-httpAddr)
///       cli: http://127.0.0.1:7935          # its CLI API (-cliAddr), for /getNetworkCapabilities
///       rtmp: rtmp://127.0.0.1:1935         # its RTMP ingest, where the live smoke test streams
///       webhook_listen: 127.0.0.1:7940      # serves GET /orchestrators: start go-livepeer with
///                                           #   -orchWebhookUrl http://127.0.0.1:7940/orchestrators
///       webhook_refresh: 1m                 # go-livepeer's webhook refresh interval
public struct ProbeConfiguration: Sendable, Equatable {
    public var testerID: String
    public var region: String?
    /// The scenario file's path (resolved).
    public var scenarios: String
    public var staging: String
    public var api: String
    public var cli: String
    public var rtmp: String
    public var webhookListen: String = "127.0.0.1:7940"
    public var webhookRefreshMs: Int64 = 60_000

    /// Parses YAML, collecting every error with its line; `relativeTo` resolves relative paths.
    public static func parse(yaml text: String, relativeTo directory: String) -> (ProbeConfiguration?, [ConfigurationError]) {
        var reader = YAMLReader()
        guard let root = reader.compose(text), let top = reader.mapping(root, "the top level") else { return (nil, reader.errors) }
        guard let configuration = read(top, reader: &reader, line: root.mark?.line, relativeTo: directory, prefix: "", staging: nil, defaultID: nil,
                                       defaultRegion: nil) else { return (nil, reader.result(0).1) }
        return reader.result(configuration)
    }

    /// The tester's keys of a mapping: the whole file of `assay probe run`, or (`prefix` "probe.") the `probe:` section of
    /// a collector's configuration, which takes its staging store from the collector (`staging` given: no `staging` key)
    /// and defaults the tester's id and region to the collector's.
    static func read(_ pairs: [(Node, Node)], reader: inout YAMLReader, line: Int?, relativeTo directory: String, prefix: String,
                     staging collectorStaging: String?, defaultID: String?, defaultRegion: String?) -> ProbeConfiguration? {
        var id = defaultID, region = defaultRegion, scenarios: String?, staging = collectorStaging
        var api: String?, cli: String?, rtmp: String?
        var listen = "127.0.0.1:7940", refresh: Int64 = 60_000
        let place = prefix.isEmpty ? "the top level" : String(prefix.dropLast())
        func url(_ node: Node, _ name: String, schemes: [String]) -> String? {
            guard let text = reader.string(node, name) else { return nil }
            guard schemes.contains(where: { text.hasPrefix("\($0)://") && text.count > $0.count + 3 }), !text.hasSuffix("/") else {
                reader.error(node, "\(name) '\(text)' must be a \(schemes.joined(separator: " or ")) URL without a trailing slash", name: name)
                return nil
            }
            return text
        }
        for (key, value) in pairs {
            switch key.string ?? "" {
            case "tester":
                for (field, fieldValue) in reader.mapping(value, "\(prefix)tester") ?? [] {
                    switch field.string ?? "" {
                    case "id": id = reader.identifier(fieldValue, "\(prefix)tester.id")
                    case "region": region = reader.identifier(fieldValue, "\(prefix)tester.region")
                    default: reader.unknown(field, "\(prefix)tester")
                    }
                }
            case "scenarios": scenarios = reader.path(value, "\(prefix)scenarios", relativeTo: directory)
            case "staging" where collectorStaging == nil: staging = reader.path(value, "staging", relativeTo: directory)
            case "gateway":
                for (field, fieldValue) in reader.mapping(value, "\(prefix)gateway") ?? [] {
                    switch field.string ?? "" {
                    case "api": api = url(fieldValue, "\(prefix)gateway.api", schemes: ["http", "https"])
                    case "cli": cli = url(fieldValue, "\(prefix)gateway.cli", schemes: ["http", "https"])
                    case "rtmp": rtmp = url(fieldValue, "\(prefix)gateway.rtmp", schemes: ["rtmp", "rtmps"])
                    case "webhook_listen": listen = reader.listen(fieldValue, "\(prefix)gateway.webhook_listen") ?? listen
                    case "webhook_refresh": refresh = reader.duration(fieldValue, "\(prefix)gateway.webhook_refresh") ?? refresh
                    default: reader.unknown(field, "\(prefix)gateway")
                    }
                }
            default: reader.unknown(key, place)  // in a collector's probe section, staging too: the tester writes into the collector's
            }
        }
        // A collector's section is one scope: a refusal inside it (whose first name part is "probe") covers its requirements.
        func scope(_ name: String) -> String { prefix.isEmpty ? name : String(prefix.dropLast()) }
        reader.require(id == nil, scope: scope("tester"), line: line, "\(prefix)tester.id is required")
        reader.require(scenarios == nil, scope: scope("scenarios"), line: line, "\(prefix)scenarios (the scenario file) is required")
        reader.require(staging == nil, scope: "staging", line: line, "staging (the store's path) is required")
        reader.require(api == nil || cli == nil || rtmp == nil, scope: scope("gateway"), line: line,
                       "\(prefix)gateway.api, \(prefix)gateway.cli and \(prefix)gateway.rtmp are required")
        guard let id, let scenarios, let staging, let api, let cli, let rtmp else { return nil }
        return ProbeConfiguration(testerID: id, region: region, scenarios: scenarios, staging: staging, api: api, cli: cli, rtmp: rtmp,
                                  webhookListen: listen, webhookRefreshMs: refresh)
    }
}

extension ScenarioFile {
    /// A scenario file (YAML input form, or the published JSON) and the input files its multipart requests send, by
    /// SHA-256: the files the YAML names, or for a published document `inputs/<sha256>` (or the file name) beside it.
    /// With `readingInputs` false, the document alone (a published one is checked without its input files).
    public static func load(_ path: String, readingInputs: Bool = true) throws(Failure) -> (document: ScenarioDocument, inputs: [String: [UInt8]]) {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let bytes: [UInt8]
        do { bytes = try Files.read(path, limit: ScenarioDocument.maxBytes + 1) } catch { throw .unreadable("\(error)") }
        let document: ScenarioDocument
        var inputs: [String: [UInt8]] = [:]
        if path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
            document = try Self.document(yaml: String(decoding: bytes, as: UTF8.self), relativeTo: directory, inputs: &inputs)
        } else {
            do { document = try ScenarioDocument(bytes: bytes) } catch { throw .content(error) }
        }
        for scenario in document.scenarios where readingInputs {
            guard case .multipart(let parts) = scenario.request else { continue }
            for case .file(_, let file) in parts where inputs[file.sha256] == nil {
                let candidates = [file.filename, "inputs/\(file.sha256)"].map { "\(directory)/\($0)" }
                guard let found = candidates.lazy.compactMap({ try? Files.readRegular($0, limit: maxInputBytes) })  // missing here: the next place
                        .first(where: { ScenarioDocument.inputFileName($0) == file.sha256 }) else {
                    throw .inputFile(path: "\(scenario.id): \(file.filename)", "no file with SHA-256 \(file.sha256) in \(candidates.joined(separator: " or "))")
                }
                inputs[file.sha256] = found
            }
        }
        return (document, inputs)
    }
}
