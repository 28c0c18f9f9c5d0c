import AssayConfiguration
import AssayCore
import AssayHTTP
import Hummingbird
import Logging
import NIOCore

/// The `listen` gateway-event source (spec/collector.md §5): a loopback HTTP
/// endpoint the gateway, or a forwarder, POSTs events to. A request is
/// acknowledged (202) only once its events are durable in the spool; a body
/// with a line that is not a JSON object is refused whole (400) and nothing of
/// it is kept, so the sender can fix and resend it.
public struct GatewayEventListener: Sendable {
    /// The largest body accepted (after gzip inflation).
    public static let maxBodyBytes = 8 << 20
    let spool: GatewayEventSpool

    public init(spool: GatewayEventSpool) { self.spool = spool }

    /// What a body holds: the lines to spool, or why it is refused.
    public enum Parsed: Equatable, Sendable {
        case events(count: Int, bytes: [UInt8])
        case refused(line: Int, reason: String)
    }

    /// Checks a JSON Lines body: every non-blank line must be a JSON object.
    public static func parse(_ body: [UInt8]) -> Parsed {
        let parser = JSONParser(limits: .init(maxDepth: 32, maxBytes: 4 << 20))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(body.count + 1)
        var count = 0
        var number = 0
        for var line in body.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            while let last = line.last, last == 0x0D || last == 0x20 || last == 0x09 { line = line.dropLast() }
            guard !line.isEmpty else { continue }
            do {
                guard case .object = try parser.parse(line) else { return .refused(line: number, reason: "not a JSON object (one event per line)") }
            } catch {
                return .refused(line: number, reason: "not JSON: \(error)")
            }
            bytes += line
            bytes.append(0x0A)
            count += 1
        }
        return count == 0 ? .refused(line: 1, reason: "no events: send one go-livepeer event envelope per line (JSON Lines)") : .events(count: count, bytes: bytes)
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/v1/events") { request, _ in try await self.receive(request) }
        router.get("/healthz") { _, _ in Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n"))) }
        return router
    }

    func receive(_ request: Request) async throws -> Response {
        var body: [UInt8]
        do {
            body = try await BodyCollector.collect(request, limit: Self.maxBodyBytes, timeoutMs: 30_000)
        } catch RequestBodyError.tooLarge {
            return Self.reply(.contentTooLarge, ["error": "body-too-large", "reason": "the body exceeds \(Self.maxBodyBytes) bytes; send smaller batches"])
        } catch RequestBodyError.timeout {
            return Self.reply(.requestTimeout, ["error": "body-timeout", "reason": "the body was not received within 30 s"])
        }
        if let encoding = request.headers[.contentEncoding]?.lowercased(), encoding != "identity" {
            guard encoding == "gzip", let inflated = Gzip.decompress(body, limit: Self.maxBodyBytes) else {
                return Self.reply(.unsupportedMediaType, ["error": "bad-encoding", "reason": "Content-Encoding must be gzip or identity, inflating to at most \(Self.maxBodyBytes) bytes"])
            }
            body = inflated
        }
        switch Self.parse(body) {
        case .refused(let line, let reason):
            return Self.reply(.badRequest, ["error": "bad-event", "line": "\(line)", "reason": "line \(line): \(reason); nothing of this request was kept"])
        case .events(let count, let bytes):
            do { try spool.append(bytes) } catch {
                return Self.reply(.serviceUnavailable, ["error": "spool-failed", "reason": "\(error); nothing of this request was kept, retry"])
            }
            return Self.reply(.accepted, ["accepted": "\(count)"])
        }
    }

    /// A small JSON reply: string members, except decimal numbers written as numbers.
    static func reply(_ status: HTTPResponse.Status, _ members: KeyValuePairs<String, String>) -> Response {
        let value = JSONValue.object(members.map { key, text in .init(key, Int64(text).map { .integer($0) } ?? .string(text)) })
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: ((try? CanonicalJSON.encode(value)) ?? []) + [0x0A])))
    }
}

/// A Hummingbird application on a local listener of the collector (`events`, `metrics`), which
/// reports its bound address through `onListening` (useful with port 0).
func localApplication(router: Router<BasicRequestContext>, listen: String, name: String, logger: Logger,
                      onListening: @escaping @Sendable (String, String) -> Void) throws(ConfigurationError) -> some ApplicationProtocol {
    // A validated configuration always splits; one built in code without validation is refused, not bound elsewhere.
    guard let (host, port) = ConfigurationValues.hostPort(listen) else {
        throw ConfigurationError(line: nil, "the \(name) listener's address '\(listen)' must be HOST:PORT")
    }
    return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "assay-collect"),
                       onServerRunning: { channel in
                           onListening(name, channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? listen)
                       },
                       logger: logger)
}
