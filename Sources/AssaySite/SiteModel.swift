import AssayCore
import AssayCrypto
import AssayLedger
import AssayScore
import Foundation

/// Everything the site shows, computed once from a dataset: its verification
/// report, every record read once (for the network overview and
/// distributions, and prepared for the scorer), the scores of the newest day
/// for each window, and every day's 1-day scores for history.
public final class SiteModel: @unchecked Sendable {
    /// The windows the leaderboards are published for, in days.
    public static let windows = [1, 7, 30, 90]
    /// How far back histories go.
    public static let historyDays = 365

    public let descriptor: DatasetDescriptor
    public let report: VerificationReport
    public let verified: Bool
    public let profile: ScoringProfile
    /// Whether the records are small enough to copy into the site and keep in full in its database.
    public let keepsLines: Bool
    public let lastDay: UTCDay
    /// `log/checkpoint` as published (spec/log.md §7.3), when it can be read.
    public let checkpoint: String?
    /// Bundles by day: (collector, manifest hash).
    let bundlesByDay: [UTCDay: [(collector: String, manifest: String)]]
    /// Prepared records by day (all collectors; the scorer deduplicates).
    let prepared: [UTCDay: [PreparedRecords]]
    /// Gateway-observed jobs by day, deduplicated by (observer_id, id).
    public let gatewayJobs: [UTCDay: [Job]]
    /// The gateway-observed jobs of the last 30 days by orchestrator, in day then key order: each orchestrator's page
    /// reads its own, not every job of the network (at 5,000 orchestrators and a million jobs a day, that made the
    /// pages quadratic: assay-bench network, spec/scale.md §5).
    public let recentJobsByOrchestrator: [String: [Job]]
    /// The capability snapshots of the last 30 days by orchestrator, in day then key order (the same reason).
    public let recentSnapshotsByOrchestrator: [String: [Snapshot]]
    /// Capability snapshots by day, deduplicated by (observer_id, id), in key order.
    public let snapshots: [UTCDay: [Snapshot]]
    /// Per window: each orchestrator's live cost per minute in wei (spec/site.md §6.1).
    public private(set) var liveCostPerMinute: [Int: [String: Int64]] = [:]
    /// Per window and `groupKey`: an orchestrator's cost in one pipeline and model — per minute of live video, or per
    /// batch or LLM job — in wei (spec/site.md §6.2).
    public private(set) var groupCost: [Int: [String: Int64]] = [:]

    /// The key of `groupCost`.
    public static func groupKey(orchestrator: String, pipeline: String, model: String) -> String { "\(orchestrator)\u{0}\(pipeline)\u{0}\(model)" }

    /// What the site keeps of one capability snapshot (spec/records.md §3.7).
    public struct Snapshot: Sendable {
        public let id: String
        public let orchestrator: String
        public let pipeline: String
        public let model: String
        public let startMs: Int64
        public let warm: Bool?
        public let gpuIDs: [String]
        /// The advertised price, milli-wei per pixel, when it fits.
        public let milliWeiPerPixel: Int64?

        /// Of `snapshots`, the newest for each `key` (by start, ties by greatest id: spec/site.md §6.1).
        static func newest(_ snapshots: [Snapshot], by key: (Snapshot) -> String) -> [String: Snapshot] {
            var newest: [String: Snapshot] = [:]
            for snapshot in snapshots {
                let name = key(snapshot)
                if let kept = newest[name], (kept.startMs, kept.id) >= (snapshot.startMs, snapshot.id) { continue }
                newest[name] = snapshot
            }
            return newest
        }
    }
    /// Scorer output of the newest day for each window: bytes (published as is) and parsed.
    public private(set) var windowScores: [Int: (bytes: [UInt8], value: JSONValue)] = [:]
    /// The 7-day scores under every other profile the dataset lists (and Assay knows), compared with the site's
    /// (spec/scoring.md §14): so a reader sees what a change of method would do to each orchestrator.
    public private(set) var otherProfiles: [(profile: ScoringProfile, comparison: JSONValue)] = []
    /// Every day's 1-day scores, by day: for each orchestrator only its `slo` object (spec/scoring.md §8).
    public private(set) var dailyScores: [UTCDay: JSONValue] = [:]
    /// The same, by orchestrator and day: the orchestrator's entry (`orchestrator`, `slo`).
    public private(set) var sloByOrchestrator: [String: [UTCDay: JSONValue]] = [:]

