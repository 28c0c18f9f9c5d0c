import AssayCore
import AssayCrypto

/// The exporter's durable record store (spec/exporter.md §2): one SQLite
/// file in WAL mode. Every accepted record gets a strictly increasing
/// sequence number, the scrape cursor; a second version of a record (same
/// observer and id, different bytes) is kept too, as a conflict, never
/// overwriting the first. Retention prunes the oldest records by age and
/// by total size, and remembers how far it pruned.
public final class ExporterStore {
    /// The store schema this build writes and reads.
    public static var schemaVersion: Int64 { Int64(migrations.count) }

    /// Migrations, index i brings a file from version i to i + 1.
    static let migrations: [String] = [
        """
        CREATE TABLE records (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            observer_id TEXT NOT NULL,
            job_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            start_ms INTEGER NOT NULL,
            received_ms INTEGER NOT NULL,
            sha256 BLOB NOT NULL,
            body BLOB NOT NULL,
            UNIQUE (observer_id, job_id, sha256)
        ) STRICT;
        CREATE INDEX records_by_job ON records (observer_id, job_id);
        CREATE INDEX records_by_received ON records (received_ms);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
        CREATE TABLE follow (path TEXT PRIMARY KEY, device INTEGER NOT NULL, inode INTEGER NOT NULL, offset INTEGER NOT NULL) STRICT;
        """,
    ]

    public let database: SQLiteDatabase
    private let insert: SQLiteStatement
    private let findJob: SQLiteStatement
    private let page: SQLiteStatement
    private let metaRead: SQLiteStatement
    private let metaAdd: SQLiteStatement
    private let newest: SQLiteStatement
    private let lastInsert: SQLiteStatement

    /// Pages read the store through a memory map of up to this many bytes (SQLite's mmap_size): a page
    /// at a random cursor then costs no read(2) per database page and no copy into SQLite's cache.
    static let mappedBytes = 1 << 30

