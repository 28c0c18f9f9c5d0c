import AssayCore

/// One `create_new_payment` event: a batch of tickets a gateway sent (spec/gateway-events.md §4.5).
struct Payment {
    let id: String
    let time: Int64
    /// `requestID`, when not empty; otherwise the request is found through `sessionID` at close.
    let request: String?
    let orchestratorURL: String?
    let recipient: String?
    let tickets: Int64
    /// `numTickets` × face value × winning probability, exact.
    let value: ExactDecimal
    let price: (wei: String, pixels: Int64)

    /// The payment an event describes; nil when a number does not parse.
    init?(_ event: GatewayEvent) {
        guard let tickets = event.data["numTickets"]?.integerValue, (1...1_000_000).contains(tickets),
              let face = Self.amount(event.string("faceValue"), unit: " WEI", maxScale: 0),
              let winProb = Self.amount(event.string("winProb"), unit: "", maxScale: 18),
              let price = Self.amount(event.string("price"), unit: " wei/pixel", maxScale: 12),
              let split = Self.ratio(price) else { return nil }
        id = event.id
        time = event.time
        request = event.string("requestID")
        orchestratorURL = event.string("orchestrator")
        recipient = event.string("recipient")?.lowercased()
        self.tickets = tickets
        value = ExactDecimal(tickets) * face * winProb
        self.price = split
    }

    /// A decimal followed by `unit` (ASCII case ignored), e.g. `2400000000000000 WEI`.
    static func amount(_ text: String?, unit: String, maxScale: Int) -> ExactDecimal? {
        guard let text, text.utf8.count > unit.utf8.count else { return nil }
        let number = text.utf8.dropLast(unit.utf8.count)
        guard String(decoding: text.utf8.suffix(unit.utf8.count), as: UTF8.self).lowercased() == unit.lowercased() else { return nil }
        return ExactDecimal(parsing: Substring(String(decoding: number, as: UTF8.self)), maxScale: maxScale)
    }

    /// A positive decimal as the fewest-digit M × 10^−k: (M, 10^k), k ≤ 12 (spec/gateway-events.md §4.5).
    static func ratio(_ value: ExactDecimal) -> (wei: String, pixels: Int64)? {
        let text = value.text
        guard text != "0" else { return nil }
        let parts = text.split(separator: ".", maxSplits: 1)
        let fraction = parts.count == 2 ? parts[1] : ""
        var digits = Substring(parts[0] + fraction)
        while digits.count > 1 && digits.first == "0" { digits = digits.dropFirst() }
        guard digits.utf8.count <= 78 else { return nil }
        var pixels: Int64 = 1
        for _ in 0..<fraction.utf8.count { pixels *= 10 }
        return (String(digits), pixels)
    }
}

/// One `create_signed_ticket` event: what a remote signer billed (spec/gateway-events.md §4.5).
struct SignedTicket {
    let id: String
    let time: Int64
    let request: String?
    let orchestratorURL: String?
    let address: String?
    let billableMs: Int64
    let pixels: Int64
    let fee: ExactDecimal

    init?(_ event: GatewayEvent) {
        guard let seconds = event.data["billable_secs"]?.doubleValue, seconds.isFinite, seconds >= 0, seconds < 2_592_000,
              let pixels = event.data["pixels"]?.integerValue, pixels >= 0,
              let fee = ExactDecimal(parsing: Substring(event.string("computed_fee") ?? ""), maxScale: 0) else { return nil }
        id = event.id
        time = event.time
        request = event.string("request_id")
        orchestratorURL = event.string("orch_url")
        address = event.string("orch_address")?.lowercased()
        billableMs = Int64((seconds * 1000).rounded(.down))
        self.pixels = pixels
        self.fee = fee
    }
}

/// Payments and signed tickets, kept by (session id, orchestrator URL) until the sessions they pay close, then
/// attributed to requests: a payment names its request, or the request named last before it under its key (§4.5).
struct PaymentLedger {
    private struct Entry<Item> {
        let time: Int64
        let id: String
        let item: Item
    }

    private var payments: [String: [Entry<Payment>]] = [:]
    private var signed: [String: [Entry<SignedTicket>]] = [:]
    /// Request id → the keys whose entries name it.
    private var keysByRequest: [String: Set<String>] = [:]
    /// Events that did not parse (counted in the report).
    private(set) var unusable = 0

