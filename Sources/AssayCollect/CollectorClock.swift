import AssayStore
import Foundation

/// The collector's notion of time: UTC milliseconds, optionally compressed
/// (`speed` simulated milliseconds per real millisecond) so tests and the
/// demo can run days in seconds (spec/collector.md §4). Network timeouts are
/// never compressed.
public struct CollectorClock: Sendable {
    public let startMs: Int64
    public let speed: Double
    /// The system's clock, or one started at a given time (`--clock-start`, `--now`, the demo).
    public let kind: StagingStore.ClockKind
    let origin = ContinuousClock.now

    /// A simulated clock starting at `startMs`.
    public init(startMs: Int64, speed: Double = 1) {
        self.init(startMs: startMs, speed: speed, kind: .simulated)
    }

    init(startMs: Int64, speed: Double, kind: StagingStore.ClockKind) {
        self.startMs = startMs
        self.speed = speed
        self.kind = kind
    }

    /// The real clock.
    public static func system() -> CollectorClock {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return CollectorClock(startMs: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000, speed: 1, kind: .system)
    }

    public var nowMs: Int64 {
        let elapsed = ContinuousClock.now - origin
        let realMs = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return startMs + Int64(realMs * speed)
    }

    /// Sleeps until the simulated time `ms`.
    public func sleep(untilMs ms: Int64) async throws {
        let remaining = Double(ms - nowMs) / speed
        if remaining > 0 { try await Task.sleep(for: .milliseconds(Int64(remaining.rounded(.up)))) }
    }
}
