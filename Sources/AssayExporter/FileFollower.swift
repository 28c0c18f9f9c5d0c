import AssayCore
import AssayStore
import Foundation

/// `assay exporter ingest FILE|-` (spec/exporter.md §4): reads JSON Lines
/// records from a file (following it as it grows, like `tail -F`) or from
/// standard input, and stores them in batches. For a file, the read
/// position is committed in the same transaction as the batch, so a crash
/// or restart neither loses nor repeats a line; a rotated or truncated file
/// is read again from its start.
public struct FileFollower {
    public struct Report: Sendable {
        public var accepted = 0
        public var duplicates = 0
        public var conflicts = 0
        public var rejected = 0
    }

    public let store: ExporterStore
    public let path: String
    public let follow: Bool
    public let batchLines = 2000
    public let pollMilliseconds: UInt32 = 250

    public init(store: ExporterStore, path: String, follow: Bool) {
        self.store = store
        self.path = path
        self.follow = follow
    }

    /// Runs until end of input (or forever when following a file).
    /// `onRejected(location, reason)` reports each bad line.
    public func run(onRejected: (String, String) -> Void, onBatch: (Report) -> Void = { _ in }) throws -> Report {
        var report = Report()
        var lines = LineBatcher(path: path, batchLines: batchLines)
        if path == "-" {
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count >= 0 else { throw FileError(path: "<stdin>", operation: "read", errno: errno) }
                if count == 0 { break }
                try lines.take(chunk[..<count], onRejected: onRejected, report: &report) { batch, end, report in
                    try commit(batch, through: end, identity: nil, report: &report, onRejected: onRejected)
                    onBatch(report)
                }
            }
            try lines.finish(report: &report) { batch, end, report in
                try commit(batch, through: end, identity: nil, report: &report, onRejected: onRejected)
                onBatch(report)
            }
            return report
        }
        let tail = FileTail(path: path)
        while true {
            guard let status = try tail.advance() else {
                guard follow else { throw FileError(path: path, operation: "open", errno: ENOENT) }
                usleep(pollMilliseconds * 1000)
                continue
            }
            let saved = try store.followPosition(path: path).map { (FileTail.Identity(device: $0.device, inode: $0.inode), $0.offset) }
            lines = LineBatcher(path: path, batchLines: batchLines, offset: FileTail.resumeOffset(saved: saved, status: status))
            // Read what is there; when following, wait for more until the path names another file or this one is truncated.
            while true {
                let chunk = try tail.read(from: lines.readOffset, limit: 1 << 20)
                if !chunk.isEmpty {
                    try lines.take(chunk[...], onRejected: onRejected, report: &report) { batch, end, report in
                        try commit(batch, through: end, identity: status.identity, report: &report, onRejected: onRejected)
                        onBatch(report)
                    }
                    continue
                }
                guard follow else {
                    try lines.finish(report: &report) { batch, end, report in
                        try commit(batch, through: end, identity: status.identity, report: &report, onRejected: onRejected)
                        onBatch(report)
                    }
                    return report
                }
                usleep(pollMilliseconds * 1000)
                // Rotated (read to its end) or truncated: take the file the path names now, from where its saved position says.
                if let now = try tail.advance(), now.identity != status.identity || now.size < lines.readOffset { break }
            }
        }
    }

    private func commit(_ lines: [(bytes: ArraySlice<UInt8>, offset: Int64)], through end: Int64, identity: FileTail.Identity?,
                        report: inout Report, onRejected: (String, String) -> Void) throws {
        var valid: [(record: Record, canonical: [UInt8])] = []
        for (bytes, offset) in lines {
            var line = bytes
            if line.last == 0x0D { line = line.dropLast() }
            if line.isEmpty { continue }
            do throws(RecordError) {
                let record = try Record.parse(line)
                guard record.schemaVersion == AssayVersion.recordSchema else {
                    throw RecordError(.unsupportedSchema, field: "schema",
                                      detail: "the exporter API serves schema \(AssayVersion.recordSchema) records (spec/exporter.md); this is schema \(record.schemaVersion)")
                }
                valid.append((record, record.canonicalBytes()))
            } catch {
                report.rejected += 1
                onRejected("\(path == "-" ? "<stdin>" : path)@\(offset)", error.description)
            }
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let outcomes = if let identity {
            try store.ingest(valid, receivedMs: now, followedPath: path, device: identity.device, inode: identity.inode, offset: end)
        } else {
            try store.ingest(valid, receivedMs: now)
        }
        for outcome in outcomes {
            switch outcome {
            case .accepted: report.accepted += 1
            case .duplicate: report.duplicates += 1
            case .conflict: report.conflicts += 1
            }
        }
    }
}

/// Cuts bytes into lines with their offsets and hands them out in batches: a batch's end is the
/// offset after its last line, where a reader resumes. A line longer than a record may be is
/// rejected and skipped without being kept.
struct LineBatcher {
    let path: String
    let batchLines: Int
    /// The offset of `pending`'s first byte.
    private(set) var offset: Int64
    private var pending: [UInt8] = []

    init(path: String, batchLines: Int, offset: Int64 = 0) {
        self.path = path
        self.batchLines = batchLines
        self.offset = offset
    }

    /// Where the next read starts: after the bytes taken so far.
    var readOffset: Int64 { offset + Int64(pending.count) }

    mutating func take(_ bytes: ArraySlice<UInt8>, onRejected: (String, String) -> Void, report: inout FileFollower.Report,
                       commit: ([(bytes: ArraySlice<UInt8>, offset: Int64)], Int64, inout FileFollower.Report) throws -> Void) rethrows {
        pending += bytes
        var lines: [(bytes: ArraySlice<UInt8>, offset: Int64)] = []
        var lineStart = 0
        while let newline = pending[lineStart...].firstIndex(of: 0x0A) {
            lines.append((pending[lineStart..<newline], offset + Int64(lineStart)))
            lineStart = newline + 1
            if lines.count >= batchLines {
                try commit(lines, offset + Int64(lineStart), &report)
                lines.removeAll(keepingCapacity: true)
            }
        }
        if !lines.isEmpty { try commit(lines, offset + Int64(lineStart), &report) }
        pending.removeSubrange(..<lineStart)
        offset += Int64(lineStart)
        if pending.count > JSONParser.Limits.record.maxBytes {
            onRejected("\(path == "-" ? "<stdin>" : path)@\(offset)", "line longer than \(JSONParser.Limits.record.maxBytes) bytes [too-long]; skipped")
            report.rejected += 1
            offset += Int64(pending.count)
            pending.removeAll()
        }
    }

    /// At the end of the input: the last line, which has no newline.
    mutating func finish(report: inout FileFollower.Report,
                         commit: ([(bytes: ArraySlice<UInt8>, offset: Int64)], Int64, inout FileFollower.Report) throws -> Void) rethrows {
        guard !pending.isEmpty else { return }
        try commit([(pending[...], offset)], offset + Int64(pending.count), &report)
        offset += Int64(pending.count)
        pending.removeAll()
    }
}
