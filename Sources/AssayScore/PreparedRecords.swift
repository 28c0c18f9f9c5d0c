import AssayCore

/// Records prepared for a scorer, with the strings they name: each record names its orchestrator,
/// pipeline, model, region and GPU by an index into `strings`, so a record carries no `String` (no
/// allocation, no reference counting per record), and a scorer interns each distinct string of a
/// batch once, not once per record.
public struct PreparedRecords: Sendable {
    var records: [Scorer.PreparedRecord] = []
    /// The strings the records name, by index.
    var strings: [String] = []
    /// The status hours of the records' live-session evidence, one after the other.
    var hours: [LiveEvidence.Hour] = []
    /// The job tester's records, for the tester leaderboard (spec/scoring.md §13): identity, version, what it is.
    var testJobs: [(identity: Key128, version: Key128, job: TesterBoard.TestJob)] = []

    public init() {}
}

/// An array that grows by whole chunks: appending never copies what is stored (a doubling array briefly
/// holds its old and its new storage, one and a half times what it needs at its largest).
struct ChunkedArray<Element> {
    private static var chunkShift: Int { 16 }
    private var chunks: [[Element]] = []
    private(set) var count = 0

    mutating func append(_ element: Element) {
        if count & ((1 << Self.chunkShift) - 1) == 0 {
            var chunk: [Element] = []
            chunk.reserveCapacity(1 << Self.chunkShift)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(element)
        count += 1
    }

    subscript(index: Int) -> Element {
        chunks[index >> Self.chunkShift][index & ((1 << Self.chunkShift) - 1)]
    }
}
