import AssayCore
import AssayCrypto

/// The result of verifying a dataset.
public struct VerificationReport: Sendable {
    public let datasetID: String?
    public let bundles: [BundleResult]
    /// Dataset-level, bundle and chain findings, in a fixed order.
    public let findings: [Finding]
    /// The newest bundle of each collector, for `--state`.
    public let heads: [VerifyState.Head]
    /// The policy every signature was judged by (the current one, or the pinned one).
    public let policy: TrustPolicy?
    /// Whether `policy` was pinned by the caller (`--policy`) rather than read from the dataset.
    public let pinned: Bool
    /// The dataset's policy versions as checked (spec/policy.md §2).
    public let policyVersions: [PolicyChain.Version]
    /// The genesis hash, and what it was compared with (spec/dataset.md §8.4).
    public let genesis: GenesisPin?
    /// The log's newest checkpoint as verified (spec/log.md §7.5), for `--state`.
    public let logHead: VerifyState.LogHead?

    /// The dataset's genesis and how this run trusted it.
    public struct GenesisPin: Sendable {
        public enum Source: String, Sendable { case trust, state }
        public let sha256: String
        /// nil: trusted on first use.
        public let pinnedBy: Source?
    }

    public init(datasetID: String?, bundles: [BundleResult], findings: [Finding], heads: [VerifyState.Head],
                policy: TrustPolicy? = nil, pinned: Bool = false, policyVersions: [PolicyChain.Version] = [], genesis: GenesisPin? = nil,
                logHead: VerifyState.LogHead? = nil) {
        self.logHead = logHead
        self.datasetID = datasetID
        self.bundles = bundles
        self.findings = findings
        self.heads = heads
        self.policy = policy
        self.pinned = pinned
        self.policyVersions = policyVersions
        self.genesis = genesis
    }

    /// The report with more findings (from checks outside the core, such as git commit signatures).
    public func adding(_ extra: [Finding]) -> VerificationReport {
        VerificationReport(datasetID: datasetID, bundles: bundles, findings: findings + extra, heads: heads,
                           policy: policy, pinned: pinned, policyVersions: policyVersions, genesis: genesis, logHead: logHead)
    }

    /// The newest policy version that holds (the dataset's own, whatever --policy pinned).
    public var currentVersion: PolicyChain.Version? { policyVersions.last { $0.holds } }

    /// What a later run must find again (spec/dataset.md §8.2); nil when there is no root of trust to record.
    public var state: VerifyState? {
        guard let datasetID, let genesis, let current = currentVersion, let hash = current.hash else { return nil }
        return VerifyState(dataset: datasetID, genesis: genesis.sha256, policyVersion: current.version, policySHA256: hash, heads: heads, log: logHead)
    }

    /// Bundles whose records this run did not check (outside the selection, or not all there: spec/dataset.md §8.5).
    public var recordsNotChecked: [BundleResult] { bundles.filter { !$0.recordsChecked } }

    public var errors: Int { findings.filter { $0.severity == .error }.count }
    public var warnings: Int { findings.filter { $0.severity == .warning }.count }
    public var holds: Bool { errors == 0 }

