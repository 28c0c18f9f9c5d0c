import NIOCore
import NIOHTTPTypes
import Synchronization

/// Protections of a listener against clients that hold connections without
/// using them (spec/exporter.md §7): at most `perClient` open connections per
/// client address, and a request head must arrive within `headTimeout` of the
/// connection opening or of the previous response's end — a client that sends
/// its head a byte at a time ("slowloris") is cut off, where an idle timeout
/// alone would be reset by every byte.
public final class ConnectionLimits: Sendable {
    /// Open connections one client address may hold; nil: no limit.
    public let perClient: Int?
    public let headTimeout: TimeAmount
    let open = Mutex<[String: Int]>([:])

    public init(perClient: Int?, headTimeout: TimeAmount) {
        self.perClient = perClient
        self.headTimeout = headTimeout
    }

    /// The handlers one connection gets (Hummingbird's `additionalChannelHandlers`).
    public func handlers() -> [any RemovableChannelHandler] { [ConnectionGuard(limits: self)] }

    /// Open connections by client address, for tests and metrics.
    public var openByClient: [String: Int] { open.withLock { $0 } }

    func acquire(_ client: String) -> Bool {
        open.withLock { counts in
            let current = counts[client, default: 0]
            if let perClient, current >= perClient { return false }
            counts[client] = current + 1
            return true
        }
    }

    func release(_ client: String) {
        open.withLock { counts in
            let remaining = counts[client, default: 1] - 1
            counts[client] = remaining > 0 ? remaining : nil
        }
    }
}

final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let limits: ConnectionLimits
    var client: String?
    var deadline: Scheduled<Void>?
    /// Requests whose head arrived and whose response has not ended (pipelined requests count).
    var unanswered = 0

    init(limits: ConnectionLimits) { self.limits = limits }

    func handlerAdded(context: ChannelHandlerContext) {
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        guard limits.acquire(address) else {
            context.close(promise: nil)
            return
        }
        client = address
        arm(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        if let client { limits.release(client) }
        client = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            unanswered += 1
            deadline?.cancel()
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            unanswered = max(0, unanswered - 1)
            if unanswered == 0 { arm(context) }
        }
        context.write(data, promise: promise)
    }

    /// Closes the connection unless a request head arrives in time.
    func arm(_ context: ChannelHandlerContext) {
        deadline?.cancel()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: limits.headTimeout) { channel.close(promise: nil) }
    }
}
