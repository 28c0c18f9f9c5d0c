/// One result of a verification rule: what is wrong (or worth knowing),
/// where, and by which rule (spec/dataset.md §8).
public struct Finding: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable, Comparable {
        case error
        case warning

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .error && rhs == .warning }
    }

    public let severity: Severity
    /// The stable rule code, such as `merkle-root`.
    public let rule: String
    /// The file or directory, relative to the dataset.
    public let path: String
    public let message: String

    public init(_ severity: Severity, _ rule: String, _ path: String, _ message: String) {
        self.severity = severity
        self.rule = rule
        self.path = path
        self.message = message
    }

    public static func error(_ rule: String, _ path: String, _ message: String) -> Finding {
        Finding(.error, rule, path, message)
    }

    public static func warning(_ rule: String, _ path: String, _ message: String) -> Finding {
        Finding(.warning, rule, path, message)
    }

    public var description: String { "\(severity.rawValue): \(path): \(message) [\(rule)]" }
}

/// Collects findings, keeping at most `limit` per rule so one broken file
/// cannot flood a report; the rest are counted in a final finding.
struct FindingLog {
    private(set) var findings: [Finding] = []
    private var counts: [String: Int] = [:]
    let limit: Int

    init(limit: Int = 20) { self.limit = limit }

    mutating func add(_ finding: Finding) {
        let count = counts[finding.rule, default: 0] + 1
        counts[finding.rule] = count
        if count <= limit { findings.append(finding) }
    }

    mutating func error(_ rule: String, _ path: String, _ message: String) { add(.error(rule, path, message)) }
    mutating func warning(_ rule: String, _ path: String, _ message: String) { add(.warning(rule, path, message)) }

    /// The findings, with one summary per rule that went over the limit.
    var all: [Finding] {
        var result = findings
        for (rule, count) in counts.sorted(by: { $0.key < $1.key }) where count > limit {
            let example = findings.first { $0.rule == rule }!
            result.append(Finding(example.severity, rule, example.path, "… and \(count - limit) more like this"))
        }
        return result
    }

    var hasErrors: Bool { findings.contains { $0.severity == .error } }
}
