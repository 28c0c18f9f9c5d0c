import AssayCore
import AssayCrypto

/// The daily probe order (spec/probe.md §3): the commitment to a day's seed, and the probes of the day that the
/// seed, the scenarios and the targets determine.
public struct ProbePlan: Sendable {
    /// One planned request of one scenario to one target.
    public struct Probe: Sendable, Equatable {
        public let atMs: Int64
        /// The draw that placed it in its slot (the first 8 bytes of its hash); the first tie-breaker of the order.
        public let draw: UInt64
        public let scenario: String
        public let orchestrator: String
        public let k: Int64

        /// The `id` of this probe's test job on `day` (spec/probe.md §4): `<DAY>/<scenario>/<orchestrator>/<k>`.
        public func id(on day: UTCDay) -> String { "\(day)/\(scenario)/\(orchestrator)/\(k)" }

        /// `{"at_ms":…,"k":…,"orchestrator":…,"scenario":…}`, canonical, without a newline.
        public var line: [UInt8] {
            CanonicalJSON.encodeBuilt(.object([.init("at_ms", .integer(atMs)), .init("k", .integer(k)),
                                               .init("orchestrator", .string(orchestrator)), .init("scenario", .string(scenario))]),
                                      "a probe of the plan")
        }
    }

    /// The most probes one day's plan may hold: far above any real network (5,000 targets × 20 scenarios × 24 a
    /// day is 2.4 million), and a bound on what a hostile input can make a verifier compute.
    public static let maxProbes: Int64 = 10_000_000

    public let day: UTCDay
    public let seed: [UInt8]
    /// Each scenario's targets, as given.
    public let targets: [String: [String]]
    /// The probes, in the day's order.
    public let probes: [Probe]

    /// The plan input of a day (the form `init(input:document:)` reads) from its seed and its targets' canonical JSON.
    public static func input(day: UTCDay, seed: [UInt8], targets: [UInt8]) -> [UInt8] {
        Array(#"{"day":"\#(day)","seed":"\#(Hex.encode(seed))","targets":"#.utf8) + targets + [UInt8(ascii: "}")]
    }

    /// `SHA-256("assay-probe-seed-v1" LF DAY LF SEED)`, in lowercase hexadecimal (spec/probe.md §3.1).
    public static func commitment(day: UTCDay, seed: [UInt8]) -> String {
        MessageDigest.sha256(Array("assay-probe-seed-v1\n\(day)\n\(Hex.encode(seed))".utf8)).hex
    }

    /// A fresh seed from the system's cryptographic random source.
    public static func drawSeed() throws(CryptoError) -> [UInt8] { try SecureRandom.bytes(32) }

    /// The day's probes (spec/probe.md §3.2). `targets` maps a scenario id to its targets: lowercase Ethereum
    /// addresses, sorted, each once; every id must name a scenario of `document`. Scenarios without an entry
    /// have no targets.
    public init(day: UTCDay, seed: [UInt8], document: ScenarioDocument, targets: [String: [String]]) throws(ScenarioIssue) {
        guard seed.count == 32 else { throw ScenarioIssue(.badFormat, at: "seed", "a seed is 32 bytes (64 hexadecimal digits), found \(seed.count)") }
        guard (UTCDay(containing: 946_684_800_000)...UTCDay(containing: 4_102_444_799_999)).contains(day) else {
            throw ScenarioIssue(.outOfRange, at: "day", "\(day) is outside 2000-01-01…2099-12-31")
        }
        var total: Int64 = 0
        for id in targets.keys.sorted() {
            guard let scenario = document[id] else {
                throw ScenarioIssue(.notInEnumeration, at: "targets.\(id)", "'\(id)' is not a scenario of the document")
            }
            let orchestrators = targets[id] ?? []
            for (index, address) in orchestrators.enumerated() {
                guard address.utf8.count == 42, address.hasPrefix("0x"),
                      address.utf8.dropFirst(2).allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
                    throw ScenarioIssue(.badFormat, at: "targets.\(id)[\(index)]", "'\(address)' must be 0x and 40 lowercase hexadecimal digits")
                }
                if index > 0, !orchestrators[index - 1].utf8.lexicographicallyPrecedes(address.utf8) {
                    throw ScenarioIssue(orchestrators[index - 1] == address ? .duplicateID : .notSorted, at: "targets.\(id)[\(index)]",
                                        "targets are sorted, each once: '\(address)' after '\(orchestrators[index - 1])'")
                }
            }
            // per_day ≤ 1,440 and a count of addresses in memory: the product and the sum stay far below 2⁶³.
            total += scenario.perDay * Int64(orchestrators.count)
            guard total <= Self.maxProbes else {
                throw ScenarioIssue(.outOfRange, at: "targets", "the day would have more than \(Self.maxProbes) probes")
            }
        }
        let seedHex = Hex.encode(seed), dayStart = day.startMs, dayMs = UTCDay.milliseconds
        var probes: [Probe] = []
        probes.reserveCapacity(Int(total))
        let hasher = MessageDigest(.sha256)
        for scenario in document.scenarios {
            let n = scenario.perDay
            for orchestrator in targets[scenario.id] ?? [] {
                let prefix = Array("assay-probe-order-v1\n\(day)\n\(seedHex)\n\(scenario.id)\n\(orchestrator)\n".utf8)
                for k in 0..<n {
                    hasher.update(prefix)
                    hasher.update(Array(String(k).utf8))
                    let draw = hasher.finalizeSHA256Words().0
                    let start = k * dayMs / n, length = (k + 1) * dayMs / n - start
                    probes.append(Probe(atMs: dayStart + start + Int64(draw % UInt64(length)), draw: draw, scenario: scenario.id,
                                        orchestrator: orchestrator, k: k))
                }
            }
        }
        probes.sort { a, b in
            if a.atMs != b.atMs { return a.atMs < b.atMs }
            if a.draw != b.draw { return a.draw < b.draw }
            if a.scenario != b.scenario { return a.scenario.utf8.lexicographicallyPrecedes(b.scenario.utf8) }
            if a.orchestrator != b.orchestrator { return a.orchestrator.utf8.lexicographicallyPrecedes(b.orchestrator.utf8) }
            return a.k < b.k
        }
        self.day = day
        self.seed = seed
        self.targets = targets
        self.probes = probes
    }

