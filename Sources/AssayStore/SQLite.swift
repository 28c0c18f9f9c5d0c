internal import CAssaySQLite

/// One SQLite connection. It owns its `sqlite3` handle and closes it on
/// deinit; statements it prepares own theirs. Not thread-safe: confine a
/// connection to one actor.
public final class SQLiteDatabase {
    private let handle: OpaquePointer
    public let path: String

    /// Opens (creating if needed) the database file at `path`.
    public init(path: String, readOnly: Bool = false) throws(SQLiteError) {
        var handle: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let result = sqlite3_open_v2(path, &handle, flags, nil)
        guard result == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw SQLiteError(code: result, message: "\(path): cannot open: \(message)")
        }
        self.handle = handle
        self.path = path
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, 5000)
    }

    deinit { sqlite3_close_v2(handle) }

    /// Opens a store file in WAL mode with synchronous FULL (acknowledged
    /// writes survive a crash), refusing a file written by a newer schema and
    /// migrating an older one in one transaction; `migrations[i]` brings
    /// version i to i + 1, and the version is `migrations.count`.
    public static func openStore(path: String, migrations: [String]) throws(StoreError) -> SQLiteDatabase {
        let supported = Int64(migrations.count)
        do {
            let database = try SQLiteDatabase(path: path)
            try database.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
            let version = try database.integer("PRAGMA user_version") ?? 0
            if version > supported { throw StoreError.newerSchema(path: path, found: version, supported: supported) }
            if version < supported {
                try database.transaction {
                    for step in Int(version)..<migrations.count { try database.execute(migrations[step]) }
                    try database.execute("PRAGMA user_version = \(supported)")
                }
            }
            return database
        } catch {
            throw StoreError(error)
        }
    }

    /// Runs one or more statements without results.
    public func execute(_ sql: String) throws(SQLiteError) {
        var error: UnsafeMutablePointer<CChar>?
        let result = sqlite3_exec(handle, sql, nil, nil, &error)
        if result != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(error)
            throw SQLiteError(code: result, message: message)
        }
    }

    /// Prepares a statement for repeated use.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let result = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard result == SQLITE_OK, let statement else { throw error(result, "prepare: \(sql.prefix(80))") }
        return SQLiteStatement(statement: statement, database: self)
    }

    /// Runs `body` in a transaction (BEGIN IMMEDIATE … COMMIT), rolling back if it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Rows changed by the last statement.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    /// The integer a single-value query returns (for PRAGMAs and counts).
    public func integer(_ sql: String) throws(SQLiteError) -> Int64? {
        let statement = try prepare(sql)
        guard try statement.step() else { return nil }
        return statement.isNull(0) ? nil : statement.int64(0)
    }

    func error(_ code: Int32, _ what: String) -> SQLiteError {
        SQLiteError(code: code, message: "\(what): \(String(cString: sqlite3_errmsg(handle)))")
    }

    /// The SQLite library version, such as 3.40.1.
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}

/// A prepared statement. Bind parameters (1-based), step, read columns (0-based), reset.
public final class SQLiteStatement {
    private let statement: OpaquePointer
    private let database: SQLiteDatabase

    init(statement: OpaquePointer, database: SQLiteDatabase) {
        self.statement = statement
        self.database = database
    }

    deinit { sqlite3_finalize(statement) }

    public func bind(_ index: Int32, _ value: Int64) throws(SQLiteError) {
        try check(sqlite3_bind_int64(statement, index, value), "bind")
    }

    public func bind(_ index: Int32, _ value: String) throws(SQLiteError) {
        try check(sqlite3_bind_text(statement, index, value, -1, assay_sqlite_transient()), "bind")
    }

    public func bind(_ index: Int32, _ value: some Collection<UInt8>) throws(SQLiteError) {
        let bytes = Array(value)
        let result = bytes.withUnsafeBytes { buffer in
            sqlite3_bind_blob64(statement, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1), sqlite3_uint64(buffer.count),
                                assay_sqlite_transient())
        }
        try check(result, "bind")
    }

    public func bindNull(_ index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_null(statement, index), "bind")
    }

    /// Advances; true when a row is available, false when done.
    @discardableResult
    public func step() throws(SQLiteError) -> Bool {
        let result = sqlite3_step(statement)
        if result == SQLITE_ROW { return true }
        if result == SQLITE_DONE { return false }
        throw database.error(result, "step")
    }

    /// Resets for another execution and clears the bindings.
    public func reset() {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
    /// An integer column that may be NULL.
    public func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }

    public func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(statement, column) else { return "" }
        return String(cString: pointer)
    }

    /// A text column that may be NULL.
    public func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    /// Appends the blob in `column` to `output` (no intermediate copy).
    public func appendBlob(_ column: Int32, to output: inout [UInt8]) {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let pointer = sqlite3_column_blob(statement, column) else { return }
        output.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Hands the column's bytes to `body` in place (valid only during the call); returns how many there were.
    @discardableResult
    public func withBlob(_ column: Int32, _ body: (UnsafeRawBufferPointer) -> Void) -> Int {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let pointer = sqlite3_column_blob(statement, column) else { return 0 }
        body(UnsafeRawBufferPointer(start: pointer, count: count))
        return count
    }

    public func blob(_ column: Int32) -> [UInt8] {
        var output: [UInt8] = []
        appendBlob(column, to: &output)
        return output
    }

    func check(_ result: Int32, _ what: String) throws(SQLiteError) {
        guard result == SQLITE_OK else { throw database.error(result, what) }
    }
}

/// An SQLite failure: the result code and SQLite's message.
public struct SQLiteError: Error, Equatable, Sendable, CustomStringConvertible {
    public let code: Int32
    public let message: String
    public var description: String { "SQLite error \(code): \(message)" }
}
