import AssayCore
import AssayCrypto

/// The cross-check of spec/policy.md §6.1: the orchestrator-reported records
/// of two bundles of the same day, compared for every orchestrator both have.
public struct CrossCheck: Sendable, Equatable {
    /// How one orchestrator's records differ between the two bundles (job ids, sorted).
    public struct Difference: Sendable, Equatable {
        public let orchestrator: String
        /// Keys in both bundles with different line bytes.
        public let differs: [String]
        /// Keys only the candidate bundle has.
        public let onlyTheirs: [String]
        /// Keys only the co-signer's own bundle has.
        public let onlyMine: [String]

        public var description: String {
            var parts: [String] = []
            func list(_ ids: [String]) -> String { ids.prefix(10).joined(separator: ", ") + (ids.count > 10 ? ", … (\(ids.count) in all)" : "") }
            if !differs.isEmpty { parts.append("differs: \(list(differs))") }
            if !onlyTheirs.isEmpty { parts.append("only-theirs: \(list(onlyTheirs))") }
            if !onlyMine.isEmpty { parts.append("only-mine: \(list(onlyMine))") }
            return "orchestrator \(orchestrator) served different records — " + parts.joined(separator: "; ")
        }
    }

    /// Orchestrators both bundles have records of, sorted.
    public let compared: [String]
    /// Those whose records differ.
    public let differences: [Difference]

    public var agrees: Bool { differences.isEmpty }

    /// Compares the bundle directories `theirs` and `mine` (absolute paths).
    public static func compare(theirs: String, mine: String) throws(LedgerError) -> CrossCheck {
        let a = try orchestratorLines(in: theirs), b = try orchestratorLines(in: mine)
        let shared = Set(a.keys).intersection(b.keys).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var differences: [Difference] = []
        for orchestrator in shared {
            let theirs = a[orchestrator]!, mine = b[orchestrator]!
            func sorted(_ ids: some Sequence<String>) -> [String] { ids.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } }
            let differs = sorted(theirs.keys.filter { key in mine[key].map { $0 != theirs[key]! } ?? false })
            let onlyTheirs = sorted(theirs.keys.filter { mine[$0] == nil })
            let onlyMine = sorted(mine.keys.filter { theirs[$0] == nil })
            if !differs.isEmpty || !onlyTheirs.isEmpty || !onlyMine.isEmpty {
                differences.append(Difference(orchestrator: orchestrator, differs: differs, onlyTheirs: onlyTheirs, onlyMine: onlyMine))
            }
        }
        return CrossCheck(compared: shared, differences: differences)
    }

    /// observer_id → id → the set of line bytes, for `observer_role` orchestrator, from the records (each shard) and
    /// conflicts.jsonl, in whichever form they are stored (spec/dataset.md §4.6, §4.7).
    static func orchestratorLines(in bundle: String) throws(LedgerError) -> [String: [String: Set<[UInt8]>]] {
        let manifest: Manifest
        do { manifest = try Manifest(bytes: try Files.readRegular("\(bundle)/manifest.json", limit: DatasetDirectory.manifestLimit)) } catch {
            throw LedgerError(.invalidDocument, "\(bundle)/manifest.json: \(error)")
        }
        var result: [String: [String: Set<[UInt8]>]] = [:]
        let files = manifest.files.filter { $0.name == Manifest.conflictsName } + manifest.recordFiles
        try BundleRecordReader(directory: bundle, manifest: manifest, base: bundle).forEachLine(files: files) { _, _, line in
            // The bundle was verified before this pass: an invalid line already refused its co-signature.
            guard case .bytes(let bytes) = line, let record = try? Record.parse(bytes),  // a line that does not parse is already the verifier's record-invalid finding
                  record["observer_role"] == .string("orchestrator"),
                  case .string(let observer)? = record["observer_id"], case .string(let id)? = record["id"] else { return }
            result[observer, default: [:]][id, default: []].insert(Array(bytes))
        }
        return result
    }
}

