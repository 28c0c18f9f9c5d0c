import AssayCore
import AssayCrypto

/// The collector's staging store (spec/collector.md §2): records by day and
/// identity, scrape cursors, quarantined records. A page, its cursor and its
/// probe are committed together, so a crash never loses or repeats a record.
public final class StagingStore {
    public static var schemaVersion: Int64 { Int64(migrations.count) }

    static let migrations = [
        """
        CREATE TABLE staged (
            observer_id TEXT NOT NULL,
            job_id TEXT NOT NULL,
            sha256 BLOB NOT NULL,
            day INTEGER NOT NULL,
            kind TEXT NOT NULL,
            source TEXT NOT NULL,
            received_ms INTEGER NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY (observer_id, job_id, sha256)
        ) STRICT;
        CREATE INDEX staged_by_day ON staged (day);
        CREATE TABLE cursors (target TEXT PRIMARY KEY, cursor INTEGER NOT NULL, updated_ms INTEGER NOT NULL) STRICT;
        CREATE TABLE quarantine (
            id INTEGER PRIMARY KEY,
            target TEXT NOT NULL,
            day INTEGER,
            reason TEXT NOT NULL,
            received_ms INTEGER NOT NULL,
            body BLOB NOT NULL
        ) STRICT;
        CREATE INDEX quarantine_by_day ON quarantine (day);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
        """,
        """
        CREATE TABLE event_sources (
            path TEXT PRIMARY KEY, device INTEGER NOT NULL, inode INTEGER NOT NULL, checkpoint INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE closed_entities (
            path TEXT NOT NULL, entity TEXT NOT NULL, last_offset INTEGER NOT NULL, PRIMARY KEY (path, entity)
        ) STRICT;
        """,
        // What `collect status` shows of each event source (spec/collector.md §5.2).
        """
        CREATE TABLE event_source_stats (
            path TEXT PRIMARY KEY,
            events INTEGER NOT NULL,
            records INTEGER NOT NULL,
            open_entities INTEGER NOT NULL,
            oldest_open_first_ms INTEGER,
            stalest_open_last_ms INTEGER,
            last_event_ms INTEGER,
            last_read_ms INTEGER,
            polled_ms INTEGER NOT NULL
        ) STRICT;
        """,
        // The job tester (spec/probe.md): each day's seed and targets, the attempts sent and not yet recorded (each
        // with the record that says it was interrupted), and what each scenario spent in a day.
        """
        CREATE TABLE probe_days (day INTEGER PRIMARY KEY, seed BLOB NOT NULL, targets BLOB NOT NULL) STRICT;
        CREATE TABLE probe_inflight (id TEXT PRIMARY KEY, day INTEGER NOT NULL, interrupted BLOB NOT NULL) STRICT;
        CREATE TABLE probe_spend (day INTEGER NOT NULL, scenario TEXT NOT NULL, wei TEXT NOT NULL, PRIMARY KEY (day, scenario)) STRICT;
        """,
        // Publication (spec/probe.md §7): seeds drawn a day ahead, so each commitment is published before its day; the
        // tester and scenario document of a planned day, and the documents and input files by SHA-256, for its reveal; a day
        // is closed when its seal begins: the tester's results after that are late.
        """
        CREATE TABLE probe_seeds (day INTEGER PRIMARY KEY, seed BLOB NOT NULL) STRICT;
        INSERT INTO probe_seeds (day, seed) SELECT day, seed FROM probe_days;
        ALTER TABLE probe_days ADD COLUMN tester TEXT;
        ALTER TABLE probe_days ADD COLUMN scenarios TEXT;
        ALTER TABLE probe_days ADD COLUMN closed INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE probe_files (sha256 TEXT PRIMARY KEY, bytes BLOB NOT NULL) STRICT;
        """,
    ]

    public let database: SQLiteDatabase
    let insert: SQLiteStatement
    let quarantineInsert: SQLiteStatement

