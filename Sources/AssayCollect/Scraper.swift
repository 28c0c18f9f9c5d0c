import AssayConfiguration
import AssayCore
import AssayIngest
import AssayStore
import AsyncHTTPClient
import Foundation
import NIOCore

/// Scrapes one exporter target (spec/collector.md §3): checks /v1/info,
/// pages /v1/records from the committed cursor, validates every record, and
/// commits each page with the new cursor (and the final probe) atomically.
public struct Scraper: Sendable {
    public static let infoLimit = 1 << 20
    public static let pageLimit = 16 << 20
    public static let maxPages = 100

    /// The clock a probe's `latency_ms` is measured on (spec/collector.md §3).
    public enum LatencyClock: Sendable {
        /// The real monotonic clock.
        case real
        /// The collector's simulated clock, stepped by a driver (the demo): it does not move during a
        /// scrape, so the latency on it is 0, and the probe stays independent of the machine's speed.
        case stepped
    }

    public let client: HTTPClient
    public let collectorID: String
    public let timeoutMs: Int64
    public let latencyClock: LatencyClock

    public init(client: HTTPClient, collectorID: String, timeoutMs: Int64, latencyClock: LatencyClock = .real) {
        self.client = client
        self.collectorID = collectorID
        self.timeoutMs = timeoutMs
        self.latencyClock = latencyClock
    }

    /// What one scrape did: the probe's outcome (spec/records.md) and what came with it.
    public struct Report: Sendable, Equatable {
        public var outcome: ProbeOutcome
        public var reason: String?
        public var httpStatus: Int64?
        public var recordsReceived = 0
        public var quarantined = 0
        public var pages = 0
        public var latencyMs: Int64 = 0

        /// The target answered: every page was taken, or the cursor was pruned and taking resumed.
        public var succeeded: Bool { outcome == .ok || outcome == .pruned }
    }

    enum Failure: Error {
        case probe(ProbeOutcome, String, Int64?)
    }

    /// Scrapes `target` once; `stage` runs one staging commit (it owns the store).
    public func scrape(_ target: CollectorConfiguration.Target, startMs: Int64,
                       cursor: Int64, stage: @Sendable (StagingStore.Batch) async throws -> Void) async -> Report {
        let started = ContinuousClock.now
        var result = Report(outcome: .ok)
        var cursor = cursor
        do {
            let info = try await getJSON("\(target.url)/v1/info", limit: Self.infoLimit, status: &result.httpStatus)
            guard info["api"] == .string("assay-exporter-v1"), info["schema"] == .integer(AssayVersion.recordSchema) else {
                throw Failure.probe(.invalidResponse, "/v1/info is not an assay-exporter-v1 answer with schema \(AssayVersion.recordSchema)", result.httpStatus)
            }
            let reported = info["orchestrator"]?.stringValue?.lowercased()
            let mismatch = reported != target.orchestrator
            if mismatch {
                result.outcome = .addressMismatch
                result.reason = "/v1/info reports orchestrator \(reported ?? "none"), expected \(target.orchestrator); its records are quarantined"
            }
            while result.pages < Self.maxPages {
                var status: Int64?
                let page: JSONValue
                do {
                    page = try await getJSON("\(target.url)/v1/records?after=\(cursor)&limit=\(target.pageRecords)", limit: Self.pageLimit,
                                             status: &status, accept: [200, 410])
                } catch Failure.probe(let outcome, let reason, let code) {
                    throw Failure.probe(outcome, reason, code)
                }
                result.httpStatus = status
                var batch = StagingStore.Batch()
                let next: Int64, hasMore: Bool
                do {
                    switch try ExporterPage.read(page, status: status ?? 200, after: cursor, quarantineAll: mismatch) {
                    case .pruned(let resume):
                        batch.cursor = (target.url, resume)
                        try await stage(batch)
                        cursor = resume
                        result.outcome = .pruned
                        result.reason = "records after the cursor were pruned by the exporter; resumed after \(resume)"
                        continue
                    case .records(let records):
                        batch.records = records.valid
                        batch.quarantined = records.quarantined
                        next = records.next
                        hasMore = records.hasMore
                    }
                } catch let invalid as ExporterPage.Invalid {
                    throw Failure.probe(.invalidResponse, invalid.description, status)
                }
                batch.cursor = (target.url, next)
                try await stage(batch)
                result.recordsReceived += batch.records.count
                result.quarantined += batch.quarantined.count
                result.pages += 1
                cursor = next
                if !hasMore { break }
            }
        } catch Failure.probe(let outcome, let reason, let status) {
            result.outcome = outcome
            result.reason = reason
            result.httpStatus = status ?? result.httpStatus
        } catch {
            result.outcome = .invalidResponse
            result.reason = "staging failed: \(error)"
        }
        let elapsed = ContinuousClock.now - started
        result.latencyMs = latencyClock == .stepped ? 0 : elapsed.wholeMilliseconds
        // The probe: what this attempt achieved, staged like any record.
        var probe = StagingStore.Batch()
        if let record = probeRecord(target: target, startMs: startMs, result: result) { probe.records.append((record, record.canonicalBytes())) }
        try? await stage(probe)
        return result
    }