    /// One row of the records database: a record's main fields (and its canonical line when `keepLines`),
    /// inline: the repeated strings as indexes into its bundle's `BundleRows.strings`.
    public struct Row: Sendable {
        let line: Int
        let id: String
        /// observer_id, kind, observer_role, orchestrator, pipeline, model_id, region, outcome: −1 when absent.
        let strings: InlineArray<8, Int32>
        /// start_ms, end_ms, success, e2e_latency_ms, output_fps_mfps, duration_ms, ttft_ms: `absent` when absent.
        let integers: InlineArray<7, Int64>
        let canonical: String?

        /// Every integer field is non-negative (spec/records.md §3).
        static let absent = Int64.min
        static let stringFields = ["observer_id", "kind", "observer_role", "orchestrator", "pipeline", "model_id", "region", "outcome"]
            .map(RecordField.init(known:))
        /// Integer fields, and `success` as 1 or 0.
        static let integerFields = ["start_ms", "end_ms", "success", "e2e_latency_ms", "output_fps_mfps", "duration_ms", "ttft_ms"]
            .map(RecordField.init(known:))

        init(_ record: RecordView, line: Int, canonical: String?, strings table: inout ByteStrings) {
            self.line = line
            id = record.string(.id) ?? ""
            var strings = InlineArray<8, Int32>(repeating: -1)
            for (index, field) in Self.stringFields.enumerated() {
                if let value = record.slice(field) { strings[index] = table.index(value) }
            }
            self.strings = strings
            var integers = InlineArray<7, Int64>(repeating: Self.absent)
            for (index, field) in Self.integerFields.enumerated() {
                if let value = record.integer(field) { integers[index] = value }  // a boolean's slot is 1 or 0
            }
            self.integers = integers
            self.canonical = canonical
        }
    }

    /// A bundle's rows, and the strings they name.
    public struct BundleRows: Sendable {
        var rows: [Row] = []
        var strings = ByteStrings()
    }

    /// Database rows by bundle, in `report.bundles` order.
    public private(set) var rows: [String: BundleRows] = [:]

    /// What the site keeps of one gateway-observed job.
    public struct Job: Sendable {
        public let kind: RecordKind
        public let orchestrator: String?
        public let pipeline: String
        public let model: String
        /// nil when the record does not say (live sessions use `outcome`).
        public let success: Bool?
        public let outcome: String?
        public let e2eMs: Int64?
        public let fpsMilli: Int64?
        public let startMs: Int64
        /// Live sessions (spec/records.md §3.7): the integer part of `cost_wei` (at most 10¹⁸) and the attempt's length,
        /// when both are known (spec/site.md §6.1).
        public var costWei: Int64? = nil
        public var durationMs: Int64? = nil
        /// The paid price, milli-wei per pixel, when it fits.
        public var paidMilliWeiPerPixel: Int64? = nil

