import AssayConfiguration
import AssayIngest
import Foundation
import Logging
import ServiceLifecycle

/// The collector's gateway-event intake (spec/collector.md §5): one follower per source (each
/// configured file, and the spool that the HTTP listener and standard input write to), polled
/// every 250 ms of real time; the collector's clock closes entities that have gone silent.
public struct EventIntake: Service, Sendable {
    /// The spool of events that arrive over HTTP or standard input, when configured.
    let spool: GatewayEventSpool?
    /// One follower per gateway-event source (each file, and the spool).
    public let followers: [GatewayEventFollower]
    let listen: String?
    let readsStandardInput: Bool
    let clock: CollectorClock
    let logger: Logger

    init(configuration: CollectorConfiguration, staging: StagingActor, clock: CollectorClock, logger: Logger) throws {
        let spool = configuration.eventListen != nil || configuration.eventStdin ? try GatewayEventSpool(directory: configuration.eventSpool) : nil
        self.spool = spool
        let options = GatewaySessionizer.Options(observerID: configuration.collectorID, region: configuration.region)
        let sources: [any GatewayEventSource] = configuration.eventFiles.map { GatewayEventFile(path: $0) } + (spool.map { [$0] } ?? [])
        followers = sources.map { GatewayEventFollower(source: $0, staging: staging, options: options) }
        listen = configuration.eventListen
        readsStandardInput = configuration.eventStdin
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        if readsStandardInput, let spool { readStandardInput(into: spool) }
        try await runUntilShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for follower in followers { group.addTask { try await follow(follower) } }
                try await group.waitForAll()
            }
        }
    }

    /// The HTTP listener that spools what gateways POST (`gateway_events: listen`), a service of its own.
    func listener(onListening: @escaping @Sendable (String, String) -> Void) throws(ConfigurationError) -> (any Service)? {
        guard let spool, let listen else { return nil }
        return try localApplication(router: GatewayEventListener(spool: spool).router(), listen: listen, name: "events",
                                    logger: logger, onListening: onListening)
    }

    /// Reads every source to its end and closes what the clock says is over, before a day is sealed
    /// (spec/collector.md §4). A source that cannot be read is logged and the seal goes on: its events
    /// stay in the source for the next pass.
    public func advance(nowMs: Int64) async {
        for follower in followers { await poll(follower, nowMs: nowMs, clock: .sealing) }
    }

    func follow(_ follower: GatewayEventFollower) async throws {
        while !Task.isCancelled {
            await poll(follower, nowMs: clock.nowMs)
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    func poll(_ follower: GatewayEventFollower, nowMs: Int64, clock: GatewayEventFollower.Clock = .whenQuiet) async {
        do { try await follower.poll(nowMs: nowMs, clock: clock) } catch {
            logger.warning("reading gateway events failed", metadata: ["source": "\(follower.name)", "error": "\(error)"])
        }
    }

    /// Copies complete lines from standard input into the spool, on a thread of its own (the reads
    /// block, and a blocked read cannot be cancelled: the thread ends with the input or the process);
    /// at end of input the last line is completed.
    func readStandardInput(into spool: GatewayEventSpool) {
        let logger = logger
        let thread = Thread {
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            func store(_ bytes: [UInt8]) {
                do { try spool.append(bytes) } catch {
                    logger.error("spooling gateway events from standard input failed", metadata: ["error": "\(error)"])
                }
            }
            while true {
                let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 {
                    if !pending.isEmpty { store(pending + [0x0A]) }
                    logger.notice("standard input ended; gateway events from the other sources are still taken")
                    return
                }
                pending += buffer[..<count]
                guard let newline = pending.lastIndex(of: 0x0A) else { continue }
                store(Array(pending[...newline]))
                pending.removeSubrange(...newline)
            }
        }
        thread.name = "assay-stdin"
        thread.start()
    }
}
