import Synchronization

/// Counters and a latency histogram for `/metrics` (Prometheus text format 0.0.4).
public final class ExporterMetrics: Sendable {
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    struct State {
        var ingested: [String: Int] = [:]
        var requests: [String: Int] = [:]
        var latencyCounts = [Int](repeating: 0, count: ExporterMetrics.buckets.count + 1)
        var latencySum = 0.0
        var latencyTotal = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Counts ingested lines by status (accepted, duplicate, conflict, rejected).
    public func ingested(_ status: String, count: Int = 1) {
        guard count > 0 else { return }
        state.withLock { $0.ingested[status, default: 0] += count }
    }

    /// Counts one request of a route with its status code and latency.
    public func request(route: String, status: Int, seconds: Double) {
        state.withLock { state in
            state.requests["\(route)|\(status)", default: 0] += 1
            let index = Self.buckets.firstIndex { seconds <= $0 } ?? Self.buckets.count
            state.latencyCounts[index] += 1
            state.latencySum += seconds
            state.latencyTotal += 1
        }
    }

    /// The exposition text, with the store's gauges.
    public func text(recordsStored: Int64, bytesStored: Int64, newestCursor: Int64, prunedThrough: Int64) -> String {
        let snapshot = state.withLock { $0 }
        var lines: [String] = []
        func gauge(_ name: String, _ help: String, _ value: Int64) {
            lines += ["# HELP \(name) \(help)", "# TYPE \(name) gauge", "\(name) \(value)"]
        }
        gauge("assay_exporter_records_stored", "Records currently in the store.", recordsStored)
        gauge("assay_exporter_record_bytes_stored", "Bytes of canonical records currently in the store.", bytesStored)
        gauge("assay_exporter_newest_cursor", "The greatest cursor assigned.", newestCursor)
        gauge("assay_exporter_pruned_through_cursor", "Records up to this cursor were pruned by retention.", prunedThrough)
        lines += ["# HELP assay_exporter_ingested_lines_total Ingested lines by outcome.", "# TYPE assay_exporter_ingested_lines_total counter"]
        for status in ["accepted", "duplicate", "conflict", "rejected"] {
            lines.append("assay_exporter_ingested_lines_total{status=\"\(status)\"} \(snapshot.ingested[status] ?? 0)")
        }
        lines += ["# HELP assay_exporter_requests_total HTTP requests by route and status code.", "# TYPE assay_exporter_requests_total counter"]
        for key in snapshot.requests.keys.sorted() {
            let parts = key.split(separator: "|")
            lines.append("assay_exporter_requests_total{route=\"\(parts[0])\",code=\"\(parts[1])\"} \(snapshot.requests[key]!)")
        }
        lines += ["# HELP assay_exporter_request_duration_seconds HTTP request latency.", "# TYPE assay_exporter_request_duration_seconds histogram"]
        var cumulative = 0
        for (index, bound) in Self.buckets.enumerated() {
            cumulative += snapshot.latencyCounts[index]
            lines.append("assay_exporter_request_duration_seconds_bucket{le=\"\(Self.format(bound))\"} \(cumulative)")
        }
        lines.append("assay_exporter_request_duration_seconds_bucket{le=\"+Inf\"} \(snapshot.latencyTotal)")
        lines.append("assay_exporter_request_duration_seconds_sum \(Self.format(snapshot.latencySum))")
        lines.append("assay_exporter_request_duration_seconds_count \(snapshot.latencyTotal)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A decimal without locale or exponent surprises.
    static func format(_ value: Double) -> String {
        var text = String(value)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}
