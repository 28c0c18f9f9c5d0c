import AssayCore
import AssayHTTP
import AssayProbe
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A **stand-in** for a go-livepeer gateway, for tests and the demo: go-livepeer cannot be built or run on these
/// machines. It implements the documented subset of the gateway's API that `assay probe` uses, following go-livepeer
/// v0.8.9 (`server/ai_mediaserver.go`, `server/handlers.go`, `discovery/wh_discovery.go`, `liveai.openapi.yaml`,
/// `doc/orchwebhook.md`):
///
/// - `GET /getNetworkCapabilities`: `{"capabilities_names": {…}, "orchestrators": [{address, orch_uri, hardware:
///   [{pipeline, model_id}], capabilities_prices: [{constraint, pricePerUnit, pixelsPerUnit}]}]}`;
/// - the AI routes (`/text-to-image`, `/llm`, `/image-to-image`, …): JSON or multipart requests; `ImageResponse`
///   (`{"images": [{"url", "seed", "nsfw"}]}`, images as `data:` URLs), `TextResponse`, an LLM's `choices`,
///   `VideoResponse` (`{"frames": [[…]]}`); errors as `{"error": {"message": …}}`;
/// - `PUT /live/video-to-video/smoketest` (`{"stream_url", "duration_secs"}`, the stream id from the URL's
///   `streamId` query) and `GET /live/video-to-video/{id}/status` (`{"state", "inference_status": {"fps"}}`);
/// - orchestrator discovery through the `-orchWebhookUrl` webhook (`[{"address": URI}]`), fetched when a request
///   needs orchestrators and the last fetch is older than the refresh interval (go-livepeer: one minute), and the
///   first orchestrator of the list used.
///
/// Behind it are orchestrators with designed behaviours: reliable, slow, failing, wrong output size, low FPS,
/// hanging, and (de)advertising at will.
public final class GatewayStandIn: Sendable {
    /// One orchestrator behind the stand-in.
    public struct Orchestrator: Sendable {
        public enum Behaviour: Sendable, Equatable {
            /// Right output after `latencyMs`.
            case reliable
            /// Right output after `ms`.
            case slow(ms: Int)
            /// The error `{"error": {"message": message}}` with `status`.
            case failing(status: Int, message: String)
            /// Images of half the asked width and height.
            case wrongSize
            /// Live output at this frame rate (milli-FPS); batch as reliable.
            case lowFPS(mfps: Int)
            /// Never answers.
            case hanging
        }

        public var address: String
        public var uri: String
        /// (pipeline, model) pairs it runs.
        public var models: [(pipeline: String, model: String)]
        public var behaviour: Behaviour
        public var latencyMs: Int
        /// Its advertised price: wei per `pixelsPerUnit` pixels.
        public var pricePerUnit: Int64
        public var pixelsPerUnit: Int64

        public init(address: String, uri: String, models: [(pipeline: String, model: String)], behaviour: Behaviour = .reliable,
                    latencyMs: Int = 15, pricePerUnit: Int64 = 1000, pixelsPerUnit: Int64 = 1) {
            self.address = address
            self.uri = uri
            self.models = models
            self.behaviour = behaviour
            self.latencyMs = latencyMs
            self.pricePerUnit = pricePerUnit
            self.pixelsPerUnit = pixelsPerUnit
        }
    }

    /// What the stand-in served: the route and the orchestrator (URI) each request went to, in order.
    public struct Served: Sendable, Equatable {
        public let route: String
        public let orchestrator: String?
    }

    struct State {
        var orchestrators: [Orchestrator]
        var advertising: Set<String>
        var pool: [String] = []
        var lastFetch: ContinuousClock.Instant?
        var streams: [String: (startedMs: Int64, orchestrator: Orchestrator?, duration: Int)] = [:]
        var served: [Served] = []
        var webhookFetches = 0
        var inFlight = 0
    }

    let state: Mutex<State>
    let webhook: String
    let refresh: Duration
    let webhookTimeoutMs: Int64
    let client: HTTPClient
    /// The time its orchestrators take their designed delays on, and streams run by: the machine's, or the demo's
    /// simulated one (shared with the tester, so a 6 s delay measures 6 000 ms exactly).
    let time: ProbeTime

    /// `webhook`: the URL it fetches orchestrators from (the tester's); `refresh`: go-livepeer's webhook refresh interval;
    /// `webhookTimeoutMs`: how long a fetch of the webhook may take.
    public init(orchestrators: [Orchestrator], webhook: String, refresh: Duration = .seconds(60), webhookTimeoutMs: Int64 = 30_000,
                client: HTTPClient = .shared, time: ProbeTime = .real) {
        self.time = time
        state = Mutex(State(orchestrators: orchestrators, advertising: Set(orchestrators.map(\.address))))
        self.webhook = webhook
        self.refresh = refresh
        self.webhookTimeoutMs = webhookTimeoutMs
        self.client = client
    }

    /// Whether `address` appears in `/getNetworkCapabilities` (it keeps serving requests either way).
    public func setAdvertising(_ address: String, _ advertising: Bool) {
        state.withLock { if advertising { $0.advertising.insert(address) } else { $0.advertising.remove(address) } }
    }

