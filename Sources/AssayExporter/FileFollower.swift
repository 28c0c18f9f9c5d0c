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
        if path == "-" {
            try consume(descriptor: 0, startOffset: 0, identity: nil, report: &report, onRejected: onRejected, onBatch: onBatch)
            return report
        }
        while true {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            if descriptor < 0 {
                guard follow, errno == ENOENT else { throw FileError(path: path, operation: "open", errno: errno) }
                usleep(pollMilliseconds * 1000)
                continue
            }
            var info = stat()
            fstat(descriptor, &info)
            let identity = (device: Int64(info.st_dev), inode: Int64(info.st_ino))
            var start: Int64 = 0
            if let saved = try store.followPosition(path: path), saved.device == identity.device, saved.inode == identity.inode,
               saved.offset <= Int64(info.st_size) {
                start = saved.offset
            }
            let rotated = try consume(descriptor: descriptor, startOffset: start, identity: identity, report: &report,
                                      onRejected: onRejected, onBatch: onBatch)
            close(descriptor)
            if !rotated { return report }
        }
    }

    /// Reads from `descriptor`; returns true when the file was rotated or truncated (reopen), false at a final end.
    private func consume(descriptor: Int32, startOffset: Int64, identity: (device: Int64, inode: Int64)?, report: inout Report,
                         onRejected: (String, String) -> Void, onBatch: (Report) -> Void) throws -> Bool {
        var offset = startOffset  // byte offset of `pending`'s first byte
        if offset > 0 { lseek(descriptor, off_t(offset), SEEK_SET) }
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var lines: [(bytes: ArraySlice<UInt8>, offset: Int64)] = []
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, operation: "read", errno: errno)
            }
            if count > 0 {
                pending += chunk[..<count]
                var lineStart = 0
                while let newline = pending[lineStart...].firstIndex(of: 0x0A) {
                    lines.append((pending[lineStart..<newline], offset + Int64(lineStart)))
                    lineStart = newline + 1
                    if lines.count >= batchLines {
                        try commit(lines, through: offset + Int64(lineStart), identity: identity, report: &report, onRejected: onRejected)
                        onBatch(report)
                        lines.removeAll(keepingCapacity: true)
                    }
                }
                if !lines.isEmpty {
                    try commit(lines, through: offset + Int64(lineStart), identity: identity, report: &report, onRejected: onRejected)
                    onBatch(report)
                    lines.removeAll(keepingCapacity: true)
                }
                pending.removeSubrange(..<lineStart)
                offset += Int64(lineStart)
                if pending.count > JSONParser.Limits.record.maxBytes {
                    onRejected("\(path)@\(offset)", "line longer than \(JSONParser.Limits.record.maxBytes) bytes [too-long]; skipped")
                    report.rejected += 1
                    offset += Int64(pending.count)
                    pending.removeAll()
                }
                continue
            }
            // End of what is there now.
            guard identity != nil, follow else {
                if !pending.isEmpty {
                    try commit([(pending[...], offset)], through: offset + Int64(pending.count), identity: identity, report: &report,
                               onRejected: onRejected)
                    onBatch(report)
                }
                return false
            }
            usleep(pollMilliseconds * 1000)
            var current = stat()
            if stat(path, &current) != 0 || Int64(current.st_ino) != identity!.inode || Int64(current.st_dev) != identity!.device {
                return true  // rotated: read the new file from its start (the old one was read to its end)
            }
            if Int64(current.st_size) < offset + Int64(pending.count) { return true }  // truncated
        }
    }

    private func commit(_ lines: [(bytes: ArraySlice<UInt8>, offset: Int64)], through end: Int64, identity: (device: Int64, inode: Int64)?,
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
