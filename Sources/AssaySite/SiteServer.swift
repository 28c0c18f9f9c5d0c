import Hummingbird
import Logging

/// `assay site serve`: the built site over HTTP for a local preview. Files
/// only (Hummingbird's FileMiddleware keeps requests inside the folder);
/// `/` serves `index.html`.
public enum SiteServer {
    public static func run(folder: String, host: String, port: Int, onListening: @escaping @Sendable (String) -> Void) async throws {
        let router = Router()
        router.middlewares.add(FileMiddleware(folder, searchForIndexHtml: true, logger: Logger(label: "assay.site")))
        var logger = Logger(label: "assay.site")
        logger.logLevel = .warning
        let application = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "assay-site"),
                                      onServerRunning: { channel in
                                          onListening(channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? "\(host):\(port)")
                                      },
                                      logger: logger)
        try await application.runService()
    }
}