    public func setBehaviour(_ address: String, _ behaviour: Orchestrator.Behaviour) {
        state.withLock { state in
            for index in state.orchestrators.indices where state.orchestrators[index].address == address { state.orchestrators[index].behaviour = behaviour }
        }
    }

    public var served: [Served] { state.withLock { $0.served } }
    public var webhookFetches: Int { state.withLock { $0.webhookFetches } }
    /// Requests being answered right now.
    public var inFlight: Int { state.withLock { $0.inFlight } }

    /// The Hummingbird application serving the stand-in on `host:port` (0: any free port, reported to `onListening`).
    public func application(host: String = "127.0.0.1", port: Int = 0, logger: Logger? = nil,
                            onListening: @escaping @Sendable (Int) -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        router.get("/getNetworkCapabilities") { _, _ in self.capabilities() }
        for route in ["/text-to-image", "/llm", "/text-to-speech", "/image-to-image", "/upscale", "/image-to-video", "/audio-to-text",
                      "/segment-anything-2", "/image-to-text"] {
            router.post(RouterPath(stringLiteral: route)) { request, _ in try await self.ai(route, request) }
        }
        router.put("/live/video-to-video/smoketest") { request, _ in try await self.smokeTest(request) }
        router.get("/live/video-to-video/:id/status") { _, context in self.status(context.parameters.get("id") ?? "") }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "assay-gateway-stand-in"),
                           onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) }, logger: logger)
    }

    /// The stand-in serving on a free loopback port: its base URL, and the task to cancel to stop it.
    public func start(logger: Logger? = nil) async -> (url: String, server: Task<Void, any Error>) {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = application(logger: logger, onListening: { continuation.yield($0) })
        let server = Task { try await application.runService() }
        var port = 0
        for await listening in ports {
            port = listening
            break
        }
        return ("http://127.0.0.1:\(port)", server)
    }

    // MARK: - Routes

    func capabilities() -> Response {
        let listed = state.withLock { state in state.orchestrators.filter { state.advertising.contains($0.address) } }
        let orchestrators: [JSONValue] = listed.map { orchestrator in
            .object([
                .init("address", .string(orchestrator.address)),
                .init("orch_uri", .string(orchestrator.uri)),
                .init("hardware", .array(orchestrator.models.map { .object([.init("pipeline", .string($0.pipeline)), .init("model_id", .string($0.model))]) })),
                .init("capabilities_prices", .array(orchestrator.models.map {
                    .object([.init("constraint", .string($0.model)), .init("pricePerUnit", .integer(orchestrator.pricePerUnit)),
                             .init("pixelsPerUnit", .integer(orchestrator.pixelsPerUnit))])
                })),
            ])
        }
        return Self.json(200, .object([.init("capabilities_names", .object([])), .init("orchestrators", .array(orchestrators))]))
    }

    /// The orchestrator a request goes to: the first of the webhook's list, refetched when older than the refresh interval.
    func select() async -> Orchestrator? {
        let stale = state.withLock { state in state.lastFetch.map { ContinuousClock.now - $0 >= refresh } ?? true }
        if stale {
            // go-livepeer stamps its fetch when the answer has arrived; the stand-in stamps it when it asks, so that a
            // test on a loaded machine, where the answer may take long, does not depend on that delay (the tester's
            // margin covers it against a real gateway: spec/probe.md §5).
            let asked = ContinuousClock.now
            // As go-livepeer (`cachedInfosOnError`): a webhook that cannot be read leaves the pool as it was.
            if let response = try? await client.execute(HTTPClientRequest(url: webhook), timeout: .milliseconds(webhookTimeoutMs)),  // unread: the old pool stays
               let body = try? await response.body.collect(upTo: 1 << 20), let value = try? JSONParser().parse(Array(buffer: body)),
               case .array(let entries) = value {
                let list = entries.compactMap { $0["address"]?.stringValue }
                state.withLock { state in
                    state.pool = list
                    state.lastFetch = asked
                    state.webhookFetches += 1
                }
            }
        }
        return state.withLock { state in state.pool.first.flatMap { uri in state.orchestrators.first { $0.uri == uri } } }
    }

    func ai(_ route: String, _ request: Request) async throws -> Response {
        let body = try await BodyCollector.collect(request, limit: 128 << 20, timeoutMs: 30_000)
        let orchestrator = await select()
        state.withLock { state in
            state.served.append(Served(route: route, orchestrator: orchestrator?.uri))
            state.inFlight += 1
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        guard let orchestrator else { return Self.error(503, "no orchestrators available") }
        switch orchestrator.behaviour {
        case .failing(let status, let message): return Self.error(status, message)
        case .hanging: try await time.sleep(ms: 3_600_000)
        case .slow(let ms): try await time.sleep(ms: Int64(ms))
        default: try await time.sleep(ms: Int64(orchestrator.latencyMs))
        }
        let contentType = request.headers[.contentType] ?? ""
        let fields = contentType.hasPrefix("multipart/form-data") ? Self.multipart(body, contentType: contentType) : [:]
        let json = contentType.hasPrefix("application/json") ? try? JSONParser().parse(body) : nil  // a bad body answers as go-livepeer's validator would not; the stand-in serves what it can
        switch route {
        case "/llm":
            return Self.json(200, .object([.init("choices", .array([.object([.init("message", .object([.init("content", "A frame, a stream, a quiet light.")]))])]))]))
        case "/audio-to-text", "/image-to-text":
            return Self.json(200, .object([.init("chunks", .array([])), .init("text", "a bear in the snow")]))
        case "/image-to-video":
            let frames = (0..<25).map { _ in JSONValue.object([.init("nsfw", false), .init("seed", 1), .init("url", "data:image/png;base64,")]) }
            return Self.json(200, .object([.init("frames", .array([.array(frames)]))]))
        default:
            // The asked size: the JSON body's width and height, or the input image's.
            var width = Int(json?["width"]?.intValue ?? 512), height = Int(json?["height"]?.intValue ?? 512)
            let count = Int(json?["num_images_per_prompt"]?.intValue ?? 1)
            if let image = fields["image"], let size = ResponseImage.size(image) { (width, height) = size }
            if orchestrator.behaviour == .wrongSize { (width, height) = (max(1, width / 2), max(1, height / 2)) }
            let png = ResponseImage.png(width: width, height: height)
            let url = "data:image/png;base64," + Base64.encode(png)
            let images = (0..<max(1, count)).map { index in JSONValue.object([.init("nsfw", false), .init("seed", .integer(Int64(index))), .init("url", .string(url))]) }
            return Self.json(200, .object([.init("images", .array(images))]))
        }
    }

    func smokeTest(_ request: Request) async throws -> Response {
        let body = try await BodyCollector.collect(request, limit: 1 << 20, timeoutMs: 30_000)
        guard let value = try? JSONParser().parse(body), case .string(let url)? = value["stream_url"], !url.isEmpty else {  // not JSON: as go-livepeer, 400
            return Self.text(400, "Missing stream url")
        }
        let duration = Int(value["duration_secs"]?.intValue ?? 300)
        guard duration <= 3600 else { return Self.text(400, "Request exceeds max duration 1h0m0s") }
        let streamID = URLComponents(string: url)?.queryItems?.first { $0.name == "streamId" }?.value ?? url
        let orchestrator = await select()
        state.withLock { state in
            state.served.append(Served(route: "/live/video-to-video/smoketest", orchestrator: orchestrator?.uri))
            state.streams[streamID] = (time.nowMs, orchestrator, duration)
        }
        if case .failing(let status, let message)? = orchestrator?.behaviour { return Self.text(status, message) }
        return Response(status: .ok)
    }

    func status(_ id: String) -> Response {
        guard let stream = state.withLock({ $0.streams[id] }) else { return Self.text(404, "Stream not found") }
        let elapsed = time.nowMs - stream.startedMs
        let fps: Double
        let state: String
        switch stream.orchestrator?.behaviour {
        case nil, .failing?, .hanging?: (state, fps) = ("OFFLINE", 0)
        case .lowFPS(let mfps)?: (state, fps) = elapsed < 200 ? ("LOADING", 0) : ("ONLINE", Double(mfps) / 1000)
        case .slow(let ms)?: (state, fps) = elapsed < ms ? ("LOADING", 0) : ("ONLINE", 24)
        default: (state, fps) = elapsed < 200 ? ("LOADING", 0) : ("ONLINE", 24)
        }
        return Self.json(200, .object([.init("inference_status", .object([.init("fps", .number(fps))])), .init("state", .string(state))]))
    }

    // MARK: - Bodies

    static func json(_ status: Int, _ value: JSONValue) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: CanonicalJSON.encodeBuilt(value, "a stand-in response"))))
    }

    /// go-livepeer's `respondJsonError`: `{"error": {"message": …}}`.
    static func error(_ status: Int, _ message: String) -> Response {
        json(status, .object([.init("error", .object([.init("message", .string(message))]))]))
    }

    /// go-livepeer's `http.Error`: the message as text.
    static func text(_ status: Int, _ message: String) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }

    /// The parts of a multipart/form-data body, by name (the stand-in reads only what it needs: `image`).
    static func multipart(_ body: [UInt8], contentType: String) -> [String: [UInt8]] {
        guard let range = contentType.range(of: "boundary=") else { return [:] }
        let boundary = Array(("--" + contentType[range.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: "\""))).utf8)
        var parts: [String: [UInt8]] = [:]
        for chunk in body.split(separator: boundary) {
            guard let headerEnd = chunk.firstRange(of: Array("\r\n\r\n".utf8)) else { continue }
            let header = String(decoding: chunk[chunk.startIndex..<headerEnd.lowerBound], as: UTF8.self)
            guard let nameRange = header.range(of: "name=\"") else { continue }
            let name = String(header[nameRange.upperBound...].prefix { $0 != "\"" })
            var content = Array(chunk[headerEnd.upperBound...])
            if content.suffix(2) == [0x0D, 0x0A] { content.removeLast(2) }
            parts[name] = content
        }
        return parts
    }
}
