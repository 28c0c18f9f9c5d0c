import Hummingbird
import Logging
import NIOCore

/// `/metrics` and `/healthz` of a running collector, on a local listener (spec/collector.md §4).
struct CollectorMetricsServer {
    let collector: Collector
    let listen: String
    let logger: Logger

    func run(onListening: @escaping @Sendable (String, String) -> Void) async throws {
        let router = Router()
        let collector = collector
        router.get("/metrics") { _, _ -> Response in
            let text = await collector.metricsText()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/healthz") { _, _ -> Response in
            let failures = await collector.pushFailures
            return Response(status: failures < 10 ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: failures < 10 ? "ok\n" : "push failing \(failures) times in a row\n")))
        }
        try await localApplication(router: router, listen: listen, name: "metrics", logger: logger, onListening: onListening).run()
    }
}
