import AssayCore
import AssayProbe
import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// The tester's side of go-livepeer's orchestrator discovery webhook (`-orchWebhookUrl`, go-livepeer
/// `doc/orchwebhook.md`): `GET /orchestrators` answers `[{"address": URI}]` of the one orchestrator being probed, so
/// the gateway sends the probe to exactly that one. go-livepeer refetches the list only when it is older than its
/// refresh interval (one minute), so before the tester points the gateway at another orchestrator it waits until the
/// gateway's copy is stale (spec/probe.md §5).
public final class ProbeWebhook: Sendable {
    struct State {
        var target: String?
        /// When the gateway last fetched, and what it was given.
        var lastFetch: ContinuousClock.Instant?
        var lastServed: String?
        var fetches = 0
    }

    let state = Mutex(State())
    /// go-livepeer's webhook refresh interval.
    public let refresh: Duration

    public init(refresh: Duration) { self.refresh = refresh }

    public var fetches: Int { state.withLock { $0.fetches } }

    /// The body for the gateway: the target's URI, or an empty list between probes.
    func answer() -> [UInt8] {
        let target = state.withLock { state in
            state.lastFetch = ContinuousClock.now
            state.lastServed = state.target
            state.fetches += 1
            return state.target
        }
        let list = JSONValue.array(target.map { [.object([.init("address", .string($0))])] } ?? [])
        return CanonicalJSON.encodeBuilt(list, "the webhook's list")
    }

    /// Points the gateway at `uri`: if the gateway holds another list, waits until its copy is older than the refresh
    /// interval, so its next request fetches this one.
    func point(at uri: String) async throws {
        let wait: Duration? = state.withLock { state in
            state.target = uri
            guard state.lastServed != uri, let last = state.lastFetch else { return nil }
            // The gateway stamps its copy when our answer has reached it, a little after we sent it: a tenth of the
            // interval more covers that delay.
            let age = ContinuousClock.now - last, wait = refresh + max(refresh / 10, .milliseconds(1))
            return age >= wait ? nil : wait - age
        }
        if let wait { try await Task.sleep(for: wait) }
    }

    /// Whether the gateway holds `uri` as its list: the last list it fetched named it. After an attempt, false means
    /// the gateway did not take the tester's list (its fetch failed, and go-livepeer then keeps its old list), so the
    /// attempt may have reached another orchestrator and is not the target's.
    func holds(_ uri: String) -> Bool { state.withLock { $0.lastServed == uri } }

    /// The routes of the webhook listener.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/orchestrators") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: self.answer())))
        }
        return router
    }
}

/// One orchestrator as the gateway's `/getNetworkCapabilities` lists it: where it is, what it runs, at what price.
struct GatewayOffer: Sendable {
    let address: String
    let uri: String
    /// (pipeline, model) → (pricePerUnit, pixelsPerUnit).
    let models: [String: (price: Int64, pixels: Int64)]

    static func key(_ pipeline: String, _ model: String) -> String { "\(pipeline)\n\(model)" }

    /// The orchestrators of a `/getNetworkCapabilities` answer, by lowercase address: a (pipeline, model) is
    /// advertised by a `hardware` entry; its price is the `capabilities_prices` entry whose `constraint` is the model.
    static func read(_ body: JSONValue) -> [String: GatewayOffer] {
        var offers: [String: GatewayOffer] = [:]
        guard case .array(let orchestrators)? = body["orchestrators"] else { return [:] }
        for orchestrator in orchestrators {
            guard case .string(let address)? = orchestrator["address"], case .string(let uri)? = orchestrator["orch_uri"] else { continue }
            var prices: [String: (Int64, Int64)] = [:]
            for price in orchestrator["capabilities_prices"]?.arrayValue ?? [] {
                guard case .string(let model)? = price["constraint"] else { continue }
                prices[model] = (price["pricePerUnit"]?.intValue ?? 0, max(1, price["pixelsPerUnit"]?.intValue ?? 1))
            }
            var models: [String: (Int64, Int64)] = [:]
            for entry in orchestrator["hardware"]?.arrayValue ?? [] {
                guard case .string(let pipeline)? = entry["pipeline"], case .string(let model)? = entry["model_id"] else { continue }
                models[key(pipeline, model)] = prices[model] ?? (0, 1)
            }
            offers[address.lowercased()] = GatewayOffer(address: address.lowercased(), uri: uri, models: models)
        }
        return offers
    }
}

/// What one attempt measured (spec/records.md §4.6).
struct AttemptResult: Sendable {
    var outcome: TestJobOutcome
    var httpStatus: Int64?
    var ttfbMs: Int64?
    var latencyMs: Int64?
    var outputFPS: Int64?
    var failedChecks: [String] = []
    var errorType: String?
    var errorText: String?
}

