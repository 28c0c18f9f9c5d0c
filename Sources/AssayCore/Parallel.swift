import Dispatch

/// Work split between the cores.
public enum Parallel {
    /// `body(0)`, …, `body(count − 1)`, run at once on every core; the results in index order, whatever
    /// order the threads finished in.
    public static func map<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        return withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            return Array(unsafeUninitializedCapacity: count) { buffer, initialized in
                nonisolated(unsafe) let base = buffer.baseAddress!
                DispatchQueue.concurrentPerform(iterations: count) { index in (base + index).initialize(to: body(index)) }
                initialized = count
            }
        }
    }
}
