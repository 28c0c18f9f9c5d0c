import AssayCore

/// What a gateway's live-session record carries for the session-hour method (spec/scoring.md §11.2,
/// spec/records.md §3.5): the stream's facts, the attempt's timestamps and its status hours.
public struct LiveEvidence: Sendable {
    /// Timestamps are −1 when absent (every valid timestamp is positive).
    struct Facts: Sendable {
        var requestMs: Int64 = -1, playableMs: Int64 = -1, lastMs: Int64 = -1, swaps: Int64 = 0
        var runnerStartMs: Int64 = -1, ingestSentMs: Int64 = -1, runnerOutputMs: Int64 = -1
        /// The stream's input quality (spec/records.md §3.7), −1 when absent: what §11.9 judges.
        var jitterP90Us: Int64 = -1, lossPPM: Int64 = -1
    }

    /// One status hour, or the sum of several attempts' entries for one hour.
    struct Hour: Sendable {
        var hourMs: Int64 = 0, samples: Int64 = 0, running: Int64 = 0, positive: Int64 = 0
        var fpsSum: Int64 = 0, latencyCount: Int64 = 0, latencySum: Int64 = 0

        init() {}

        /// An element of a valid record's `status_hours`.
        init(_ hour: StatusHourValues) {
            hourMs = hour.hourMs
            samples = hour.samples
            running = hour.runningSamples
            positive = hour.fpsPositiveSamples
            fpsSum = hour.outputFPSSumMilli
            latencyCount = hour.latencySamples
            latencySum = hour.latencySumMs
        }

        /// Counts are bounded by the input's size; the sums of values saturate (spec/scoring.md §11.4).
        mutating func add(_ other: Hour) {
            samples += other.samples
            running += other.running
            positive += other.positive
            fpsSum = Fixed.saturating(fpsSum, plus: other.fpsSum)
            latencyCount += other.latencyCount
            latencySum = Fixed.saturating(latencySum, plus: other.latencySum)
        }
    }

    /// The first 128 bits of SHA-256(observer_id 0x00 stream_id 0x00 request_id): the session.
    let session: Key128
    let attempt: Int64
    /// An index into the strings of the record's batch, and once added, into the scorer's; −1 when absent.
    var gpu: Int32
    let facts: Facts
    /// Its status hours: a range of its batch's `PreparedRecords.hours`, and once added, of `Scorer.statusHours`.
    var hours: Range<Int>
}

extension Scorer {
    /// The additive fields of session-hour rows (§11.3), summed into hourly rows and window groups.
    struct HourSums {
        var rows: Int64 = 0
        var requested: Int64 = 0, startupSuccess: Int64 = 0, loadingOnly: Int64 = 0, zeroFPS: Int64 = 0
        var outputFailed: Int64 = 0, swapped: Int64 = 0, badInput: Int64 = 0
        var health: Int64 = 0, healthExpected: Int64 = 0
        var samples: Int64 = 0, fpsSum: Int64 = 0
        var ptffSum: Int64 = 0, ptffCount: Int64 = 0, e2eSum: Int64 = 0, e2eCount: Int64 = 0

        mutating func add(_ other: HourSums) {
            rows += other.rows
            requested += other.requested
            startupSuccess += other.startupSuccess
            loadingOnly += other.loadingOnly
            zeroFPS += other.zeroFPS
            outputFailed += other.outputFailed
            swapped += other.swapped
            badInput += other.badInput
            health += other.health
            healthExpected += other.healthExpected
            samples += other.samples
            fpsSum = Fixed.saturating(fpsSum, plus: other.fpsSum)
            ptffSum = Fixed.saturating(ptffSum, plus: other.ptffSum)
            ptffCount += other.ptffCount
            e2eSum = Fixed.saturating(e2eSum, plus: other.e2eSum)
            e2eCount += other.e2eCount
        }

        /// The hourly row's averages (§11.4): nil when the count is 0.
        var ptff: Int64? { ptffCount > 0 ? Fixed.div(ptffSum, ptffCount) : nil }
        var e2e: Int64? { e2eCount > 0 ? Fixed.div(e2eSum, e2eCount) : nil }
        var fps: Int64? { samples > 0 ? Fixed.div(fpsSum, samples) : nil }
    }

