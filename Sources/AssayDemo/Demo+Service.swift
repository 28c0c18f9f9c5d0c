import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

extension Demo {
    /// Runs a demo as the one service of a `ServiceGroup`, as the exporter and the collector run:
    /// SIGINT (Ctrl-C) or SIGTERM shuts it down gracefully, which stops the run between two
    /// simulated hours and throws `CancellationError`. Everything the demo started (exporters, the
    /// witness, the collectors' clients) is shut down in every case before this returns.
    public static func runUntilSignalled(options: Options, logger: Logger, shutdownSignals: [UnixSignal] = [.sigterm, .sigint],
                                         report: @escaping @Sendable (Event) -> Void) async throws -> Summary {
        let service = DemoService(options: options, logger: logger, report: report)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: shutdownSignals, logger: logger))
        try await group.run()
        guard let result = service.result.withLock({ $0 }) else { throw CancellationError() }
        return try result.get()
    }
}

/// The demo's run, which ends the group when it finishes; its result is kept for the caller.
final class DemoService: Service, Sendable {
    let options: Demo.Options
    let logger: Logger
    let report: @Sendable (Demo.Event) -> Void
    let result = Mutex<Result<Demo.Summary, any Error>?>(nil)

    init(options: Demo.Options, logger: Logger, report: @escaping @Sendable (Demo.Event) -> Void) {
        self.options = options
        self.logger = logger
        self.report = report
    }

    func run() async {
        let (options, logger, report) = (options, logger, report)
        let outcome: Result<Demo.Summary, any Error>
        do {
            outcome = .success(try await cancelWhenGracefulShutdown {
                let demo = Demo(options: options, logger: logger, report: report)
                do {
                    let summary = try await demo.run()
                    await demo.shutdown()
                    return summary
                } catch {
                    await demo.shutdown()
                    throw error
                }
            })
        } catch {
            // Whatever was in flight when the shutdown came (a scrape, a push) fails with it: that is an interruption.
            outcome = .failure(Task.isShuttingDownGracefully ? CancellationError() : error)
        }
        result.withLock { $0 = outcome }
    }
}
