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
    @Test("restarting between every chunk stages exactly what one uninterrupted follower stages")
    func restarts() async throws {
        let directory = try TemporaryDirectory()
        let lines = GatewayEventWorkload.lines()
        var chunks: [[String]] = []
        var index = 0
        var generator = SplitMix64(seed: 9)
        while index < lines.count {
            let size = 50 + Int(generator.next() % 400)
            chunks.append(Array(lines[index..<min(index + size, lines.count)]))
            index += size
        }
        let uninterrupted = try await FollowerReplay.follow(directory, staging: "one.sqlite", chunks: chunks, restartBetween: false)
        let restarted = try await FollowerReplay.follow(directory, staging: "many.sqlite", chunks: chunks, restartBetween: true)
        #expect(uninterrupted.count > 200)
        #expect(restarted == uninterrupted)
        // Every (observer, id) staged once: no partial session became a conflicting second version.
        let keys = restarted.map { $0.split(separator: "|").prefix(2).joined(separator: "|") }
        #expect(Set(keys).count == keys.count)
    }

    @Test("a clock far past the events never splits a session written in two pieces; a quiet source, or a seal, closes it")
    func piecesUnderALateClock() async throws {
        let directory = try TemporaryDirectory()
        var generator = SyntheticGatewayEvents(streams: 150, durationMs: 2 * 3_600_000, seed: 5)
        let events = generator.events()
        let text = events.map { $0.line + "\n" }.joined()
        // Events replayed long after they happened (a pipe drained hours later): the clock is 10 hours past them all.
        let nowMs = try #require(events.map(\.time).max()) + 10 * 3_600_000
        let options = GatewaySessionizer.Options(observerID: "gw-a", idleTimeoutMs: 120_000)

        // All at once, closed by a seal pass: what the pieces must also give.
        let whole = directory.file("whole.jsonl")
        try Data(text.utf8).write(to: URL(fileURLWithPath: whole))
        let wholeFollower = GatewayEventFollower(path: whole, staging: try StagingActor(path: directory.file("whole.sqlite")), options: options)
        try await wholeFollower.poll(nowMs: nowMs, clock: .sealing)
        let expected = try StagedRows.read(directory.file("whole.sqlite"))
        #expect(expected.count > 200)
        #expect(await wholeFollower.stats.open == 0, "a seal pass closes what the clock says is over")

        // The same bytes in two pieces cut mid-line, polled between them by a clock far ahead.
        let pieces = directory.file("pieces.jsonl")
        let bytes = Array(text.utf8)
        let cut = bytes.count / 2 + 17
        try Data(bytes[..<cut]).write(to: URL(fileURLWithPath: pieces))
        let follower = GatewayEventFollower(path: pieces, staging: try StagingActor(path: directory.file("pieces.sqlite")), options: options)
        try await follower.poll(nowMs: nowMs)
        let openAfterFirst = await follower.stats.open
        #expect(openAfterFirst > 0, "a pass that read new bytes closes nothing by the clock")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: pieces))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes[cut...]))
        try handle.close()
        try await follower.poll(nowMs: nowMs)
        #expect(await follower.stats.open > 0, "still reading: nothing closed by the clock")
        try await follower.poll(nowMs: nowMs)
        #expect(await follower.stats.open == 0, "a pass with nothing new: the clock closes what is over")
        let staged = try StagedRows.read(directory.file("pieces.sqlite"))
        let missing = Set(expected).subtracting(staged), extra = Set(staged).subtracting(expected)
        #expect(missing.isEmpty && extra.isEmpty, "\(missing.count) rows missing, \(extra.count) rows extra")
        let keys = staged.map { $0.split(separator: "|").prefix(2).joined(separator: "|") }
        #expect(Set(keys).count == keys.count, "no session staged in two versions")
    }
}
