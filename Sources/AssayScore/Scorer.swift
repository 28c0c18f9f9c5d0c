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

    /// The bound of saturating sums and products (spec/scoring.md §11.4): 2⁶¹.
    static let saturation: Int64 = 1 << 61

    /// a + b for 0 ≤ a, b ≤ 2⁶¹, at most 2⁶¹.
    static func saturating(_ a: Int64, plus b: Int64) -> Int64 { min(a + b, saturation) }

    /// a × b for a, b ≥ 0, at most 2⁶¹.
    static func saturating(_ a: Int64, times b: Int64) -> Int64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? saturation : min(product, saturation)
    }

    /// The latency score of §6 and §11.5: 1 at or below `good`, 0 at or above `bad`, linear between.
    static func latencyScore(_ v: Int64, good: Int64, bad: Int64) -> Int64 {
        v <= good ? one : v >= bad ? 0 : div((bad - v) * one, bad - good)
    }

    /// The FPS score of §6 and §11.5: 1 at or above `good`, 0 at or below `bad`, linear between.
    static func fpsScore(_ v: Int64, bad: Int64, good: Int64) -> Int64 {
        v >= good ? one : v <= bad ? 0 : div((v - bad) * one, good - bad)
    }

    /// `971234` → `"97.1234"`.
    static func points(_ score: Int64) -> String {
        let whole = score / 10_000, fraction = String(score % 10_000)
        return "\(whole).\(String(repeating: "0", count: 4 - fraction.count))\(fraction)"
    }
}

/// The fields of a record that scoring uses, compact: strings that repeat
/// (addresses, pipelines, models, regions) as indexes into a table, absent
/// integers as −1 (every scored field is non-negative). A bundle set of N
/// records costs about 150 bytes per record here instead of the parsed tree.
struct Observation {
    var kind: RecordKind
    /// 0 gateway, 1 orchestrator, 2 other.
    var role: UInt8
    /// SHA-256 of the canonical bytes, as four big-endian words (compares like the hex).
    var digest: (UInt64, UInt64, UInt64, UInt64)
    var orchestrator: Int32
    var pipeline: Int32
    var model: Int32
    var region: Int32
    var startMs: Int64
    /// The fields `sources` may name, in `ScoredField` order; −1 when absent.
    var values = FieldValues()
    /// The job key of spec/scoring.md §4; nil for records that are never matched.
    var jobKey: Key128?
    /// A gateway's live session: an index into `Scorer.evidence` (spec/scoring.md §11.2); −1 otherwise.
    var evidence: Int32 = -1

    func value(_ field: ScoredField) -> Int64? {
        let value = values[field.rawValue]
        return value < 0 ? nil : value
    }
    var outcome: LiveOutcome? { value(.outcome).map { LiveOutcome.ordered[Int($0)] } }
    var success: Bool { values[ScoredField.success.rawValue] == 1 }
    var day: UTCDay { UTCDay(containing: startMs) }
}

/// 128 bits of a SHA-256: identities and job keys without keeping their strings.
struct Key128: Hashable, Comparable, Sendable {
    let high: UInt64, low: UInt64
    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }
    static func < (a: Key128, b: Key128) -> Bool { a.high != b.high ? a.high < b.high : a.low < b.low }
}

extension Array {
    /// The ranges of neighbouring elements that `same` puts together, in order: on an array sorted so
    /// that they are neighbours, each group's elements.
    func runs(_ same: (Element, Element) -> Bool) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start = 0
        while start < count {
            var end = start + 1
            while end < count && same(self[start], self[end]) { end += 1 }
            runs.append(start..<end)
            start = end
        }
        return runs
    }
}

/// The values of the scored fields, stored inline (no heap array per record) in 32 bits each: every
/// scored field is a non-negative integer below 2³² (the largest, duration_ms, is at most 2 592 000 000;
/// spec/records.md §3), and an absent value is stored as 2³² − 1.
struct FieldValues: Sendable {
    private var stored = InlineArray<10, UInt32>(repeating: UInt32.max)

    /// The value, −1 when absent.
    subscript(index: Int) -> Int64 {
        get { stored[index] == UInt32.max ? -1 : Int64(stored[index]) }
        set { stored[index] = newValue < 0 ? UInt32.max : UInt32(newValue) }  // a validated record's value: 0 ≤ newValue < 2³² − 1
    }

    var outcome: Int64 {
        get { self[ScoredField.outcome.rawValue] }
        set { self[ScoredField.outcome.rawValue] = newValue }
    }

