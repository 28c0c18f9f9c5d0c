#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why no free loopback port could be found.
public struct LoopbackPortError: Error, CustomStringConvertible {
    public let operation: String
    public let errno: Int32
    public var description: String { "finding a free loopback port: \(operation) failed (errno \(errno))" }
}

/// A loopback TCP port that was free a moment ago, for a server that needs its port fixed before
/// it starts (nginx in the benchmarks, a collector's metrics listener in the tests).
public enum LoopbackPort {
    public static func free() throws(LoopbackPortError) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackPortError(operation: "socket", errno: errno) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw LoopbackPortError(operation: "bind", errno: errno) }
        let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        guard named == 0 else { throw LoopbackPortError(operation: "getsockname", errno: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
