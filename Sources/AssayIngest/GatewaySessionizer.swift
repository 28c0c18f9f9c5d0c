import AssayCore

/// Turns go-livepeer gateway events into job records
/// (spec/gateway-events.md): live sessions, batch and LLM requests, BYOC
/// jobs. Every aggregate is order-independent; entities close when the
/// watermark passes their last event by the idle timeout, or at the end.
public final class GatewaySessionizer {
    public struct Options: Sendable {
        public var observerID: String
        public var region: String?
        public var idleTimeoutMs: Int64 = 120_000
        public init(observerID: String, region: String? = nil, idleTimeoutMs: Int64 = 120_000) {
            self.observerID = observerID
            self.region = region
            self.idleTimeoutMs = idleTimeoutMs
        }
    }

    /// Counters for the report (spec/gateway-events.md §7).
    public struct Report: Sendable, Equatable {
        public var events = 0
        public var duplicates = 0
        public var recordsByKind: [String: Int] = [:]
        /// Records that could not be made valid, by reason, with a sample key.
        public var dropped: [String: Int] = [:]
        /// Payment and signed-ticket events whose numbers did not parse (spec/gateway-events.md §4.5).
        public var unusablePayments = 0
    }

    public let options: Options
    public private(set) var report = Report()
    public private(set) var watermark: Int64 = 0
    /// The newest event time seen (the watermark may be ahead of it, by the clock).
    public private(set) var newestEventMs: Int64?
    private var lastSweep: Int64 = 0
    private var sessions: [SessionKey: LiveSession] = [:]
    private var requests: [String: BatchRequest] = [:]
    private var jobs: [String: ByocJob] = [:]
    private var directory = OrchestratorDirectory()
    private var payments: [String: String] = [:]  // request id -> model from manifestID
    private var ledger = PaymentLedger()
    /// Ingest reports of sessions not open yet, by session (spec/gateway-events.md §2).
    private var pendingIngest: [SessionKey: IngestReports] = [:]
    private var snapshots = CapabilitySnapshots()
    private var recentIDs = RecentSet(capacity: 200_000)
    /// Input offsets (first, last event) of each open entity, when the caller gives offsets.
    private var offsets: [String: (first: Int64, last: Int64)] = [:]
    private var closedEntities: [(key: String, lastOffset: Int64)] = []

    public init(options: Options) { self.options = options }

    /// Open entities (sessions, requests, jobs): bounded by the idle timeout.
    public var openEntities: Int { sessions.count + requests.count + jobs.count + snapshots.count }

    /// Feeds one event; returns the records of entities it closed. `offset`
    /// (the event's position in its input) lets a follower checkpoint safely.
    public func add(_ event: GatewayEvent, offset: Int64? = nil) -> [Record] {
        if !event.id.isEmpty && !recentIDs.insert(event.id) {
            report.duplicates += 1
            return []
        }
        report.events += 1
        if let offset, let key = Self.entityKey(event) {
            let current = offsets[key]
            offsets[key] = (min(current?.first ?? offset, offset), max(current?.last ?? offset, offset))
        }
        watermark = max(watermark, event.time)
        newestEventMs = max(newestEventMs ?? event.time, event.time)
        dispatch(event)
        guard watermark - lastSweep >= 1000 else { return [] }
        lastSweep = watermark
        return close { $0 + options.idleTimeoutMs < watermark }
    }

    /// Closes everything (end of input).
    public func finish() -> [Record] { close { _ in true } }

    /// Advances the watermark by a clock (spec/gateway-events.md §6): the
    /// watermark becomes max(watermark, `clockMs` − idle timeout), and every
    /// entity whose last event is more than the idle timeout before it closes.
    /// A source that stops growing therefore closes its last entities as time
    /// passes, not only when later events arrive. Returns their records.
    public func advance(clockMs: Int64) -> [Record] {
        let (floor, overflow) = clockMs.subtractingReportingOverflow(options.idleTimeoutMs)
        guard !overflow, floor > watermark else { return [] }
        watermark = floor
        lastSweep = watermark
        return close { $0 + options.idleTimeoutMs < watermark }
    }

