import AssayCore
import AssayCrypto

/// A day's reveal (spec/probe.md §7.3): the seed, the targets, the scenario document and the tester of the day, so
/// that anyone recomputes the day's order and compares it with the test jobs. It is the bundle's `probes.json`.
public struct ProbeReveal: Sendable, Equatable {
    public static let format = "assay-probe-reveal-v1"
    public static let fileName = "probes.json"
    public static let maxBytes = 64 << 20

    public let day: UTCDay
    /// The SHA-256 of the scenario document the tester ran.
    public let scenarios: String
    public let seed: [UInt8]
    /// Each scenario's targets, sorted, at least one; scenarios without targets are absent.
    public let targets: [String: [String]]
    /// The `observer_id` of the tester's records.
    public let tester: String

    public init(day: UTCDay, scenarios: String, seed: [UInt8], targets: [String: [String]], tester: String) {
        self.day = day
        self.scenarios = scenarios
        self.seed = seed
        self.targets = targets.filter { !$0.value.isEmpty }
        self.tester = tester
    }

    /// The file's bytes: canonical JSON and a newline.
    public func bytes() -> [UInt8] {
        let targets = targets.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        return CanonicalJSON.encodeBuilt(.object([
            .init("day", .string(day.description)), .init("format", .string(Self.format)), .init("scenarios", .string(scenarios)),
            .init("seed", .string(Hex.encode(seed))),
            .init("targets", .object(targets.map { .init($0.key, .array($0.value.map { .string($0) })) })),
            .init("tester", .string(tester)),
        ]), "a probe reveal") + [0x0A]
    }

    /// Reads a reveal, strictly (spec/probe.md §7.3): canonical bytes and a newline, every member once and valid. Whether
    /// its targets fit the scenario document is `plan(document:)`'s to say.
    public init(bytes: [UInt8]) throws(ScenarioIssue) {
        let value = try Self.canonicalObject(bytes, limit: Self.maxBytes, depth: 4, what: "a reveal")
        var day: UTCDay?, scenarios: String?, seed: [UInt8]?, targets: [String: [String]] = [:], tester: String?
        typealias Member = ScenarioValidator.Member
        try ScenarioValidator.object(value, at: "$", [
            Member("day") { (value, path) throws(ScenarioIssue) in day = try Self.day(value, at: path) },
            Member("format") { (value, path) throws(ScenarioIssue) in try Self.format(value, at: path, Self.format) },
            Member("scenarios") { (value, path) throws(ScenarioIssue) in scenarios = try Self.sha256(value, at: path) },
            Member("seed") { (value, path) throws(ScenarioIssue) in seed = Hex.decode(try Self.sha256(value, at: path)) },
            Member("targets") { (value, path) throws(ScenarioIssue) in
                guard case .object(let members) = value else { throw ScenarioValidator.wrongType(value, at: path, "an object of scenario ids") }
                for member in members {
                    let place = "\(path).\(member.key)"
                    guard case .array(let elements) = member.value else { throw ScenarioValidator.wrongType(member.value, at: place, "an array of addresses") }
                    guard !elements.isEmpty else { throw ScenarioIssue(.outOfRange, at: place, "a scenario without targets has no member") }
                    var addresses: [String] = []
                    for (index, element) in elements.enumerated() { addresses.append(try ScenarioValidator.string(element, at: "\(place)[\(index)]")) }
                    targets[member.key] = addresses
                }
            },
            Member("tester") { (value, path) throws(ScenarioIssue) in tester = try ScenarioValidator.identifier(value, at: path) },
        ])
        guard let day, let scenarios, let seed, let tester else { throw ScenarioIssue(.missingMember, at: "$", "a member is missing") }  // reported above
        self.init(day: day, scenarios: scenarios, seed: seed, targets: targets, tester: tester)
    }

    /// The day's order (spec/probe.md §3.2) under `document`, which must be the one `scenarios` names.
    public func plan(document: ScenarioDocument) throws(ScenarioIssue) -> ProbePlan {
        let hash = MessageDigest.sha256(document.bytes).hex
        guard hash == scenarios else { throw ScenarioIssue(.ruleViolated, at: "scenarios", "the document given has SHA-256 \(hash), not \(scenarios)") }
        return try ProbePlan(day: day, seed: seed, document: document, targets: targets)
    }

    /// The commitment of the revealed seed (spec/probe.md §3.1).
    public var commitment: String { ProbePlan.commitment(day: day, seed: seed) }

