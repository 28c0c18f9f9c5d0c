import AssayConfiguration
import AssayCore
import AssayHTTP
import AssayStore
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The store's writer connection: ingest and retention, one transaction at a time.
public actor RecordWriter {
    let store: ExporterStore
    public init(path: String) throws(StoreError) { store = try ExporterStore(path: path) }

    public func ingest(_ records: [(record: Record, canonical: [UInt8])], receivedMs: Int64) throws(StoreError) -> [ExporterStore.Disposition] {
        try store.ingest(records, receivedMs: receivedMs)
    }

    public func prune(minimumReceivedMs: Int64?, maxBytes: Int64?) throws(StoreError) -> Int {
        try store.prune(minimumReceivedMs: minimumReceivedMs, maxBytes: maxBytes)
    }
}

/// A reader connection: pages and summaries run beside ingest (WAL readers never block the writer).
public actor RecordReader {
    let store: ExporterStore
    public init(path: String) throws(StoreError) { store = try ExporterStore(path: path) }

    /// The most bytes a page body's head can take (`{"api":…,"count":…,"has_more":…,"next_cursor":…,"records":[`).
    static let headRoom = 160

    /// A page as the body that is sent: `head` (made from the page's bounds, at most `headRoom` bytes), the
    /// records copied once, straight from SQLite into the buffer, then `tail`.
    func pageBody(after cursor: Int64, limit: Int, maxBytes: Int, head: (ExporterStore.PageBounds) -> [UInt8],
                  tail: [UInt8]) throws(StoreError) -> (ExporterStore.PageBounds, ByteBuffer) {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(Self.headRoom + min(maxBytes, limit * 1024) + tail.count)
        buffer.writeRepeatingByte(0, count: Self.headRoom)
        let bounds = try store.page(after: cursor, limit: limit, maxBytes: maxBytes) { buffer.writeBytes($0) }
        buffer.writeBytes(tail)
        let headBytes = head(bounds)
        guard headBytes.count <= Self.headRoom else {
            // Never with the head the routes make; kept correct rather than trusted.
            var whole = ByteBuffer()
            whole.writeBytes(headBytes)
            whole.writeBytes(buffer.readableBytesView.dropFirst(Self.headRoom))
            return (bounds, whole)
        }
        buffer.setBytes(headBytes, at: Self.headRoom - headBytes.count)
        buffer.moveReaderIndex(to: Self.headRoom - headBytes.count)
        return (bounds, buffer)
    }

    public func summary() throws(StoreError) -> ExporterStore.Summary { try store.summary() }

    public func cursorBounds() throws(StoreError) -> (newest: Int64, prunedThrough: Int64) { try store.cursorBounds() }
}

/// The routes each listener serves; the OpenAPI document must describe all of them (spec/exporter.openapi.yaml).
public enum ExporterRoutes {
    public static let scrape: [(method: String, path: String)] = [
        ("GET", "/v1/info"), ("GET", "/v1/records"), ("GET", "/healthz"), ("GET", "/metrics"),
    ]
    public static let ingest: [(method: String, path: String)] = [("POST", "/v1/ingest"), ("GET", "/healthz")]
}

/// `assay exporter serve`: the scrape listener and the ingest listener over one
/// store, with retention, limits, metrics and graceful shutdown (spec/exporter.md).
public struct ExporterServer: Sendable {
    public static let api = "assay-exporter-v1"

    public let configuration: ExporterConfiguration
    let writer: RecordWriter
    /// Reader connections, one per core: scrapes run in parallel.
    let readers: [RecordReader]
    let metrics = ExporterMetrics()
    let pages = PageCache(maxEntries: 512, maxBytes: 128 << 20)
    let logger: Logger

    public init(configuration: ExporterConfiguration, logger: Logger) throws(StoreError) {
        self.configuration = configuration
        writer = try RecordWriter(path: configuration.store)
        readers = try (0..<max(2, ProcessInfo.processInfo.activeProcessorCount)).map { (_) throws(StoreError) in
            try RecordReader(path: configuration.store)
        }
        self.logger = logger
    }

