import AssayCore
import AssayCrypto

/// Integer arithmetic of spec/scoring.md §2: millionths, halves rounded up.
enum Fixed {
    static let one: Int64 = 1_000_000

    static func div(_ a: Int64, _ b: Int64) -> Int64 { (2 * a + b) / (2 * b) }
    static func rate(_ n: Int64, _ d: Int64) -> Int64 { div(n * one, d) }
    static func mix(_ terms: (weight: Int64, value: Int64)...) -> Int64 {
        div(terms.reduce(0) { $0 + $1.weight * $1.value }, one)
    }

    /// Nearest-rank percentile of values sorted ascending.
    static func percentile(_ sorted: [Int64], _ p: Int64) -> Int64? {
        guard !sorted.isEmpty else { return nil }
        let n = Int64(sorted.count)
        let rank = max(1, (p * n + 99) / 100)
        return sorted[Int(rank - 1)]
    }

    /// `971234` → `"97.1234"`.
    static func points(_ score: Int64) -> String {
        let whole = score / 10_000, fraction = String(score % 10_000)
        return "\(whole).\(String(repeating: "0", count: 4 - fraction.count))\(fraction)"
    }
}

/// Derives SLA scores from the records of a bundle set (spec/scoring.md).
/// Feed every bundle with `add(bundle:)` and every record line of it with
/// `add(line:)`, then `output()`: the order of bundles and records never
/// matters, and the same record seen in several bundles counts once.
public final class Scorer {
    public let profile: ScoringProfile
    public let window: ClosedRange<UTCDay>
    public let benchmarkDays: ClosedRange<UTCDay>
    var bundles: Set<BundleName> = []
    /// (observer_id, id) → the record, or every version's hash once a second version made it a conflict.
    var records: [RecordIdentity: Entry] = [:]
    enum Entry {
        case single(hash: String, record: Record)
        case conflict(Set<String>)
    }
    /// Distinct (identity, bytes) pairs: `read − distinct` copies were duplicates, whatever the order.
    var distinct = 0
    var read = 0
    var duplicates: Int { read - distinct }

    struct BundleName: Hashable, Comparable {
        let collector: String
        let day: UTCDay
        let manifest: String
        static func < (a: Self, b: Self) -> Bool {
            a.collector != b.collector ? CanonicalJSON.utf16Less(a.collector, b.collector)
                : a.day != b.day ? a.day < b.day : a.manifest < b.manifest
        }
    }
    struct RecordIdentity: Hashable { let observer: String, id: String }

    public init(profile: ScoringProfile, lastDay: UTCDay, days: Int) {
        self.profile = profile
        let first = UTCDay(number: lastDay.number - days + 1)
        window = first...lastDay
        benchmarkDays = UTCDay(number: first.number - profile.benchmarkDays)...UTCDay(number: first.number - 1)
    }

    /// All the days whose bundles the scorer needs: the benchmark days and the window.
    public var daysNeeded: ClosedRange<UTCDay> { benchmarkDays.lowerBound...window.upperBound }

    public func add(bundle collector: String, day: UTCDay, manifestSHA256: String) {
        bundles.insert(BundleName(collector: collector, day: day, manifest: manifestSHA256))
    }

    /// One record (already verified, as in a bundle's `records.jsonl`).
    public func add(_ record: Record, canonical: [UInt8]) {
        guard record.kind != .probe else { return }
        read += 1
        let identity = RecordIdentity(observer: record.observerID, id: record.id)
        let hash = Hasher.sha256(canonical).hex
        switch records[identity] {
        case nil:
            records[identity] = .single(hash: hash, record: record)
            distinct += 1
        case .single(let existing, _) where existing == hash:
            break
        case .single(let existing, _):
            records[identity] = .conflict([existing, hash])
            distinct += 1
        case .conflict(var hashes):
            if hashes.insert(hash).inserted { distinct += 1 }
            records[identity] = .conflict(hashes)
        }
    }

    // MARK: - Jobs (§4)

    struct Job {
        let kind: RecordKind
        let fields: [String: JSONValue]
        var day: UTCDay { UTCDay(containing: int("start_ms") ?? 0) }
        func int(_ name: String) -> Int64? { if case .integer(let value)? = fields[name] { value } else { nil } }
        func string(_ name: String) -> String? { if case .string(let value)? = fields[name] { value } else { nil } }
        var success: Bool { if case .bool(let value)? = fields["success"] { value } else { false } }
    }

    struct JobKey: Hashable {
        let kind: RecordKind
        let parts: [String]
    }

