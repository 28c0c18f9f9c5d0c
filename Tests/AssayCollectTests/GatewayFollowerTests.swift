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
}
