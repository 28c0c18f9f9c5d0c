import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A deliberately small HTTP/1.1 client over a plain socket, for tests that
/// need full control of the bytes sent (malformed requests, slow clients).
public struct HTTPResponse: Sendable {
    public let status: Int
    public let headers: [(String, String)]
    public let body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

public enum HTTPClient {
    public enum Failure: Error { case connect(Int32), send, receive(String), malformed(String) }

    /// Opens a TCP connection to host:port (IPv4), with send/receive timeouts; `source` binds the local
    /// address first (another loopback address, such as 127.0.0.2, is another client).
    public static func connect(_ address: String, timeoutSeconds: Int = 10, source: String? = nil) throws -> Int32 {
        let parts = address.split(separator: ":")
        let host = String(parts[0]), port = UInt16(parts[1])!
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.connect(errno) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, source, &local.sin_addr)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                let code = errno
                close(fd)
                throw Failure.connect(code)
            }
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &addr.sin_addr)
        let result = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw Failure.connect(code)
        }
        return fd
    }

    public static func send(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw Failure.send }
            offset += sent
        }
    }

    /// Reads until the peer closes; returns what arrived (empty if closed at once).
    public static func receiveAll(_ fd: Int32) -> [UInt8] {
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return output }
            output += buffer[..<count]
        }
    }

    /// Sends one request with `Connection: close` and parses the response.
    public static func request(_ address: String, _ method: String, _ target: String, headers: [(String, String)] = [],
                               body: [UInt8] = [], timeoutSeconds: Int = 10) throws -> HTTPResponse {
        let fd = try connect(address, timeoutSeconds: timeoutSeconds)
        defer { close(fd) }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(address)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try send(fd, Array(head.utf8) + body)
        return try parse(receiveAll(fd))
    }

    public static func parse(_ bytes: [UInt8]) throws -> HTTPResponse {
        guard let end = find([13, 10, 13, 10], in: bytes) else { throw Failure.malformed("no header end in \(bytes.count) bytes") }
        let head = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure.malformed(head[0]) }
        var headers: [(String, String)] = []
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var body = Array(bytes[(end + 4)...])
        if headers.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased().contains("chunked") }) {
            var decoded: [UInt8] = []
            var index = 0
            while let lineEnd = find([13, 10], in: Array(body[index...])) {
                let size = Int(String(decoding: body[index..<(index + lineEnd)], as: UTF8.self).split(separator: ";")[0], radix: 16) ?? 0
                index += lineEnd + 2
                if size == 0 { break }
                decoded += body[index..<min(index + size, body.count)]
                index += size + 2
            }
            body = decoded
        }
        return HTTPResponse(status: status, headers: headers, body: body)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index..<(index + needle.count)].elementsEqual(needle) {
            return index
        }
        return nil
    }
}

/// A server process started for a test: waits for its "NAME listening on
/// http://ADDRESS" lines, and is killed when the value goes away.
public final class ServerProcess {
    public let process = Process()
    public private(set) var addresses: [String: String] = [:]
    private let output = Pipe()
    private let errors = Pipe()

    /// `environment` is added to this process's environment for the server.
    public init(_ executable: String, _ arguments: [String], waitFor names: [String], timeoutSeconds: Double = 30,
                directory: String? = nil, environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let handle = output.fileHandleForReading
        var buffer = ""
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Set(addresses.keys) != Set(names) {
            guard Date() < deadline, process.isRunning else {
                let message = String(decoding: errors.fileHandleForReading.availableDataNonBlocking(), as: UTF8.self)
                throw ServerProcessError(message: "server did not start: \(buffer) \(message)")
            }
            let data = handle.availableData
            if data.isEmpty { usleep(20_000); continue }
            buffer += String(decoding: data, as: UTF8.self)
            for line in buffer.split(separator: "\n") {
                let words = line.split(separator: " ")
                if words.count == 4, words[1] == "listening", words[3].hasPrefix("http://") {
                    addresses[String(words[0])] = String(words[3].dropFirst("http://".count))
                }
            }
        }
    }

    /// Sends `signal` and waits for the process to end.
    public func stop(signal: Int32 = SIGTERM) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// What the server wrote to standard error so far (after it stopped).
    public var errorOutput: String { String(decoding: errors.fileHandleForReading.availableDataNonBlocking(), as: UTF8.self) }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
}

public struct ServerProcessError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension FileHandle {
    /// Whatever is available now, without blocking.
    func availableDataNonBlocking() -> Data {
        let fd = fileDescriptor
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(fd, F_SETFL, flags) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { return data }
            data.append(contentsOf: buffer[..<count])
        }
    }
}