    /// Jobs from the unique records, and the disagreements of matched pairs per orchestrator.
    func jobs() -> (jobs: [Job], disagreements: [String: Disagreements], conflicts: Int, ambiguous: Int) {
        var conflicts = 0
        var jobs: [Job] = []
        var keyed: [JobKey: (gateway: [(String, Record)], orchestrator: [(String, Record)])] = [:]
        for (_, entry) in records {
            guard case .single(let hash, let record) = entry else { conflicts += 1; continue }
            let role = record["observer_role"]?.stringValue
            guard record.kind != .byocJob, let orchestrator = record["orchestrator"]?.stringValue,
                  role == "gateway" || role == "orchestrator" else {
                jobs.append(Job(kind: record.kind, fields: Self.fields(record)))
                continue
            }
            var parts = [orchestrator, record["request_id"]?.stringValue ?? ""]
            if record.kind == .liveSession {
                parts += [record["stream_id"]?.stringValue ?? "", String(Self.integer(record["attempt"]) ?? 0)]
            }
            let key = JobKey(kind: record.kind, parts: parts)
            if role == "gateway" { keyed[key, default: ([], [])].gateway.append((hash, record)) } else {
                keyed[key, default: ([], [])].orchestrator.append((hash, record))
            }
        }
        var ambiguous = 0
        var disagreements: [String: Disagreements] = [:]
        for (key, roles) in keyed {
            ambiguous += max(0, roles.gateway.count - 1) + max(0, roles.orchestrator.count - 1)
            let gateway = roles.gateway.min { $0.0 < $1.0 }?.1
            let orchestrator = roles.orchestrator.min { $0.0 < $1.0 }?.1
            guard let gateway, let orchestrator else {
                jobs.append(Job(kind: key.kind, fields: Self.fields((gateway ?? orchestrator)!)))
                continue
            }
            var fields = Self.fields(gateway)
            let other = Self.fields(orchestrator)
            for (field, role) in profile.sources[key.kind] ?? [] {
                let preferred = role == "gateway" ? fields[field] : other[field]
                let fallback = role == "gateway" ? other[field] : fields[field]
                fields[field] = preferred ?? fallback
            }
            let job = Job(kind: key.kind, fields: fields)
            jobs.append(job)
            guard window.contains(job.day) else { continue }
            let verdict = key.kind == .liveSession ? "outcome" : "success"
            var counts = disagreements[key.parts[0], default: Disagreements()]
            counts.matched += 1
            if gateway[verdict] != orchestrator[verdict] {
                counts.verdictDiffers += 1
                if orchestrator[verdict] == .string("completed") || orchestrator[verdict] == .bool(true) { counts.overReports += 1 }
            }
            disagreements[key.parts[0]] = counts
        }
        return (jobs, disagreements, conflicts, ambiguous)
    }