        /// The model label of sessions for which the gateway found no orchestrator (outcome
        /// `no_orchestrator`): they are excused from every score (spec/scoring.md §7).
        public static let noOrchestrator = "no orchestrator found"
        /// The labels of a pipeline or model that the record does not name (a session that failed
        /// before the gateway learned its model, say).
        public static let pipelineNotReported = "pipeline not reported"
        public static let modelNotReported = "model not reported"
    }

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Verifies (unless `unverified`), reads and scores `directory`. `progress` reports each stage.
    public init(directory: DatasetDirectory, unverified: Bool, profile: ScoringProfile = ScoringProfile.naapSLAv1(),
                keepLinesUpTo limit: Int64 = 16 << 20, progress: @Sendable (String) -> Void = { _ in }) async throws {
        progress("verifying and reading")
        descriptor = try directory.descriptor()
        var bundles: [(String, UTCDay)] = []
        for collector in try directory.collectors() { bundles += try directory.days(of: collector).map { (collector, $0) } }
        guard let newest = bundles.map(\.1).max() else { throw LoadError(description: "\(directory.root) has no bundles to show") }
        lastDay = newest
        // The records are read once, by the verifier, which hands each valid record to the sink.
        // The records' size as the manifests give it (one file or shards, whatever their stored form); a manifest that
        // cannot be read adds nothing here and fails verification below.
        var recordBytes: Int64 = 0
        for (collector, day) in bundles {
            guard let bytes = try? directory.manifestBytes(collector: collector, day: day), let manifest = try? Manifest(bytes: bytes) else { continue }
            for file in manifest.recordFiles { recordBytes = recordBytes.addingReportingOverflow(max(0, file.size)).overflow ? .max : recordBytes + max(0, file.size) }
        }
        let keepLines = recordBytes <= limit
        keepsLines = keepLines
        let sink = Sink(keepLines: keepLines)
        var options = DatasetVerifier.Options()
        options.sink = sink
        report = await DatasetVerifier(directory: directory, options: options).verify()
        verified = report.holds
        checkpoint = (try? Files.readRegular("\(directory.root)/\(DatasetLog.directoryName)/checkpoint", limit: DatasetLog.checkpointLimit * 4))
            .map { String(decoding: $0, as: UTF8.self) }  // unreadable: the section is left out (verification said why)
        if !verified && !unverified {
            let errors = report.findings.filter { $0.severity == .error }
            throw LoadError(description: "the dataset does not verify (\(errors.count) errors); the site is built from verified data only, or with --unverified, which labels it:\n"
                + errors.prefix(10).map { "  \($0)" }.joined(separator: "\n"))
        }
        self.profile = profile
        var bundlesByDay: [UTCDay: [(String, String)]] = [:]
        var prepared: [UTCDay: [PreparedRecords]] = [:]
        var jobs: [UTCDay: [String: Job]] = [:]
        var snapshots: [UTCDay: [String: Snapshot]] = [:]
        var received = sink.take()
        for bundle in report.bundles {
            guard let manifest = bundle.manifestHash else { continue }
            bundlesByDay[bundle.day, default: []].append((bundle.collector, manifest))
            // Taken out, so each bundle's data is held once, not also by the sink's table until the end.
            guard let data = received.removeValue(forKey: bundle.relativePath) else { continue }
            rows[bundle.relativePath] = data.rows
            prepared[bundle.day, default: []] += data.prepared
            for (key, job) in data.jobs { jobs[bundle.day, default: [:]][key] = job }
            for (key, snapshot) in data.snapshots { snapshots[bundle.day, default: [:]][key] = snapshot }
        }
        self.bundlesByDay = bundlesByDay
        self.prepared = prepared
        gatewayJobs = jobs.mapValues { byKey in byKey.keys.sorted().map { byKey[$0]! } }
        self.snapshots = snapshots.mapValues { byKey in byKey.keys.sorted().map { byKey[$0]! } }
        var recent: [String: [Job]] = [:]
        for offset in 0..<30 {
            for job in gatewayJobs[UTCDay(number: newest.number - offset)] ?? [] {
                if let orchestrator = job.orchestrator { recent[orchestrator, default: []].append(job) }
            }
        }
        recentJobsByOrchestrator = recent
        var recentSnapshots: [String: [Snapshot]] = [:]
        for offset in 0..<30 {
            for snapshot in self.snapshots[UTCDay(number: newest.number - offset)] ?? [] { recentSnapshots[snapshot.orchestrator, default: []].append(snapshot) }
        }
        recentSnapshotsByOrchestrator = recentSnapshots
        for window in Self.windows {
            let days = (0..<window).map { UTCDay(number: lastDay.number - $0) }
            let byOrchestrator = Dictionary(grouping: days.flatMap { jobs[$0]?.values.map { $0 } ?? [] }.filter { $0.orchestrator != nil }) { $0.orchestrator! }
            liveCostPerMinute[window] = byOrchestrator.compactMapValues(Self.costPerMinute)
            let byGroup = Dictionary(grouping: byOrchestrator.values.joined()) { Self.groupKey(orchestrator: $0.orchestrator!, pipeline: $0.pipeline, model: $0.model) }
            groupCost[window] = byGroup.compactMapValues { jobs in jobs.first?.kind == .liveSession ? Self.costPerMinute(jobs) : Self.costPerJob(jobs) }
        }

        progress("scoring \(Self.windows.count) windows")
        for window in Self.windows {
            let bytes = score(lastDay: lastDay, days: window, verified: verified)
            // The scorer's own output, as large as published scores may be (5,000 orchestrators: about 8 MB a window).
            windowScores[window] = (bytes, try JSONParser(limits: .init(maxDepth: 16, maxBytes: DatasetDirectory.scoresLimit)).parse(bytes.dropLast()))
        }
        let listed = Set(descriptor.scoringProfiles.map(\.sha256))
        for other in ScoringProfile.builtInProfiles() where other.sha256 != profile.sha256 && listed.contains(other.sha256) {
            progress("scoring 7 days under \(other.id)")
            let document = scorer(lastDay: lastDay, days: 7, profile: other).document(verified: verified)
            otherProfiles.append((other, ScoreComparison.compare(windowScores[7]?.value ?? .null, document)))
        }
        let historyStart = UTCDay(number: lastDay.number - Self.historyDays + 1)
        let days = bundlesByDay.keys.filter { $0 >= historyStart }.sorted()
        progress("scoring \(days.count) days of history")
        let daily = UnsafeMutableBufferPointer<JSONValue?>.allocate(capacity: days.count)
        daily.initialize(repeating: nil)
        defer { daily.deinitialize(); daily.deallocate() }
        nonisolated(unsafe) let dailyOutput = daily
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, days.count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var index = worker
            while index < days.count {
                dailyOutput[index] = Self.summary(self.scorer(lastDay: days[index], days: 1).document(verified: self.verified))
                index += workers
            }
        }
        for (index, day) in days.enumerated() {
            dailyScores[day] = daily[index]
            for entry in daily[index]?["scores"]?["orchestrators"]?.list ?? [] {
                if case .string(let orchestrator)? = entry["orchestrator"] { sloByOrchestrator[orchestrator, default: [:]][day] = entry }
            }
        }
    }

    /// Keeps of a day's scores only what history needs: each orchestrator's `slo`.
    static func summary(_ document: JSONValue) -> JSONValue {
        let orchestrators = (document["scores"]?["orchestrators"]?.list ?? []).map { entry in
            JSONValue.object([.init("orchestrator", entry["orchestrator"] ?? .null), .init("slo", entry["slo"] ?? .null)])
        }
        return .object([.init("scores", .object([.init("orchestrators", .array(orchestrators))]))])
    }

    /// The scorer's output for a window ending on `lastDay`, from the records read once.
    func score(lastDay: UTCDay, days: Int, verified: Bool) -> [UInt8] {
        scorer(lastDay: lastDay, days: days).output(verified: verified)
    }

    /// A scorer fed with the records of the days a window ending on `lastDay` needs.
    func scorer(lastDay: UTCDay, days: Int, profile other: ScoringProfile? = nil) -> Scorer {
        let scorer = Scorer(profile: other ?? profile, lastDay: lastDay, days: days)
        for number in scorer.daysNeeded.lowerBound.number...scorer.daysNeeded.upperBound.number {
            let day = UTCDay(number: number)
            for bundle in bundlesByDay[day] ?? [] { scorer.add(bundle: bundle.collector, day: day, manifestSHA256: bundle.manifest) }
            for batch in prepared[day] ?? [] { scorer.add(batch) }
        }
        return scorer
    }

    /// Collects, per bundle, what the site keeps of each verified record.
    final class Sink: VerifiedRecordSink, @unchecked Sendable {
        struct BundleData {
            var prepared: [PreparedRecords] = []
            var jobs: [(String, Job)] = []
            var snapshots: [(String, Snapshot)] = []
            var rows = BundleRows()
        }
        let keepLines: Bool
        private let lock = NSLock()
        private var bundles: [String: BundleData] = [:]

        init(keepLines: Bool) { self.keepLines = keepLines }

        func bundle(collector: String, day: UTCDay) -> any VerifiedRecordReceiver {
            Receiver(sink: self, path: DatasetDirectory.bundleRelativePath(collector: collector, day: day))
        }

        func store(_ path: String, _ data: BundleData) {
            lock.lock()
            bundles[path] = data
            lock.unlock()
        }

        /// Hands over what was collected and forgets it (so it is held once).
        func take() -> [String: BundleData] {
            lock.lock()
            defer { lock.unlock() }
            let taken = bundles
            bundles = [:]
            return taken
        }

        final class Receiver: VerifiedRecordReceiver {
            let sink: Sink
            let path: String
            var data = BundleData()
            let preparer = RecordPreparer()

            init(sink: Sink, path: String) {
                self.sink = sink
                self.path = path
            }

            func record(line: Int, _ view: RecordView) {
                let bytes = view.bytes
                preparer.add(view)
                if preparer.count == BundleSet.batchRecords { data.prepared.append(preparer.take()) }
                data.rows.rows.append(Row(view, line: line, canonical: sink.keepLines ? String(decoding: bytes, as: UTF8.self) : nil,
                                          strings: &data.rows.strings))
                if let job = SiteModel.job(view, strings: &data.rows.strings), let observer = view.string(.observerID), let id = view.string(.id) {
                    data.jobs.append(("\(observer)\u{0}\(id)", job))
                }
                if view.kind == .capabilitySnapshot, let snapshot = SiteModel.snapshot(view, strings: &data.rows.strings),
                   let observer = view.string(.observerID) {
                    data.snapshots.append(("\(observer)\u{0}\(snapshot.id)", snapshot))
                }
            }

            func finish() {
                if preparer.count > 0 { data.prepared.append(preparer.take()) }
                sink.store(path, data)
            }
        }
    }

    /// A gateway-observed job, or nil for other records (probes and capability snapshots are not jobs).
    /// Its strings are `strings`' stored copies (one per distinct value of a bundle, shared with its rows).
    static func job(_ record: RecordView, strings: inout ByteStrings) -> Job? {
        guard record.string(.observerRole, is: "gateway"), record.kind != .probe, record.kind != .capabilitySnapshot else { return nil }
        let byoc = record.kind == .byocJob
        var job = Job(kind: record.kind, orchestrator: strings.string(record, .orchestrator),
                      pipeline: byoc ? "byoc" : (strings.string(record, .pipeline) ?? Job.pipelineNotReported),
                      model: byoc ? (strings.string(record, .capability) ?? Job.modelNotReported)
                          : !record.has(.orchestrator) ? Job.noOrchestrator : (strings.string(record, .modelID) ?? Job.modelNotReported),
                      success: record.boolean(.success), outcome: strings.string(record, .outcome),
                      e2eMs: record.integer(.e2eLatencyMs), fpsMilli: record.integer(.outputFPSMilli), startMs: record.integer(.startMs) ?? 0)
        if record.kind == .liveSession, let cost = record.slice(.costWei), let start = record.integer(.startMs), let end = record.integer(.endMs) {
            job.costWei = Price.integerPart(cost, cap: 1_000_000_000_000_000_000)
            job.durationMs = end - start  // a valid record ends after it starts
        } else if record.kind != .liveSession, let cost = record.slice(.costWei) {
            job.costWei = Price.integerPart(cost, cap: 1_000_000_000_000_000_000)
        }
        if let wei = record.slice(.paidPricePerUnitWei), let pixels = record.integer(.paidPixelsPerUnit) {
            job.paidMilliWeiPerPixel = Price.milliWeiPerPixel(wei, pixels: pixels)
        }
        return job
    }

    /// A capability snapshot as the site keeps it.
    static func snapshot(_ record: RecordView, strings: inout ByteStrings) -> Snapshot? {
        guard let id = record.string(.id), let orchestrator = strings.string(record, .orchestrator),
              let pipeline = strings.string(record, .pipeline), let model = strings.string(record, .modelID) else { return nil }
        var gpus: [String] = []
        record.forEachString(.gpuIDs) { gpus.append(String(decoding: $0, as: UTF8.self)) }
        let price = record.slice(.pricePerUnitWei).flatMap { wei in record.integer(.pixelsPerUnit).flatMap { Price.milliWeiPerPixel(wei, pixels: $0) } }
        return Snapshot(id: id, orchestrator: orchestrator, pipeline: pipeline, model: model, startMs: record.integer(.startMs) ?? 0,
                        warm: record.boolean(.warm), gpuIDs: gpus, milliWeiPerPixel: price)
    }

    /// The cost per batch or LLM job of `jobs`, in wei (spec/site.md §6.2); nil without a costed job.
    public static func costPerJob(_ jobs: [Job]) -> Int64? {
        let costs = jobs.filter { $0.kind != .liveSession }.compactMap(\.costWei)
        guard !costs.isEmpty else { return nil }
        return Int64(clamping: costs.reduce(Int128(0)) { $0 + Int128($1) } / Int128(costs.count))
    }

    /// The live cost per minute of `jobs`, in wei (spec/site.md §6.1); nil without a costed minute.
    public static func costPerMinute(_ jobs: [Job]) -> Int64? {
        var cost: Int128 = 0, duration: Int128 = 0
        for job in jobs where job.kind == .liveSession {
            guard let wei = job.costWei, let ms = job.durationMs else { continue }
            cost += Int128(wei)
            duration += Int128(ms)
        }
        guard duration > 0 else { return nil }
        return Int64(clamping: cost * 60_000 / duration)
    }

    /// Whether a job succeeded: `success`, or a live session's `outcome` of `completed`.
    public static func succeeded(_ job: Job) -> Bool {
        job.kind == .liveSession ? job.outcome == "completed" : job.success == true
    }
}

/// Prices as the site shows them (spec/site.md §6.1): integers from the records' decimal strings.
public enum Price {
    /// The integer part of a wei decimal (spec/records.md §3.2), at most `cap`.
    public static func integerPart(_ text: UnsafeRawBufferPointer, cap: Int64) -> Int64 {
        var value: Int64 = 0
        for byte in text {
            guard byte >= 0x30 && byte <= 0x39 else { break }  // the point ends the integer part
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow, times <= cap - Int64(byte - 0x30) else { return cap }
            value = times + Int64(byte - 0x30)
        }
        return min(value, cap)
    }

    /// `wei` (a wei string) × 1000 / `pixels`, rounded down: milli-wei per pixel; nil when it does not fit 64 bits.
    public static func milliWeiPerPixel(_ wei: UnsafeRawBufferPointer, pixels: Int64) -> Int64? {
        guard pixels > 0, wei.count <= 30 else { return nil }
        var value: Int128 = 0
        for byte in wei { value = value * 10 + Int128(byte - 0x30) }  // a valid record's wei string is digits only
        let milli = value * 1000 / Int128(pixels)
        return milli <= Int128(Int64.max) ? Int64(milli) : nil
    }
}