    /// Open entities and the event times that tell how long they have been open: the first event
    /// of the oldest one and the last event of the one silent the longest (nil when none is open).
    public var openSummary: (count: Int, oldestFirstMs: Int64?, stalestLastMs: Int64?) {
        let firsts = sessions.values.map(\.first) + requests.values.map(\.first) + jobs.values.map(\.first)
        let lasts = sessions.values.map(\.last) + requests.values.map(\.last) + jobs.values.map(\.last)
        return (openEntities, firsts.min(), lasts.min())
    }

    /// The entity an event belongs to (spec/gateway-events.md §2), or nil for directory events.
    public static func entityKey(_ event: GatewayEvent) -> String? {
        switch event.type {
        case "stream_trace", "ai_stream_status", "ai_stream_events":
            return "s:\(event.string("stream_id") ?? "")|\(event.string("request_id") ?? "")"
        case "ai_batch_request", "ai_llm_request": return event.string("request_id").map { "r:\($0)" }
        case "job_gateway": return event.string("request_id").map { "j:\($0)" }
        default: return nil
        }
    }

    /// The smallest input offset of any event of a still-open entity: a
    /// replay from there re-forms every open entity whole.
    public var lowestOpenOffset: Int64? { offsets.values.map(\.first).min() }

    /// Entities closed since the last call, with the offset of their last event.
    public func takeClosed() -> [(key: String, lastOffset: Int64)] {
        defer { closedEntities = [] }
        return closedEntities
    }

    private func noteClosed(_ key: String) {
        if let range = offsets.removeValue(forKey: key) { closedEntities.append((key, range.last)) }
    }

    /// Whether an event type is one this mapping uses (others are counted as unknown by the caller).
    public static func uses(_ type: String) -> Bool {
        ["stream_trace", "ai_stream_status", "ai_stream_events", "create_new_payment", "create_signed_ticket", "network_capabilities",
         "discovery_results", "ai_batch_request", "ai_llm_request", "job_gateway", "stream_ingest_metrics"].contains(type)
    }

    func dispatch(_ event: GatewayEvent) {
        switch event.type {
        case "stream_trace", "ai_stream_status", "ai_stream_events":
            let key = SessionKey(stream: event.string("stream_id") ?? "", request: event.string("request_id") ?? "")
            if sessions[key] == nil {
                var session = LiveSession(key: key)
                if let pending = pendingIngest.removeValue(forKey: key) { session.ingest = pending }
                sessions[key] = session
            }
            sessions[key]!.add(event)
        case "stream_ingest_metrics":
            // Joins its session without extending it; waits for a session not open yet (spec/gateway-events.md §2).
            guard let stream = event.string("stream_id") else { return }
            let key = SessionKey(stream: stream, request: event.string("request_id") ?? "")
            if sessions[key] != nil { sessions[key]!.ingest.add(event) } else { pendingIngest[key, default: IngestReports()].add(event) }
        case "create_new_payment", "create_signed_ticket":
            if event.type == "create_new_payment", let request = event.string("requestID"), let manifest = event.string("manifestID"),
               let underscore = manifest.firstIndex(of: "_") {
                payments[request] = String(manifest[manifest.index(after: underscore)...])
            }
            ledger.add(event)
            report.unusablePayments = ledger.unusable
        case "network_capabilities":
            directory.update(capabilities: event.data)
            snapshots.add(event, options: options)
        case "discovery_results": directory.update(discovery: event.data)
        case "ai_batch_request", "ai_llm_request":
            guard let id = event.string("request_id") else { return }
            requests[id, default: BatchRequest(id: id)].add(event)
        case "job_gateway":
            guard let id = event.string("request_id"), event.subtype.hasPrefix("job_gateway_") else { return }
            jobs[id, default: ByocJob(id: id)].add(event)
        default: break
        }
    }