    static func fields(_ record: Record) -> [String: JSONValue] {
        guard case .object(let members) = record.value else { return [:] }
        return Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    static func integer(_ value: JSONValue?) -> Int64? { if case .integer(let number)? = value { number } else { nil } }

    struct Disagreements {
        var matched: Int64 = 0
        var verdictDiffers: Int64 = 0
        var overReports: Int64 = 0
    }

    // MARK: - Groups (§5–§7)

    /// A (pipeline, model) pair, or (kind, pipeline, model) for jobs; nil model sorts first.
    struct GroupKey: Hashable, Comparable {
        let kind: RecordKind
        let pipeline: String
        let model: String?
        static func < (a: Self, b: Self) -> Bool {
            if a.kind != b.kind { return a.kind.rawValue < b.kind.rawValue }
            if a.pipeline != b.pipeline { return CanonicalJSON.utf16Less(a.pipeline, b.pipeline) }
            switch (a.model, b.model) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?): return CanonicalJSON.utf16Less(x, y)
            }
        }
        var members: [JSONValue.Member] {
            var list: [JSONValue.Member] = [.init("pipeline", .string(pipeline)), .init("model", model.map { .string($0) } ?? .null)]
            if kind != .liveSession { list.append(.init("kind", .string(kind.rawValue))) }
            return list
        }
    }

    static func groupKey(_ job: Job) -> GroupKey {
        if job.kind == .byocJob { return GroupKey(kind: .byocJob, pipeline: "byoc", model: job.string("capability")) }
        return GroupKey(kind: job.kind, pipeline: job.string("pipeline") ?? "", model: job.string("model_id"))
    }

    /// The values one group or sub-group accumulates.
    struct Accumulator {
        var n: Int64 = 0
        var startupOK: Int64 = 0, noSwap: Int64 = 0, viable: Int64 = 0
        var samples: Int64 = 0, expected: Int64 = 0
        var outcomes: [String: Int64] = [:]
        var successes: Int64 = 0
        var ptff: [Int64] = [], e2e: [Int64] = [], fps: [Int64] = [], latency: [Int64] = []

        mutating func add(_ job: Job, latencyField: String?) {
            n += 1
            if job.kind == .liveSession {
                let outcome = job.string("outcome") ?? ""
                outcomes[outcome, default: 0] += 1
                if outcome != "startup_failed" { startupOK += 1 }
                if job.int("swap_count") == 0 { noSwap += 1 }
                if outcome == "completed" || outcome == "swapped" { viable += 1 }
                if let expectedSamples = job.int("status_samples_expected"), expectedSamples > 0 {
                    expected += expectedSamples
                    samples += job.int("status_samples") ?? 0
                }
                if let value = job.int("ptff_ms") { ptff.append(value) }
                if let value = job.int("e2e_latency_ms") { e2e.append(value) }
                if let value = job.int("output_fps_mfps") { fps.append(value) }
            } else {
                if job.success { successes += 1 }
                if let field = latencyField, let value = job.int(field) { latency.append(value) }
            }
        }
    }

    struct Benchmark {
        var ptff: [Int64] = [], e2e: [Int64] = [], fps: [Int64] = [], latency: [Int64] = []
        mutating func sort() { ptff.sort(); e2e.sort(); fps.sort(); latency.sort() }
    }

    /// The output (spec/scoring.md §9): canonical JSON and a newline.
    public func output(verified: Bool) -> [UInt8] {
        let (jobs, disagreements, conflicts, ambiguous) = jobs()
        var benchmarks: [GroupKey: Benchmark] = [:]
        var groups: [String: [GroupKey: (all: Accumulator, regions: [String: Accumulator])]] = [:]
        var excused: Int64 = 0
        for job in jobs {
            let day = job.day
            let key = Self.groupKey(job)
            let latencyField = profile.latencyField[job.kind]
            if benchmarkDays.contains(day) {
                var benchmark = benchmarks[key, default: Benchmark()]
                if job.kind == .liveSession {
                    if let value = job.int("ptff_ms") { benchmark.ptff.append(value) }
                    if let value = job.int("e2e_latency_ms") { benchmark.e2e.append(value) }
                    if let value = job.int("output_fps_mfps") { benchmark.fps.append(value) }
                } else if let latencyField, let value = job.int(latencyField) {
                    benchmark.latency.append(value)
                }
                benchmarks[key] = benchmark
            }
            guard window.contains(day) else { continue }
            guard let orchestrator = job.string("orchestrator") else {
                if job.kind == .liveSession { excused += 1 }
                continue
            }
            var entry = groups[orchestrator, default: [:]][key, default: (Accumulator(), [:])]
            entry.all.add(job, latencyField: latencyField)
            if let region = job.string("region") { entry.regions[region, default: Accumulator()].add(job, latencyField: latencyField) }
            groups[orchestrator, default: [:]][key] = entry
        }
        for key in benchmarks.keys { benchmarks[key]!.sort() }

        var orchestratorList: [JSONValue] = []
        for orchestrator in groups.keys.sorted(by: CanonicalJSON.utf16Less) {
            var live: [JSONValue] = [], other: [JSONValue] = []
            var weighted = (live: (sum: Int64(0), n: Int64(0)), other: (sum: Int64(0), n: Int64(0)))
            var total = Accumulator()
            var failures: Int64 = 0
            var e2e: [Int64] = []
            for (key, entry) in groups[orchestrator]!.sorted(by: { $0.key < $1.key }) {
                let benchmark = benchmarks[key] ?? Benchmark()
                let (row, score) = self.row(key: key, entry.all, benchmark: benchmark)
                let regions = entry.regions.keys.sorted(by: CanonicalJSON.utf16Less).map { region in
                    JSONValue.object([.init("region", .string(region))] + self.row(key: nil, entry.regions[region]!, kind: key.kind, benchmark: benchmark).members)
                }
                let value = JSONValue.object(key.members + row + [.init("regions", .array(regions))])
                if key.kind == .liveSession {
                    live.append(value)
                    weighted.live.sum += score * entry.all.n
                    weighted.live.n += entry.all.n
                    failures += entry.all.n - (entry.all.outcomes["completed"] ?? 0)
                    e2e += entry.all.e2e
                } else {
                    other.append(value)
                    weighted.other.sum += score * entry.all.n
                    weighted.other.n += entry.all.n
                    failures += entry.all.n - entry.all.successes
                }
                total.n += entry.all.n
            }
            let mean = weighted.live.n > 0 ? Fixed.div(weighted.live.sum, weighted.live.n) : Fixed.div(weighted.other.sum, weighted.other.n)
            let counts = disagreements[orchestrator] ?? Disagreements()
            orchestratorList.append(.object([
                .init("orchestrator", .string(orchestrator)),
                .init("live", .array(live)),
                .init("jobs", .array(other)),
                .init("disagreements", .object([.init("matched", .integer(counts.matched)), .init("verdict_differs", .integer(counts.verdictDiffers)),
                                                .init("over_reports", .integer(counts.overReports))])),
                .init("slo", slo(jobs: total.n, failures: failures, e2e: e2e.sorted(), score: mean)),
            ]))
        }

        var liveBenchmarks: [JSONValue] = [], jobBenchmarks: [JSONValue] = []
        let used = Set(groups.values.flatMap(\.keys))
        for key in used.sorted() {
            let benchmark = benchmarks[key] ?? Benchmark()
            if key.kind == .liveSession {
                liveBenchmarks.append(.object(key.members + [
                    .init("ptff", stats(benchmark.ptff, ("p50", profile.latencyGood), ("p90", profile.latencyBad))),
                    .init("e2e", stats(benchmark.e2e, ("p50", profile.latencyGood), ("p90", profile.latencyBad))),
                    .init("fps", stats(benchmark.fps, ("p10", profile.fpsBad), ("p50", profile.fpsGood))),
                ]))
            } else {
                jobBenchmarks.append(.object(key.members + [.init("latency", stats(benchmark.latency, ("p50", profile.latencyGood), ("p90", profile.latencyBad)))]))
            }
        }
        let scores = JSONValue.object([
            .init("window", .object([.init("first_day", .string(window.lowerBound.description)), .init("last_day", .string(window.upperBound.description)),
                                     .init("days", .integer(Int64(window.upperBound.number - window.lowerBound.number + 1)))])),
            .init("benchmark_days", .object([.init("first_day", .string(benchmarkDays.lowerBound.description)),
                                             .init("last_day", .string(benchmarkDays.upperBound.description))])),
            .init("excused", .integer(excused)),
            .init("benchmarks", .object([.init("live", .array(liveBenchmarks)), .init("jobs", .array(jobBenchmarks))])),
            .init("orchestrators", .array(orchestratorList)),
        ])
        let inputs = JSONValue.object([
            .init("bundles", .array(bundles.sorted().map { bundle in
                .object([.init("collector", .string(bundle.collector)), .init("day", .string(bundle.day.description)),
                         .init("manifest_sha256", .string(bundle.manifest))])
            })),
            .init("records", .object([.init("read", .integer(Int64(read))), .init("duplicates", .integer(Int64(duplicates))),
                                      .init("conflicts", .integer(Int64(conflicts))), .init("ambiguous", .integer(Int64(ambiguous)))])),
            .init("verified", .bool(verified)),
        ])
        let document = JSONValue.object([
            .init("inputs", inputs),
            .init("profile", .object([.init("id", .string(profile.id)), .init("sha256", .string(profile.sha256))])),
            .init("scores", scores),
        ])
        return ((try? CanonicalJSON.encode(document)) ?? []) + [0x0A]
    }

    func stats(_ sorted: [Int64], _ first: (String, Int64), _ second: (String, Int64)) -> JSONValue {
        .object([.init("rows", .integer(Int64(sorted.count))),
                 .init(first.0, Fixed.percentile(sorted, first.1).map { .integer($0) } ?? .null),
                 .init(second.0, Fixed.percentile(sorted, second.1).map { .integer($0) } ?? .null)])
    }

    /// A component of §6 from a group's samples against its benchmark's percentiles; `higherIsBetter` for FPS.
    func component(_ samples: [Int64], benchmark: [Int64], goodPercentile: Int64, badPercentile: Int64, higherIsBetter: Bool)
        -> (value: Int64, json: JSONValue) {
        let sorted = samples.sorted()
        let median = Fixed.percentile(sorted, 50)
        let n = Int64(sorted.count)
        var value: Int64 = 500_000
        if let median, Int64(benchmark.count) >= profile.benchmarkMinRows,
           let good = Fixed.percentile(benchmark, goodPercentile), let bad = Fixed.percentile(benchmark, badPercentile) {
            let score: Int64
            if higherIsBetter {
                score = median >= good ? Fixed.one : median <= bad ? 0 : Fixed.div((median - bad) * Fixed.one, good - bad)
            } else {
                score = median <= good ? Fixed.one : median >= bad ? 0 : Fixed.div((bad - median) * Fixed.one, bad - good)
            }
            let m = profile.minSamples
            value = n < m ? Fixed.div(n * score + (m - n) * 500_000, m) : score
        }
        return (value, .object([.init("samples", .integer(n)), .init("median", median.map { .integer($0) } ?? .null),
                                .init("score", .integer(value))]))
    }

    /// The members of one group's row and its score.
    func row(key: GroupKey?, _ group: Accumulator, kind: RecordKind? = nil, benchmark: Benchmark) -> (members: [JSONValue.Member], score: Int64) {
        let kind = key?.kind ?? kind!
        let w = profile.live
        if kind == .liveSession {
            let startup = Fixed.rate(group.startupOK, group.n), noSwap = Fixed.rate(group.noSwap, group.n)
            let viability = Fixed.rate(group.viable, group.n)
            let reliability = Fixed.mix((w["startup_success"]!, startup), (w["no_swap"]!, noSwap), (w["output_viability"]!, viability))
            let ptff = component(group.ptff, benchmark: benchmark.ptff, goodPercentile: profile.latencyGood, badPercentile: profile.latencyBad, higherIsBetter: false)
            let e2e = component(group.e2e, benchmark: benchmark.e2e, goodPercentile: profile.latencyGood, badPercentile: profile.latencyBad, higherIsBetter: false)
            let fps = component(group.fps, benchmark: benchmark.fps, goodPercentile: profile.fpsGood, badPercentile: profile.fpsBad, higherIsBetter: true)
            let latency = Fixed.mix((w["ptff"]!, ptff.value), (w["e2e"]!, e2e.value))
            let quality = Fixed.mix((w["latency"]!, latency), (w["fps"]!, fps.value))
            let coverage = group.expected > 0 ? min(Fixed.rate(group.samples, group.expected), Fixed.one) : Fixed.one
            let score = Fixed.div(coverage * Fixed.mix((w["reliability"]!, reliability), (w["quality"]!, quality)), Fixed.one)
            let outcomes = ["completed", "loading_only", "no_output", "startup_failed", "swapped", "zero_fps"].map {
                JSONValue.Member($0, .integer(group.outcomes[$0] ?? 0))
            }
            return ([.init("sessions", .integer(group.n)), .init("score", .integer(score)), .init("sla", .string(Fixed.points(score))),
                     .init("coverage", .integer(coverage)), .init("status_samples", .integer(group.samples)),
                     .init("status_samples_expected", .integer(group.expected)),
                     .init("reliability", .integer(reliability)), .init("startup_success", .integer(startup)),
                     .init("no_swap", .integer(noSwap)), .init("output_viability", .integer(viability)),
                     .init("quality", .integer(quality)), .init("latency", .integer(latency)),
                     .init("ptff", ptff.json), .init("e2e", e2e.json), .init("fps", fps.json),
                     .init("outcomes", .object(outcomes))], score)
        }
        let success = Fixed.rate(group.successes, group.n)
        let latency = component(group.latency, benchmark: benchmark.latency, goodPercentile: profile.latencyGood, badPercentile: profile.latencyBad, higherIsBetter: false)
        let score = Fixed.mix((profile.jobSuccess, success), (profile.jobLatency, latency.value))
        return ([.init("jobs", .integer(group.n)), .init("successes", .integer(group.successes)), .init("success", .integer(success)),
                 .init("latency", latency.json), .init("score", .integer(score)), .init("sla", .string(Fixed.points(score)))], score)
    }

    func slo(jobs: Int64, failures: Int64, e2e: [Int64], score: Int64) -> JSONValue {
        let rate = Fixed.rate(failures, jobs)
        let rateOK = rate < profile.maxFailureRate
        let e2eValue = Fixed.percentile(e2e, profile.sloE2EPercentile)
        let e2eOK = e2eValue.map { $0 <= profile.sloE2EMs }
        let scoreOK = score >= profile.minScore
        let budget = Fixed.one - Fixed.div(rate * Fixed.one, profile.maxFailureRate)
        return .object([
            .init("jobs", .integer(jobs)), .init("failures", .integer(failures)), .init("failure_rate", .integer(rate)),
            .init("failure_rate_ok", .bool(rateOK)),
            .init("e2e_ms", e2eValue.map { .integer($0) } ?? .null), .init("e2e_ok", e2eOK.map { .bool($0) } ?? .null),
            .init("score", .integer(score)), .init("score_ok", .bool(scoreOK)),
            .init("error_budget_remaining", .integer(budget)),
            .init("compliant", .bool(rateOK && e2eOK != false && scoreOK)),
        ])
    }
}
