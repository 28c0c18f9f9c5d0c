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
///
/// Entities close when later events pass them by the idle timeout, and also as
/// the collector's clock passes them (`poll(nowMs:)`): a gateway that falls
/// silent still has its last sessions staged before their day is sealed. The
/// clock closes only what a quiet source left open — a pass that found nothing
/// new — or, before a seal, whatever the clock says is over (`Clock.sealing`):
/// a source written in pieces (a pipe's 64 KiB at a time) is never cut between
/// two of them. Passes run one at a time, whoever calls (the follow loop or a seal pass).
public actor GatewayEventFollower {
    let source: any GatewayEventSource
    let staging: StagingActor
    let ingest: GatewayIngest
    var state: StagingStore.FollowState?
    var offset: Int64 = 0
    var pending: [UInt8] = []
    var lineNumber = 0
    /// Records staged by this follower since it started.
    var staged: Int64 = 0
    var lastReadMs: Int64?
    var lastEventMs: Int64?
    /// When the stats were last committed without anything else to commit (clock ms).
    var statsCommittedMs: Int64?
    /// The one pass running now, and the passes waiting for it (FIFO).
    var busy = false
    var waiting: [CheckedContinuation<Void, Never>] = []
    /// The most one pass reads, so a long backlog is taken in bounded steps.
    static let readLimit = 32 << 20
    /// Longer lines are cut and counted as malformed (the event parser's limit is 4 MiB).
    static let maxLine = 8 << 20
    /// With nothing new, the stats are committed at most this often (clock ms).
    static let statsInterval: Int64 = 60_000

    public init(source: any GatewayEventSource, staging: StagingActor, options: GatewaySessionizer.Options) {
        self.source = source
        self.staging = staging
        ingest = GatewayIngest(options: options)
    }

    public init(path: String, staging: StagingActor, options: GatewaySessionizer.Options) {
        self.init(source: GatewayEventFile(path: path), staging: staging, options: options)
    }

    /// The source's name (its path, or the spool's directory).
    public nonisolated var name: String { source.name }

    /// When the collector's clock may close entities (spec/collector.md §5).
    public enum Clock: Sendable {
        /// On a pass that finds the source quiet: read to its end before, nothing new since.
        case whenQuiet
        /// Once the source is read to its end, whatever it read (a seal pass, §4.1).
        case sealing
    }

    /// Reads what is new and stages the records of entities that closed; with
    /// `nowMs` (the collector's clock), also closes the entities that the clock
    /// says are over (watermark max(last event, now − idle timeout),
    /// spec/collector.md §5) when `clock` allows it. Returns how many records were staged.
    @discardableResult
    public func poll(nowMs: Int64? = nil, clock: Clock = .whenQuiet) async throws -> Int {
        await acquire()
        defer { release() }
        var total = 0
        var first = true
        while true {
            let (records, more) = try await pass(nowMs: nowMs, clock: clock, first: first)
            first = false
            total += records
            if !more { return total }
        }
    }

    func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }

    /// One bounded read; `more` when the read was cut at the limit. `first`: the first pass of a
    /// poll (the one before it, if any, read the source to its end).
    func pass(nowMs: Int64?, clock: Clock, first: Bool) async throws -> (records: Int, more: Bool) {
        guard let status = try source.status() else { return (0, false) }
        if state == nil || state!.device != status.device || state!.inode != status.inode || status.size < offset {
            // First pass, or the stream was replaced or truncated: load the saved state if it is this stream's (FileTail's rule).
            let saved = try await staging.followState(path: source.name)
            let current = FileTail.Status(identity: .init(device: status.device, inode: status.inode), size: status.size)
            if let saved, state == nil,
               FileTail.continues((.init(device: saved.device, inode: saved.inode), saved.checkpoint), status: current) {
                state = saved
            } else {
                state = .init(path: source.name, device: status.device, inode: status.inode, checkpoint: 0, closed: [:])
            }
            offset = state!.checkpoint
            pending = []
        }
        let data = try source.read(from: offset + Int64(pending.count), limit: Self.readLimit)
        let more = data.count == Self.readLimit
        if !data.isEmpty, let nowMs { lastReadMs = nowMs }
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
        if start > 0 { lastEventMs = ingest.sessionizer.newestEventMs }
        // The clock closes what has been silent long enough, once the backlog is read and the source
        // is quiet (nothing new since the last poll read it to its end), or before a seal.
        let quiet = first && data.isEmpty && pending.isEmpty
        if !more, let nowMs, quiet || clock == .sealing { records += ingest.advance(clockMs: nowMs) }
        let statsDue = nowMs.map { now in statsCommittedMs.map { now - $0 >= Self.statsInterval } ?? true } ?? false
        guard start > 0 || !records.isEmpty || statsDue else { return (0, false) }
        var closed: [String: Int64] = [:]
        for (key, last) in ingest.sessionizer.takeClosed() { closed[key] = last }
        state!.checkpoint = min(ingest.sessionizer.lowestOpenOffset ?? offset, offset)
        state!.closed.merge(closed) { max($0, $1) }
        state!.closed = state!.closed.filter { $0.value >= state!.checkpoint }
        staged += Int64(records.count)
        var batch = StagingStore.Batch()
        batch.records = records.map { ($0, $0.canonicalBytes()) }
        batch.follow = .init(path: source.name, device: state!.device, inode: state!.inode, checkpoint: state!.checkpoint, closed: closed)
        let open = ingest.sessionizer.openSummary
        batch.followStats = .init(path: source.name, events: Int64(ingest.summary.lines), records: staged, openEntities: Int64(open.count),
                                  oldestOpenFirstMs: open.oldestFirstMs, stalestOpenLastMs: open.stalestLastMs, lastEventMs: lastEventMs,
                                  lastReadMs: lastReadMs, polledMs: nowMs ?? lastReadMs ?? 0)
        try await staging.commit(batch, source: "gateway-events:\(source.name)", receivedMs: 0)
        if let nowMs { statsCommittedMs = nowMs }
        source.consumed(before: state!.checkpoint)
        return (records.count, more)
    }

    /// Event lines read, records staged and entities open, since this follower started.
    public var stats: (events: Int64, records: Int64, open: Int) {
        (Int64(ingest.summary.lines), staged, ingest.sessionizer.openEntities)
    }

    /// The first event of the oldest open entity, and when the source last had new bytes (clock ms).
    public var detail: (oldestFirstMs: Int64?, lastReadMs: Int64?) {
        (ingest.sessionizer.openSummary.oldestFirstMs, lastReadMs)
    }

    /// What the mapping has counted so far (malformed events, unknown types, records by kind).
    public var summary: GatewayIngest.Summary { ingest.summary }
}