/// Sends a scenario's request through the gateway and judges the response against its checks (spec/probe.md §2.4).
struct ProbeSender: Sendable {
    let client: HTTPClient
    let api: String
    let rtmp: String
    /// Input files of multipart requests, by SHA-256.
    let inputs: [String: [UInt8]]
    /// How often a live stream's status is read.
    let statusInterval: Duration
    /// The share of a stream's duration its status is read for (`Prober.Settings.liveWindowScale`).
    let liveWindowScale: Double
    /// What attempts are measured by: the machine's clock, or the demo's simulated one.
    let time: ProbeTime

    func send(_ scenario: Scenario, streamID: String) async -> AttemptResult {
        switch scenario.request {
        case .live(let duration, _): return await live(scenario, duration: duration, streamID: streamID)
        case .json(let body): return await batch(scenario, body: CanonicalJSON.encodeBuilt(body, "a scenario's body"), contentType: "application/json")
        case .multipart(let parts):
            let boundary = "assay-probe-\(streamID)"
            var body: [UInt8] = []
            for part in parts {
                body += Array("--\(boundary)\r\n".utf8)
                switch part {
                case .value(let name, let text):
                    body += Array("Content-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(text)\r\n".utf8)
                case .file(let name, let file):
                    body += Array("Content-Disposition: form-data; name=\"\(name)\"; filename=\"\(file.filename)\"\r\nContent-Type: \(file.contentType)\r\n\r\n".utf8)
                    body += inputs[file.sha256] ?? []
                    body += Array("\r\n".utf8)
                }
            }
            body += Array("--\(boundary)--\r\n".utf8)
            return await batch(scenario, body: body, contentType: "multipart/form-data; boundary=\(boundary)")
        }
    }

    /// An answer whose status is not an HTTP status (100…599) is an error of the gateway, with no status to record.
    func invalidStatus(_ status: Int64, started: Int64) -> AttemptResult? {
        guard !(100...599).contains(status) else { return nil }
        return AttemptResult(outcome: .httpError, latencyMs: time.nowMs - started, errorType: "invalid_status",
                             errorText: PercentEncoding.errorText(Array("HTTP status \(status)".utf8)))
    }

    /// The outcome of a failure to get an answer: the scenario's time up (whatever error its deadline surfaced as, even
    /// one of a connection not yet made, or a pooled connection not yet free), or else the gateway unreachable. The time
    /// is up by the tester's clock or by the request's own deadline, which NIO keeps on the machine's clock: under a
    /// simulated clock the two differ, and the deadline passing is what made the request fail.
    func failure(_ error: any Error, started: Int64, timeoutMs: Int64, deadline: NIODeadline? = nil) -> AttemptResult {
        let elapsed = time.nowMs - started
        let deadlinePassed = deadline.map { NIODeadline.now() >= $0 } ?? false
        if elapsed >= timeoutMs || deadlinePassed || (error as? HTTPClientError).map({ $0 == .deadlineExceeded || $0 == .readTimeout }) == true {
            return AttemptResult(outcome: .timeout, latencyMs: elapsed, errorType: "timeout")
        }
        let text = "\(error)"
        return AttemptResult(outcome: .connectError, latencyMs: time.nowMs - started, errorType: "connect_error",
                             errorText: PercentEncoding.errorText(Array(text.utf8)))
    }

