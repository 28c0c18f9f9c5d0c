/// Why a scenario document or a probe plan's input was refused (spec/probe.md §2.5): where, what, and the
/// code a conforming validator reports for the first problem.
public struct ScenarioIssue: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        case tooLarge = "too-large"
        case malformedJSON = "malformed-json"
        case notCanonical = "not-canonical"
        case unknownMember = "unknown-member"
        case wrongType = "wrong-type"
        case outOfRange = "out-of-range"
        case badFormat = "bad-format"
        case notInEnumeration = "not-in-enumeration"
        case missingMember = "missing-member"
        case requestNotApplicable = "request-not-applicable"
        case modelMismatch = "model-mismatch"
        case checkNotApplicable = "check-not-applicable"
        case ruleViolated = "rule-violated"
        case notSorted = "not-sorted"
        case duplicateID = "duplicate-id"
    }

    /// The place in the document: `$`, `scenarios[2].schedule.per_day`, …
    public let path: String
    public let code: Code
    public let message: String

    public init(_ code: Code, at path: String, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message) [\(code.rawValue)]" }
}
