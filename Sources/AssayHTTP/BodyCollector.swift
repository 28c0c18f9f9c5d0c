import Hummingbird

/// Why a request body could not be collected.
public enum RequestBodyError: Error, Sendable { case tooLarge, timeout }

public enum BodyCollector {
    /// Collects the body up to `limit` bytes within `timeoutMs`, so a slow
    /// sender cannot hold a handler forever and a large one cannot exhaust memory.
    public static func collect(_ request: Request, limit: Int, timeoutMs: Int64) async throws -> [UInt8] {
        try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                var bytes: [UInt8] = []
                for try await chunk in request.body {
                    if bytes.count + chunk.readableBytes > limit { throw RequestBodyError.tooLarge }
                    bytes += chunk.readableBytesView
                }
                return bytes
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(timeoutMs))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let bytes = first else { throw RequestBodyError.timeout }
            return bytes
        }
    }
}