    /// Closes the entities whose last event time passes `due`; records sorted by kind and id.
    func close(where due: (Int64) -> Bool) -> [Record] {
        var values: [JSONValue] = []
        for (key, session) in sessions where due(session.last) {
            sessions.removeValue(forKey: key)
            noteClosed("s:\(key.stream)|\(key.request)")
            let paid = ledger.items(for: key.request)
            values += session.records(options: options, directory: directory, paymentModel: payments[key.request],
                                      payments: paid.payments, signed: paid.signed)
            payments.removeValue(forKey: key.request)
        }
        // An hour's snapshots close as its entities do: the watermark past the hour's end by the idle timeout.
        values += snapshots.close(where: due)
        pendingIngest = pendingIngest.filter { !due($0.value.last) }
        if !ledger.isEmpty {
            let (floor, overflow) = watermark.subtractingReportingOverflow(2 * options.idleTimeoutMs)
            ledger.evict(before: overflow ? .min : floor, keeping: Set(sessions.keys.map(\.request)).union(requests.keys))
        }
        for (id, request) in requests where due(request.last) {
            requests.removeValue(forKey: id)
            noteClosed("r:\(id)")
            if let value = request.record(options: options, directory: directory, payments: ledger.items(for: id).payments) { values.append(value) }
        }
        for (id, job) in jobs where due(job.last) {
            jobs.removeValue(forKey: id)
            noteClosed("j:\(id)")
            if let value = job.record(options: options, directory: directory) { values.append(value) }
        }
        var records: [Record] = []
        for value in values {
            do {
                let record = try Record.validate(value)
                records.append(record)
                report.recordsByKind[record.kind.rawValue, default: 0] += 1
            } catch {
                report.dropped[error.description, default: 0] += 1
            }
        }
        return records.sorted { ($0.kind.rawValue, $0.id) < ($1.kind.rawValue, $1.id) }
    }
}

struct SessionKey: Hashable {
    let stream: String
    let request: String
}

/// Event ids seen recently, for duplicate detection in bounded memory.
struct RecentSet {
    let capacity: Int
    private var current: Set<String> = []
    private var previous: Set<String> = []

    init(capacity: Int) { self.capacity = capacity }

    /// True if `id` is new.
    mutating func insert(_ id: String) -> Bool {
        if previous.contains(id) { return false }
        guard current.insert(id).inserted else { return false }
        if current.count >= capacity {
            previous = current
            current = []
        }
        return true
    }
}

/// Orchestrator identities from network_capabilities and discovery_results (§3).
struct OrchestratorDirectory {
    struct Entry {
        let address: String
        let localAddress: String?
        let url: String?
        /// (pipeline, model) -> GPU ids
        let gpus: [String: [String]]
        /// (capability id, constraint) -> the advertised price (spec/gateway-events.md §4.5)
        let prices: [String: (wei: String, pixels: Int64)]
    }

    private var byAddress: [String: Entry] = [:]
    private var byURL: [String: Entry] = [:]
    private var discovered: [String: String] = [:]

    mutating func update(capabilities data: JSONValue) {
        guard case .array(let list) = data else { return }
        byAddress = [:]
        byURL = [:]
        for item in list {
            guard let address = item["address"]?.stringValue?.lowercased(), !address.isEmpty else { continue }
            var gpus: [String: [String]] = [:]
            for hardware in item["hardware"]?.arrayValue ?? [] {
                let key = "\(hardware["pipeline"]?.stringValue ?? "")|\(hardware["model_id"]?.stringValue ?? "")"
                if case .object(let members)? = hardware["gpu_info"] {
                    gpus[key, default: []] += members.compactMap { $0.value["id"]?.stringValue }
                }
            }
            let entry = Entry(address: address, localAddress: item["local_address"]?.stringValue?.lowercased(),
                              url: item["orch_uri"]?.stringValue, gpus: gpus, prices: Self.prices(item))
            byAddress[address] = entry
            if let local = entry.localAddress, !local.isEmpty { byAddress[local] = entry }
            if let url = entry.url, !url.isEmpty { byURL[url] = entry }
        }
    }

    mutating func update(discovery data: JSONValue) {
        for item in data.arrayValue {
            if let url = item["url"]?.stringValue, let address = item["address"]?.stringValue, !url.isEmpty, !address.isEmpty {
                discovered[url] = address.lowercased()
            }
        }
    }

    /// The canonical (on-chain) address and GPU of an orchestrator (§3).
    func resolve(address: String?, url: String?, pipeline: String, model: String?) -> (address: String?, gpu: String?) {
        let entry = address.flatMap { byAddress[$0] } ?? url.flatMap { byURL[$0] }
        let resolved = entry?.address ?? url.flatMap { discovered[$0] } ?? address
        let gpus = entry?.gpus["\(pipeline)|\(model ?? "")"] ?? []
        return (resolved.flatMap { Self.isAddress($0) ? $0 : nil }, gpus.count == 1 ? gpus[0] : nil)
    }

