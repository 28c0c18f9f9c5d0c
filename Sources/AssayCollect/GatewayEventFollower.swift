import AssayCore
import AssayIngest
import AssayStore
import Foundation

/// Follows a file of go-livepeer gateway events (spec/collector.md §5): new
/// complete lines become records through the go-livepeer mapping, and each
/// pass commits its records with the file state in one transaction. After a
/// crash, reading resumes at the checkpoint (the first event of any entity
/// still open), and events of entities already closed are skipped, so every
/// session is staged once and whole.
public final class GatewayEventFollower {
    let path: String
    let staging: StagingActor
    let ingest: GatewayIngest
    var state: StagingStore.FollowState?
    var offset: Int64 = 0
    var pending: [UInt8] = []
    var lineNumber = 0

    public init(path: String, staging: StagingActor, options: GatewaySessionizer.Options) {
        self.path = path
        self.staging = staging
        ingest = GatewayIngest(options: options)
    }

    /// Reads what is new and stages the records of entities that closed; returns how many.
    @discardableResult
    public func poll() async throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        let identity = (device: Int64(info.st_dev), inode: Int64(info.st_ino))
        if state == nil || state!.device != identity.device || state!.inode != identity.inode || Int64(info.st_size) < offset {
            // First pass, or the file was rotated or truncated: load the saved state if it is this file's.
            let saved = try await staging.followState(path: path)
            if let saved, saved.device == identity.device, saved.inode == identity.inode, saved.checkpoint <= Int64(info.st_size), state == nil {
                state = saved
            } else {
                state = .init(path: path, device: identity.device, inode: identity.inode, checkpoint: 0, closed: [:])
            }
            offset = state!.checkpoint
            pending = []
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { return 0 }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset + Int64(pending.count)))
        let data = try handle.readToEnd() ?? Data()
        pending += data
        var records: [Record] = []
        var start = 0
        let closedBefore = state!.closed
        pending.withUnsafeBytes { buffer in
            while let newline = buffer[start...].firstIndex(of: 0x0A) {
                lineNumber += 1
                let lineOffset = offset + Int64(start)
                records += ingest.add(line: UnsafeRawBufferPointer(rebasing: buffer[start..<newline]), number: lineNumber, offset: lineOffset) { key in
                    (closedBefore[key] ?? -1) >= lineOffset
                }
                start = newline + 1
            }
        }
        offset += Int64(start)
        pending.removeSubrange(..<start)
        guard start > 0 else { return 0 }
        var closed: [String: Int64] = [:]
        for (key, last) in ingest.sessionizer.takeClosed() { closed[key] = last }
        state!.checkpoint = min(ingest.sessionizer.lowestOpenOffset ?? offset, offset)
        state!.closed.merge(closed) { max($0, $1) }
        state!.closed = state!.closed.filter { $0.value >= state!.checkpoint }
        var batch = StagingStore.Batch()
        batch.records = records.map { ($0, $0.canonicalBytes()) }
        batch.follow = .init(path: path, device: state!.device, inode: state!.inode, checkpoint: state!.checkpoint, closed: closed)
        try await staging.commit(batch, source: "gateway-events:\(path)", receivedMs: 0)
        return records.count
    }

    /// What the mapping has counted so far (malformed events, unknown types, records by kind).
    public var summary: GatewayIngest.Summary { ingest.summary }
}