    var success: Int64 {
        get { self[ScoredField.success.rawValue] }
        set { self[ScoredField.success.rawValue] = newValue }
    }
}

/// The fields a profile's `sources` may name (spec/scoring.md §1).
enum ScoredField: Int, CaseIterable {
    case outcome, swapCount, ptff, e2e, fps, statusSamples, statusSamplesExpected, success, duration, ttft
    static let names = ["outcome", "swap_count", "ptff_ms", "e2e_latency_ms", "output_fps_mfps", "status_samples", "status_samples_expected",
                        "success", "duration_ms", "ttft_ms"]
    static let byName = Dictionary(uniqueKeysWithValues: zip(names, allCases))
    var name: String { Self.names[rawValue] }
    static func named(_ name: String) -> ScoredField? { byName[name] }
}

/// Derives SLA scores from the records of a bundle set (spec/scoring.md).
/// Feed every bundle with `add(bundle:)` and every record line of it with
/// `add(_:canonical:)`, then `output()`: the order of bundles and records never
/// matters, and the same record seen in several bundles counts once.
public final class Scorer {
    public let profile: ScoringProfile
    public let window: ClosedRange<UTCDay>
    public let benchmarkDays: ClosedRange<UTCDay>
    var bundles: Set<BundleName> = []
    /// (observer_id, id), as the first 128 bits of SHA-256(observer_id 0x00 id) → its one version (an index
    /// into `observations`, ≥ 0) or its versions in conflict (−1 − an index into `conflicts`).
    var records: [Key128: Int32] = [:]
    /// The versions (second halves of their SHA-256) of each identity in conflict.
    var conflicts: [Set<Key128>] = []
    /// Every distinct observation once; jobs are indexes into it.
    var observations = ChunkedArray<Observation>()
    /// The session evidence of gateways' live sessions, for the session-hour method (§11).
    var evidence = ChunkedArray<LiveEvidence>()
    /// The status hours of every evidence, one after the other (`LiveEvidence.hours` are ranges of it).
    var statusHours = ChunkedArray<LiveEvidence.Hour>()
    var strings: [String] = []
    var stringIndex: [String: Int32] = [:]
    /// The job tester's records (spec/scoring.md §13), apart from everything scored.
    var testers = TesterBoard()
    var read = 0
    /// Distinct (identity, bytes) pairs: `read − distinct` copies were duplicates, whatever the order.
    var distinct = 0
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

    func intern(_ value: String?) -> Int32 {
        guard let text = value else { return -1 }
        if let index = stringIndex[text] { return index }
        let index = Int32(strings.count)
        strings.append(text)
        stringIndex[text] = index
        return index
    }

    /// One record line (already verified, as in a bundle's `records.jsonl`): a valid record in canonical form.
    public func add(line: [UInt8]) throws(ScoreError) {
        let preparer = RecordPreparer()
        var failure: ScoreError?
        line.withUnsafeBytes { bytes in
            do throws(ScoreError) { try preparer.add(line: bytes, number: 1, path: "the line") } catch { failure = error }
        }
        if let failure { throw failure }
        add(preparer.take())
    }

    /// What scoring keeps of one record, computed without the scorer's state (so on any thread).
    public struct PreparedRecord: Sendable {
        let identity: Key128
        let digest: (UInt64, UInt64, UInt64, UInt64)
        let kind: RecordKind
        let role: UInt8
        /// Indexes into the strings of the record's batch (`PreparedRecords`), −1 when absent.
        let orchestrator: Int32, pipeline: Int32, model: Int32, region: Int32
        let startMs: Int64
        let values: FieldValues
        let jobKey: Key128?
        let evidence: LiveEvidence?
    }

    /// Adds prepared records: each distinct string of the batch is interned once.
    public func add(_ batch: PreparedRecords) {
        let strings = batch.strings.map { intern($0) }
        for record in batch.records { add(record, strings: strings, hours: batch.hours) }
        for test in batch.testJobs { testers.add(identity: test.identity, version: test.version, test.job) }
    }