    mutating func add(_ event: GatewayEvent) {
        switch event.type {
        case "create_new_payment":
            guard let payment = Payment(event), let session = event.string("sessionID") else { unusable += 1; return }
            let key = "p|\(session)|\(payment.orchestratorURL ?? "")"
            payments[key, default: []].append(Entry(time: event.time, id: event.id, item: payment))
            if let request = payment.request { keysByRequest[request, default: []].insert(key) }
        case "create_signed_ticket":
            guard let ticket = SignedTicket(event), let session = event.string("session_id") else { unusable += 1; return }
            let key = "s|\(session)|\(ticket.orchestratorURL ?? "")"
            signed[key, default: []].append(Entry(time: event.time, id: event.id, item: ticket))
            if let request = ticket.request { keysByRequest[request, default: []].insert(key) }
        default: break
        }
    }

    /// The entries attributed to `request`: those naming it, and the unnamed ones whose latest named predecessor under
    /// their key (in the order of event time, then id) names it.
    private static func attributed<Item>(_ entries: [Entry<Item>], to request: String, name: (Item) -> String?) -> [Item] {
        var current: String?
        var result: [Item] = []
        for entry in entries.sorted(by: { ($0.time, $0.id) < ($1.time, $1.id) }) {
            if let named = name(entry.item) { current = named }
            if current == request { result.append(entry.item) }
        }
        return result
    }

    /// What paid `request`'s session.
    func items(for request: String) -> (payments: [Payment], signed: [SignedTicket]) {
        var found: ([Payment], [SignedTicket]) = ([], [])
        for key in (keysByRequest[request] ?? []).sorted() {
            if let entries = payments[key] { found.0 += Self.attributed(entries, to: request, name: \.request) }
            if let entries = signed[key] { found.1 += Self.attributed(entries, to: request, name: \.request) }
        }
        return found
    }

    /// Forgets keys whose last entry is before `floor` and that name no request in `open`; bounded memory.
    mutating func evict(before floor: Int64, keeping open: Set<String>) {
        func stale<Item>(_ entries: [Entry<Item>], _ name: (Item) -> String?) -> Bool {
            (entries.map(\.time).max() ?? .min) < floor && !entries.contains { name($0.item).map(open.contains) ?? false }
        }
        for (key, entries) in payments where stale(entries, \.request) { payments.removeValue(forKey: key) }
        for (key, entries) in signed where stale(entries, \.request) { signed.removeValue(forKey: key) }
        keysByRequest = keysByRequest.filter { _, keys in keys.contains { payments[$0] != nil || signed[$0] != nil } }
    }

    var isEmpty: Bool { payments.isEmpty && signed.isEmpty }
}

/// The cost fields of one attempt (spec/gateway-events.md §4.5), from what paid its orchestrator.
enum AttemptCost {
    /// `cost_wei` and `tickets` (spec/gateway-events.md §4.5): whether they fit their fields and were set.
    @discardableResult
    static func setCost(_ builder: inout RecordBuilder, payments: [Payment]) -> Bool {
        let tickets = payments.reduce(Int64(0)) { $0 + $1.tickets }  // each ≤ 10⁶; far from overflow for any real count
        let text = payments.reduce(ExactDecimal.zero) { $0 + $1.value }.text
        guard tickets <= 1_000_000_000, WeiDecimal.isValid(text.utf8) else { return false }
        builder.set("cost_wei", text)
        builder.set("tickets", tickets)
        return true
    }

    static func set(_ builder: inout RecordBuilder, payments: [Payment], signed: [SignedTicket]) {
        if !payments.isEmpty {
            setCost(&builder, payments: payments)
            let latest = payments.max { ($0.time, $0.id) < ($1.time, $1.id) }!
            builder.set("paid_price_per_unit_wei", latest.price.wei)
            builder.set("paid_pixels_per_unit", latest.price.pixels)
        }
        if !signed.isEmpty {
            let (billable, billableOverflow) = signed.reduce((Int64(0), false)) { sum, ticket in
                let (value, overflow) = sum.0.addingReportingOverflow(ticket.billableMs)
                return (value, sum.1 || overflow)
            }
            if !billableOverflow && billable <= 2_592_000_000 { builder.set("billable_ms", billable) }
            let (pixels, pixelsOverflow) = signed.reduce((Int64(0), false)) { sum, ticket in
                let (value, overflow) = sum.0.addingReportingOverflow(ticket.pixels)
                return (value, sum.1 || overflow)
            }
            if !pixelsOverflow && pixels <= 1_000_000_000_000_000 { builder.set("billed_pixels", pixels) }
            let fee = signed.reduce(ExactDecimal.zero) { $0 + $1.fee }.text
            if fee.utf8.count <= 78 { builder.set("fee_wei", fee) }
        }
    }
}

