import AssayCore

/// Records prepared for a scorer, with the strings they name: each record names its orchestrator,
/// pipeline, model, region and GPU by an index into `strings`, so a record carries no `String` (no
/// allocation, no reference counting per record), and a scorer interns each distinct string of a
/// batch once, not once per record.
public struct PreparedRecords: Sendable {
    public internal(set) var records: [Scorer.PreparedRecord] = []
    /// The strings the records name, by index.
    public internal(set) var strings: [String] = []

    public init() {}

    public var isEmpty: Bool { records.isEmpty }
    public var count: Int { records.count }
}
