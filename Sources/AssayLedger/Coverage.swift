import AssayCore

/// What a collector's scrapes achieved on one day, derived from the probe
/// records of a bundle (spec/dataset.md §4.4).
public struct Coverage: Equatable, Sendable {
    public struct Target: Equatable, Sendable {
        public var targetURL: String
        public var attempts: Int64 = 0
        public var successes: Int64 = 0
        public var recordsReceived: Int64 = 0
        /// (outcome, count) for outcomes that occurred, sorted by outcome.
        public var outcomes: [(String, Int64)] = []
        public var firstSuccessMs: Int64?
        public var lastSuccessMs: Int64?

        public init(targetURL: String) { self.targetURL = targetURL }

        public static func == (lhs: Target, rhs: Target) -> Bool {
            lhs.targetURL == rhs.targetURL && lhs.attempts == rhs.attempts && lhs.successes == rhs.successes
                && lhs.recordsReceived == rhs.recordsReceived && lhs.firstSuccessMs == rhs.firstSuccessMs
                && lhs.lastSuccessMs == rhs.lastSuccessMs && lhs.outcomes.map(\.0) == rhs.outcomes.map(\.0)
                && lhs.outcomes.map(\.1) == rhs.outcomes.map(\.1)
        }

        var jsonValue: JSONValue {
            var members: [JSONValue.Member] = [
                .init("target_url", .string(targetURL)),
                .init("attempts", .integer(attempts)),
                .init("successes", .integer(successes)),
                .init("records_received", .integer(recordsReceived)),
                .init("outcomes", .object(outcomes.map { .init($0.0, .integer($0.1)) })),
            ]
            if let firstSuccessMs { members.append(.init("first_success_ms", .integer(firstSuccessMs))) }
            if let lastSuccessMs { members.append(.init("last_success_ms", .integer(lastSuccessMs))) }
            return .object(members)
        }
    }

    /// Targets sorted by URL (bytes).
    public var targets: [Target]

    public init(targets: [Target] = []) { self.targets = targets }

    var jsonValue: JSONValue { .object([.init("targets", .array(targets.map(\.jsonValue)))]) }
}

/// Accumulates coverage record by record, in constant memory per target.
public struct CoverageAccumulator {
    private var targets: [String: (target: Coverage.Target, outcomes: [String: Int64])] = [:]

    public init() {}

    /// Counts `record` if it is a probe.
    public mutating func add(_ record: RecordView) {
        guard record.kind == .probe, let url = record.string(.targetURL), let outcome = record.string(.outcome),
              let start = record.integer(.startMs), let received = record.integer(.recordsReceived)
        else { return }
        var entry = targets[url] ?? (Coverage.Target(targetURL: url), [:])
        entry.target.attempts += 1
        entry.target.recordsReceived += received
        entry.outcomes[outcome, default: 0] += 1
        if outcome == ProbeOutcome.ok.rawValue {
            entry.target.successes += 1
            entry.target.firstSuccessMs = min(entry.target.firstSuccessMs ?? start, start)
            entry.target.lastSuccessMs = max(entry.target.lastSuccessMs ?? start, start)
        }
        targets[url] = entry
    }

    /// Counts a probe from its canonical line (what a sealer keeps of it).
    mutating func add(canonical line: [UInt8]) {
        line.withUnsafeBytes { bytes in
            if case .record(let view) = RecordLine.read(bytes) { add(view) }
        }
    }

    /// The coverage of everything added, in canonical order.
    public var coverage: Coverage {
        Coverage(targets: targets.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.map { url in
            var (target, outcomes) = targets[url]!
            target.outcomes = outcomes.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
                .map { ($0, outcomes[$0]!) }
            return target
        })
    }
}