    /// (orchestrator, pipeline, model, GPU) as interned strings, −1 when absent.
    struct RowKey: Hashable {
        let orchestrator: Int32, pipeline: Int32, model: Int32, gpu: Int32
    }

    /// A window benchmark of one metric (§11.4): rows and the two percentiles, row-weighted over the days.
    struct WeightedBenchmark {
        var rows: Int64 = 0
        var weightedLow: Int64 = 0, weightedHigh: Int64 = 0
        var low: Int64? { rows > 0 ? Fixed.div(weightedLow, rows) : nil }
        var high: Int64? { rows > 0 ? Fixed.div(weightedHigh, rows) : nil }

        /// Adds one day's values (sorted): its nearest-rank percentiles weighted by its row count.
        mutating func add(day sorted: [Int64], low lowPercentile: Int64, high highPercentile: Int64) {
            guard let low = Fixed.percentile(sorted, lowPercentile), let high = Fixed.percentile(sorted, highPercentile) else { return }
            let n = Int64(sorted.count)
            rows += n
            weightedLow = Fixed.saturating(weightedLow, plus: Fixed.saturating(low, times: n))
            weightedHigh = Fixed.saturating(weightedHigh, plus: Fixed.saturating(high, times: n))
        }
    }

    /// One hourly row of §11.3: the hour and the row's (orchestrator, pipeline, model, GPU).
    struct HourRow: Hashable {
        let hourMs: Int64
        let key: RowKey
    }