    /// Opens or creates the store; refuses a file written by a newer schema.
    public init(path: String) throws(StoreError) {
        do {
            let database = try SQLiteDatabase.openStore(path: path, migrations: Self.migrations)
            try database.execute("PRAGMA mmap_size = \(Self.mappedBytes)")
            self.database = database
            insert = try database.prepare(
                "INSERT INTO records (observer_id, job_id, kind, start_ms, received_ms, sha256, body) VALUES (?, ?, ?, ?, ?, ?, ?)")
            findJob = try database.prepare("SELECT seq, sha256 FROM records WHERE observer_id = ? AND job_id = ? ORDER BY seq")
            page = try database.prepare("SELECT seq, body FROM records WHERE seq > ? ORDER BY seq LIMIT ?")
            metaRead = try database.prepare("SELECT value FROM meta WHERE key = ?")
            metaAdd = try database.prepare(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = value + excluded.value")
            newest = try database.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'records'")
            lastInsert = try database.prepare("SELECT last_insert_rowid()")
        } catch {
            throw StoreError(error)
        }
    }

    /// What happened to one ingested record.
    public enum Disposition: Equatable, Sendable {
        /// Stored under this cursor.
        case accepted(cursor: Int64)
        /// The same bytes were already stored under this cursor: nothing changed.
        case duplicate(cursor: Int64)
        /// Another version of the same (observer_id, id) exists; this one is kept too, under this cursor.
        case conflict(cursor: Int64, existing: Int64)
    }

    /// Stores a batch of validated records in one transaction (durable when it returns).
    public func ingest(_ records: [(record: Record, canonical: [UInt8])], receivedMs: Int64) throws(StoreError) -> [Disposition] {
        do {
            return try database.transaction {
                var added = (count: Int64(0), bytes: Int64(0))
                let outcomes = try records.map { item in try store(item.record, item.canonical, receivedMs: receivedMs, added: &added) }
                try addToMeta("record_count", added.count)
                try addToMeta("record_bytes", added.bytes)
                return outcomes
            }
        } catch let error as SQLiteError {
            throw .sqlite(error)
        } catch {
            throw .sqlite(SQLiteError(code: -1, message: "\(error)"))
        }
    }

    private func store(_ record: Record, _ canonical: [UInt8], receivedMs: Int64,
                       added: inout (count: Int64, bytes: Int64)) throws(SQLiteError) -> Disposition {
        let digest = MessageDigest.sha256(canonical).bytes
        findJob.reset()
        try findJob.bind(1, record.observerID)
        try findJob.bind(2, record.id)
        var existing: Int64?
        while try findJob.step() {
            if findJob.blob(1) == digest { return .duplicate(cursor: findJob.int64(0)) }
            existing = existing ?? findJob.int64(0)
        }
        insert.reset()
        try insert.bind(1, record.observerID)
        try insert.bind(2, record.id)
        try insert.bind(3, record.kind.rawValue)
        if case .integer(let start)? = record["start_ms"] { try insert.bind(4, start) } else { try insert.bind(4, Int64(0)) }
        try insert.bind(5, receivedMs)
        try insert.bind(6, digest)
        try insert.bind(7, canonical)
        try insert.step()
        lastInsert.reset()
        try lastInsert.step()
        let cursor = lastInsert.int64(0)
        lastInsert.reset()
        added.count += 1
        added.bytes += Int64(canonical.count)
        if let existing { return .conflict(cursor: cursor, existing: existing) }
        return .accepted(cursor: cursor)
    }

    /// One page of records after `cursor`, in cursor order: at most `limit`
    /// records and about `maxBytes` bytes (always at least one record when any is left).
    public struct Page: Sendable {
        /// The records' canonical bytes joined by commas (a JSON array body without brackets).
        public let joined: [UInt8]
        public let count: Int
        /// The cursor of the last record in the page (or the requested one when empty).
        public let nextCursor: Int64
        public let hasMore: Bool
    }

    public func page(after cursor: Int64, limit: Int, maxBytes: Int) throws(StoreError) -> Page {
        var joined: [UInt8] = []
        joined.reserveCapacity(min(maxBytes, limit * 1024))
        let page = try page(after: cursor, limit: limit, maxBytes: maxBytes) { joined.append(contentsOf: $0) }
        return Page(joined: joined, count: page.count, nextCursor: page.nextCursor, hasMore: page.hasMore)
    }

    /// What a page holds besides its records.
    public struct PageBounds: Sendable {
        public let count: Int
        /// The cursor of the last record in the page (or the requested one when empty).
        public let nextCursor: Int64
        public let hasMore: Bool
        /// The bytes handed to `append`: the records and the commas between them.
        public let bytes: Int
    }

    /// The same page, its bytes handed to `append` as SQLite reads them (records, and the commas between
    /// them), so a caller can copy them once, straight into what it sends.
    public func page(after cursor: Int64, limit: Int, maxBytes: Int, append: (UnsafeRawBufferPointer) -> Void) throws(StoreError) -> PageBounds {
        do {
            page.reset()
            try page.bind(1, cursor)
            try page.bind(2, Int64(limit + 1))
            var count = 0, bytes = 0
            var next = cursor
            var hasMore = false
            let comma: [UInt8] = [UInt8(ascii: ",")]
            while try page.step() {
                if count == limit || (count > 0 && bytes >= maxBytes) {
                    hasMore = true
                    break
                }
                if count > 0 {
                    comma.withUnsafeBytes(append)
                    bytes += 1
                }
                bytes += page.withBlob(1, append)
                next = page.int64(0)
                count += 1
            }
            page.reset()
            return PageBounds(count: count, nextCursor: next, hasMore: hasMore, bytes: bytes)
        } catch {
            throw .sqlite(error)
        }
    }

    /// Counts and bounds for `/v1/info` and `/metrics`.
    public struct Summary: Sendable, Equatable {
        public let records: Int64
        public let bytes: Int64
        /// Smallest stored cursor (nil when empty).
        public let oldestCursor: Int64?
        /// Greatest cursor ever assigned (0 before the first record).
        public let newestCursor: Int64
        /// Records with cursors up to this one were pruned by retention.
        public let prunedThrough: Int64
    }

    /// Reads maintained counters and two index lookups: no table scan, so it is cheap on every request.
    public func summary() throws(StoreError) -> Summary {
        do {
            let oldest = try database.integer("SELECT min(seq) FROM records")
            return Summary(records: try meta("record_count") ?? 0, bytes: try meta("record_bytes") ?? 0,
                           oldestCursor: oldest, newestCursor: try newestCursor(), prunedThrough: try meta("pruned_through") ?? 0)
        } catch { throw .sqlite(error) }
    }

    /// The greatest cursor ever assigned and how far retention pruned: what each page request needs.
    public func cursorBounds() throws(StoreError) -> (newest: Int64, prunedThrough: Int64) {
        do { return (try newestCursor(), try meta("pruned_through") ?? 0) } catch { throw .sqlite(error) }
    }

    func newestCursor() throws(SQLiteError) -> Int64 {
        newest.reset()
        defer { newest.reset() }
        return try newest.step() ? newest.int64(0) : 0
    }

    /// Deletes records received before `minimumReceivedMs`, then the oldest
    /// until the bodies total at most `maxBytes`. Returns how many were pruned.
    @discardableResult
    public func prune(minimumReceivedMs: Int64?, maxBytes: Int64?) throws(StoreError) -> Int {
        do {
            return try database.transaction {
                var pruned = 0
                var through = try meta("pruned_through") ?? 0
                if let minimumReceivedMs {
                    if let last = try database.integer("SELECT max(seq) FROM records WHERE received_ms < \(minimumReceivedMs)") {
                        pruned += try delete(through: last)
                        through = max(through, last)
                    }
                }
                if let maxBytes {
                    var total = try meta("record_bytes") ?? 0
                    let oldest = try database.prepare("SELECT seq, length(body) FROM records ORDER BY seq")
                    var last: Int64?
                    while total > maxBytes, try oldest.step() {
                        total -= oldest.int64(1)
                        last = oldest.int64(0)
                    }
                    if let last {
                        pruned += try delete(through: last)
                        through = max(through, last)
                    }
                }
                try setMeta("pruned_through", through)
                return pruned
            }
        } catch let error as SQLiteError {
            throw .sqlite(error)
        } catch {
            throw .sqlite(SQLiteError(code: -1, message: "\(error)"))
        }
    }

    /// Where a followed file was read up to (device, inode, byte offset).
    public func followPosition(path: String) throws(StoreError) -> (device: Int64, inode: Int64, offset: Int64)? {
        do {
            let statement = try database.prepare("SELECT device, inode, offset FROM follow WHERE path = ?")
            try statement.bind(1, path)
            guard try statement.step() else { return nil }
            return (statement.int64(0), statement.int64(1), statement.int64(2))
        } catch { throw .sqlite(error) }
    }

    /// Ingests a batch from a followed file and records the new position in the same transaction,
    /// so a restart neither skips nor repeats lines.
    public func ingest(_ records: [(record: Record, canonical: [UInt8])], receivedMs: Int64, followedPath path: String,
                       device: Int64, inode: Int64, offset: Int64) throws(StoreError) -> [Disposition] {
        do {
            return try database.transaction {
                var added = (count: Int64(0), bytes: Int64(0))
                let outcomes = try records.map { item in try store(item.record, item.canonical, receivedMs: receivedMs, added: &added) }
                try addToMeta("record_count", added.count)
                try addToMeta("record_bytes", added.bytes)
                let statement = try database.prepare("INSERT OR REPLACE INTO follow (path, device, inode, offset) VALUES (?, ?, ?, ?)")
                try statement.bind(1, path)
                try statement.bind(2, device)
                try statement.bind(3, inode)
                try statement.bind(4, offset)
                try statement.step()
                return outcomes
            }
        } catch let error as SQLiteError {
            throw .sqlite(error)
        } catch {
            throw .sqlite(SQLiteError(code: -1, message: "\(error)"))
        }
    }

    /// Deletes records up to `cursor`, keeping the counters right; returns how many.
    func delete(through cursor: Int64) throws(SQLiteError) -> Int {
        let bytes = try database.integer("SELECT coalesce(sum(length(body)), 0) FROM records WHERE seq <= \(cursor)") ?? 0
        try database.execute("DELETE FROM records WHERE seq <= \(cursor)")
        let count = database.changes
        try addToMeta("record_bytes", -bytes)
        try addToMeta("record_count", -Int64(count))
        return count
    }

    func addToMeta(_ key: String, _ delta: Int64) throws(SQLiteError) {
        guard delta != 0 else { return }
        metaAdd.reset()
        try metaAdd.bind(1, key)
        try metaAdd.bind(2, delta)
        try metaAdd.step()
        metaAdd.reset()
    }

    func meta(_ key: String) throws(SQLiteError) -> Int64? {
        metaRead.reset()
        defer { metaRead.reset() }
        try metaRead.bind(1, key)
        return try metaRead.step() ? metaRead.int64(0) : nil
    }

    func setMeta(_ key: String, _ value: Int64) throws(SQLiteError) {
        let statement = try database.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")
        try statement.bind(1, key)
        try statement.bind(2, value)
        try statement.step()
    }
}

/// Why the store refused.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case newerSchema(path: String, found: Int64, supported: Int64)
    case sqlite(SQLiteError)
    /// A run whose clock contradicts the one the store has run on (spec/collector.md §4.2).
    case clockConflict(String)

    public var description: String {
        switch self {
        case .newerSchema(let path, let found, let supported):
            "\(path) was written by a newer Assay (store schema \(found)); this build reads schema \(supported) and older. Upgrade Assay, or point --store at another file."
        case .sqlite(let error): error.description
        case .clockConflict(let reason): reason
        }
    }

    /// Any error met while opening or using a store, as a StoreError: kept if it already is one.
    init(_ error: any Error) {
        switch error {
        case let error as StoreError: self = error
        case let error as SQLiteError: self = .sqlite(error)
        default: self = .sqlite(SQLiteError(code: -1, message: "\(error)"))
        }
    }
}
