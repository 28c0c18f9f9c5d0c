import AssayCore
import AssayLedger

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

    /// Parses YAML, collecting every error with its line; `relativeTo` resolves relative paths (the
    /// config file's directory).
    public static func parse(yaml text: String, relativeTo directory: String) -> (WitnessConfiguration?, [ConfigurationError]) {
        var reader = YAMLReader()
        guard let root = reader.compose(text), let top = reader.mapping(root, "the top level") else { return (nil, reader.errors) }
        var name: String?, key: String?, state: String?
        var listen = "127.0.0.1:7380"
        var logs: [Log] = []
        for (keyNode, value) in top {
            switch keyNode.string ?? "" {
            case "witness":
                for (field, fieldValue) in reader.mapping(value, "witness") ?? [] {
                    switch field.string ?? "" {
                    case "name":
                        guard let text = reader.string(fieldValue, "witness.name") else { continue }
                        guard NoteKeys.isValidName(text) else {
                            reader.error(fieldValue, "witness.name must be a key name without spaces or '+'", name: "witness.name")
                            continue
                        }
                        name = text
                    case "key": key = reader.path(fieldValue, "witness.key", relativeTo: directory)
                    case "state": state = reader.path(fieldValue, "witness.state", relativeTo: directory)
                    case "listen": listen = reader.listen(fieldValue, "witness.listen") ?? listen
                    default: reader.unknown(field, "witness")
                    }
                }
            case "logs":
                for item in reader.sequence(value, "logs") ?? [] {
                    var origin: String?, keys: [String] = [], threshold = 1
                    let errorsBefore = reader.errors.count
                    for (field, fieldValue) in reader.mapping(item, "a log") ?? [] {
                        switch field.string ?? "" {
                        case "origin": origin = reader.string(fieldValue, "logs[].origin")
                        case "keys":
                            for vkey in reader.sequence(fieldValue, "logs[].keys") ?? [] {
                                guard let text = reader.string(vkey, "logs[].keys[]") else { continue }
                                do { _ = try NoteVerifierKey(vkey: text) } catch {
                                    reader.error(vkey, "logs[].keys: \(error.reason)", name: "logs")
                                    continue
                                }
                                keys.append(text)
                            }
                        case "threshold": threshold = reader.integer(fieldValue, "logs[].threshold", 1...1000) ?? threshold
                        default: reader.unknown(field, "a log")
                        }
                    }
                    // A log with a refused value has had its error; what follows from it is not a second one.
                    guard reader.errors.count == errorsBefore else { continue }
                    guard let origin else {
                        reader.error(item, "a log needs its origin", name: "logs")
                        continue
                    }
                    guard !keys.isEmpty, threshold <= keys.count else {
                        reader.error(item, "log \(origin) needs at least threshold (\(threshold)) keys", name: "logs")
                        continue
                    }
                    guard !logs.contains(where: { $0.origin == origin }) else {
                        reader.error(item, "log \(origin) is listed twice", name: "logs")
                        continue
                    }
                    logs.append(Log(origin: origin, keys: keys, threshold: threshold))
                }
            default: reader.unknown(keyNode, "the top level")
            }
        }
        reader.require(name == nil || key == nil || state == nil, scope: "witness", line: nil, "witness.name, witness.key and witness.state are required")
        guard let name, let key, let state else { return (nil, reader.errors) }
        reader.require(logs.isEmpty, scope: "logs", line: nil, "logs lists no log to witness")
        return reader.result(WitnessConfiguration(name: name, key: key, state: state, listen: listen, logs: logs))
    }

    init(name: String, key: String, state: String, listen: String, logs: [Log]) {
        self.name = name
        self.key = key
        self.state = state
        self.listen = listen
        self.logs = logs
    }

    /// `parse`, throwing the first error (for configurations written in code: the demo's, the tests').
    public init(yaml text: String, relativeTo directory: String) throws(ConfigurationError) {
        let (configuration, errors) = Self.parse(yaml: text, relativeTo: directory)
        guard let configuration else { throw errors.first ?? ConfigurationError(line: nil, "the configuration cannot be read") }
        self = configuration
    }
}
