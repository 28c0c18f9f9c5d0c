import AssayCollect
import AssayIngest
import AssaySimulate
import AssayStore
import Foundation

/// The synthetic gateway-event workload that the follower and listener tests share.
public enum GatewayEventWorkload {
    /// 150 streams over two hours of go-livepeer gateway events (seed 5), one event per line.
    public static func lines() -> [String] {
        var generator = SyntheticGatewayEvents(streams: 150, durationMs: 2 * 3_600_000, seed: 5)
        return generator.events().map(\.line)
    }
}

/// What a staging store holds, comparable across runs.
public enum StagedRows {
    /// Staged rows as "observer_id|job_id|SHA-256 hex", sorted, from a staging file.
    public static func read(_ path: String) throws -> [String] {
        let store = try StagingStore(path: path)
        let statement = try store.database.prepare("SELECT observer_id, job_id, hex(sha256) FROM staged ORDER BY 1, 2, 3")
        var rows: [String] = []
        while try statement.step() { rows.append("\(statement.text(0))|\(statement.text(1))|\(statement.text(2))") }
        return rows
    }
}

/// A gateway-event file followed in chunks, as the collector follows one.
public enum FollowerReplay {
    /// Appends each chunk to a file and polls a follower after each; with `restartBetween`, a new
    /// follower (a crash and restart) takes over after every chunk. Returns the staged rows.
    public static func follow(_ directory: TemporaryDirectory, staging: String, chunks: [[String]], restartBetween: Bool) async throws -> [String] {
        let path = directory.file("events-\(staging).jsonl")
        FileManager.default.createFile(atPath: path, contents: nil)
        let options = GatewaySessionizer.Options(observerID: "gw-a", idleTimeoutMs: 120_000)
        let actor = try StagingActor(path: directory.file(staging))
        var follower = GatewayEventFollower(path: path, staging: actor, options: options)
        for chunk in chunks {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(chunk.map { $0 + "\n" }.joined().utf8))
            try handle.close()
            try await follower.poll()
            // A crash: the follower and its in-memory sessions are gone; a new one starts from the saved state.
            if restartBetween { follower = GatewayEventFollower(path: path, staging: try StagingActor(path: directory.file(staging)), options: options) }
        }
        return try StagedRows.read(directory.file(staging))
    }
}