    /// `scores` of the session-hour method (spec/scoring.md §11).
    func sessionHourScores(jobs: [Int32], disagreements: [Int32: Disagreements]) -> JSONValue {
        // §11.2: sessions of the gateways' live-session records, as runs of (session, record) pairs sorted by session.
        var attempts: [(session: Key128, index: Int32)] = []
        for index in jobs where observations[Int(index)].evidence >= 0 {
            attempts.append((evidence[Int(observations[Int(index)].evidence)].session, index))
        }
        attempts.sort { $0.session < $1.session }
        var hourly: [HourRow: HourSums] = [:]
        var excused: Int64 = 0, withoutHours: Int64 = 0
        var hours: [LiveEvidence.Hour] = []
        for run in attempts.runs({ $0.session == $1.session }) {
            let members = attempts[run].lazy.map(\.index)
            // The highest attempt; equal numbers (possible only in hostile data) by the smallest record hash.
            let last = members.min { a, b in
                let x = evidence[Int(observations[Int(a)].evidence)].attempt, y = evidence[Int(observations[Int(b)].evidence)].attempt
                return x != y ? x > y : observations[Int(a)].digest < observations[Int(b)].digest
            }!
            let lastObservation = observations[Int(last)]
            let lastEvidence = evidence[Int(lastObservation.evidence)]
            // The attempts' status hours, summed per hour, in hour order.
            hours.removeAll(keepingCapacity: true)
            var runnerStart: Int64 = -1, ingestSent: Int64 = -1, runnerOutput: Int64 = -1
            func least(_ current: Int64, _ value: Int64) -> Int64 { value < 0 ? current : current < 0 ? value : min(current, value) }
            for index in members {
                let attempt = evidence[Int(observations[Int(index)].evidence)]
                for hour in attempt.hours { hours.append(statusHours[hour]) }
                runnerStart = least(runnerStart, attempt.facts.runnerStartMs)
                ingestSent = least(ingestSent, attempt.facts.ingestSentMs)
                runnerOutput = least(runnerOutput, attempt.facts.runnerOutputMs)
            }
            hours.sort { $0.hourMs < $1.hourMs }
            var merged = 0
            for hour in hours {
                if merged > 0 && hours[merged - 1].hourMs == hour.hourMs {
                    hours[merged - 1].add(hour)
                } else {
                    var first = LiveEvidence.Hour()
                    first.hourMs = hour.hourMs
                    first.add(hour)
                    hours[merged] = first
                    merged += 1
                }
            }
            hours.removeSubrange(merged...)
            if window.contains(lastObservation.day) {
                if lastObservation.orchestrator < 0 { excused += 1 } else if hours.isEmpty { withoutHours += 1 }
            }
            guard !hours.isEmpty else { continue }
            let facts = lastEvidence.facts
            let total = hours.reduce(into: LiveEvidence.Hour()) { $0.add($1) }
            // §11.9: under a profile with bad_input thresholds, a requested session whose input was bad counts in no
            // reliability rate; its health signals and quality still count.
            let isRequested = facts.requestMs >= 0
            let badInput = isRequested && profile.badInput.map { limits in
                (facts.jitterP90Us >= 0 && facts.jitterP90Us > limits.maxJitterP90Us) || (facts.lossPPM >= 0 && facts.lossPPM > limits.maxLossPPM)
            } == true
            let requested: Int64 = isRequested && !badInput ? 1 : 0
            let playable = facts.playableMs >= 0
            let loadingOnly = total.samples > 0 && total.running == 0
            let zeroFPS = total.samples > 0 && total.positive == 0
            let outputFailed = loadingOnly || zeroFPS
            let health = Int64(total.samples > 0 ? 1 : 0) + Int64(playable ? 1 : 0) + Int64(total.samples > 0 && !(loadingOnly && zeroFPS) ? 1 : 0)
            let ptff = playable && runnerStart >= 0 && facts.playableMs >= runnerStart ? facts.playableMs - runnerStart : 0
            let sessionE2E = runnerOutput >= 0 && ingestSent >= 0 && runnerOutput >= ingestSent ? runnerOutput - ingestSent : 0
            let key = RowKey(orchestrator: lastObservation.orchestrator, pipeline: lastObservation.pipeline, model: lastObservation.model,
                             gpu: lastEvidence.gpu)
            var previous = LiveEvidence.Hour()
            for hour in hours {
                // §11.3: a terminal tail artifact is dropped.
                let artifact = facts.requestMs >= 0 && facts.requestMs < hour.hourMs
                    && facts.lastMs >= hour.hourMs && facts.lastMs < hour.hourMs + 3_600_000
                    && hour.positive == 0 && hour.running == 0 && hour.samples < 3
                    && previous.positive == 0 && previous.running == 0 && previous.samples < 3
                previous = hour
                let day = UTCDay(containing: hour.hourMs)
                guard !artifact, window.contains(day) || benchmarkDays.contains(day) else { continue }
                var row = HourSums()
                row.rows = 1
                row.requested = requested
                row.startupSuccess = requested == 1 && playable ? 1 : 0
                row.loadingOnly = requested == 1 && loadingOnly ? 1 : 0
                row.zeroFPS = requested == 1 && zeroFPS ? 1 : 0
                row.outputFailed = requested == 1 && outputFailed ? 1 : 0
                row.swapped = requested == 1 && facts.swaps > 0 ? 1 : 0
                row.badInput = badInput ? 1 : 0
                row.health = health
                row.healthExpected = isRequested ? 3 : 0
                row.samples = hour.samples
                row.fpsSum = hour.fpsSum
                if ptff > 0 {
                    row.ptffSum = ptff
                    row.ptffCount = 1
                }
                if hour.latencyCount > 0 {
                    row.e2eSum = hour.latencySum
                    row.e2eCount = hour.latencyCount
                } else if sessionE2E > 0 {
                    row.e2eSum = sessionE2E
                    row.e2eCount = 1
                }
                hourly[HourRow(hourMs: hour.hourMs, key: key), default: HourSums()].add(row)
            }
        }

        // §11.4: daily benchmarks per (pipeline, model), combined over the benchmark days; §11.5: window groups.
        struct Daily { var ptff: [Int64] = [], e2e: [Int64] = [], fps: [Int64] = [] }
        var daily: [GroupKey: [Int: Daily]] = [:]
        var groups: [RowKey: HourSums] = [:]
        for (row, sums) in hourly {
            let day = UTCDay(containing: row.hourMs)
            let key = row.key
            if benchmarkDays.contains(day) {
                let cohort = cohort(key)
                if let value = sums.ptff { daily[cohort, default: [:]][day.number, default: Daily()].ptff.append(value) }
                if let value = sums.e2e { daily[cohort, default: [:]][day.number, default: Daily()].e2e.append(value) }
                if let value = sums.fps { daily[cohort, default: [:]][day.number, default: Daily()].fps.append(value) }
            }
            if window.contains(day) && key.orchestrator >= 0 { groups[key, default: HourSums()].add(sums) }
        }
        var benchmarks: [GroupKey: (ptff: WeightedBenchmark, e2e: WeightedBenchmark, fps: WeightedBenchmark)] = [:]
        for (cohort, days) in daily {
            var combined = (ptff: WeightedBenchmark(), e2e: WeightedBenchmark(), fps: WeightedBenchmark())
            for values in days.values {
                combined.ptff.add(day: values.ptff.sorted(), low: profile.latencyGood, high: profile.latencyBad)
                combined.e2e.add(day: values.e2e.sorted(), low: profile.latencyGood, high: profile.latencyBad)
                combined.fps.add(day: values.fps.sorted(), low: profile.fpsBad, high: profile.fpsGood)
            }
            benchmarks[cohort] = combined
        }

        // Per orchestrator: its listed groups (requested > 0), sorted; the SLO of §11.6.
        var byOrchestrator: [Int32: [(key: RowKey, sums: HourSums)]] = [:]
        for (key, sums) in groups where sums.requested > 0 { byOrchestrator[key.orchestrator, default: []].append((key, sums)) }
        var orchestratorList: [JSONValue] = []
        var used: Set<GroupKey> = []
        for orchestrator in byOrchestrator.keys.sorted(by: { CanonicalJSON.utf16Less(strings[Int($0)], strings[Int($1)]) }) {
            let list = byOrchestrator[orchestrator]!.map { (cohort: cohort($0.key), gpu: string($0.key.gpu), key: $0.key, sums: $0.sums) }
                .sorted { $0.cohort != $1.cohort ? $0.cohort < $1.cohort : Self.nullFirstLess($0.gpu, $1.gpu) }
            var live: [JSONValue] = []
            var lowest = Int64.max
            var gaps: EvidenceGaps = []
            var total = HourSums()
            for (cohort, _, key, sums) in list {
                used.insert(cohort)
                let (row, score, rowGaps) = sessionHourRow(key: key, sums, benchmark: benchmarks[cohort])
                live.append(.object(row))
                lowest = min(lowest, score)
                gaps.formUnion(rowGaps)
                total.add(sums)
            }
            orchestratorList.append(.object([
                .init("orchestrator", .string(strings[Int(orchestrator)])),
                .init("live", .array(live)),
                .init("jobs", .array([])),
                .init("disagreements", Self.disagreementsJSON(disagreements[orchestrator] ?? Disagreements())),
                .init("slo", slo(jobs: total.requested, failures: total.outputFailed, e2e: total.e2e, score: lowest, scoreGaps: gaps)),
            ]))
        }
        let liveBenchmarks: [JSONValue] = used.sorted().map { cohort in
            let benchmark = benchmarks[cohort] ?? (WeightedBenchmark(), WeightedBenchmark(), WeightedBenchmark())
            func stats(_ b: WeightedBenchmark, _ low: String, _ high: String) -> JSONValue {
                .object([.init("rows", .integer(b.rows)), .init(low, b.low.map { .integer($0) } ?? .null),
                         .init(high, b.high.map { .integer($0) } ?? .null)])
            }
            return .object(cohort.members + [.init("ptff", stats(benchmark.ptff, "p50", "p90")), .init("e2e", stats(benchmark.e2e, "p50", "p90")),
                                             .init("fps", stats(benchmark.fps, "p10", "p50"))])
        }
        return JSONValue.object(windowMembers + [
            .init("excused", .integer(excused)),
            .init("without_status_hours", .integer(withoutHours)),
            .init("benchmarks", .object([.init("live", .array(liveBenchmarks)), .init("jobs", .array([]))])),
            .init("orchestrators", .array(orchestratorList)),
        ])
    }