    // MARK: Shared with the commitment document

    static func canonicalObject(_ bytes: [UInt8], limit: Int, depth: Int, what: String) throws(ScenarioIssue) -> JSONValue {
        guard bytes.count <= limit else { throw ScenarioIssue(.tooLarge, at: "$", "\(what) has \(bytes.count) bytes; at most \(limit)") }
        guard bytes.last == 0x0A else { throw ScenarioIssue(.notCanonical, at: "$", "\(what) is canonical JSON followed by one newline") }
        let json = Array(bytes.dropLast())
        let value: JSONValue
        do { value = try JSONParser(limits: .init(maxDepth: depth, maxBytes: limit)).parse(json) } catch {
            throw ScenarioIssue(.malformedJSON, at: "$", "not JSON: \(error)")
        }
        guard let encoded = try? CanonicalJSON.encode(value), encoded == json else {
            throw ScenarioIssue(.notCanonical, at: "$", "\(what) must be in canonical form (RFC 8785) followed by one newline")
        }
        return value
    }

    static func day(_ value: JSONValue, at path: String) throws(ScenarioIssue) -> UTCDay {
        let text = try ScenarioValidator.string(value, at: path)
        guard let day = UTCDay(text) else { throw ScenarioIssue(.badFormat, at: path, "'\(text)' must be a date, YYYY-MM-DD") }
        return day
    }

    static func sha256(_ value: JSONValue, at path: String) throws(ScenarioIssue) -> String {
        try ScenarioValidator.formatted(value, at: path, lengths: 64...64, rule: "64 lowercase hexadecimal digits") {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66)
        }
    }

    static func format(_ value: JSONValue, at path: String, _ expected: String) throws(ScenarioIssue) {
        let text = try ScenarioValidator.string(value, at: path)
        guard text == expected else { throw ScenarioIssue(.notInEnumeration, at: path, "'\(text)' is not \(expected)") }
    }
}

/// The commitment to a day's seed, published before the day (spec/probe.md §7.2), at
/// `probes/commitments/<collector>/<YYYY>/<MM>/<DD>.json`.
public struct ProbeCommitment: Sendable, Equatable {
    public static let format = "assay-probe-commitment-v1"
    public static let maxBytes = 4096

    public let collector: String
    public let commitment: String
    public let dataset: String
    public let day: UTCDay

    public init(collector: String, commitment: String, dataset: String, day: UTCDay) {
        self.collector = collector
        self.commitment = commitment
        self.dataset = dataset
        self.day = day
    }

    /// `probes/commitments/<collector>/<YYYY>/<MM>/<DD>.json`, relative to the dataset.
    public static func relativePath(collector: String, day: UTCDay) -> String { "probes/commitments/\(collector)/\(day.path).json" }

    public func bytes() -> [UInt8] {
        CanonicalJSON.encodeBuilt(.object([
            .init("collector", .string(collector)), .init("commitment", .string(commitment)), .init("dataset", .string(dataset)),
            .init("day", .string(day.description)), .init("format", .string(Self.format)),
        ]), "a probe commitment") + [0x0A]
    }

    public init(bytes: [UInt8]) throws(ScenarioIssue) {
        let value = try ProbeReveal.canonicalObject(bytes, limit: Self.maxBytes, depth: 2, what: "a commitment")
        var collector: String?, commitment: String?, dataset: String?, day: UTCDay?
        typealias Member = ScenarioValidator.Member
        try ScenarioValidator.object(value, at: "$", [
            Member("collector") { (value, path) throws(ScenarioIssue) in collector = try ScenarioValidator.slug(value, at: path) },
            Member("commitment") { (value, path) throws(ScenarioIssue) in commitment = try ProbeReveal.sha256(value, at: path) },
            Member("dataset") { (value, path) throws(ScenarioIssue) in dataset = try ScenarioValidator.slug(value, at: path) },
            Member("day") { (value, path) throws(ScenarioIssue) in day = try ProbeReveal.day(value, at: path) },
            Member("format") { (value, path) throws(ScenarioIssue) in try ProbeReveal.format(value, at: path, Self.format) },
        ])
        guard let collector, let commitment, let dataset, let day else { throw ScenarioIssue(.missingMember, at: "$", "a member is missing") }
        self.init(collector: collector, commitment: commitment, dataset: dataset, day: day)
    }
}