    /// The advertised price of `model` under capability `capability` by the orchestrator at `address` or `url` (§4.5).
    func advertisedPrice(address: String?, url: String?, capability: Int64, model: String?) -> (wei: String, pixels: Int64)? {
        guard let model, let entry = address.flatMap({ byAddress[$0] }) ?? url.flatMap({ byURL[$0] }) else { return nil }
        return entry.prices[Self.priceKey(capability: capability, constraint: model)]
    }

    /// A `network_capabilities` entry's `capabilities_prices`: per (capability id, constraint), the first valid price.
    static func prices(_ item: JSONValue) -> [String: (wei: String, pixels: Int64)] {
        var prices: [String: (wei: String, pixels: Int64)] = [:]
        for price in item["capabilities_prices"]?.arrayValue ?? [] {
            guard let capability = price["capability"]?.integerValue, let constraint = price["constraint"]?.stringValue,
                  let perUnit = price["pricePerUnit"]?.integerValue, perUnit > 0,
                  let pixels = price["pixelsPerUnit"]?.integerValue, (1...1_000_000_000_000).contains(pixels) else { continue }
            let key = priceKey(capability: capability, constraint: constraint)
            if prices[key] == nil { prices[key] = (String(perUnit), pixels) }
        }
        return prices
    }

    static func priceKey(capability: Int64, constraint: String) -> String { "\(capability)|\(constraint)" }

    static func isAddress(_ text: String) -> Bool {
        text.utf8.count == 42 && text.hasPrefix("0x") && text.utf8.dropFirst(2).allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66)
        }
    }
}

/// Helpers to build record objects without absent values.
struct RecordBuilder {
    var members: [JSONValue.Member] = []

    /// `schema`: the record schema version written (spec/records.md §3.5: gateways write 2 for live sessions).
    init(kind: RecordKind, id: String, options: GatewaySessionizer.Options, schema: Int64 = AssayVersion.recordSchema) {
        members = [.init("schema", .integer(schema)), .init("kind", .string(kind.rawValue)),
                   .init("id", .string(id)), .init("observer_role", "gateway"), .init("observer_id", .string(options.observerID))]
        if let region = options.region { members.append(.init("region", .string(region))) }
    }

    mutating func set(_ key: String, _ value: String?) { if let value { members.append(.init(key, .string(value))) } }
    mutating func set(_ key: String, _ value: Int64?) { if let value { members.append(.init(key, .integer(value))) } }
    mutating func set(_ key: String, _ value: Bool) { members.append(.init(key, .bool(value))) }

    /// Replaces the `schema` member `init` wrote (a record that turns out to need a later version).
    mutating func setSchema(_ version: Int64) { members[0] = .init("schema", .integer(version)) }
    mutating func set(_ key: String, _ value: (wei: String, pixels: Int64)?, pixels pixelsKey: String) {
        guard let value else { return }
        set(key, value.wei)
        set(pixelsKey, value.pixels)
    }

    /// Sets an identifier-valued field only when the value is a valid identifier.
    mutating func identifier(_ key: String, _ value: String?) {
        guard let value, !value.isEmpty, value.utf8.count <= 256,
              value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) else { return }
        members.append(.init(key, .string(value)))
    }

    /// Sets a URL field only when it has the form records allow.
    mutating func url(_ key: String, _ value: String?) {
        guard let value, value.hasPrefix("http://") || value.hasPrefix("https://"), value.utf8.count <= 2048,
              value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C && $0 != 0x3C && $0 != 0x3E }) else { return }
        members.append(.init(key, .string(value)))
    }

    var value: JSONValue { .object(members) }
}

/// An identifier made safe: characters outside the identifier set become `_` (ids from the wire).
func safeIdentifier(_ text: String) -> String {
    let mapped = String(String.UnicodeScalarView(text.unicodeScalars.map {
        ($0.value > 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\") ? $0 : "_"
    }))
    return mapped.isEmpty ? "unknown" : String(mapped.prefix(200))
}
