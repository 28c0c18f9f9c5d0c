import AssayCore
import AssaySimulate
import AssayIngest
import Foundation

/// `assay-bench ingest-events`: events/s through the go-livepeer mapping,
/// next to `jq -c .` over the same file in the same run.
public struct IngestEventsBenchmark {
    public struct Report: Sendable {
        public let events: Int
        public let bytes: Int
        public let records: Int
        public let seconds: Double
        public let jqSeconds: Double?
        public var eventsPerSecond: Double { Double(events) / seconds }
        public var ratio: Double? { jqSeconds.map { seconds / $0 } }
    }

    public let streams: Int
    public let directory: String

    public init(streams: Int, directory: String) {
        self.streams = streams
        self.directory = directory
    }

    public func run(progress: (String) -> Void) throws -> Report {
        let path = "\(directory)/assay-bench-events-\(getpid()).jsonl"
        progress("generating events of \(streams) streams")
        var generator = SyntheticGatewayEvents(streams: streams, durationMs: 6 * 3_600_000)
        let events = generator.events()
        guard let file = fopen(path, "w") else { throw FileError(path: path, operation: "create", errno: errno) }
        for event in events {
            fputs(event.line, file)
            fputc(0x0A, file)
        }
        fclose(file)
        defer { unlink(path) }
        let bytes = Int((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)

        progress("timing the mapping over \(events.count) events")
        let ingest = GatewayIngest(options: .init(observerID: "bench"))
        var records = 0
        var output: [UInt8] = []
        let started = monotonicSeconds()
        try ingest.run(try LineReader(path: path, maxLineBytes: 4 << 20)) { batch in
            for record in batch {
                output.removeAll(keepingCapacity: true)
                record.canonicalBytes(into: &output)
            }
            records += batch.count
        }
        let seconds = monotonicSeconds() - started

        progress("timing jq -c . over the same file")
        var jq: Double?
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["jq", "-c", ".", path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let jqStarted = monotonicSeconds()
        if (try? process.run()) != nil {
            process.waitUntilExit()
            if process.terminationStatus == 0 { jq = monotonicSeconds() - jqStarted }
        }
        return Report(events: events.count, bytes: bytes, records: records, seconds: seconds, jqSeconds: jq)
    }
}
