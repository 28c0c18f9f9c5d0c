/// One result of a verification rule: what is wrong (or worth knowing),
/// where, and by which rule (spec/dataset.md §8).
public struct Finding: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable, Comparable {
        case error
        case warning

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .error && rhs == .warning }
    }

    /// The rule; its severity is the finding's.
    public let rule: Rule
    /// The file or directory, relative to the dataset.
    public let path: String
    public let message: String

    public var severity: Severity { rule.severity }

    public init(_ rule: Rule, _ path: String, _ message: String) {
        self.rule = rule
        self.path = path
        self.message = message
    }

    public var description: String { "\(severity.rawValue): \(path): \(message) [\(rule.rawValue)]" }
}

/// Collects findings, keeping at most `limit` per rule so one broken file
/// cannot flood a report; the rest are counted in a final finding.
public struct FindingLog: Sendable {
    public private(set) var findings: [Finding] = []
    private var counts: [Rule: Int] = [:]
    public let limit: Int

    public init(limit: Int = 20) { self.limit = limit }

    public mutating func add(_ finding: Finding) {
        let count = counts[finding.rule, default: 0] + 1
        counts[finding.rule] = count
        if count <= limit { findings.append(finding) }
    }

    /// A finding of `rule` (its severity is the rule's).
    public mutating func add(_ rule: Rule, _ path: String, _ message: String) { add(Finding(rule, path, message)) }

    /// The findings, with one summary per rule that went over the limit.
    public var all: [Finding] {
        var result = findings
        for (rule, count) in counts.sorted(by: { $0.key < $1.key }) where count > limit {
            let example = findings.first { $0.rule == rule }!
            result.append(Finding(rule, example.path, "… and \(count - limit) more like this"))
        }
        return result
    }

    public var hasErrors: Bool { findings.contains { $0.severity == .error } }
}
