import Synchronization

/// The time the job tester measures attempts by, and the gateway stand-in serves them by: the machine's monotonic
/// clock, or a simulated one that moves only when something waits on it. The demo runs on the simulated one, so its
/// days of probes take seconds and every measured time in its dataset is the same on every run (a stand-in's designed
/// delay of 6 s is 6 000 ms exactly); everything else runs on `real`.
public final class ProbeTime: Sendable {
    let origin = ContinuousClock.now
    public let isSimulated: Bool
    /// The simulated time (unused by the real clock).
    let simulated: Mutex<Int64>

    /// The machine's clock.
    public static let real = ProbeTime()

    init() {
        isSimulated = false
        simulated = Mutex(0)
    }

    /// A simulated clock at `startMs` that advances only by `sleep`.
    public init(simulatedStartMs: Int64) {
        isSimulated = true
        simulated = Mutex(simulatedStartMs)
    }

    /// Milliseconds since an arbitrary origin (the real clock), or the simulated time.
    public var nowMs: Int64 {
        if isSimulated { return simulated.withLock { $0 } }
        let elapsed = ContinuousClock.now - origin
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }

    /// Waits `ms` milliseconds: really, or by moving the simulated clock on.
    public func sleep(ms: Int64) async throws {
        guard ms > 0 else { return }
        if isSimulated { simulated.withLock { $0 += ms } } else { try await Task.sleep(for: .milliseconds(ms)) }
    }
}