/// A stream's ingest reports (`stream_ingest_metrics`), one per event time (spec/gateway-events.md §4.6).
struct IngestReports {
    struct Report {
        let id: String
        /// The greatest ⌊jitter × 1000⌋ of its tracks, µs; nil without a track.
        let jitterUs: Int64?
        /// Per track type: (packets lost, packets received), each at least 0.
        let tracks: [String: (lost: Int64, received: Int64)]
        let quality: ConnectionQuality
        /// The greatest non-zero ⌊rtt / 1000⌋ of its tracks, µs.
        let rttUs: Int64?
    }

    private(set) var byTime: [Int64: Report] = [:]
    private(set) var last: Int64 = .min

    static let maxUs: Int64 = 1_000_000_000
    static let maxPackets: Int64 = 1_000_000_000_000

    mutating func add(_ event: GatewayEvent) {
        let stats = event.data["stats"]
        var jitter: Int64?, rtt: Int64?
        var tracks: [String: (lost: Int64, received: Int64)] = [:]
        for track in stats?["track_stats"]?.arrayValue ?? [] {
            jitter = max(jitter ?? 0, min(Units.milli(track["jitter"]?.doubleValue), Self.maxUs))
            let type = track["type"]?.stringValue ?? ""
            let lost = min(max(track["packets_lost"]?.integerValue ?? 0, 0), Self.maxPackets)
            let received = min(max(track["packets_received"]?.integerValue ?? 0, 0), Self.maxPackets)
            let current = tracks[type] ?? (0, 0)
            tracks[type] = (max(current.lost, lost), max(current.received, received))
            if let nanoseconds = track["rtt"]?.doubleValue, nanoseconds.isFinite, nanoseconds >= 1000 {
                rtt = max(rtt ?? 0, Int64(min(nanoseconds / 1000, Double(Self.maxUs)).rounded(.down)))
            }
        }
        let quality: ConnectionQuality = switch stats?["conn_quality"]?.stringValue {
        case "good": .good
        case "bad": .bad
        default: .unknown
        }
        let report = Report(id: event.id, jitterUs: jitter, tracks: tracks, quality: quality, rttUs: rtt)
        if let existing = byTime[event.time], existing.id <= event.id { return }
        byTime[event.time] = report
        last = max(last, event.time)
    }

    mutating func merge(_ other: IngestReports) {
        for (time, report) in other.byTime where byTime[time].map({ report.id < $0.id }) ?? true { byTime[time] = report }
        last = max(last, other.last)
    }

    /// The nearest-rank `percent` percentile (⌈p × n⌉-th smallest) of `sorted`.
    static func percentile(_ sorted: [Int64], _ percent: Int) -> Int64? {
        guard !sorted.isEmpty else { return nil }
        let rank = (percent * sorted.count + 99) / 100
        return sorted[max(rank, 1) - 1]
    }

    /// The `ingest_` fields (absent when no report arrived).
    func set(_ builder: inout RecordBuilder) {
        guard !byTime.isEmpty else { return }
        let reports = Array(byTime.values)
        builder.set("ingest_samples", Int64(min(reports.count, 1_000_000_000)))
        let jitters = reports.compactMap(\.jitterUs).sorted()
        builder.set("ingest_jitter_p50_us", Self.percentile(jitters, 50))
        builder.set("ingest_jitter_p90_us", Self.percentile(jitters, 90))
        var perType: [String: (lost: Int64, received: Int64)] = [:]
        for report in reports {
            for (type, counts) in report.tracks {
                let current = perType[type] ?? (0, 0)
                perType[type] = (max(current.lost, counts.lost), max(current.received, counts.received))
            }
        }
        if !perType.isEmpty {
            // Each term is at most 10¹²; the sum is capped at the field's range as it grows.
            let lost = perType.values.reduce(Int64(0)) { min($0 + $1.lost, Self.maxPackets) }
            let received = perType.values.reduce(Int64(0)) { min($0 + $1.received, Self.maxPackets) }
            builder.set("ingest_packets_lost", lost)
            builder.set("ingest_packets_received", received)
            builder.set("ingest_loss_ppm", SessionCost.lossPPM(lost: lost, received: received))
        }
        let worst = reports.map(\.quality).max { $0.rank < $1.rank }!
        builder.set("ingest_conn_quality", worst.rawValue)
        builder.set("ingest_rtt_p50_us", Self.percentile(reports.compactMap(\.rttUs).sorted(), 50))
    }
}

extension ConnectionQuality {
    /// Worse is greater: good, unknown, bad.
    var rank: Int { Self.allCases.firstIndex(of: self)! }
}
