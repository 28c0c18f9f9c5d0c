import AssayCore

/// The tester leaderboard (spec/scoring.md §13): per orchestrator and scenario, what the job tester's test jobs of the
/// window show — the same work sent to every orchestrator, kept apart from organic demand.
struct TesterBoard {
    /// What the leaderboard keeps of one test job.
    struct TestJob: Sendable, Equatable {
        let orchestrator: String, scenario: String, scenarioSHA256: String, pipeline: String, modelID: String
        let startMs: Int64
        /// The outcome when the attempt counts; nil otherwise.
        let counted: String?
        /// Why it does not count (a skip reason, `interrupted`, `target_not_reached`); nil when it does.
        let notCounted: String?
        let latencyMs: Int64?, ttfbMs: Int64?, outputFPS: Int64?
    }

    /// (observer_id, id) → its versions (by the second half of their SHA-256) and what each is; more than one is a conflict.
    var byIdentity: [Key128: [Key128: TestJob]] = [:]

    mutating func add(identity: Key128, version: Key128, _ job: TestJob) {
        byIdentity[identity, default: [:]][version] = job
    }

    /// What a test job is to the leaderboard (§13 "What counts").
    static func testJob(_ record: RecordView) -> TestJob {
        let outcome = record.string(.outcome) ?? ""
        let errorType = record.string(.errorType)
        var counted: String?, notCounted: String?
        switch outcome {
        case "skipped": notCounted = record.string(.skipReason) ?? "skipped"
        case "interrupted": notCounted = "interrupted"
        case "connect_error" where errorType == "target_not_reached": notCounted = "target_not_reached"
        default: counted = outcome
        }
        return TestJob(orchestrator: record.string(.orchestrator) ?? "", scenario: record.string(.scenario) ?? "",
                       scenarioSHA256: record.string(.scenarioSHA256) ?? "", pipeline: record.string(.pipeline) ?? "",
                       modelID: record.string(.modelID) ?? "", startMs: record.integer(.startMs) ?? 0, counted: counted, notCounted: notCounted,
                       latencyMs: record.integer(.latencyMs), ttfbMs: record.integer(.ttfbMs), outputFPS: record.integer(.outputFPSMilli))
    }

    /// `tested` for `window`, or nil when the window holds no test job.
    func json(window: ClosedRange<UTCDay>) -> JSONValue? {
        var conflicts: Int64 = 0
        var jobs: [TestJob] = []
        for versions in byIdentity.values {
            let inWindow = versions.values.filter { window.contains(UTCDay(containing: $0.startMs)) }
            guard !inWindow.isEmpty else { continue }
            if versions.count > 1 { conflicts += 1 } else { jobs.append(inWindow[0]) }
        }
        guard !jobs.isEmpty || conflicts > 0 else { return nil }
        func scenarioKey(_ job: TestJob) -> [String] { [job.scenario, job.scenarioSHA256] }
        func less(_ a: [String], _ b: [String]) -> Bool {
            for (x, y) in zip(a, b) where x != y { return CanonicalJSON.utf16Less(x, y) }
            return false
        }
        let byOrchestrator = Dictionary(grouping: jobs, by: \.orchestrator)
        let orchestrators: [JSONValue] = byOrchestrator.keys.sorted(by: CanonicalJSON.utf16Less).map { address in
            let own = byOrchestrator[address]!
            let byScenario = Dictionary(grouping: own, by: scenarioKey)
            let scenarios = byScenario.keys.sorted(by: less).map { key in Self.group(byScenario[key]!, detailed: true) }
            return .object(Self.counts(own) + [.init("orchestrator", .string(address)), .init("scenarios", .array(scenarios))])
        }
        let byScenario = Dictionary(grouping: jobs, by: scenarioKey)
        let scenarios = byScenario.keys.sorted(by: less).map { key in Self.group(byScenario[key]!, detailed: false) }
        return .object([.init("conflicts", .integer(conflicts)), .init("orchestrators", .array(orchestrators)), .init("scenarios", .array(scenarios))])
    }

    /// `planned`, `attempts`, `passed`, `pass_rate` of `jobs`.
    static func counts(_ jobs: [TestJob]) -> [JSONValue.Member] {
        let attempts = Int64(jobs.filter { $0.counted != nil }.count), passed = Int64(jobs.filter { $0.counted == "passed" }.count)
        return [.init("planned", .integer(Int64(jobs.count))), .init("attempts", .integer(attempts)), .init("passed", .integer(passed)),
                .init("pass_rate", attempts > 0 ? .integer(Fixed.rate(passed, attempts)) : .null)]
    }

    /// One scenario's object (all its test jobs share the scenario): with `detailed`, its outcomes and reasons too.
    static func group(_ jobs: [TestJob], detailed: Bool) -> JSONValue {
        // A scenario's test jobs name one pipeline and model (a reveal binds them, probe.md §7.4); were they not, the
        // least pair in byte order stands for them, so the output never depends on the input's order.
        let first = jobs.min { ($0.pipeline, $0.modelID) < ($1.pipeline, $1.modelID) }!
        let passed = jobs.filter { $0.counted == "passed" }, attempts = jobs.filter { $0.counted != nil }
        func percentiles(_ values: [Int64], _ first: Int64, _ second: Int64) -> JSONValue {
            let sorted = values.sorted()
            guard let a = Fixed.percentile(sorted, first), let b = Fixed.percentile(sorted, second) else { return .null }
            return .object([.init("p\(first)", .integer(a)), .init("p\(second)", .integer(b))])
        }
        func tally(_ names: [String]) -> JSONValue {
            .object(Dictionary(grouping: names, by: { $0 }).map { .init($0.key, .integer(Int64($0.value.count))) })
        }
        var members = counts(jobs) + [
            .init("scenario", .string(first.scenario)), .init("scenario_sha256", .string(first.scenarioSHA256)),
            .init("pipeline", .string(first.pipeline)), .init("model_id", .string(first.modelID)),
            .init("latency_ms", percentiles(passed.compactMap(\.latencyMs), 50, 90)),
            .init("ttfb_ms", percentiles(passed.compactMap(\.ttfbMs), 50, 90)),
            .init("output_fps_mfps", percentiles(attempts.compactMap(\.outputFPS), 10, 50)),
        ]
        if detailed {
            members.append(.init("outcomes", tally(attempts.compactMap(\.counted))))
            members.append(.init("not_counted", tally(jobs.compactMap(\.notCounted))))
        }
        return .object(members)
    }
}