    /// Runs until SIGTERM or SIGINT (or `shutdownSignals`), or until its task is cancelled;
    /// `onListening(name, address)` reports each bound listener.
    public func run(shutdownSignals: [UnixSignal] = [.sigterm, .sigint],
                    onListening: @escaping @Sendable (String, String) -> Void) async throws {
        let headTimeout = TimeAmount.milliseconds(configuration.requestHeadTimeoutMs)
        // Anyone may scrape: a client address holds at most max_connections_per_client of the connections.
        let scrape = try application(router: scrapeRouter(), listen: configuration.scrapeListen, name: "scrape",
                                 limits: ConnectionLimits(perClient: configuration.maxConnectionsPerClient, headTimeout: headTimeout),
                                 onListening: onListening)
        let ingest = try application(router: ingestRouter(), listen: configuration.ingestListen, name: "ingest",
                                 limits: ConnectionLimits(perClient: nil, headTimeout: headTimeout), onListening: onListening)
        let retention = RetentionService(writer: writer, configuration: configuration, logger: logger)
        await retention.pruneOnce()
        let group = ServiceGroup(configuration: .init(
            services: [scrape, ingest, retention], gracefulShutdownSignals: shutdownSignals, logger: logger))
        try await group.run()
    }

    func application(router: Router<BasicRequestContext>, listen: String, name: String, limits: ConnectionLimits,
                     onListening: @escaping @Sendable (String, String) -> Void) throws -> some Service {
        // A validated configuration always splits (`ExporterConfiguration` refuses other listen addresses); one built
        // in code without validation is refused here rather than bound somewhere else.
        guard let (host, port) = ConfigurationValues.hostPort(listen) else {
            throw ConfigurationError(line: nil, "\(name).listen '\(listen)' must be HOST:PORT")
        }
        return Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: limits.handlers(),
                                                idleTimeout: .milliseconds(configuration.idleTimeoutMs))),
            configuration: .init(address: .hostname(host, port: port), serverName: "assay-exporter",
                                 availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)),
            onServerRunning: { channel in
                let address = channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? listen
                onListening(name, address)
            },
            logger: logger)
    }

    // MARK: - Scrape listener

    func scrapeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.get("/v1/info") { _, _ in try await self.info() }
        router.get("/v1/records") { request, _ in try await self.records(request) }
        router.get("/healthz") { _, _ in try await self.health() }
        router.get("/metrics") { _, _ in try await self.metricsText() }
        return router
    }

    /// A reader connection, chosen round-robin.
    var reader: RecordReader { readers[ReaderChoice.next() % readers.count] }

    func info() async throws -> Response {
        let summary = try await reader.summary()
        var members: [JSONValue.Member] = [
            .init("api", .string(Self.api)),
            .init("schema", .integer(AssayVersion.recordSchema)),
            .init("exporter_version", .string(AssayVersion.software)),
            .init("records", .integer(summary.records)),
            .init("oldest_cursor", summary.oldestCursor.map { .integer($0) } ?? .null),
            .init("newest_cursor", .integer(summary.newestCursor)),
            .init("pruned_through", .integer(summary.prunedThrough)),
            .init("retention", .object([
                .init("max_age_ms", configuration.retentionMaxAgeMs.map { .integer($0) } ?? .null),
                .init("max_bytes", configuration.retentionMaxBytes.map { .integer($0) } ?? .null),
            ])),
            .init("limits", .object([
                .init("page_records", .integer(Int64(configuration.pageRecords))),
                .init("page_bytes", .integer(Int64(configuration.pageBytes))),
                .init("default_page_records", .integer(Int64(configuration.defaultPageRecords))),
            ])),
        ]
        members.append(.init("orchestrator", configuration.orchestrator.map { .string($0) } ?? .null))
        return Self.json(.ok, .object(members))
    }

    func records(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        for parameter in query where !["after", "limit"].contains(String(parameter.key)) {
            return Self.badParameter(String(parameter.key), "is not a parameter of /v1/records (use after and limit)")
        }
        let afterText = query["after"].map(String.init) ?? "0"
        guard let after = Int64(afterText), after >= 0, String(after) == afterText else {
            return Self.badParameter("after", "must be a cursor: a non-negative integer without sign or leading zeros, got '\(afterText.prefix(40))'")
        }
        var limit = configuration.defaultPageRecords
        if let text = query["limit"].map(String.init) {
            guard let value = Int(text), value >= 1, value <= configuration.pageRecords, String(value) == text else {
                return Self.badParameter("limit", "must be an integer from 1 to \(configuration.pageRecords), got '\(text.prefix(40))'")
            }
            limit = value
        }
        let summary = try await reader.cursorBounds()
        if after < summary.prunedThrough {
            return Self.json(.gone, .object([
                .init("api", .string(Self.api)), .init("schema", .integer(AssayVersion.recordSchema)),
                .init("error", "pruned"),
                .init("reason", .string("records after cursor \(after) up to \(summary.prunedThrough) were removed by retention; resume after \(summary.prunedThrough) and record the gap")),
                .init("pruned_through", .integer(summary.prunedThrough)),
                .init("resume_after", .integer(summary.prunedThrough)),
            ]))
        }
        if after > summary.newest {
            return Self.badParameter("after", "cursor \(after) is beyond the newest cursor \(summary.newest); it was not issued by this exporter")
        }
        let gzip = HTTPHeaderValue.acceptsGzip(request.headers[.acceptEncoding])
        let key = PageCache.Key(after: after, limit: limit, gzip: gzip)
        if let cached = pages.get(key) { return Self.response(.ok, cached, contentType: "application/json", gzip: gzip) }
        // Canonical member order: api, count, has_more, next_cursor, records, schema.
        let tail = Array(#"],"schema":\#(AssayVersion.recordSchema)}"#.utf8) + [0x0A]
        let (page, body) = try await reader.pageBody(after: after, limit: limit, maxBytes: configuration.pageBytes, head: { page in
            Array(#"{"api":"\#(Self.api)","count":\#(page.count),"has_more":\#(page.hasMore),"next_cursor":\#(page.nextCursor),"records":["#.utf8)
        }, tail: tail)
        // The records are copied once, from SQLite into the buffer that is sent (or compressed).
        let encoded = gzip ? Self.encode(Array(body.readableBytesView), gzip: true) : EncodedBody(buffer: body, gzipped: false)
        // A page followed by more records can never change: cache it for the next scraper.
        if page.hasMore { pages.put(key, encoded) }
        return Self.response(.ok, encoded, contentType: "application/json", gzip: gzip)
    }

    func health() async throws -> Response {
        do {
            _ = try await reader.summary()
            return Self.bytes(.ok, Array("ok\n".utf8), contentType: "text/plain; charset=utf-8")
        } catch {
            return Self.bytes(.serviceUnavailable, Array("store unavailable: \(error)\n".utf8), contentType: "text/plain; charset=utf-8")
        }
    }

    func metricsText() async throws -> Response {
        let summary = try await reader.summary()
        let text = metrics.text(recordsStored: summary.records, bytesStored: summary.bytes, newestCursor: summary.newestCursor,
                                prunedThrough: summary.prunedThrough)
        return Self.bytes(.ok, Array(text.utf8), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    // MARK: - Ingest listener

    func ingestRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.post("/v1/ingest") { request, _ in try await self.ingest(request) }
        router.get("/healthz") { _, _ in try await self.health() }
        return router
    }

    func ingest(_ request: Request) async throws -> Response {
        if let token = configuration.ingestToken, !token.isEmpty {
            let presented = request.headers[.authorization] ?? ""
            guard Self.constantTimeEqual(Array(presented.utf8), Array("Bearer \(token)".utf8)) else {
                return Self.error(.unauthorized, "unauthorized", "this ingest listener needs 'Authorization: Bearer <token>'")
            }
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > configuration.maxBodyBytes {
            return Self.error(.contentTooLarge, "body-too-large", "the body is \(length) bytes; the limit is \(configuration.maxBodyBytes)")
        }
        var body: [UInt8]
        do {
            body = try await BodyCollector.collect(request, limit: configuration.maxBodyBytes, timeoutMs: max(configuration.idleTimeoutMs * 3, 30_000))
        } catch RequestBodyError.tooLarge {
            return Self.error(.contentTooLarge, "body-too-large", "the body exceeds \(configuration.maxBodyBytes) bytes")
        } catch RequestBodyError.timeout {
            return Self.error(.requestTimeout, "body-timeout", "the body was not received in time")
        }
        if let encoding = request.headers[.contentEncoding]?.lowercased(), encoding != "identity" {
            guard encoding == "gzip", let inflated = Gzip.decompress(body, limit: configuration.maxBodyBytes) else {
                return Self.error(.unsupportedMediaType, "bad-encoding", "Content-Encoding must be gzip or identity, and gzip data must inflate to at most \(configuration.maxBodyBytes) bytes")
            }
            body = inflated
        }
        if body.isEmpty { return Self.error(.badRequest, "empty-body", "the body is empty; send one record per line (JSON Lines)") }
        let batch = IngestBatch(body: body)
        let outcomes = try await writer.ingest(batch.valid.map { ($0.record, $0.canonical) }, receivedMs: WallClock.nowMilliseconds)
        var lines: [(Int, JSONValue)] = []
        var counts = (accepted: 0, duplicates: 0, conflicts: 0)
        for (valid, outcome) in zip(batch.valid, outcomes) {
            switch outcome {
            case .accepted(let cursor):
                counts.accepted += 1
                lines.append((valid.line, .object([.init("line", .integer(Int64(valid.line))), .init("status", "accepted"), .init("cursor", .integer(cursor))])))
            case .duplicate(let cursor):
                counts.duplicates += 1
                lines.append((valid.line, .object([.init("line", .integer(Int64(valid.line))), .init("status", "duplicate"), .init("cursor", .integer(cursor))])))
            case .conflict(let cursor, let existing):
                counts.conflicts += 1
                lines.append((valid.line, .object([.init("line", .integer(Int64(valid.line))), .init("status", "conflict"), .init("cursor", .integer(cursor)),
                                                   .init("existing_cursor", .integer(existing)),
                                                   .init("reason", "another version of this (observer_id, id) is stored; both are kept")])))
            }
        }
        for rejected in batch.rejected {
            var members: [JSONValue.Member] = [.init("line", .integer(Int64(rejected.line))), .init("status", "rejected"),
                                               .init("code", .string(rejected.code)), .init("reason", .string(rejected.reason))]
            if let field = rejected.field { members.append(.init("field", .string(field))) }
            lines.append((rejected.line, .object(members)))
        }
        metrics.ingested("accepted", count: counts.accepted)
        metrics.ingested("duplicate", count: counts.duplicates)
        metrics.ingested("conflict", count: counts.conflicts)
        metrics.ingested("rejected", count: batch.rejected.count)
        let report = JSONValue.object([
            .init("api", .string(Self.api)), .init("schema", .integer(AssayVersion.recordSchema)),
            .init("accepted", .integer(Int64(counts.accepted))), .init("duplicates", .integer(Int64(counts.duplicates))),
            .init("conflicts", .integer(Int64(counts.conflicts))), .init("rejected", .integer(Int64(batch.rejected.count))),
            .init("lines", .array(lines.sorted { $0.0 < $1.0 }.map(\.1))),
        ])
        return Self.json(batch.rejected.isEmpty ? .ok : .unprocessableContent, report)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }

    // MARK: - Responses

    /// A body as sent: gzip-compressed when asked and worth it.
    struct EncodedBody: Sendable {
        let buffer: ByteBuffer
        let gzipped: Bool
    }

    static func encode(_ body: [UInt8], gzip: Bool) -> EncodedBody {
        if gzip && body.count > 256 {
            let compressed = Gzip.compress(body)
            if !compressed.isEmpty { return EncodedBody(buffer: ByteBuffer(bytes: compressed), gzipped: true) }
        }
        return EncodedBody(buffer: ByteBuffer(bytes: body), gzipped: false)
    }

    static func response(_ status: HTTPResponse.Status, _ body: EncodedBody, contentType: String, gzip: Bool) -> Response {
        var headers: HTTPFields = [.contentType: contentType, .vary: "Accept-Encoding"]
        if body.gzipped { headers[.contentEncoding] = "gzip" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: body.buffer))
    }

    static func bytes(_ status: HTTPResponse.Status, _ body: [UInt8], contentType: String, gzip: Bool = false) -> Response {
        response(status, encode(body, gzip: gzip), contentType: contentType, gzip: gzip)
    }

    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        bytes(status, ((try? CanonicalJSON.encode(value)) ?? []) + [0x0A], contentType: "application/json")
    }

    static func error(_ status: HTTPResponse.Status, _ code: String, _ reason: String) -> Response {
        json(status, .object([.init("api", .string(api)), .init("schema", .integer(AssayVersion.recordSchema)),
                              .init("error", .string(code)), .init("reason", .string(reason))]))
    }

    static func badParameter(_ name: String, _ reason: String) -> Response {
        json(.badRequest, .object([.init("api", .string(api)), .init("schema", .integer(AssayVersion.recordSchema)),
                                   .init("error", "bad-parameter"), .init("parameter", .string(name)), .init("reason", .string(reason))]))
    }
}

/// Immutable pages (those followed by more records) kept for the next
/// scraper: several collectors scrape the same exporter and ask for the
/// same pages. Bounded by entries and bytes; the oldest entry goes first.
final class PageCache: Sendable {
    struct Key: Hashable, Sendable {
        let after: Int64
        let limit: Int
        let gzip: Bool
    }

    private struct State {
        var entries: [Key: ExporterServer.EncodedBody] = [:]
        var order: [Key] = []
        var bytes = 0
    }

    private let state = Mutex(State())
    let maxEntries: Int
    let maxBytes: Int

    init(maxEntries: Int, maxBytes: Int) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }

    func get(_ key: Key) -> ExporterServer.EncodedBody? { state.withLock { $0.entries[key] } }

    func put(_ key: Key, _ body: ExporterServer.EncodedBody) {
        guard body.buffer.readableBytes <= maxBytes / 4 else { return }
        state.withLock { state in
            guard state.entries[key] == nil else { return }
            state.entries[key] = body
            state.order.append(key)
            state.bytes += body.buffer.readableBytes
            while state.order.count > maxEntries || state.bytes > maxBytes {
                let oldest = state.order.removeFirst()
                state.bytes -= state.entries.removeValue(forKey: oldest)?.buffer.readableBytes ?? 0
            }
        }
    }
}

