import ArgumentParser
import AssayCommandLine
import AssayConfiguration
import AssayCore
import AssayExporter
import AssayStore
import Foundation
import Logging

struct ExporterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exporter",
        abstract: "The orchestrator's exporter: durable job records, served for pull-based scraping.",
        subcommands: [ExporterServe.self, ExporterIngest.self])
}

struct ExporterServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the scrape API and the ingest API over one SQLite store.",
        discussion: """
            The scrape listener (public) answers GET /v1/info, /v1/records?after=CURSOR&limit=N, \
            /healthz and /metrics. The ingest listener (loopback by default; a bearer token is \
            required anywhere else) takes POST /v1/ingest with a JSON Lines body and reports per line \
            what was accepted, duplicate, conflicting or rejected. Acknowledged records are durable \
            (SQLite WAL, synchronous FULL). SIGTERM stops gracefully. APIs: spec/exporter.md and \
            spec/exporter.openapi.yaml.

            Example configuration (exporter.yaml):
              store: /var/lib/assay/exporter.sqlite
              orchestrator: "0xd00354656922168815fcd1e51cbddb9e359e3c7f"
              scrape:
                listen: 0.0.0.0:9108
              ingest:
                listen: 127.0.0.1:9109
              retention:
                max_age: 30d
                max_bytes: 10GiB

            Examples:
              assay exporter serve --config exporter.yaml
              assay exporter serve --store ./exporter.sqlite --scrape-listen 127.0.0.1:9108
              curl -s --data-binary @records.jsonl http://127.0.0.1:9109/v1/ingest
              curl -s 'http://127.0.0.1:9108/v1/records?after=0&limit=100'
            """)

    @Option(help: "A YAML configuration file.")
    var config: String?

    @Option(help: "The SQLite store file (overrides the configuration).")
    var store: String?

    @Option(help: "The orchestrator's Ethereum address reported by /v1/info.")
    var orchestrator: String?

    @Option(help: "HOST:PORT of the scrape listener (port 0 picks a free port).")
    var scrapeListen: String?

    @Option(help: "HOST:PORT of the ingest listener.")
    var ingestListen: String?

    @Option(help: "A file holding the ingest bearer token.")
    var ingestTokenFile: String?

    @Option(help: "The log's format: text (one line per event) or json (one object per line).")
    var logFormat: LogFormat = .text

    func validate() throws {
        if config == nil && store == nil { throw ValidationError("give --config FILE or at least --store FILE") }
    }

    func run() async throws {
        var configuration: ExporterConfiguration
        if let config {
            configuration = try loadConfiguration(config) { ExporterConfiguration.parse(yaml: $0, relativeTo: $1) }
        } else {
            configuration = ExporterConfiguration(store: store!)
        }
        if let store { configuration.store = store }
        if let orchestrator { configuration.orchestrator = orchestrator.lowercased() }
        if let scrapeListen { configuration.scrapeListen = scrapeListen }
        if let ingestListen { configuration.ingestListen = ingestListen }
        if let ingestTokenFile {
            configuration.ingestToken = String(decoding: try Files.read(ingestTokenFile, limit: 4096), as: UTF8.self).filter { !$0.isWhitespace }
        }
        do { try configuration.validate() } catch { throw Failure(message: error.description) }
        LineLogHandler.bootstrap(format: logFormat)
        var logger = Logger(label: "assay.exporter")
        logger.logLevel = .notice
        let server = try ExporterServer(configuration: configuration, logger: logger)
        logger.notice("starting", metadata: ["store": "\(configuration.store)", "orchestrator": "\(configuration.orchestrator ?? "")"])
        do {
            try await server.run { name, address in
                Diagnostics.printToStandardOutput("\(name) listening on http://\(address)")
            }
        } catch {
            logger.error("stopped by an error", metadata: ["error": "\(error)"])
            throw error
        }
        logger.notice("stopped: every acknowledged record is in the store", metadata: ["store": "\(configuration.store)"])
    }
}

struct ExporterIngest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Store records from a JSON Lines file (followed as it grows) or standard input.",
        discussion: """
            Validates each line and stores the good ones in the exporter's SQLite file, in batches; \
            bad lines are reported on standard error with their byte offset. A file is followed like \
            'tail -F' (rotation and truncation included) unless --once; its read position is saved \
            with each batch, so a restart resumes exactly where it stopped. Safe to run beside \
            'assay exporter serve' on the same store.

            Examples:
              assay exporter ingest --store ./exporter.sqlite /var/log/byoc/jobs.jsonl
              my-byoc-container | assay exporter ingest --store ./exporter.sqlite -
            """)

    @Option(help: "The SQLite store file.")
    var store: String

    @Flag(help: "Stop at the end of the file instead of following it.")
    var once = false

    @Argument(help: "A JSON Lines file, or '-' for standard input.")
    var file: String

    func run() throws {
        let store = try ExporterStore(path: store)
        let follower = FileFollower(store: store, path: file, follow: !once)
        let progress = ProgressLine(enabled: Diagnostics.isTerminal)
        let report = try follower.run { location, reason in
            Diagnostics.print("rejected: \(location): \(reason)")
        } onBatch: { report in
            progress.update("accepted \(report.accepted), duplicates \(report.duplicates), conflicts \(report.conflicts), rejected \(report.rejected)")
        }
        progress.finish()
        print("accepted \(report.accepted), duplicates \(report.duplicates), conflicts \(report.conflicts), rejected \(report.rejected)")
        if report.rejected > 0 { throw ExitCode(1) }
    }
}