    public init(path: String) throws(StoreError) {
        do {
            let database = try SQLiteDatabase.openStore(path: path, migrations: Self.migrations)
            self.database = database
            insert = try database.prepare(
                "INSERT OR IGNORE INTO staged (observer_id, job_id, sha256, day, kind, source, received_ms, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            quarantineInsert = try database.prepare(
                "INSERT INTO quarantine (target, day, reason, received_ms, body) VALUES (?, ?, ?, ?, ?)")
        } catch {
            throw StoreError(error)
        }
    }

    /// Where a followed gateway-event file was read to (spec/collector.md §5).
    public struct FollowState: Sendable {
        public var path: String
        public var device: Int64
        public var inode: Int64
        /// Replay starts here after a restart: no open entity has an event before it.
        public var checkpoint: Int64
        /// Entities closed (and staged), with the offset of their last event: skipped on replay.
        public var closed: [String: Int64]
        public init(path: String, device: Int64, inode: Int64, checkpoint: Int64, closed: [String: Int64]) {
            self.path = path
            self.device = device
            self.inode = inode
            self.checkpoint = checkpoint
            self.closed = closed
        }
    }

    /// The saved state of a followed file, with the closed entities that a replay from the checkpoint could meet.
    public func followState(path: String) throws(StoreError) -> FollowState? {
        do {
            let statement = try database.prepare("SELECT device, inode, checkpoint FROM event_sources WHERE path = ?")
            try statement.bind(1, path)
            guard try statement.step() else { return nil }
            var state = FollowState(path: path, device: statement.int64(0), inode: statement.int64(1), checkpoint: statement.int64(2), closed: [:])
            let closed = try database.prepare("SELECT entity, last_offset FROM closed_entities WHERE path = ? AND last_offset >= ?")
            try closed.bind(1, path)
            try closed.bind(2, state.checkpoint)
            while try closed.step() { state.closed[closed.text(0)] = closed.int64(1) }
            return state
        } catch { throw .sqlite(error) }
    }

    /// How a gateway-event source is being read, as of its latest committed pass (spec/collector.md §5.2).
    public struct FollowStats: Sendable, Equatable {
        public var path: String
        /// Event lines read since the collector started, and records staged from them.
        public var events: Int64
        public var records: Int64
        /// Entities (sessions, requests, jobs) still open, the first event of the oldest one and the
        /// last event of the one silent the longest (event time, ms).
        public var openEntities: Int64
        public var oldestOpenFirstMs: Int64?
        public var stalestOpenLastMs: Int64?
        /// The newest event time seen, the collector's time of the last read that found new bytes,
        /// and of the latest pass.
        public var lastEventMs: Int64?
        public var lastReadMs: Int64?
        public var polledMs: Int64
        public init(path: String, events: Int64, records: Int64, openEntities: Int64, oldestOpenFirstMs: Int64?,
                    stalestOpenLastMs: Int64?, lastEventMs: Int64?, lastReadMs: Int64?, polledMs: Int64) {
            self.path = path
            self.events = events
            self.records = records
            self.openEntities = openEntities
            self.oldestOpenFirstMs = oldestOpenFirstMs
            self.stalestOpenLastMs = stalestOpenLastMs
            self.lastEventMs = lastEventMs
            self.lastReadMs = lastReadMs
            self.polledMs = polledMs
        }
    }

    /// The stats of every gateway-event source, by path.
    public func followStats() throws(StoreError) -> [FollowStats] {
        do {
            let statement = try database.prepare("""
                SELECT path, events, records, open_entities, oldest_open_first_ms, stalest_open_last_ms, last_event_ms, last_read_ms, polled_ms
                FROM event_source_stats ORDER BY path
                """)
            var result: [FollowStats] = []
            while try statement.step() {
                result.append(FollowStats(path: statement.text(0), events: statement.int64(1), records: statement.int64(2),
                                          openEntities: statement.int64(3), oldestOpenFirstMs: statement.optionalInt64(4),
                                          stalestOpenLastMs: statement.optionalInt64(5), lastEventMs: statement.optionalInt64(6),
                                          lastReadMs: statement.optionalInt64(7), polledMs: statement.int64(8)))
            }
            return result
        } catch { throw .sqlite(error) }
    }