    func batch(_ scenario: Scenario, body: [UInt8], contentType: String) async -> AttemptResult {
        var request = HTTPClientRequest(url: "\(api)/\(scenario.pipeline.rawValue)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: body))
        let started = time.nowMs
        let deadline = NIODeadline.now() + .milliseconds(scenario.timeoutMs)
        let response: HTTPClientResponse
        let bytes: [UInt8]
        do {
            response = try await client.execute(request, deadline: deadline)
        } catch { return failure(error, started: started, timeoutMs: scenario.timeoutMs, deadline: deadline) }
        let ttfb = time.nowMs - started
        do { bytes = Array(buffer: try await response.body.collect(upTo: 256 << 20)) } catch {
            return failure(error, started: started, timeoutMs: scenario.timeoutMs, deadline: deadline)
        }
        let status = Int64(response.status.code)
        if let invalid = invalidStatus(status, started: started) { return invalid }
        var result = AttemptResult(outcome: .passed, httpStatus: status, ttfbMs: ttfb, latencyMs: time.nowMs - started)
        // An answer after the scenario's time is up is no answer (spec/probe.md §5), whichever clock noticed.
        if result.latencyMs! > scenario.timeoutMs { return AttemptResult(outcome: .timeout, latencyMs: result.latencyMs, errorType: "timeout") }
        if status >= 400 && status != scenario.checks.status {
            result.outcome = .httpError
            result.errorType = "http_\(status)"
            result.errorText = PercentEncoding.errorText(ResponseChecks.errorMessage(bytes))
            return result
        }
        var failed: [String] = []
        if status != scenario.checks.status { failed.append("status") }
        if let expected = scenario.checks.contentType {
            let type = response.headers.first(name: "Content-Type")?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            if type != expected { failed.append("content_type") }
        }
        let json = try? JSONParser(limits: .init(maxDepth: 64, maxBytes: 256 << 20)).parse(bytes)  // not JSON: the checks that read it fail
        if let images = scenario.checks.images {
            let urls = json.flatMap(ResponseChecks.imageURLs) ?? []
            let sizes = await urls.asyncMap { url in await image(url).flatMap(ResponseChecks.imageSize) }
            if urls.count != Int(images.count) || sizes.contains(where: { $0 == nil || $0!.width != Int(images.width) || $0!.height != Int(images.height) }) {
                failed.append("images")
            }
        }
        if let minimum = scenario.checks.minFrames, (json.flatMap(ResponseChecks.frameCount) ?? 0) < Int(minimum) { failed.append("frames") }
        if let minimum = scenario.checks.minTextBytes, (json.flatMap(ResponseChecks.text)?.utf8.count ?? 0) < Int(minimum) { failed.append("text") }
        if !failed.isEmpty {
            result.outcome = .failedCheck
            result.failedChecks = failed.sorted()
        }
        return result
    }

    /// An image a response names: a `data:` URL's bytes, or an `http(s)` URL fetched (at most 64 MiB).
    func image(_ url: String) async -> [UInt8]? {
        if let bytes = ResponseChecks.dataURL(url) { return bytes }
        guard url.hasPrefix("http://") || url.hasPrefix("https://"),
              let response = try? await client.execute(HTTPClientRequest(url: url), timeout: .seconds(30)),  // unreachable: the image fails its check
              let body = try? await response.body.collect(upTo: 64 << 20) else { return nil }
        return Array(buffer: body)
    }

    /// The live smoke test: the gateway streams its test pattern into a stream of our id; its status is read until
    /// the stream's duration (or the scenario's timeout) has passed.
    func live(_ scenario: Scenario, duration: Int64, streamID: String) async -> AttemptResult {
        var request = HTTPClientRequest(url: "\(api)/live/video-to-video/smoketest")
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: "application/json")
        let body = JSONValue.object([.init("duration_secs", .integer(duration)), .init("stream_url", .string("\(rtmp)/assay-probe?streamId=\(streamID)"))])
        request.body = .bytes(ByteBuffer(bytes: CanonicalJSON.encodeBuilt(body, "a smoke test request")))
        let started = time.nowMs
        let response: HTTPClientResponse
        let bytes: [UInt8]
        do {
            response = try await client.execute(request, timeout: .seconds(30))
            bytes = Array(buffer: try await response.body.collect(upTo: 1 << 20))
        } catch { return failure(error, started: started, timeoutMs: scenario.timeoutMs) }
        let status = Int64(response.status.code)
        if let invalid = invalidStatus(status, started: started) { return invalid }
        var result = AttemptResult(outcome: .passed, httpStatus: status)
        guard status == scenario.checks.status else {
            result.outcome = status >= 400 ? .httpError : .failedCheck
            if status >= 400 {
                result.errorType = "http_\(status)"
                result.errorText = PercentEncoding.errorText(ResponseChecks.errorMessage(bytes))
            } else {
                result.failedChecks = ["status"]
            }
            result.latencyMs = time.nowMs - started
            return result
        }
        // The stream runs from the gateway's answer; its status is read for its duration, at least once after the interval.
        let window = max(1000, Int64((Double(min(duration * 1000, scenario.timeoutMs)) * liveWindowScale).rounded(.up)))
        let end = time.nowMs + window
        var samples: [Double] = []
        repeat {
            try? await time.sleep(ms: statusInterval.wholeMilliseconds)  // cancelled: the loop ends with what was read
            guard !Task.isCancelled else { break }
            let url = "\(api)/live/video-to-video/\(streamID)/status"
            guard let answer = try? await client.execute(HTTPClientRequest(url: url), timeout: .seconds(5)),  // a missed read: the next one counts
                  let data = try? await answer.body.collect(upTo: 1 << 20), let value = try? JSONParser().parse(Array(buffer: data)) else { continue }
            let fps: Double? = switch value["inference_status"]?["fps"] {
            case .number(let number)?: number
            case .integer(let number)?: Double(number)
            default: nil
            }
            guard value["state"]?.stringValue == "ONLINE", let fps, fps > 0 else { continue }
            if result.ttfbMs == nil { result.ttfbMs = time.nowMs - started }
            samples.append(fps)
        } while time.nowMs < end
        result.latencyMs = time.nowMs - started
        guard !samples.isEmpty else {
            result.outcome = .timeout
            result.errorType = "no_output"
            return result
        }
        // A gateway's figure, bounded to what a record can hold (records.md §3.4: at most 10,000,000 milli-FPS).
        let mean = samples.reduce(0, +) / Double(samples.count)
        result.outputFPS = Int64(min(mean * 1000, 10_000_000).rounded(.towardZero))
        if let minimum = scenario.checks.minOutputFPSmfps, result.outputFPS! < minimum {
            result.outcome = .failedCheck
            result.failedChecks = ["min_output_fps_mfps"]
        }
        return result
    }
}

extension Array {
    /// `transform` of each element, one after the other.
    func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var results: [T] = []
        for element in self { results.append(await transform(element)) }
        return results
    }
}
