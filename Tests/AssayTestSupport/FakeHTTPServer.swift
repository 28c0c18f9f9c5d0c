import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A misbehaving HTTP server on loopback for tests: for each request line it
/// writes whatever `respond` returns, in chunks, optionally slowly.
public final class FakeHTTPServer: @unchecked Sendable {
    public struct Reply: Sendable {
        public var bytes: [UInt8]
        /// Pause between chunks of `chunk` bytes (slow drip).
        public var delayMicroseconds: UInt32 = 0
        public var chunk = 65536
        public init(bytes: [UInt8], delayMicroseconds: UInt32 = 0, chunk: Int = 65536) {
            self.bytes = bytes
            self.delayMicroseconds = delayMicroseconds
            self.chunk = chunk
        }

        /// A complete HTTP/1.1 response.
        public static func http(_ status: Int, _ body: [UInt8], contentType: String = "application/json") -> Reply {
            Reply(bytes: Array("HTTP/1.1 \(status) X\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body)
        }
    }

    public let port: Int
    private let fd: Int32
    private let respond: @Sendable (String) -> Reply
    private var running = true
    private let stopped = Mutex(false)

    public init(respond: @escaping @Sendable (_ target: String) -> Reply) throws {
        self.respond = respond
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        listen(fd, 64)
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    func serve() {
        while running {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            let handler = Thread { [self] in self.handle(client) }
            handler.start()
        }
    }

    func handle(_ client: Int32) {
        defer { close(client) }
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return }
            request += buffer[..<count]
            if String(decoding: request, as: UTF8.self).contains("\r\n\r\n") { break }
        }
        let line = String(decoding: request, as: UTF8.self).split(separator: "\r\n").first ?? ""
        let target = line.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
        let reply = respond(target)
        var offset = 0
        while offset < reply.bytes.count && running {
            let end = min(offset + reply.chunk, reply.bytes.count)
            let sent = reply.bytes[offset..<end].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset = end
            if reply.delayMicroseconds > 0 { usleep(reply.delayMicroseconds) }
        }
    }

    /// Stops listening, once: a second call (the explicit one, then `deinit`) must not close the descriptor number
    /// again, which by then may belong to another thread's pipe or socket.
    public func stop() {
        guard stopped.withLock({ stopped in
            defer { stopped = true }
            return !stopped
        }) else { return }
        running = false
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    deinit { stop() }
}