    /// Staged records by kind (probes included).
    public func countsByKind() throws(StoreError) -> [(kind: String, records: Int64)] {
        try stagedCounts(by: "kind").map { ($0.value, $0.count) }
    }

    /// Staged record counts grouped by one column (`kind`, `source`), in its order.
    private func stagedCounts(by column: String) throws(StoreError) -> [(value: String, count: Int64)] {
        do {
            let statement = try database.prepare("SELECT \(column), count(*) FROM staged GROUP BY \(column) ORDER BY \(column)")
            var result: [(String, Int64)] = []
            while try statement.step() { result.append((statement.text(0), statement.int64(1))) }
            return result
        } catch { throw .sqlite(error) }
    }

    /// One unit of work committed atomically: staged records, quarantined ones, and a cursor move.
    public struct Batch: Sendable {
        public var records: [(record: Record, canonical: [UInt8])] = []
        public var quarantined: [(day: UTCDay?, reason: String, body: [UInt8])] = []
        public var cursor: (target: String, value: Int64)?
        /// A followed event file's progress, committed with the records it produced.
        public var follow: FollowState?
        /// The source's stats as of this pass.
        public var followStats: FollowStats?
        public init() {}
    }

    /// Commits a batch; returns how many records were new (identical copies are not).
    @discardableResult
    public func commit(_ batch: Batch, source: String, receivedMs: Int64) throws(StoreError) -> Int {
        do {
            return try database.transaction {
                var added = 0
                let sealedThrough = try database.integer("SELECT value FROM meta WHERE key = 'sealed_through'")
                for (record, canonical) in batch.records {
                    added += try stage(record, canonical, source: source, receivedMs: receivedMs, sealedThrough: sealedThrough)
                }
                for item in batch.quarantined {
                    quarantineInsert.reset()
                    try quarantineInsert.bind(1, source)
                    if let day = item.day { try quarantineInsert.bind(2, Int64(day.number)) } else { try quarantineInsert.bindNull(2) }
                    try quarantineInsert.bind(3, item.reason)
                    try quarantineInsert.bind(4, receivedMs)
                    try quarantineInsert.bind(5, item.body)
                    try quarantineInsert.step()
                }
                if let follow = batch.follow {
                    let source = try database.prepare(
                        "INSERT OR REPLACE INTO event_sources (path, device, inode, checkpoint) VALUES (?, ?, ?, ?)")
                    try source.bind(1, follow.path)
                    try source.bind(2, follow.device)
                    try source.bind(3, follow.inode)
                    try source.bind(4, follow.checkpoint)
                    try source.step()
                    let closed = try database.prepare("INSERT OR REPLACE INTO closed_entities (path, entity, last_offset) VALUES (?, ?, ?)")
                    for (entity, offset) in follow.closed {
                        closed.reset()
                        try closed.bind(1, follow.path)
                        try closed.bind(2, entity)
                        try closed.bind(3, offset)
                        try closed.step()
                    }
                    let prune = try database.prepare("DELETE FROM closed_entities WHERE path = ? AND last_offset < ?")
                    try prune.bind(1, follow.path)
                    try prune.bind(2, follow.checkpoint)
                    try prune.step()
                }
                if let stats = batch.followStats {
                    let statement = try database.prepare("""
                        INSERT OR REPLACE INTO event_source_stats (path, events, records, open_entities, oldest_open_first_ms,
                            stalest_open_last_ms, last_event_ms, last_read_ms, polled_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                    try statement.bind(1, stats.path)
                    try statement.bind(2, stats.events)
                    try statement.bind(3, stats.records)
                    try statement.bind(4, stats.openEntities)
                    for (index, value) in [stats.oldestOpenFirstMs, stats.stalestOpenLastMs, stats.lastEventMs, stats.lastReadMs].enumerated() {
                        if let value { try statement.bind(Int32(5 + index), value) } else { try statement.bindNull(Int32(5 + index)) }
                    }
                    try statement.bind(9, stats.polledMs)
                    try statement.step()
                }
                if let (target, value) = batch.cursor {
                    let statement = try database.prepare(
                        "INSERT INTO cursors (target, cursor, updated_ms) VALUES (?, ?, ?) ON CONFLICT (target) DO UPDATE SET cursor = excluded.cursor, updated_ms = excluded.updated_ms")
                    try statement.bind(1, target)
                    try statement.bind(2, value)
                    try statement.bind(3, receivedMs)
                    try statement.step()
                }
                return added
            }
        } catch let error as SQLiteError {
            throw .sqlite(error)
        } catch {
            throw .sqlite(SQLiteError(code: -1, message: "\(error)"))
        }
    }

    /// Stages one record inside a transaction: 1 if it is new, 0 if an identical copy was there; a record of a day
    /// sealed already is quarantined as late instead, kept and counted, never silently dropped.
    func stage(_ record: Record, _ canonical: [UInt8], source: String, receivedMs: Int64, sealedThrough: Int64?) throws(SQLiteError) -> Int {
        let start: Int64 = if case .integer(let value)? = record["start_ms"] { value } else { 0 }
        let day = UTCDay(containing: start)
        if let sealedThrough, Int64(day.number) <= sealedThrough {
            quarantineInsert.reset()
            try quarantineInsert.bind(1, source)
            try quarantineInsert.bind(2, Int64(day.number))
            try quarantineInsert.bind(3, "late-after-seal")
            try quarantineInsert.bind(4, receivedMs)
            try quarantineInsert.bind(5, canonical)
            try quarantineInsert.step()
            return 0
        }
        insert.reset()
        try insert.bind(1, record.observerID)
        try insert.bind(2, record.id)
        try insert.bind(3, MessageDigest.sha256(canonical).bytes)
        try insert.bind(4, Int64(day.number))
        try insert.bind(5, record.kind.rawValue)
        try insert.bind(6, source)
        try insert.bind(7, receivedMs)
        try insert.bind(8, canonical)
        try insert.step()
        return database.changes
    }

    /// Records that the days up to `day` are sealed: later records of those days are quarantined as late.
    public func markSealed(through day: UTCDay) throws(StoreError) {
        do {
            let statement = try database.prepare(
                "INSERT INTO meta (key, value) VALUES ('sealed_through', ?) ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)")
            try statement.bind(1, Int64(day.number))
            try statement.step()
        } catch { throw .sqlite(error) }
    }

    /// The clock a collector runs on (spec/collector.md §4.2): the system's, or a simulated one
    /// (`--clock-start`, an explicit `--now`, the demo's stepped time).
    public enum ClockKind: Int64, Sendable {
        case system = 0
        case simulated = 1
    }

    /// The clock this store has run on, and the latest time it was used at; nil for a new store.
    public func clock() throws(StoreError) -> (kind: ClockKind, latestMs: Int64)? {
        do {
            guard let kind = try database.integer("SELECT value FROM meta WHERE key = 'clock_kind'"),
                  let latest = try database.integer("SELECT value FROM meta WHERE key = 'clock_latest_ms'") else { return nil }
            return (ClockKind(rawValue: kind) ?? .simulated, latest)
        } catch { throw .sqlite(error) }
    }

    /// Takes a run's clock, or refuses it: one store, one clock. A store that has run on a
    /// simulated clock refuses the system clock (its probes and seals would land on another
    /// day); a store on the system clock accepts an explicit time (sealing a backlog
    /// exactly) but stays on the system clock. The first run decides.
    public func adoptClock(_ kind: ClockKind, nowMs: Int64) throws(StoreError) {
        let current = try clock()
        if let current, current.kind == .simulated, kind == .system {
            throw .clockConflict("this staging store runs on a simulated clock (last used at \(UTCTime.iso8601(milliseconds: current.latestMs))); "
                + "the system clock (\(UTCTime.iso8601(milliseconds: nowMs))) would stage and seal under another day. Give the time on that clock "
                + "(--now, --clock-start), or use a new staging store for the real clock")
        }
        do {
            try database.transaction {
                let statement = try database.prepare(
                    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)")
                if current == nil {
                    try database.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('clock_kind', \(kind.rawValue))")
                }
                try statement.bind(1, "clock_latest_ms")
                try statement.bind(2, nowMs)
                try statement.step()
            }
        } catch let error as SQLiteError { throw .sqlite(error) } catch { throw .sqlite(SQLiteError(code: -1, message: "\(error)")) }
    }

    /// Records that arrived after their day was sealed.
    public func lateRecords() throws(StoreError) -> Int64 {
        do { return try database.integer("SELECT count(*) FROM quarantine WHERE reason = 'late-after-seal'") ?? 0 } catch { throw .sqlite(error) }
    }

    /// The committed cursor of a target (0 before its first page).
    public func cursor(target: String) throws(StoreError) -> Int64 {
        do {
            let statement = try database.prepare("SELECT cursor FROM cursors WHERE target = ?")
            try statement.bind(1, target)
            return try statement.step() ? statement.int64(0) : 0
        } catch { throw .sqlite(error) }
    }

    /// Calls `body` with the canonical bytes of every record staged for `day`.
    public func forEachRecord(day: UTCDay, _ body: ([UInt8]) -> Void) throws(StoreError) {
        do {
            let statement = try database.prepare("SELECT body FROM staged WHERE day = ? ORDER BY observer_id, job_id, sha256")
            try statement.bind(1, Int64(day.number))
            var bytes: [UInt8] = []
            while try statement.step() {
                bytes.removeAll(keepingCapacity: true)
                statement.appendBlob(0, to: &bytes)
                body(bytes)
            }
        } catch { throw .sqlite(error) }
    }

    /// Quarantined records of `day` by reason (the manifest's `rejected`).
    public func quarantinedCounts(day: UTCDay) throws(StoreError) -> [String: Int64] {
        do {
            let statement = try database.prepare("SELECT reason, count(*) FROM quarantine WHERE day = ? GROUP BY reason")
            try statement.bind(1, Int64(day.number))
            var counts: [String: Int64] = [:]
            while try statement.step() { counts[statement.text(0)] = statement.int64(1) }
            return counts
        } catch { throw .sqlite(error) }
    }

    /// Days that have staged records, ascending.
    public func days() throws(StoreError) -> [UTCDay] {
        do {
            let statement = try database.prepare("SELECT DISTINCT day FROM staged ORDER BY day")
            var days: [UTCDay] = []
            while try statement.step() { days.append(UTCDay(number: Int(statement.int64(0)))) }
            return days
        } catch { throw .sqlite(error) }
    }

    /// Each target's latest probe record, and its latest one whose outcome is not `ok`
    /// (canonical bytes), in one pass over the staged probes.
    public func latestProbes() throws(StoreError) -> [String: (latest: [UInt8], latestFailure: [UInt8]?)] {
        do {
            let statement = try database.prepare(
                "SELECT source, body FROM staged WHERE kind = 'probe' ORDER BY received_ms, observer_id, job_id")
            var result: [String: (latest: [UInt8], latestFailure: [UInt8]?)] = [:]
            while try statement.step() {
                let source = statement.text(0), body = statement.blob(1)
                let failed = !body.containsSubsequence(Array(#""outcome":"ok""#.utf8))
                result[source] = (body, failed ? body : result[source]?.latestFailure)
            }
            return result
        } catch { throw .sqlite(error) }
    }

    /// Staged record counts by source (target URL, or a gateway event source).
    public func counts() throws(StoreError) -> [(source: String, records: Int64)] {
        try stagedCounts(by: "source").map { ($0.value, $0.count) }
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in these bytes.
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        return (0...(count - needle.count)).contains { start in self[start..<start + needle.count].elementsEqual(needle) }
    }
}