/// Round-robin over reader connections.
enum ReaderChoice {
    static let counter = Atomic<Int>(0)
    static func next() -> Int { counter.wrappingAdd(1, ordering: .relaxed).oldValue & Int.max }
}

/// Times every request and counts it by route and status for `/metrics`.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: ExporterMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let route = ExporterRoutes.scrape.contains { $0.path == request.uri.path } || request.uri.path == "/v1/ingest" ? request.uri.path : "other"
        do {
            let response = try await next(request, context)
            metrics.request(route: route, status: response.status.code, seconds: Self.seconds(since: started))
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.request(route: route, status: status, seconds: Self.seconds(since: started))
            throw error
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// Prunes by age and size once a minute (and once at start).
struct RetentionService: Service {
    let writer: RecordWriter
    let configuration: ExporterConfiguration
    let logger: Logger

    /// Prunes once; the server calls it before it starts listening, so the first answer already reflects retention.
    func pruneOnce() async {
        do {
            let minimum = configuration.retentionMaxAgeMs.map { WallClock.nowMilliseconds - $0 }
            let pruned = try await writer.prune(minimumReceivedMs: minimum, maxBytes: configuration.retentionMaxBytes)
            if pruned > 0 { logger.info("retention pruned \(pruned) records") }
        } catch {
            logger.error("retention failed: \(error)")
        }
    }

    /// Then every minute.
    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await gracefulShutdown(sleeping: .seconds(60))
            guard !Task.isShuttingDownGracefully && !Task.isCancelled else { break }
            await pruneOnce()
        }
    }

    func gracefulShutdown(sleeping duration: Duration) async throws {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }
}