/// Decides, bundle by bundle, what a co-signer signs (spec/policy.md §6 step 3)
/// and writes the signatures. Git (fetching before, publishing after) is the caller's.
public struct CoSigner: Sendable {
    /// What happened to one bundle.
    public struct Decision: Sendable {
        public enum Verdict: Sendable, Equatable {
            case signed
            /// Not signed now; may be later (own bundle not sealed yet, key not valid for the day).
            case skipped(String)
            /// Never to be signed as it is: verification errors or a failed cross-check.
            case refused([String])
        }
        public let collector: String
        public let day: UTCDay
        public let verdict: Verdict
    }

    public let directory: DatasetDirectory
    public let key: any Ed25519Signer
    public let signer: String
    /// The co-signer's own collector, whose bundles the cross-check compares against.
    public let ownCollector: String?

    public init(directory: DatasetDirectory, key: any Ed25519Signer, signer: String, ownCollector: String?) {
        self.directory = directory
        self.key = key
        self.signer = signer
        self.ownCollector = ownCollector
    }

    /// Decides for every bundle of `report` the signer has not signed, and signs those that pass
    /// (unless `dryRun`). `report` must come from verifying `directory` under `policy`.
    public func run(report: VerificationReport, policy: TrustPolicy, dryRun: Bool = false) -> [Decision] {
        var decisions: [Decision] = []
        for bundle in report.bundles {
            let absolute = directory.bundlePath(collector: bundle.collector, day: bundle.day)
            guard !Files.exists("\(absolute)/signatures/\(signer).sig") else { continue }
            let verdict = decide(bundle, report: report, policy: policy, absolute: absolute)
            if verdict == .signed && !dryRun {
                do {
                    let manifest = try Files.readRegular("\(absolute)/manifest.json", limit: DatasetDirectory.manifestLimit)
                    let signature = try SSHSignature.sign(manifest, namespace: DatasetDirectory.manifestNamespace, with: key)
                    try directory.addSignature(signature, signer: signer, collector: bundle.collector, day: bundle.day)
                } catch {
                    decisions.append(Decision(collector: bundle.collector, day: bundle.day, verdict: .refused(["signing failed: \(error)"])))
                    continue
                }
            }
            decisions.append(Decision(collector: bundle.collector, day: bundle.day, verdict: verdict))
        }
        // A co-signer also signs the log's newest checkpoint, when the log verified (spec/log.md §7.4).
        let logHolds = !report.findings.contains { [.log, .logEntry].contains($0.rule) && $0.severity == .error }
        if !dryRun, logHolds, let id = report.datasetID, decisions.contains(where: { $0.verdict == .signed }) {
            _ = try? DatasetLog.cosign(directory, datasetID: id, signer: signer, key: key)  // a failure leaves the checkpoint as it was: the publisher signs it
        }
        return decisions
    }

    func decide(_ bundle: BundleResult, report: VerificationReport, policy: TrustPolicy, absolute: String) -> Decision.Verdict {
        let base = bundle.relativePath
        let problems = report.findings.filter { finding in
            finding.severity == .error && finding.rule != .threshold && (finding.path == base || finding.path.hasPrefix(base + "/"))
        }
        if !problems.isEmpty { return .refused(problems.map { "\($0.rule.rawValue): \($0.path): \($0.message)" }) }
        switch policy.standing(principal: signer, key: key.publicKey, namespace: DatasetDirectory.manifestNamespace, at: bundle.day.startMs / 1000) {
        case .counts: break
        case .revoked(let revocation):
            return .skipped("the key \(OpenSSHPublicKey(key.publicKey).fingerprint) is revoked from \(UTCTime.seconds(revocation.from))")
        case .notAllowed:
            return .skipped("the policy does not let '\(signer)' sign manifests of \(bundle.day) with \(OpenSSHPublicKey(key.publicKey).fingerprint)")
        }
        guard let ownCollector, ownCollector != bundle.collector else { return .signed }
        let own = directory.bundlePath(collector: ownCollector, day: bundle.day)
        guard Files.exists("\(own)/manifest.json") else {
            return .skipped("waiting for \(ownCollector)'s own bundle of \(bundle.day) to cross-check against")
        }
        do {
            let check = try CrossCheck.compare(theirs: absolute, mine: own)
            return check.agrees ? .signed : .refused(check.differences.map(\.description))
        } catch {
            return .refused(["the cross-check could not read the bundles: \(error)"])
        }
    }
}