    /// The report as JSON for programs (spec/dataset.md §8): stable order, canonical form.
    public var jsonValue: JSONValue {
        .object([
            .init("format", "assay-verify-report-v2"),
            .init("dataset", datasetID.map { .string($0) } ?? .null),
            .init("genesis", genesis.map { genesis in
                .object([.init("sha256", .string(genesis.sha256)), .init("pinned_by", genesis.pinnedBy.map { .string($0.rawValue) } ?? .null)])
            } ?? .null),
            .init("ok", .bool(holds)),
            .init("errors", .integer(Int64(errors))),
            .init("warnings", .integer(Int64(warnings))),
            .init("policy", policy.map { policy in
                .object([.init("version", .integer(Int64(policy.version))), .init("sha256", .string(policy.hash)),
                         .init("threshold", .integer(Int64(policy.threshold))), .init("pinned", .bool(pinned))])
            } ?? .null),
            .init("policy_versions", .array(policyVersions.map { version in
                .object([.init("version", .integer(Int64(version.version))), .init("sha256", version.hash.map { .string($0) } ?? .null),
                         .init("holds", .bool(version.holds)), .init("approvals", .array(version.approvals.map { .string($0) })),
                         .init("needed", .integer(Int64(version.needed)))])
            })),
            .init("bundles", .array(bundles.map { bundle in
                .object([
                    .init("collector", .string(bundle.collector)),
                    .init("day", .string(bundle.day.description)),
                    .init("manifest_sha256", bundle.manifestHash.map { .string($0) } ?? .null),
                    .init("records", .integer(bundle.manifest?.recordsTotal ?? 0)),
                    .init("signers", .array(bundle.signers.map { .string($0) })),
                    .init("unsigned", .array(bundle.unsigned.map { .string($0) })),
                    .init("threshold", .integer(Int64(bundle.threshold))),
                    .init("holds", .bool(bundle.holds)),
                    .init("ok", .bool(!bundle.hasErrors)),
                    .init("records_checked", .bool(bundle.recordsChecked)),
                ])
            })),
            .init("findings", .array(findings.map {
                .object([.init("severity", .string($0.severity.rawValue)), .init("rule", .string($0.rule.rawValue)),
                         .init("path", .string($0.path)), .init("message", .string($0.message))])
            })),
        ])
    }
}

/// Verifies a whole dataset offline (spec/dataset.md §8): the layout, every
/// bundle (in parallel), each collector's chain, dates after today, and
/// optionally freshness and rollback against an earlier run's state. Each
/// rule family is a check of its own (Checks/); this type composes them.
public struct DatasetVerifier: Sendable {
    public struct Options: Sendable {
        /// `stale` when a collector's newest bundle is more than this many days before `today`.
        public var maxAgeDays: Int?
        /// Today, for freshness; defaults to the current UTC day.
        public var today: UTCDay?
        /// An earlier run's state, for rollback detection; its genesis pins the dataset's unless `trustedGenesis` is set.
        public var state: VerifyState?
        /// The genesis hash the auditor trusts (`--trust`, spec/dataset.md §8.4).
        public var trustedGenesis: String?
        /// Judge every signature by this policy instead of the dataset's current one (spec/policy.md §5).
        public var policy: TrustPolicy?
        /// Require this threshold instead of the policy's.
        public var threshold: Int?
        /// A signed checkpoint of this dataset's log obtained elsewhere (`--checkpoint`, spec/log.md §7.5).
        public var checkpoint: [UInt8]?
        /// How many bundles to verify at once.
        public var parallelism: Int = 2
        /// Receives every valid record as it is verified (see `VerifiedRecordSink`).
        public var sink: (any VerifiedRecordSink)?
        /// Check the records of these bundles only (spec/dataset.md §8.5); nil: of every bundle.
        public var selection: BundleSelection?

        public init() {}
    }

    public let directory: DatasetDirectory
    public let options: Options

    public init(directory: DatasetDirectory, options: Options = Options()) {
        self.directory = directory
        self.options = options
    }