    /// Adds a prepared record whose strings are `strings` (the scorer's indexes of its batch's strings) and
    /// whose status hours are in `hours` (its batch's).
    func add(_ prepared: PreparedRecord, strings: [Int32], hours: [LiveEvidence.Hour]) {
        read += 1
        let digest = prepared.digest
        let version = Key128(high: digest.2, low: digest.3)
        func string(_ index: Int32) -> Int32 { index < 0 ? -1 : strings[Int(index)] }
        guard let entry = records[prepared.identity] else {
            records[prepared.identity] = Int32(observations.count)
            var observation = Observation(kind: prepared.kind, role: prepared.role, digest: digest, orchestrator: string(prepared.orchestrator),
                                          pipeline: string(prepared.pipeline), model: string(prepared.model), region: string(prepared.region),
                                          startMs: prepared.startMs, values: prepared.values, jobKey: prepared.jobKey)
            // Only the session-hour method reads the evidence: the attempt method does not keep it.
            if profile.method == .naapSessionHours, var evidence = prepared.evidence {
                evidence.gpu = string(evidence.gpu)
                let first = statusHours.count
                for hour in hours[evidence.hours] { statusHours.append(hour) }
                evidence.hours = first..<statusHours.count
                observation.evidence = Int32(self.evidence.count)
                self.evidence.append(evidence)
            }
            observations.append(observation)
            distinct += 1
            return
        }
        if entry >= 0 {
            let other = observations[Int(entry)].digest
            guard other != digest else { return }
            records[prepared.identity] = -1 - Int32(conflicts.count)
            conflicts.append([Key128(high: other.2, low: other.3), version])
            distinct += 1
        } else if conflicts[Int(-1 - entry)].insert(version).inserted {
            distinct += 1
        }
    }

    // MARK: - Jobs (§4)

