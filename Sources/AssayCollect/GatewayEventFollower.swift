import AssayCore
import AssayIngest
import AssayStore
import Foundation

/// Follows a stream of go-livepeer gateway events (spec/collector.md §5): a
/// file, or the collector's own spool. New complete lines become records
/// through the go-livepeer mapping, and each pass commits its records with the
/// stream state in one transaction. After a crash, reading resumes at the
/// checkpoint (the first event of any entity still open), and events of
/// entities already closed are skipped, so every session is staged once and whole.
public final class GatewayEventFollower {
    let source: any GatewayEventSource
    let staging: StagingActor
    let ingest: GatewayIngest
    var state: StagingStore.FollowState?
    var offset: Int64 = 0
    var pending: [UInt8] = []
    var lineNumber = 0
    /// The most one pass reads, so a long backlog is taken in bounded steps.
    static let readLimit = 32 << 20
    /// Longer lines are cut and counted as malformed (the event parser's limit is 4 MiB).
    static let maxLine = 8 << 20

    public init(source: any GatewayEventSource, staging: StagingActor, options: GatewaySessionizer.Options) {
        self.source = source
        self.staging = staging
        ingest = GatewayIngest(options: options)
    }

    public convenience init(path: String, staging: StagingActor, options: GatewaySessionizer.Options) {
        self.init(source: GatewayEventFile(path: path), staging: staging, options: options)
    }

    /// Reads what is new and stages the records of entities that closed; returns how many.
    @discardableResult
    public func poll() async throws -> Int {
        var total = 0
        while true {
            let (records, more) = try await pass()
            total += records
            if !more { return total }
        }
    }

    /// One bounded read; `more` when the read was cut at the limit.
    func pass() async throws -> (records: Int, more: Bool) {
        guard let status = source.status() else { return (0, false) }
        if state == nil || state!.device != status.device || state!.inode != status.inode || status.size < offset {
            // First pass, or the stream was replaced or truncated: load the saved state if it is this stream's.
            let saved = try await staging.followState(path: source.name)
            if let saved, saved.device == status.device, saved.inode == status.inode, saved.checkpoint <= status.size, state == nil {
                state = saved
            } else {
                state = .init(path: source.name, device: status.device, inode: status.inode, checkpoint: 0, closed: [:])
            }
            offset = state!.checkpoint
            pending = []
        }
        let data = try source.read(from: offset + Int64(pending.count), limit: Self.readLimit)
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
            if start == 0, buffer.count >= Self.maxLine {
                // No event is this long: take it as one (malformed) line so the backlog cannot grow without end.
                lineNumber += 1
                records += ingest.add(line: UnsafeRawBufferPointer(rebasing: buffer[0..<Self.maxLine]), number: lineNumber, offset: offset)
                start = Self.maxLine
            }
        }
        offset += Int64(start)
        pending.removeSubrange(..<start)
        guard start > 0 else { return (0, false) }
        var closed: [String: Int64] = [:]
        for (key, last) in ingest.sessionizer.takeClosed() { closed[key] = last }
        state!.checkpoint = min(ingest.sessionizer.lowestOpenOffset ?? offset, offset)
        state!.closed.merge(closed) { max($0, $1) }
        state!.closed = state!.closed.filter { $0.value >= state!.checkpoint }
        var batch = StagingStore.Batch()
        batch.records = records.map { ($0, $0.canonicalBytes()) }
        batch.follow = .init(path: source.name, device: state!.device, inode: state!.inode, checkpoint: state!.checkpoint, closed: closed)
        try await staging.commit(batch, source: "gateway-events:\(source.name)", receivedMs: 0)
        source.consumed(before: state!.checkpoint)
        return (records.count, data.count == Self.readLimit)
    }

    /// What the mapping has counted so far (malformed events, unknown types, records by kind).
    public var summary: GatewayIngest.Summary { ingest.summary }
}
