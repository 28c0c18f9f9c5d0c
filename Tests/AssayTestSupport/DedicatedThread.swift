import Foundation

/// Runs blocking test code on a thread of its own.
///
/// Swift Testing runs test bodies on the cooperative pool, which has one thread per
/// core (two here). A body that blocks — waiting for a child process, a synchronous
/// HTTP request, `Thread.sleep` — holds one of them, and a test whose timing matters
/// can be starved for minutes while others block. Code that must keep its own pace, or
/// that blocks for long, belongs on a dedicated thread.
///
/// The body runs in the calling task, with that thread as its executor, so task-local
/// values stay: an `#expect` inside it is attributed to the test that called it.
public enum DedicatedThread {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let executor = ThreadExecutor()
        defer { executor.shutdown() }
        return try await withTaskExecutorPreference(executor) { try body() }
    }
}

/// A task executor that runs its jobs one at a time on one thread of its own.
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false

    init() {
        Thread.detachNewThread { [self] in loop() }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Ends the thread once the jobs enqueued so far have run.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
