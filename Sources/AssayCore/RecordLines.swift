/// A problem with one line of a JSON Lines records file, with its place:
/// `SOURCE:LINE[:COLUMN]: reason`.
public struct LineIssue: Error, Sendable, CustomStringConvertible {
    public enum Problem: Sendable {
        /// The line is not a valid record.
        case invalid(RecordError)
        /// The line exceeds the record size limit.
        case tooLong(bytes: Int)
        /// The line is empty.
        case empty
        /// The line is a valid record but not in canonical form (where canonical form is required).
        case notCanonical
    }

    public let source: String
    public let line: Int
    public let problem: Problem

    public init(source: String, line: Int, problem: Problem) {
        self.source = source
        self.line = line
        self.problem = problem
    }

    /// A stable code for programs.
    public var code: String {
        switch problem {
        case .invalid(let error): error.code.rawValue
        case .tooLong: "too-long"
        case .empty: "empty-line"
        case .notCanonical: "not-canonical"
        }
    }

    public var description: String {
        switch problem {
        case .invalid(let error):
            if let json = error.json { return "\(source):\(line):\(json.column): \(json.detail) [\(json.code.rawValue)]" }
            return "\(source):\(line): \(error)"
        case .tooLong(let bytes):
            return "\(source):\(line): line is \(bytes) bytes; a record line is at most \(JSONParser.Limits.record.maxBytes) [too-long]"
        case .empty:
            return "\(source):\(line): empty line; JSON Lines has one record per line [empty-line]"
        case .notCanonical:
            return "\(source):\(line): record is not in canonical form (RFC 8785); run 'assay canonicalize' first [not-canonical]"
        }
    }
}

/// Reads a JSON Lines file of records (spec/records.md §2), validating each
/// line on its own: a bad line is reported and the rest is still read.
public enum RecordLines {
    /// Counts of one pass.
    public struct Summary: Sendable, Equatable {
        public var lines = 0
        public var records = 0
        public var issues = 0
        public init() {}
    }

    /// Calls `onRecord` with each valid record and its line number, and `onIssue` with each bad line.
    /// The record is read in place from its canonical bytes (`record.bytes`), valid during the call: a
    /// canonical line through the byte-level reader, any other valid line after it is canonicalized.
    /// With `requireCanonical`, a line that is not already canonical is an issue.
    @discardableResult
    public static func scan(
        _ reader: LineReader, requireCanonical: Bool = false,
        onRecord: (_ line: Int, _ record: RecordView) -> Void,
        onIssue: (LineIssue) -> Void
    ) throws(FileError) -> Summary {
        var summary = Summary()
        do throws(LineReaderError<Never>) {
            try reader.forEachLine { (number, line) throws(Never) in
                summary.lines += 1
                let issue: LineIssue.Problem
                switch line {
                case .tooLong(let bytes):
                    issue = .tooLong(bytes: bytes)
                case .bytes(let bytes):
                    guard let problem = read(bytes, requireCanonical: requireCanonical, { onRecord(number, $0) }) else {
                        summary.records += 1
                        return
                    }
                    issue = problem
                }
                summary.issues += 1
                onIssue(LineIssue(source: reader.name, line: number, problem: issue))
            }
        } catch {
            switch error {
            case .io(let fileError): throw fileError
            }
        }
        return summary
    }

    /// Reads one line (without its newline): calls `onRecord` with the record read in place from its
    /// canonical bytes and returns nil, or returns why the line is not a record. A canonical line goes
    /// through the byte-level reader; any other valid line is canonicalized first, unless
    /// `requireCanonical`, when it is `notCanonical`.
    public static func read(_ bytes: UnsafeRawBufferPointer, requireCanonical: Bool,
                            _ onRecord: (RecordView) -> Void) -> LineIssue.Problem? {
        guard !bytes.isEmpty else { return .empty }
        if let view = RecordScanner.scan(bytes) {
            onRecord(view)
            return nil
        }
        switch RecordLine.reference(bytes) {
        case .notCanonical where requireCanonical:
            return .notCanonical
        case .notCanonical(let canonical):
            // Its canonical form, read again: a valid record's canonical bytes always read.
            let read = canonical.withUnsafeBytes { canonical -> Bool in
                guard let view = RecordScanner.scan(canonical) else { return false }
                onRecord(view)
                return true
            }
            return read ? nil : RecordLine.disagreement
        case .problem(let problem):
            return problem
        }
    }
}