    func probeRecord(target: CollectorConfiguration.Target, startMs: Int64, result: Report) -> Record? {
        let host = target.url.split(separator: "/").dropFirst(1).first.map(String.init) ?? "target"
        var members: [JSONValue.Member] = [
            .init("schema", .integer(AssayVersion.recordSchema)), .init("kind", "probe"),
            .init("id", .string("probe-\(host.replacingOccurrences(of: ":", with: "-"))-\(startMs)")),
            .init("observer_role", "collector"), .init("observer_id", .string(collectorID)),
            .init("target_url", .string(target.url)), .init("orchestrator", .string(target.orchestrator)),
            .init("start_ms", .integer(startMs)), .init("outcome", .string(result.outcome.rawValue)),
            .init("records_received", .integer(Int64(result.recordsReceived))),
        ]
        if result.outcome == .ok { members.append(.init("latency_ms", .integer(min(max(result.latencyMs, 0), 86_400_000)))) }
        if let status = result.httpStatus, (100...599).contains(status) { members.append(.init("http_status", .integer(status))) }
        if let region = target.region { members.append(.init("region", .string(region))) }
        return try? Record.validate(.object(members))
    }

    /// GETs a JSON document within the timeout and size limit; transport failures become probe outcomes.
    func getJSON(_ url: String, limit: Int, status: inout Int64?, accept: Set<Int64> = [200]) async throws -> JSONValue {
        let request = HTTPClientRequest(url: url)
        let deadline = NIODeadline.now() + .milliseconds(timeoutMs)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: deadline)
        } catch {
            throw Self.transportFailure(error)
        }
        status = Int64(response.status.code)
        guard accept.contains(Int64(response.status.code)) else {
            throw Failure.probe(.httpError, "\(url) answered HTTP \(response.status.code)", Int64(response.status.code))
        }
        let body: ByteBuffer
        do {
            body = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask { try await response.body.collect(upTo: limit) }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(max(deadline.uptimeNanoseconds > NIODeadline.now().uptimeNanoseconds
                        ? Int64((deadline.uptimeNanoseconds - NIODeadline.now().uptimeNanoseconds) / 1_000_000) : 0, 1)))
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let buffer = first else {
                    throw Failure.probe(.timeout, "\(url): the body did not arrive within \(timeoutMs) ms", status)
                }
                return buffer
            }
        } catch let failure as Failure {
            throw failure
        } catch is NIOTooManyBytesError {
            throw Failure.probe(.invalidResponse, "\(url): the answer is larger than \(limit) bytes", status)
        } catch {
            throw Self.transportFailure(error)
        }
        do {
            var limits = ExporterPage.parserLimits
            limits.maxBytes = limit
            return try JSONParser(limits: limits).parse(Array(body.readableBytesView))
        } catch {
            throw Failure.probe(.invalidResponse, "\(url): not valid JSON (\(error))", status)
        }
    }

    static func transportFailure(_ error: any Error) -> Failure {
        if let failure = error as? Failure { return failure }
        if let http = error as? HTTPClientError {
            if http == .deadlineExceeded || http == .readTimeout { return .probe(.timeout, "no complete answer in time (\(http))", nil) }
            if http == .connectTimeout { return .probe(.connectError, "could not connect in time (\(http))", nil) }
            if http == .remoteConnectionClosed { return .probe(.invalidResponse, "the exporter closed the connection mid-answer", nil) }
        }
        if error is CancellationError { return .probe(.timeout, "no complete answer in time", nil) }
        return .probe(.connectError, "could not connect: \(error)", nil)
    }
}
