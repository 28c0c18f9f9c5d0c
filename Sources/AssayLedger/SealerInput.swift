import AssayCore
import Foundation

/// Lines on their way into a `BundleSealer`, validated on every core: lines are copied into a batch,
/// and a full batch is split between one thread per core, each staging its share into a sealer of its
/// own, which the sealer then takes in whole. Sealing sorts what is staged, so the order in which the
/// threads finish never shows in the bundle; bad lines are reported in line order, as read.
public struct SealerInput {
    /// Where the lines come from, for the issues (`SOURCE:LINE`).
    public let source: String
    /// Whether a line must already be canonical (a staging store's lines) or may be canonicalized (files).
    public let requireCanonical: Bool
    /// Bytes a batch holds before it is validated: enough that a thread's share is worth starting, and a bound
    /// on what the batch holds besides the sealer.
    let batchBytes: Int
    private var bytes: [UInt8] = []
    /// A line of a batch: its number, and its bytes in the batch (or, for a line too long to keep, its length).
    private struct Line {
        let number: Int
        let start: Int, end: Int
        let tooLong: Int?
    }
    private var lines: [Line] = []
    /// Lines added by `add(next:)`.
    private var added = 0

    public init(source: String, requireCanonical: Bool, batchBytes: Int = 4 << 20) {
        self.source = source
        self.requireCanonical = requireCanonical
        self.batchBytes = batchBytes
    }

    /// Adds one line (without its newline); when the batch is full, validates it into `sealer`.
    mutating func add(_ line: UnsafeRawBufferPointer, number: Int, into sealer: inout BundleSealer,
                             onIssue: (LineIssue) -> Void) {
        let start = bytes.count
        bytes.append(contentsOf: line)
        lines.append(Line(number: number, start: start, end: bytes.count, tooLong: nil))
        if bytes.count >= batchBytes { flush(into: &sealer, onIssue: onIssue) }
    }

    /// Adds a line that was too long to read (`LineReader`'s `tooLong`).
    mutating func addTooLong(length: Int, number: Int) {
        lines.append(Line(number: number, start: bytes.count, end: bytes.count, tooLong: length))
    }

    /// Adds every line of `reader`, then validates what is left.
    public mutating func add(_ reader: LineReader, into sealer: inout BundleSealer, onIssue: (LineIssue) -> Void) throws(FileError) {
        do throws(LineReaderError<Never>) {
            try reader.forEachLine { (number, line) throws(Never) in
                switch line {
                case .bytes(let bytes): add(bytes, number: number, into: &sealer, onIssue: onIssue)
                case .tooLong(let length): addTooLong(length: length, number: number)
                }
            }
        } catch {
            switch error {
            case .io(let fileError): throw fileError
            }
        }
        flush(into: &sealer, onIssue: onIssue)
    }

    /// Adds the next of lines numbered from 1 in the order added (a staging store's records).
    public mutating func add(next line: UnsafeRawBufferPointer, into sealer: inout BundleSealer, onIssue: (LineIssue) -> Void) {
        added += 1
        add(line, number: added, into: &sealer, onIssue: onIssue)
    }

    /// Validates the lines of the batch into `sealer`, each thread its share, and reports the bad ones in order.
    public mutating func flush(into sealer: inout BundleSealer, onIssue: (LineIssue) -> Void) {
        guard !lines.isEmpty else { return }
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, lines.count / 256))
        let requireCanonical = self.requireCanonical, lines = self.lines, empty = sealer.emptyPart()
        let shares = bytes.withUnsafeBytes { batch in
            Parallel.map(workers) { worker -> (part: BundleSealer, problems: [(number: Int, problem: LineIssue.Problem)]) in
                var part = empty
                var found: [(number: Int, problem: LineIssue.Problem)] = []
                for line in lines[lines.count * worker / workers..<lines.count * (worker + 1) / workers] {
                    if let length = line.tooLong {
                        found.append((line.number, .tooLong(bytes: length)))
                        continue
                    }
                    let bytes = UnsafeRawBufferPointer(rebasing: batch[line.start..<line.end])
                    if let problem = RecordLines.read(bytes, requireCanonical: requireCanonical, { part.add($0) }) {
                        found.append((line.number, problem))
                    }
                }
                return (part, found)
            }
        }
        for share in shares { sealer.take(share.part) }
        for (number, problem) in shares.flatMap(\.problems) {
            let issue = LineIssue(source: source, line: number, problem: problem)
            sealer.reject(issue.code)
            onIssue(issue)
        }
        bytes.removeAll(keepingCapacity: true)
        self.lines.removeAll(keepingCapacity: true)
    }
}