    /// Verifies; `progress(done, total)` is called as bundles finish.
    public func verify(progress: @Sendable (Int, Int) -> Void = { _, _ in }) async -> VerificationReport {
        var log = FindingLog(limit: 1000)
        let descriptor: DatasetDescriptor?
        do { descriptor = try directory.descriptor() } catch {
            log.add(.descriptor, DatasetDirectory.descriptorName, error.reason)
            descriptor = nil
        }
        LayoutCheck(directory: directory).check(into: &log)
        guard let descriptor else {
            return VerificationReport(datasetID: nil, bundles: [], findings: log.all, heads: [])
        }
        let chain = PolicyChain.evaluate(directory, descriptor: descriptor)
        for finding in chain.findings { log.add(finding) }
        let pin = PinCheck(trustedGenesis: options.trustedGenesis, state: options.state, datasetID: descriptor.id)
        pin.check(chain, into: &log)
        let genesis = chain.genesisHash.map { VerificationReport.GenesisPin(sha256: $0, pinnedBy: pin.source) }
        guard var policy = options.policy ?? chain.current else {
            return VerificationReport(datasetID: descriptor.id, bundles: [], findings: log.all, heads: [], policyVersions: chain.versions,
                                      genesis: genesis)
        }
        if let threshold = options.threshold {
            policy = TrustPolicy(version: policy.version, hash: policy.hash, threshold: threshold, signers: policy.signers,
                                 revocations: policy.revocations, witnesses: policy.witnesses)
        }
        var bundleVerifier = BundleVerifier(directory: directory, descriptor: descriptor, policy: policy)
        bundleVerifier.sink = options.sink
        let verifier = bundleVerifier, selection = options.selection
        // The layout check has already reported a directory that cannot be listed (`unreadable`).
        // A collector whose tree cannot be listed is not verified; the layout check has reported the
        // directory (`unreadable`), which fails verification.
        var collectors: [String] = []
        var work: [(String, UTCDay)] = []
        for collector in (try? directory.collectors()) ?? [] {  // an unlistable tree is the layout check's `unreadable` finding
            guard let days = try? directory.days(of: collector) else { continue }  // reported by the layout check
            collectors.append(collector)
            work += days.map { (collector, $0) }
        }
        let results = await Self.run(work, parallelism: max(1, options.parallelism), progress: progress) {
            verifier.verify(collector: $0.0, day: $0.1, checkRecords: selection?.contains(collector: $0.0, day: $0.1) ?? true)
        }
        var findings = log.all
        for result in results { findings += result.findings }
        var chainLog = FindingLog()
        var heads: [VerifyState.Head] = []
        // Results keep the work's order: each collector's bundles, in day order.
        let chains = Dictionary(grouping: results, by: \.collector)
        for collector in collectors {
            let chain = chains[collector] ?? []
            ChainCheck.check(chain, into: &chainLog)
            if let last = chain.last, let hash = last.manifestHash {
                heads.append(VerifyState.Head(collector: collector, day: last.day, manifestSHA256: hash))
            }
        }
        let today = options.today ?? UTCDay(containing: WallClock.nowMilliseconds)
        FutureCheck(directory: directory, today: today).check(results, into: &chainLog)
        if let maxAge = options.maxAgeDays { FreshnessCheck(today: today, maxAgeDays: maxAge).check(heads, into: &chainLog) }
        if let state = options.state { RollbackCheck(state: state, datasetID: descriptor.id).check(results, into: &chainLog) }
        findings += chainLog.all
        var probeLog = FindingLog(limit: 1000)
        ProbeFilesCheck(directory: directory, datasetID: descriptor.id).check(referenced: Set(results.compactMap(\.scenarioDocument)), log: &probeLog)
        findings += probeLog.all
        var logFindings = FindingLog(limit: 1000)
        // Witnesses any version that holds defined, the newest's key for a name (spec/log.md §8.3).
        var knownWitnesses: [String: NoteVerifierKey] = [:]
        for version in chain.versions where version.holds { knownWitnesses.merge(version.policy?.witnesses.witnessKeys() ?? [:]) { $1 } }
        let logHead = LogCheck(directory: directory, datasetID: descriptor.id, policy: policy, knownWitnesses: knownWitnesses,
                               recorded: options.state?.dataset == descriptor.id ? options.state?.log : nil,
                               external: options.checkpoint).check(into: &logFindings)
        findings += logFindings.all
        return VerificationReport(datasetID: descriptor.id, bundles: results, findings: findings, heads: heads,
                                  policy: policy, pinned: options.policy != nil, policyVersions: chain.versions, genesis: genesis,
                                  logHead: logHead.map { VerifyState.LogHead(size: $0.size, root: Hex.encode($0.root)) })
    }

    /// Runs `body` over `items` with bounded parallelism, keeping the input order.
    static func run<Item: Sendable, Result: Sendable>(
        _ items: [Item], parallelism: Int, progress: @Sendable (Int, Int) -> Void, _ body: @escaping @Sendable (Item) -> Result
    ) async -> [Result] {
        await withTaskGroup(of: (Int, Result).self) { group in
            var results = [Result?](repeating: nil, count: items.count)
            var next = 0
            var done = 0
            while next < min(parallelism, items.count) {
                let index = next
                group.addTask { (index, body(items[index])) }
                next += 1
            }
            while let (index, result) = await group.next() {
                results[index] = result
                done += 1
                progress(done, items.count)
                if next < items.count {
                    let index = next
                    group.addTask { (index, body(items[index])) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
    }
}


#if canImport(Glibc)
import Glibc
#endif