    /// Jobs (indexes into `observations`): the gateways' records (spec/scoring.md §4); orchestrators' records
    /// only matched against them, for the disagreements per orchestrator.
    func jobs() -> (jobs: [Int32], disagreements: [Int32: Disagreements], conflicts: Int, ambiguous: Int) {
        var jobs: [Int32] = []
        jobs.reserveCapacity(records.count)
        // Records with a job key, sorted by key, then gateways before orchestrators, then by record hash:
        // each key's records are one run, its first gateway record and first orchestrator record the ones matched.
        var keyed: [(key: Key128, index: Int32)] = []
        for index in records.values where index >= 0 {
            let observation = observations[Int(index)]
            guard let key = observation.jobKey else {
                if observation.role == 0 { jobs.append(index) }
                continue
            }
            keyed.append((key, index))
        }
        keyed.sort { a, b in
            if a.key != b.key { return a.key < b.key }
            let x = observations[Int(a.index)], y = observations[Int(b.index)]
            return x.role != y.role ? x.role < y.role : x.digest < y.digest
        }
        var ambiguous = 0
        var disagreements: [Int32: Disagreements] = [:]
        for range in keyed.runs({ $0.key == $1.key }) {
            let run = keyed[range]
            let gateways = run.prefix { observations[Int($0.index)].role == 0 }.count
            let orchestrators = run.count - gateways
            ambiguous += max(0, gateways - 1) + max(0, orchestrators - 1)
            // An orchestrator's record without a gateway's is its claim alone: not a job.
            guard gateways > 0 else { continue }
            let gatewayIndex = keyed[range.lowerBound].index
            jobs.append(gatewayIndex)
            guard orchestrators > 0 else { continue }
            let gateway = observations[Int(gatewayIndex)], orchestrator = observations[Int(keyed[range.lowerBound + gateways].index)]
            guard window.contains(gateway.day) else { continue }
            let verdict: ScoredField = gateway.kind == .liveSession ? .outcome : .success
            var counts = disagreements[gateway.orchestrator, default: Disagreements()]
            counts.matched += 1
            let claimed = orchestrator.values[verdict.rawValue], observed = gateway.values[verdict.rawValue]
            if claimed != observed {
                counts.verdictDiffers += 1
                let better = verdict == .outcome ? Int64(LiveOutcome.completed.ordinal) : 1
                if claimed == better { counts.overReports += 1 }
            }
            disagreements[gateway.orchestrator] = counts
        }
        return (jobs, disagreements, conflicts.count, ambiguous)
    }

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
            return Scorer.nullFirstLess(a.model, b.model)
        }
        var members: [JSONValue.Member] {
            var list: [JSONValue.Member] = [.init("pipeline", .string(pipeline)), .init("model", model.map { .string($0) } ?? .null)]
            if kind != .liveSession { list.append(.init("kind", .string(kind.rawValue))) }
            return list
        }
    }

    func groupKey(_ job: Observation) -> GroupKey {
        GroupKey(kind: job.kind, pipeline: job.pipeline < 0 ? "" : strings[Int(job.pipeline)], model: job.model < 0 ? nil : strings[Int(job.model)])
    }

    /// The values one group or sub-group accumulates.
    struct Accumulator {
        var n: Int64 = 0
        var startupOK: Int64 = 0, noSwap: Int64 = 0, viable: Int64 = 0
        var samples: Int64 = 0, expected: Int64 = 0
        var outcomes = [Int64](repeating: 0, count: LiveOutcome.allCases.count)
        var successes: Int64 = 0
        var ptff: [Int64] = [], e2e: [Int64] = [], fps: [Int64] = [], latency: [Int64] = []

        mutating func add(_ job: Observation, latencyField: ScoredField?) {
            n += 1
            if job.kind == .liveSession {
                let outcome = job.outcome
                if let outcome { outcomes[outcome.ordinal] += 1 }
                if outcome != .startupFailed { startupOK += 1 }
                if job.value(.swapCount) == 0 { noSwap += 1 }
                if outcome == .completed || outcome == .swapped { viable += 1 }
                if let expectedSamples = job.value(.statusSamplesExpected), expectedSamples > 0 {
                    expected += expectedSamples
                    samples += job.value(.statusSamples) ?? 0
                }
                if let value = job.value(.ptff) { ptff.append(value) }
                if let value = job.value(.e2e) { e2e.append(value) }
                if let value = job.value(.fps) { fps.append(value) }
            } else {
                if job.success { successes += 1 }
                if let field = latencyField, let value = job.value(field) { latency.append(value) }
            }
        }
    }

    struct Benchmark {
        var ptff: [Int64] = [], e2e: [Int64] = [], fps: [Int64] = [], latency: [Int64] = []
        mutating func sort() { ptff.sort(); e2e.sort(); fps.sort(); latency.sort() }
    }

    /// The output (spec/scoring.md §9): canonical JSON and a newline.
    /// `publication` adds the heads and exclusions of published scores (§10).
    public func output(verified: Bool, publication: PublicationInputs? = nil) -> [UInt8] {
        CanonicalJSON.encodeBuilt(document(verified: verified, publication: publication), "a scores document") + [0x0A]
    }

    /// The output as a JSON value (what `output` encodes), for callers that read it rather than publish it.
    public func document(verified: Bool, publication: PublicationInputs? = nil) -> JSONValue {
        let (jobs, disagreements, conflicts, ambiguous) = jobs()
        var scores = switch profile.method {
        case .assayAttempts: attemptScores(jobs: jobs, disagreements: disagreements)
        case .naapSessionHours: sessionHourScores(jobs: jobs, disagreements: disagreements)
        }
        // The tester leaderboard, under every profile, when the window has test jobs (§13).
        if let tested = testers.json(window: window), case .object(let members) = scores { scores = .object(members + [.init("tested", tested)]) }
        let inputs = JSONValue.object([
            .init("bundles", .array(bundles.sorted().map { bundle in
                .object([.init("collector", .string(bundle.collector)), .init("day", .string(bundle.day.description)),
                         .init("manifest_sha256", .string(bundle.manifest))])
            })),
        ] + (publication?.members ?? []) + [
            .init("records", .object([.init("read", .integer(Int64(read))), .init("duplicates", .integer(Int64(duplicates))),
                                      .init("conflicts", .integer(Int64(conflicts))), .init("ambiguous", .integer(Int64(ambiguous)))])),
            .init("verified", .bool(verified)),
        ])
        return JSONValue.object([
            .init("inputs", inputs),
            .init("profile", .object([.init("id", .string(profile.id)), .init("sha256", .string(profile.sha256))])),
            .init("scores", scores),
        ])
    }

    /// The window and benchmark days of `scores` (§9).
    var windowMembers: [JSONValue.Member] {
        [.init("window", .object([.init("first_day", .string(window.lowerBound.description)), .init("last_day", .string(window.upperBound.description)),
                                  .init("days", .integer(Int64(window.upperBound.number - window.lowerBound.number + 1)))])),
         .init("benchmark_days", .object([.init("first_day", .string(benchmarkDays.lowerBound.description)),
                                          .init("last_day", .string(benchmarkDays.upperBound.description))]))]
    }

    /// An orchestrator's `disagreements` member (§4).
    static func disagreementsJSON(_ counts: Disagreements) -> JSONValue {
        .object([.init("matched", .integer(counts.matched)), .init("verdict_differs", .integer(counts.verdictDiffers)),
                 .init("over_reports", .integer(counts.overReports))])
    }

    /// `scores` of the attempt method (§5–§8).
    func attemptScores(jobs: [Int32], disagreements: [Int32: Disagreements]) -> JSONValue {
        var benchmarks: [GroupKey: Benchmark] = [:]
        var groups: [Int32: [GroupKey: (all: Accumulator, regions: [Int32: Accumulator])]] = [:]
        var keys: [Int64: GroupKey] = [:]
        var excused: Int64 = 0
        for index in jobs {
            let job = observations[Int(index)]
            let day = job.day
            let packed = Int64(job.kind.ordinal) << 48 | Int64(job.pipeline + 1) << 24 | Int64(job.model + 1)
            let key = keys[packed] ?? { let key = groupKey(job); keys[packed] = key; return key }()
            let latencyField = profile.latencyField[job.kind]
            if benchmarkDays.contains(day) {
                // Mutated in place: a copy taken out and written back would copy the value arrays each time.
                if job.kind == .liveSession {
                    if let value = job.value(.ptff) { benchmarks[key, default: Benchmark()].ptff.append(value) }
                    if let value = job.value(.e2e) { benchmarks[key, default: Benchmark()].e2e.append(value) }
                    if let value = job.value(.fps) { benchmarks[key, default: Benchmark()].fps.append(value) }
                } else if let latencyField, let value = job.value(latencyField) {
                    benchmarks[key, default: Benchmark()].latency.append(value)
                }
            }
            guard window.contains(day) else { continue }
            let orchestrator = job.orchestrator
            guard orchestrator >= 0 else {
                if job.kind == .liveSession { excused += 1 }
                continue
            }
            groups[orchestrator, default: [:]][key, default: (Accumulator(), [:])].all.add(job, latencyField: latencyField)
            if job.region >= 0 {
                groups[orchestrator, default: [:]][key, default: (Accumulator(), [:])].regions[job.region, default: Accumulator()]
                    .add(job, latencyField: latencyField)
            }
        }
        for key in benchmarks.keys { benchmarks[key]!.sort() }

        var orchestratorList: [JSONValue] = []
        for orchestrator in groups.keys.sorted(by: { CanonicalJSON.utf16Less(strings[Int($0)], strings[Int($1)]) }) {
            var live: [JSONValue] = [], other: [JSONValue] = []
            var weighted = (live: (sum: Int64(0), n: Int64(0)), other: (sum: Int64(0), n: Int64(0)))
            var gaps: (live: EvidenceGaps, other: EvidenceGaps) = ([], [])
            var total = Accumulator()
            var failures: Int64 = 0
            var e2e: [Int64] = []
            for (key, entry) in groups[orchestrator]!.sorted(by: { $0.key < $1.key }) {
                let benchmark = benchmarks[key] ?? Benchmark()
                let (row, score, rowGaps) = self.row(key: key, entry.all, benchmark: benchmark)
                let regions = entry.regions.keys.sorted(by: { CanonicalJSON.utf16Less(strings[Int($0)], strings[Int($1)]) }).map { region in
                    JSONValue.object([.init("region", .string(strings[Int(region)]))] + self.row(key: nil, entry.regions[region]!, kind: key.kind, benchmark: benchmark).members)
                }
                let value = JSONValue.object(key.members + row + [.init("regions", .array(regions))])
                if key.kind == .liveSession {
                    live.append(value)
                    weighted.live.sum += score * entry.all.n
                    weighted.live.n += entry.all.n
                    gaps.live.formUnion(rowGaps)
                    failures += entry.all.n - entry.all.outcomes[LiveOutcome.completed.ordinal]
                    e2e += entry.all.e2e
                } else {
                    other.append(value)
                    weighted.other.sum += score * entry.all.n
                    weighted.other.n += entry.all.n
                    gaps.other.formUnion(rowGaps)
                    failures += entry.all.n - entry.all.successes
                }
                total.n += entry.all.n
            }
            let mean = weighted.live.n > 0 ? Fixed.div(weighted.live.sum, weighted.live.n) : Fixed.div(weighted.other.sum, weighted.other.n)
            orchestratorList.append(.object([
                .init("orchestrator", .string(strings[Int(orchestrator)])),
                .init("live", .array(live)),
                .init("jobs", .array(other)),
                .init("disagreements", Self.disagreementsJSON(disagreements[orchestrator] ?? Disagreements())),
                .init("slo", slo(jobs: total.n, failures: failures, e2e: Fixed.percentile(e2e.sorted(), profile.sloE2EPercentile ?? 90),
                                 score: mean, scoreGaps: weighted.live.n > 0 ? gaps.live : gaps.other)),
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
        return JSONValue.object(windowMembers + [
            .init("excused", .integer(excused)),
            .init("benchmarks", .object([.init("live", .array(liveBenchmarks)), .init("jobs", .array(jobBenchmarks))])),
            .init("orchestrators", .array(orchestratorList)),
        ])
    }

    func stats(_ sorted: [Int64], _ first: (String, Int64), _ second: (String, Int64)) -> JSONValue {
        .object([.init("rows", .integer(Int64(sorted.count))),
                 .init(first.0, Fixed.percentile(sorted, first.1).map { .integer($0) } ?? .null),
                 .init(second.0, Fixed.percentile(sorted, second.1).map { .integer($0) } ?? .null)])
    }

    /// A component of §6 from a group's samples against its benchmark's percentiles; `higherIsBetter` for FPS.
    func component(_ samples: [Int64], benchmark: [Int64], goodPercentile: Int64, badPercentile: Int64, higherIsBetter: Bool)
        -> (value: Int64, json: JSONValue, gaps: EvidenceGaps) {
        let sorted = samples.sorted()
        let median = Fixed.percentile(sorted, 50)
        let n = Int64(sorted.count)
        var value: Int64 = 500_000
        if let median, Int64(benchmark.count) >= profile.benchmarkMinRows,
           let good = Fixed.percentile(benchmark, goodPercentile), let bad = Fixed.percentile(benchmark, badPercentile) {
            let score = higherIsBetter ? Fixed.fpsScore(median, bad: bad, good: good) : Fixed.latencyScore(median, good: good, bad: bad)
            let m = profile.minSamples
            value = n < m ? Fixed.div(n * score + (m - n) * 500_000, m) : score
        }
        var gaps: EvidenceGaps = []
        if Int64(benchmark.count) < profile.benchmarkMinRows { gaps.insert(.thinBenchmark) }
        if n < profile.minSamples { gaps.insert(.fewSamples) }
        return (value, .object([.init("samples", .integer(n)), .init("median", median.map { .integer($0) } ?? .null),
                                .init("score", .integer(value))]), gaps)
    }

    /// The members of one group's row and its score.
    func row(key: GroupKey?, _ group: Accumulator, kind: RecordKind? = nil, benchmark: Benchmark)
        -> (members: [JSONValue.Member], score: Int64, gaps: EvidenceGaps) {
        let kind = key?.kind ?? kind!
        let w = profile.live
        if kind == .liveSession {
            let startup = Fixed.rate(group.startupOK, group.n), noSwap = Fixed.rate(group.noSwap, group.n)
            let viability = Fixed.rate(group.viable, group.n)
            let reliability = w.reliability(startup: startup, noSwap: noSwap, viability: viability)
            let ptff = component(group.ptff, benchmark: benchmark.ptff, goodPercentile: profile.latencyGood, badPercentile: profile.latencyBad, higherIsBetter: false)
            let e2e = component(group.e2e, benchmark: benchmark.e2e, goodPercentile: profile.latencyGood, badPercentile: profile.latencyBad, higherIsBetter: false)
            let fps = component(group.fps, benchmark: benchmark.fps, goodPercentile: profile.fpsGood, badPercentile: profile.fpsBad, higherIsBetter: true)
            let latency = w.latency(ptff: ptff.value, e2e: e2e.value)
            let quality = w.quality(latency: latency, fps: fps.value)
            let coverage = group.expected > 0 ? min(Fixed.rate(group.samples, group.expected), Fixed.one) : Fixed.one
            let score = w.score(coverage: coverage, reliability: reliability, quality: quality)
            let outcomes = LiveOutcome.allCases.filter { $0 != .noOrchestrator }.sorted { $0.rawValue < $1.rawValue }.map {
                JSONValue.Member($0.rawValue, .integer(group.outcomes[$0.ordinal]))
            }
            return ([.init("sessions", .integer(group.n)), .init("score", .integer(score)), .init("sla", .string(Fixed.points(score))),
                     .init("coverage", .integer(coverage)), .init("status_samples", .integer(group.samples)),
                     .init("status_samples_expected", .integer(group.expected)),
                     .init("reliability", .integer(reliability)), .init("startup_success", .integer(startup)),
                     .init("no_swap", .integer(noSwap)), .init("output_viability", .integer(viability)),
                     .init("quality", .integer(quality)), .init("latency", .integer(latency)),
                     .init("ptff", ptff.json), .init("e2e", e2e.json), .init("fps", fps.json),
                     .init("outcomes", .object(outcomes))], score, ptff.gaps.union(e2e.gaps).union(fps.gaps))
        }
        let success = Fixed.rate(group.successes, group.n)
        let latency = component(group.latency, benchmark: benchmark.latency, goodPercentile: profile.latencyGood, badPercentile: profile.latencyBad, higherIsBetter: false)
        let score = Fixed.mix((profile.jobSuccess, success), (profile.jobLatency, latency.value))
        return ([.init("jobs", .integer(group.n)), .init("successes", .integer(group.successes)), .init("success", .integer(success)),
                 .init("latency", latency.json), .init("score", .integer(score)), .init("sla", .string(Fixed.points(score)))], score, latency.gaps)
    }

    /// The SLO report of spec/scoring.md §8: each criterion, and a verdict that rests on evidence.
    /// `e2e`: the latency the profile's SLO judges (§8: a percentile; §11.6: the average), nil without values.
    func slo(jobs: Int64, failures: Int64, e2e e2eValue: Int64?, score: Int64, scoreGaps: EvidenceGaps) -> JSONValue {
        let rate = Fixed.rate(failures, jobs)
        let rateOK = rate < profile.maxFailureRate
        let e2eOK = e2eValue.map { $0 <= profile.sloE2EMs }
        // A score that rests on a placeholder ½ (thin benchmark, few samples) is no evidence either way.
        let scoreOK: Bool? = scoreGaps.isEmpty ? score >= profile.minScore : nil
        let budget = Fixed.one - Fixed.div(rate * Fixed.one, profile.maxFailureRate)
        let verdict = !rateOK || e2eOK == false || scoreOK == false ? "missed" : scoreOK == nil ? "not_judged" : "met"
        return .object([
            .init("jobs", .integer(jobs)), .init("failures", .integer(failures)), .init("failure_rate", .integer(rate)),
            .init("failure_rate_ok", .bool(rateOK)),
            .init("e2e_ms", e2eValue.map { .integer($0) } ?? .null), .init("e2e_ok", e2eOK.map { .bool($0) } ?? .null),
            .init("score", .integer(score)), .init("score_ok", scoreOK.map { .bool($0) } ?? .null),
            .init("error_budget_remaining", .integer(budget)),
            .init("verdict", .string(verdict)),
            .init("not_judged_because", .array(scoreGaps.names.map { .string($0) })),
        ])
    }
}

/// Why a score criterion rests on too little evidence to be judged (spec/scoring.md §8).
struct EvidenceGaps: OptionSet, Sendable {
    let rawValue: UInt8
    /// A component's benchmark had fewer than `benchmark_min_rows` values.
    static let thinBenchmark = EvidenceGaps(rawValue: 1)
    /// A component had fewer than `min_samples` samples.
    static let fewSamples = EvidenceGaps(rawValue: 2)

    /// The reason codes, in the order the spec lists them.
    var names: [String] {
        (contains(.fewSamples) ? ["few_samples"] : []) + (contains(.thinBenchmark) ? ["thin_benchmark"] : [])
    }
}

/// Prepares records for a scorer on one thread, into a batch (`take()`): one hasher for every digest
/// and key (no hashing context or array is allocated per record), and each distinct string of the
/// batch made once.
public final class RecordPreparer {
    let hasher = MessageDigest(.sha256)
    var batch = PreparedRecords()
    var strings = ByteStrings()

    public init() {}

    /// Records prepared since the last `take()`, test jobs included (a batch of test jobs alone is still a batch).
    public var count: Int { batch.records.count + batch.testJobs.count }

    /// Hands over the records prepared since the last call, with their strings.
    public func take() -> PreparedRecords {
        var taken = batch
        taken.strings = strings.take()
        batch = PreparedRecords()
        return taken
    }

    /// The fields `add` reads that `RecordField` does not name.
    enum Field {
        static let sessionRequestMs = RecordField(known: "session_request_ms"), sessionPlayableMs = RecordField(known: "session_playable_ms")
        static let sessionLastMs = RecordField(known: "session_last_ms"), sessionSwaps = RecordField(known: "session_swaps")
        static let runnerStartMs = RecordField(known: "runner_start_ms"), ingestSentMs = RecordField(known: "ingest_sent_ms")
        static let runnerOutputMs = RecordField(known: "runner_output_ms")
        /// The scored fields, in `ScoredField` order (outcome and success are read apart).
        static let scored: [RecordField?] = ScoredField.allCases.map { $0 == .outcome || $0 == .success ? nil : RecordField(known: $0.name) }
    }

    /// The job key or identity of spec/scoring.md §4: the first 128 bits of SHA-256 of the parts joined by 0x00.
    func key(_ parts: UnsafeRawBufferPointer...) -> Key128 {
        for (index, part) in parts.enumerated() {
            if index > 0 { hasher.update(byte: 0) }
            hasher.update(part)
        }
        let words = hasher.finalizeSHA256Words()
        return Key128(high: words.0, low: words.1)
    }

    /// The field's string as an index into the batch's strings, −1 when absent.
    func string(_ record: RecordView, _ field: RecordField) -> Int32 {
        record.slice(field).map { strings.index($0) } ?? -1
    }

    /// Adds one line as a scorer takes it (`path` and `number` name it in errors), which must be a valid
    /// record in canonical form; records that are not scored (probes) are skipped.
    public func add(line bytes: UnsafeRawBufferPointer, number: Int, path: String) throws(ScoreError) {
        switch RecordLine.read(bytes) {
        case .record(let view): add(view)
        // A record is identified by its canonical bytes (spec/scoring.md §3): a line that is not
        // canonical is not input a scorer accepts.
        case .problem(.invalid(let error)): throw ScoreError("\(path):\(number): \(error)")
        case .problem: throw ScoreError("\(path):\(number): the record is not in canonical form")
        }
    }

    /// The name of byoc jobs' pipeline.
    static let byoc: [UInt8] = Array("byoc".utf8)

    /// Adds what scoring keeps of a valid record; probes and capability snapshots are skipped, and test jobs go to the
    /// tester leaderboard only.
    public func add(_ record: RecordView) {
        guard record.kind != .probe && record.kind != .capabilitySnapshot else { return }
        hasher.update(record.bytes)
        let digest = hasher.finalizeSHA256Words()
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        if record.kind == .testJob {
            batch.testJobs.append((key(record.slice(.observerID) ?? empty, record.slice(.id) ?? empty), Key128(high: digest.2, low: digest.3),
                                   TesterBoard.testJob(record)))
            return
        }
        var values = FieldValues()
        for (index, field) in Field.scored.enumerated() {
            if let field, let value = record.integer(field) { values[index] = value }
        }
        if let outcome = record.liveOutcome { values.outcome = Int64(outcome.ordinal) }
        if let success = record.boolean(.success) { values.success = success ? 1 : 0 }
        let role: UInt8 = record.string(.observerRole, is: "gateway") ? 0 : record.string(.observerRole, is: "orchestrator") ? 1 : 2
        let observer = record.slice(.observerID) ?? empty, requestID = record.slice(.requestID) ?? empty
        let streamID = record.slice(.streamID) ?? empty
        let attempt = record.integer(.attempt) ?? 0
        var jobKey: Key128?
        if record.kind != .byocJob, let address = record.slice(.orchestrator), role < 2 {
            // Both strings are small or immortal: their bytes are read in place.
            var kindName = record.kind.rawValue, attemptText = String(attempt)
            jobKey = kindName.withUTF8 { kind in
                attemptText.withUTF8 { number in
                    record.kind == .liveSession ? key(UnsafeRawBufferPointer(kind), address, requestID, streamID, UnsafeRawBufferPointer(number))
                        : key(UnsafeRawBufferPointer(kind), address, requestID)
                }
            }
        }
        var evidence: LiveEvidence?
        if record.kind == .liveSession && role == 0 {
            let facts = LiveEvidence.Facts(
                requestMs: record.integer(Field.sessionRequestMs) ?? -1, playableMs: record.integer(Field.sessionPlayableMs) ?? -1,
                lastMs: record.integer(Field.sessionLastMs) ?? -1, swaps: record.integer(Field.sessionSwaps) ?? 0,
                runnerStartMs: record.integer(Field.runnerStartMs) ?? -1, ingestSentMs: record.integer(Field.ingestSentMs) ?? -1,
                runnerOutputMs: record.integer(Field.runnerOutputMs) ?? -1,
                jitterP90Us: record.integer(.ingestJitterP90Us) ?? -1, lossPPM: record.integer(.ingestLossPPM) ?? -1)
            let first = batch.hours.count
            record.forEachStatusHour { batch.hours.append(LiveEvidence.Hour($0)) }
            evidence = LiveEvidence(session: key(observer, streamID, requestID), attempt: attempt, gpu: string(record, .gpuID), facts: facts,
                                    hours: first..<batch.hours.count)
        }
        let byoc = record.kind == .byocJob
        let pipeline = byoc ? Self.byoc.withUnsafeBytes { strings.index($0) } : string(record, .pipeline)
        batch.records.append(Scorer.PreparedRecord(
            identity: key(observer, record.slice(.id) ?? empty), digest: digest, kind: record.kind, role: role,
            orchestrator: string(record, .orchestrator), pipeline: pipeline,
            model: string(record, byoc ? .capability : .modelID), region: string(record, .region),
            startMs: record.integer(.startMs) ?? 0, values: values, jobKey: jobKey, evidence: evidence))
    }
}
