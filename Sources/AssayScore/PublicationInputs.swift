import AssayCore
import AssayLedger

/// What a published scores document adds to its `inputs` (spec/scoring.md §10):
/// the newest bundle of every collector when the scores were made, and the
/// bundles left out with the rules they broke. Together with `inputs.bundles`
/// they say which bundles the publisher had to use, so a verifier can tell a
/// complete input from a cherry-picked one.
public struct PublicationInputs: Equatable, Sendable {
    public struct Bundle: Equatable, Hashable, Sendable {
        public let collector: String
        public let day: UTCDay
        public let manifestSHA256: String
        public init(collector: String, day: UTCDay, manifestSHA256: String) {
            self.collector = collector
            self.day = day
            self.manifestSHA256 = manifestSHA256
        }
    }

    public struct Exclusion: Equatable, Sendable {
        public let bundle: Bundle
        /// Error rules other than `threshold` the bundle broke, sorted, each once.
        public let rules: [String]
        public init(bundle: Bundle, rules: [String]) {
            self.bundle = bundle
            self.rules = rules
        }
    }

    /// Sorted by collector (bytes), each collector once.
    public let heads: [Bundle]
    /// Sorted by collector, then day.
    public let excluded: [Exclusion]

    public init(heads: [Bundle], excluded: [Exclusion]) {
        self.heads = heads.sorted { Self.utf8Less($0.collector, $1.collector) }
        self.excluded = excluded.sorted {
            $0.bundle.collector != $1.bundle.collector ? Self.utf8Less($0.bundle.collector, $1.bundle.collector) : $0.bundle.day < $1.bundle.day
        }
    }

    static func utf8Less(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }

    /// The members added to `inputs`.
    var members: [JSONValue.Member] {
        [
            .init("excluded", .array(excluded.map { exclusion in
                .object(Self.members(exclusion.bundle) + [.init("rules", .array(exclusion.rules.map { .string($0) }))])
            })),
            .init("heads", .array(heads.map { .object(Self.members($0)) })),
        ]
    }

    static func members(_ bundle: Bundle) -> [JSONValue.Member] {
        [.init("collector", .string(bundle.collector)), .init("day", .string(bundle.day.description)),
         .init("manifest_sha256", .string(bundle.manifestSHA256))]
    }

    /// Reads `inputs.heads` and `inputs.excluded` of a published document; shape errors name the member.
    public init(document: JSONValue) throws(JSONShapeError) {
        guard case .array(let headValues)? = document["inputs"]?["heads"] else {
            throw JSONShapeError(path: "inputs.heads", reason: "is required in published scores (an array)")
        }
        guard case .array(let excludedValues)? = document["inputs"]?["excluded"] else {
            throw JSONShapeError(path: "inputs.excluded", reason: "is required in published scores (an array)")
        }
        var heads: [Bundle] = []
        for (index, value) in headValues.enumerated() {
            var reader = try JSONObjectReader(value, path: "inputs.heads[\(index)]")
            heads.append(try Self.bundle(&reader, path: "inputs.heads[\(index)]"))
            try reader.finish()
        }
        for (a, b) in zip(heads, heads.dropFirst()) where !Self.utf8Less(a.collector, b.collector) {
            throw JSONShapeError(path: "inputs.heads", reason: "must be sorted by collector, each collector once")
        }
        var excluded: [Exclusion] = []
        for (index, value) in excludedValues.enumerated() {
            let path = "inputs.excluded[\(index)]"
            var reader = try JSONObjectReader(value, path: path)
            let bundle = try Self.bundle(&reader, path: path)
            var rules: [String] = []
            for (offset, rule) in try reader.array("rules").enumerated() {
                guard case .string(let code) = rule, let known = Rule(rawValue: code), known.severity == .error, known != .threshold else {
                    throw JSONShapeError(path: "\(path).rules[\(offset)]", reason: "must be the code of an error rule other than threshold")
                }
                if let last = rules.last, !Self.utf8Less(last, code) {
                    throw JSONShapeError(path: "\(path).rules", reason: "must be sorted, each rule once")
                }
                rules.append(code)
            }
            guard !rules.isEmpty else { throw JSONShapeError(path: "\(path).rules", reason: "must name at least one rule the bundle broke") }
            try reader.finish()
            excluded.append(Exclusion(bundle: bundle, rules: rules))
        }
        for (a, b) in zip(excluded, excluded.dropFirst()) {
            let ordered = a.bundle.collector != b.bundle.collector ? Self.utf8Less(a.bundle.collector, b.bundle.collector) : a.bundle.day < b.bundle.day
            guard ordered else { throw JSONShapeError(path: "inputs.excluded", reason: "must be sorted by collector, then day, each bundle once") }
        }
        self.heads = heads
        self.excluded = excluded
    }

    static func bundle(_ reader: inout JSONObjectReader, path: String) throws(JSONShapeError) -> Bundle {
        let collector = try reader.string("collector")
        guard Slug.isValid(collector) else { throw JSONShapeError(path: "\(path).collector", reason: "must be \(Slug.rule)") }
        guard let day = UTCDay(try reader.string("day")) else { throw JSONShapeError(path: "\(path).day", reason: "must be YYYY-MM-DD") }
        let hash = try reader.string("manifest_sha256")
        guard hash.utf8.count == 64, hash.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw JSONShapeError(path: "\(path).manifest_sha256", reason: "must be 64 lowercase hex digits")
        }
        return Bundle(collector: collector, day: day, manifestSHA256: hash)
    }
}