    /// The plan of a revealed day: `input` is `{"day": "YYYY-MM-DD", "seed": HEX, "targets": {ID: [ADDRESS, …], …}}`
    /// (spec/probe.md §4, the vectors' `plan.json`), in any JSON form.
    public init(input bytes: [UInt8], document: ScenarioDocument) throws(ScenarioIssue) {
        let value: JSONValue
        do { value = try JSONParser(limits: .init(maxDepth: 4, maxBytes: 64 << 20)).parse(bytes) } catch {
            throw ScenarioIssue(.malformedJSON, at: "$", "not JSON: \(error)")
        }
        var day: UTCDay?, seed: [UInt8]?, targets: [String: [String]] = [:]
        typealias Member = ScenarioValidator.Member
        try ScenarioValidator.object(value, at: "$", [
            Member("day") { (value, path) throws(ScenarioIssue) in
                let text = try ScenarioValidator.string(value, at: path)
                guard let parsed = UTCDay(text) else { throw ScenarioIssue(.badFormat, at: path, "'\(text)' must be a date, YYYY-MM-DD") }
                day = parsed
            },
            Member("seed") { (value, path) throws(ScenarioIssue) in
                let text = try ScenarioValidator.formatted(value, at: path, lengths: 64...64, rule: "64 lowercase hexadecimal digits") {
                    ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66)
                }
                seed = Hex.decode(text)
            },
            Member("targets") { (value, path) throws(ScenarioIssue) in
                guard case .object(let members) = value else { throw ScenarioValidator.wrongType(value, at: path, "an object of scenario ids") }
                for member in members {
                    guard case .array(let elements) = member.value else {
                        throw ScenarioValidator.wrongType(member.value, at: "\(path).\(member.key)", "an array of addresses")
                    }
                    var addresses: [String] = []
                    for (index, element) in elements.enumerated() {
                        addresses.append(try ScenarioValidator.string(element, at: "\(path).\(member.key)[\(index)]"))
                    }
                    targets[member.key] = addresses
                }
            },
        ])
        guard let day, let seed else { throw ScenarioIssue(.missingMember, at: "$", "'day' and 'seed' are required") }  // reported above
        try self.init(day: day, seed: seed, document: document, targets: targets)
    }

    /// The order as JSON Lines (spec/probe.md §3.2).
    public var jsonLines: [UInt8] {
        var output: [UInt8] = []
        for probe in probes {
            output += probe.line
            output.append(0x0A)
        }
        return output
    }
}