    func string(_ index: Int32) -> String? { index < 0 ? nil : strings[Int(index)] }

    /// The benchmark cohort of a row: its (pipeline, model).
    func cohort(_ key: RowKey) -> GroupKey { GroupKey(kind: .liveSession, pipeline: string(key.pipeline) ?? "", model: string(key.model)) }

    static func nullFirstLess(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): false
        case (nil, _): true
        case (_, nil): false
        case (let x?, let y?): CanonicalJSON.utf16Less(x, y)
        }
    }

    /// One quality component of §11.5: the raw score against the window benchmark, shrunk toward ½ on thin evidence.
    func shrunkComponent(mean: Int64?, evidence: Int64, shrink: Int64, benchmark: WeightedBenchmark?, higherIsBetter: Bool)
        -> (value: Int64, json: JSONValue, gaps: EvidenceGaps) {
        var raw: Int64 = 500_000
        let rows = benchmark?.rows ?? 0
        if let v = mean, rows >= profile.benchmarkMinRows, let low = benchmark?.low, let high = benchmark?.high {
            // FPS: bad = low (p10), good = high (p50); latency: good = low (p50), bad = high (p90).
            raw = higherIsBetter ? Fixed.fpsScore(v, bad: low, good: high) : Fixed.latencyScore(v, good: low, bad: high)
        }
        let k = min(evidence, shrink)
        let value = Fixed.div(k * raw + (shrink - k) * 500_000, shrink)
        var gaps: EvidenceGaps = []
        if evidence < shrink { gaps.insert(.fewSamples) }
        if rows < profile.benchmarkMinRows { gaps.insert(.thinBenchmark) }
        return (value, .object([.init("mean", mean.map { .integer($0) } ?? .null), .init("samples", .integer(evidence)),
                                .init("score", .integer(value))]), gaps)
    }

    /// A listed group's members (§11.7) and its score.
    func sessionHourRow(key: RowKey, _ g: HourSums, benchmark: (ptff: WeightedBenchmark, e2e: WeightedBenchmark, fps: WeightedBenchmark)?)
        -> (members: [JSONValue.Member], score: Int64, gaps: EvidenceGaps) {
        let w = profile.live
        let n = g.requested
        let startup = Fixed.rate(g.startupSuccess, n), noSwap = Fixed.rate(n - g.swapped, n), viability = Fixed.rate(n - g.outputFailed, n)
        let reliability = w.reliability(startup: startup, noSwap: noSwap, viability: viability)
        let coverage = g.healthExpected > 0 ? min(Fixed.rate(g.health, g.healthExpected), Fixed.one) : Fixed.one
        let ptff = shrunkComponent(mean: g.ptff, evidence: g.ptffCount, shrink: profile.shrinkPTFF, benchmark: benchmark?.ptff, higherIsBetter: false)
        let e2e = shrunkComponent(mean: g.e2e, evidence: g.e2eCount, shrink: profile.shrinkE2E, benchmark: benchmark?.e2e, higherIsBetter: false)
        let fps = shrunkComponent(mean: g.fps, evidence: g.samples, shrink: profile.shrinkFPS, benchmark: benchmark?.fps, higherIsBetter: true)
        let latency = w.latency(ptff: ptff.value, e2e: e2e.value)
        let quality = w.quality(latency: latency, fps: fps.value)
        let score = w.score(coverage: coverage, reliability: reliability, quality: quality)
        let members: [JSONValue.Member] = [
            .init("pipeline", .string(string(key.pipeline) ?? "")), .init("model", string(key.model).map { .string($0) } ?? .null),
            .init("gpu", string(key.gpu).map { .string($0) } ?? .null),
            .init("hours", .integer(g.rows)), .init("sessions", .integer(n)),
            .init("score", .integer(score)), .init("sla", .string(Fixed.points(score))),
            .init("coverage", .integer(coverage)), .init("health_signals", .integer(g.health)),
            .init("health_signals_expected", .integer(g.healthExpected)),
            .init("reliability", .integer(reliability)), .init("startup_success", .integer(startup)),
            .init("no_swap", .integer(noSwap)), .init("output_viability", .integer(viability)),
            .init("quality", .integer(quality)), .init("latency", .integer(latency)),
            .init("ptff", ptff.json), .init("e2e", e2e.json), .init("fps", fps.json),
            .init("counts", .object((profile.badInput == nil ? [] : [JSONValue.Member("bad_input", .integer(g.badInput))]) + [
                .init("startup_success", .integer(g.startupSuccess)), .init("loading_only", .integer(g.loadingOnly)),
                .init("zero_output_fps", .integer(g.zeroFPS)), .init("output_failed", .integer(g.outputFailed)),
                .init("swapped", .integer(g.swapped))])),
        ]
        return (members, score, ptff.gaps.union(e2e.gaps).union(fps.gaps))
    }
}
