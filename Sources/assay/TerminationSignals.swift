import Dispatch
import Foundation

/// SIGINT and SIGTERM cancel a task instead of killing the process, so a long-running command
/// (the collector, the demo) stops at a safe point and shuts its listeners down. The handlers stay
/// installed until `stop()` (or until the value goes away).
final class TerminationSignals {
    private let sources: [DispatchSourceSignal]

    init<Success, Failure>(cancelling task: Task<Success, Failure>) {
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
    }

    func stop() { sources.forEach { $0.cancel() } }

    deinit { stop() }
}
