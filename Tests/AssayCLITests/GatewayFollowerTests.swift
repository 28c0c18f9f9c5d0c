import AssaySimulate
import AssayCollect
import AssayCore
import AssayIngest
import AssayStore
import AssayTestSupport
import Foundation
import Testing

/// The collector's gateway-event source (spec/collector.md §5): restarts never lose or split a session.
@Suite("gateway event follower")
struct GatewayFollowerTests {
    static func lines() -> [String] {
        var generator = SyntheticGatewayEvents(streams: 150, durationMs: 2 * 3_600_000, seed: 5)
        return generator.events().map(\.line)
    }

    /// Staged rows as (observer_id, job_id, sha256 hex) sorted, from a staging file.
    static func staged(_ path: String) throws -> [String] {
        let store = try StagingStore(path: path)
        let statement = try store.database.prepare("SELECT observer_id, job_id, hex(sha256) FROM staged ORDER BY 1, 2, 3")
        var rows: [String] = []
        while try statement.step() { rows.append("\(statement.text(0))|\(statement.text(1))|\(statement.text(2))") }
        return rows
    }

    func follow(_ directory: TemporaryDirectory, staging: String, chunks: [[String]], restartBetween: Bool) async throws -> [String] {
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
        return try Self.staged(directory.file(staging))
    }

    @Test("restarting between every chunk stages exactly what one uninterrupted follower stages")
    func restarts() async throws {
        let directory = try TemporaryDirectory()
        let lines = Self.lines()
        var chunks: [[String]] = []
        var index = 0
        var generator = SplitMix64(seed: 9)
        while index < lines.count {
            let size = 50 + Int(generator.next() % 400)
            chunks.append(Array(lines[index..<min(index + size, lines.count)]))
            index += size
        }
        let uninterrupted = try await follow(directory, staging: "one.sqlite", chunks: chunks, restartBetween: false)
        let restarted = try await follow(directory, staging: "many.sqlite", chunks: chunks, restartBetween: true)
        #expect(uninterrupted.count > 200)
        #expect(restarted == uninterrupted)
        // Every (observer, id) staged once: no partial session became a conflicting second version.
        let keys = restarted.map { $0.split(separator: "|").prefix(2).joined(separator: "|") }
        #expect(Set(keys).count == keys.count)
    }
}
