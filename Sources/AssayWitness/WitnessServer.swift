import AssayCore
import AssayHTTP
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// `assay witness serve`: the witness API over HTTP (c2sp.org/tlog-witness, spec/log.md §9).
public struct WitnessServer: Sendable {
    public let witness: Witness
    public let listen: (host: String, port: Int)
    let logger: Logger

    /// A request body is read within this time or refused.
    static let bodyTimeoutMs: Int64 = 10_000

    public init(witness: Witness, host: String, port: Int, logger: Logger) {
        self.witness = witness
        listen = (host, port)
        self.logger = logger
    }

    /// Runs until one of `shutdownSignals`, or until its task is cancelled; `onListening` reports the bound address.
    public func run(shutdownSignals: [UnixSignal] = [.sigterm, .sigint], onListening: @escaping @Sendable (String) -> Void) async throws {
        let router = Router()
        router.post("/add-checkpoint") { request, _ in try await self.addCheckpoint(request) }
        router.get("/:origin/checkpoint") { _, context in
            Self.response(await self.witness.latest(originHash: context.parameters.get("origin") ?? ""))
        }
        let (host, port) = listen
        let application = Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: ConnectionLimits(perClient: 16, headTimeout: .seconds(10)).handlers(),
                                                idleTimeout: .seconds(30))),
            configuration: .init(address: .hostname(host, port: port), serverName: "assay-witness",
                                 availableConnectionsDelegate: MaximumAvailableConnections(256)),
            onServerRunning: { channel in
                onListening(channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? "\(host):\(port)")
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: shutdownSignals, logger: logger))
        try await group.run()
    }

    func addCheckpoint(_ request: Request) async throws -> Response {
        let body: [UInt8]
        do { body = try await BodyCollector.collect(request, limit: AddCheckpointRequest.maxBodyBytes, timeoutMs: Self.bodyTimeoutMs) } catch {
            return Self.response(.text(error as? RequestBodyError == .tooLarge ? 400 : 408, "the body could not be read: \(error)"))
        }
        let answer = await witness.addCheckpoint(body)
        logger.info("add-checkpoint: \(answer.status) \(String(decoding: answer.body.prefix(200), as: UTF8.self).trimmingTrailingNewline)")
        return Self.response(answer)
    }

    static func response(_ answer: WitnessResponse) -> Response {
        Response(status: .init(code: answer.status), headers: [.contentType: answer.contentType],
                 body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
