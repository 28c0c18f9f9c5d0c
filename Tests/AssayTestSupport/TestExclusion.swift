/// Keeps two kinds of test apart within one `swift test` process: the ones
/// that measure behaviour against a compressed clock (the collector daemon)
/// and the ones that load the machine heavily (headless Chromium). On two
/// cores, running them at once starves the clock-driven one.
public actor TestExclusion {
    public static let shared = TestExclusion()
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }

    /// Runs `body` while no other exclusive test runs.
    public static func exclusively<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await shared.acquire()
        do {
            let result = try await body()
            await shared.release()
            return result
        } catch {
            await shared.release()
            throw error
        }
    }
}
