import AssayCore
import AssayCrypto
import AssayLedger
import AssayStore
#if canImport(Glibc)
import Glibc
#endif

/// Places in add-checkpoint where a test can have the witness killed (SIGKILL, as `kill -9`), to show that
/// no crash makes it cosign two trees of one size. Chosen with the environment variable `ASSAY_WITNESS_FAULT`.
public enum WitnessFault: String, Sendable, CaseIterable {
    /// The submission is checked; nothing is written.
    case afterCheck = "after-check"
    /// Inside the write transaction, after the new row is written and before COMMIT.
    case beforeCommit = "before-commit"
    /// The new state is committed; no cosignature exists yet.
    case afterCommit = "after-commit"
    /// The cosignature is made and not yet sent.
    case afterCosign = "after-cosign"

    public static var configured: WitnessFault? {
        getenv("ASSAY_WITNESS_FAULT").flatMap { WitnessFault(rawValue: String(cString: $0)) }
    }

    func trigger(_ configured: WitnessFault?) {
        if configured == self { kill(getpid(), SIGKILL) }
    }
}

/// What the witness last cosigned, per origin, in SQLite (spec/log.md §9): one row per log, replaced in the same
/// transaction that compares it with a submission, committed (synchronous FULL) before any cosignature is made.
final class WitnessState {
    let database: SQLiteDatabase

    static let migrations = ["""
        CREATE TABLE cosigned (
            origin TEXT PRIMARY KEY,
            size INTEGER NOT NULL CHECK (size >= 0),
            root BLOB NOT NULL CHECK (length(root) = 32),
            checkpoint BLOB NOT NULL
        ) STRICT;
        """]

    init(path: String) throws(StoreError) {
        database = try SQLiteDatabase.openStore(path: path, migrations: Self.migrations)
    }

    struct Row {
        let size: UInt64
        let root: [UInt8]
        let checkpoint: [UInt8]
    }

    func row(_ origin: String) throws(SQLiteError) -> Row? {
        let statement = try database.prepare("SELECT size, root, checkpoint FROM cosigned WHERE origin = ?")
        try statement.bind(1, origin)
        guard try statement.step() else { return nil }
        return Row(size: UInt64(statement.int64(0)), root: statement.blob(1), checkpoint: statement.blob(2))
    }

    func replace(_ origin: String, _ row: Row) throws(SQLiteError) {
        let statement = try database.prepare("INSERT OR REPLACE INTO cosigned (origin, size, root, checkpoint) VALUES (?, ?, ?, ?)")
        try statement.bind(1, origin)
        try statement.bind(2, Int64(row.size))
        try statement.bind(3, row.root)
        try statement.bind(4, row.checkpoint)
        _ = try statement.step()
    }
}

/// A transparency-log witness (c2sp.org/tlog-witness, spec/log.md §9): it cosigns a checkpoint of a log it
/// follows only when the checkpoint carries the log's signatures and extends the last one it cosigned.
public actor Witness {
    let state: WitnessState
    let signer: NoteSigner
    let logs: [String: FollowedLog]
    let now: @Sendable () -> UInt64
    let fault: WitnessFault?

    /// `signer` is the witness's cosignature key (type 0x04); `now` gives POSIX seconds for timestamps.
    public init(statePath: String, signer: NoteSigner, logs: [FollowedLog], fault: WitnessFault? = WitnessFault.configured,
                now: @escaping @Sendable () -> UInt64 = { UInt64(max(1, time(nil))) }) throws(StoreError) {
        precondition(signer.type == NoteKeys.cosignatureV1, "a witness signs cosignatures (type 0x04)")
        state = try WitnessState(path: statePath)
        self.signer = signer
        self.logs = Dictionary(logs.map { ($0.origin, $0) }, uniquingKeysWith: { first, _ in first })
        self.now = now
        self.fault = fault
    }

    /// `POST <prefix>/add-checkpoint`.
    public func addCheckpoint(_ body: [UInt8]) -> WitnessResponse {
        do {
            let request = try AddCheckpointRequest(body: body)
            let (log, checkpoint, note) = try Witnessing.check(request, logs: logs)
            WitnessFault.afterCheck.trigger(fault)
            try record(request, checkpoint: checkpoint, note: note, origin: log.origin)
            WitnessFault.afterCommit.trigger(fault)
            let line = try cosign(checkpoint.text)
            WitnessFault.afterCosign.trigger(fault)
            return WitnessResponse(status: 200, contentType: "text/plain; charset=utf-8", body: Array((line + "\n").utf8))
        } catch let refusal as WitnessRefusal {
            return refusal.response
        } catch {
            return .text(500, "the witness could not record or cosign the checkpoint: \(error)")
        }
    }

    /// Compares the submission with the stored row and replaces it, in one committed transaction.
    func record(_ request: AddCheckpointRequest, checkpoint: Checkpoint, note: SignedNote, origin: String) throws {
        try state.database.transaction {
            let stored = try state.row(origin)
            try Witnessing.checkConsistency(request, checkpoint: checkpoint, stored: stored.map { ($0.size, $0.root) })
            if stored?.size != checkpoint.size {
                try state.replace(origin, .init(size: checkpoint.size, root: checkpoint.root, checkpoint: note.bytes))
            }
            WitnessFault.beforeCommit.trigger(fault)
        }
    }

    func cosign(_ text: [UInt8]) throws -> String {
        try signer.sign(text, timestamp: now()).line
    }

    /// `GET <prefix>/<hex SHA-256 of the origin>/checkpoint`: the last checkpoint cosigned for that log, with its
    /// signatures and a cosignature made now.
    public func latest(originHash: String) -> WitnessResponse {
        guard let log = logs.values.first(where: { MessageDigest.sha256(Array($0.origin.utf8)).hex == originHash }) else {
            return .text(404, "no log with that origin hash")
        }
        do {
            guard let row = try state.row(log.origin) else { return .text(404, "no checkpoint of \(log.origin) cosigned yet") }
            let note = try SignedNote(parsing: row.checkpoint)
            return WitnessResponse(status: 200, contentType: "text/plain; charset=utf-8", body: note.bytes + Array((try cosign(note.text) + "\n").utf8))
        } catch {
            return .text(500, "the stored checkpoint cannot be read: \(error)")
        }
    }

    /// The witness's verifier key, for a policy's `witness` line.
    public nonisolated var vkey: String { signer.verifierKey.vkey }
}
