import Foundation

/// Runs blocking test code on a thread of its own.
///
/// Swift Testing runs test bodies on the cooperative pool, which has one thread per
/// core (two here). A body that blocks — waiting for a child process, a synchronous
/// HTTP request, `Thread.sleep` — holds one of them, and a test whose timing matters
/// can be starved for minutes while others block. Code that must keep its own pace, or
/// that blocks for long, belongs on a dedicated thread.
public enum DedicatedThread {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let result: Result<T, any Error> = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: Result { try body() })
            }
        }
        return try result.get()
    }
}
