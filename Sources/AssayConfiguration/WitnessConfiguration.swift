import AssayCore
import AssayLedger
import Yams

/// `assay witness serve` configuration (spec/log.md §9), from YAML:
///
///     witness:
///       name: witness.example.org/w1      # the key name of its cosignatures
///       key: witness-key                  # an OpenSSH Ed25519 private key (assay keygen)
///       state: witness.sqlite
///       listen: 127.0.0.1:7380
///     logs:
///       - origin: assay/assay-demo
///         keys: ["assay/assay-demo+1a2b3c4d+AQ…", …]   # vkeys (assay policy show prints them)
///         threshold: 2
public struct WitnessConfiguration: Sendable, Equatable {
    public struct Log: Sendable, Equatable {
        public var origin: String
        public var keys: [String]
        public var threshold: Int
    }

    public var name: String
    public var key: String
    public var state: String
    public var listen: String = "127.0.0.1:7380"
    public var logs: [Log] = []

    /// Parses YAML; `relativeTo` resolves relative paths (the config file's directory).
    public init(yaml text: String, relativeTo directory: String) throws(ConfigurationError) {
        let root = try ExporterConfiguration.compose(text)
        var name: String?, key: String?, state: String?
        var listen = "127.0.0.1:7380"
        var logs: [Log] = []
        for (keyNode, value) in try ExporterConfiguration.mapping(root, "the top level") {
            switch keyNode.string ?? "" {
            case "witness":
                for (field, fieldValue) in try ExporterConfiguration.mapping(value, "witness") {
                    switch field.string ?? "" {
                    case "name":
                        let text = try ExporterConfiguration.string(fieldValue, "witness.name")
                        guard NoteKeys.isValidName(text) else {
                            throw ConfigurationError(line: fieldValue.mark?.line, "witness.name must be a key name without spaces or '+'")
                        }
                        name = text
                    case "key": key = ExporterConfiguration.resolve(try ExporterConfiguration.string(fieldValue, "witness.key"), directory)
                    case "state": state = ExporterConfiguration.resolve(try ExporterConfiguration.string(fieldValue, "witness.state"), directory)
                    case "listen": listen = try ExporterConfiguration.listen(fieldValue, "witness.listen")
                    default: throw ExporterConfiguration.unknown(field, in: "witness")
                    }
                }
            case "logs":
                guard case .sequence(let items) = value else { throw ConfigurationError(line: value.mark?.line, "logs must be a list") }
                for item in items {
                    var origin: String?, keys: [String] = [], threshold = 1
                    for (field, fieldValue) in try ExporterConfiguration.mapping(item, "a log") {
                        switch field.string ?? "" {
                        case "origin": origin = try ExporterConfiguration.string(fieldValue, "logs[].origin")
                        case "keys":
                            guard case .sequence(let vkeys) = fieldValue else {
                                throw ConfigurationError(line: fieldValue.mark?.line, "logs[].keys must be a list of vkeys")
                            }
                            for vkey in vkeys {
                                let text = try ExporterConfiguration.string(vkey, "logs[].keys[]")
                                do { _ = try NoteVerifierKey(vkey: text) } catch {
                                    throw ConfigurationError(line: vkey.mark?.line, "logs[].keys: \(error.reason)")
                                }
                                keys.append(text)
                            }
                        case "threshold": threshold = try ExporterConfiguration.integer(fieldValue, "logs[].threshold", 1...1000)
                        default: throw ExporterConfiguration.unknown(field, in: "a log")
                        }
                    }
                    guard let origin, !origin.isEmpty else { throw ConfigurationError(line: item.mark?.line, "a log needs its origin") }
                    guard !keys.isEmpty, threshold <= keys.count else {
                        throw ConfigurationError(line: item.mark?.line, "log \(origin) needs at least threshold (\(threshold)) keys")
                    }
                    guard !logs.contains(where: { $0.origin == origin }) else { throw ConfigurationError(line: item.mark?.line, "log \(origin) is listed twice") }
                    logs.append(Log(origin: origin, keys: keys, threshold: threshold))
                }
            default: throw ExporterConfiguration.unknown(keyNode, in: "the top level")
            }
        }
        guard let name, let key, let state else { throw ConfigurationError(line: nil, "witness.name, witness.key and witness.state are required") }
        guard !logs.isEmpty else { throw ConfigurationError(line: nil, "logs lists no log to witness") }
        self.name = name
        self.key = key
        self.state = state
        self.listen = listen
        self.logs = logs
    }
}
