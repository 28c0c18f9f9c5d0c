import ArgumentParser
import AssayCore
import AssayCrypto
import AssayLedger
import AssayScore

/// The options of dataset verification, shared by `assay verify` and the
/// auditor's minimal `assay-verify`.
public struct VerifyArguments: ParsableArguments {
    @Argument(help: "The dataset directory.")
    public var dataset: String = "."

    @Flag(help: "Print the report as JSON.")
    public var json = false

    @Option(help: "Fail when a collector's newest bundle is older than this many days.")
    public var maxAge: Int?

    @Option(help: "Today's UTC date for --max-age (default: the current date).")
    public var today: String?

    @Option(help: "A state file: checked against, then updated after a run without errors.")
    public var state: String?

    @Option(help: ArgumentHelp("A signed checkpoint of the dataset's log obtained elsewhere (another clone's log/checkpoint, a witness, a friend).",
                               discussion: "It must carry the policy's threshold of signatures and be a prefix of this dataset's log: otherwise the run fails with split-view and prints both checkpoints, or with log-behind when it covers entries this dataset lacks (spec/log.md §7.5)."))
    public var checkpoint: String?

    @Option(help: ArgumentHelp("The genesis hash you trust (64 hex digits), or a trust file of 'DATASET-ID HASH' lines.",
                               discussion: "Without it, the state file's genesis is trusted; with neither, the run trusts on first use and says so (spec/dataset.md §8.4).",
                               valueName: "hash|file"))
    public var trust: String?

    @Option(help: ArgumentHelp("A policy to trust instead of the dataset's current one: a policy version directory (policy.json and allowed_signers) or an allowed_signers file (then --threshold is required).",
                               discussion: "See spec/policy.md §5.", valueName: "path"))
    public var policy: String?

    @Option(help: "A threshold to require instead of the policy's (required with an allowed_signers file as --policy).")
    public var threshold: Int?

    @Option(help: ArgumentHelp("Check this record proof (from 'assay prove'): a JSON proof against the dataset (the bundle it names, its manifest and its signatures), or a tlog-proof file with nothing but --trust (spec/log.md §10).",
                               valueName: "file"))
    public var proof: String?

    @Option(name: .customLong("only"), help: ArgumentHelp("Check the records of these bundles only: COLLECTOR, COLLECTOR/DAY or COLLECTOR/FIRST..LAST; repeatable.",
                                                          discussion: "Every manifest, signature, chain link and the log are checked as always; the records of other bundles are not read, and the report says which were not checked (spec/dataset.md §8.5).",
                                                          valueName: "selection"))
    public var only: [String] = []

    public init() {}

    /// The bundles whose records the run checks; nil: all of them.
    public func selection() throws -> BundleSelection? {
        guard !only.isEmpty else { return nil }
        do { return try BundleSelection(parsing: only) } catch { throw ValidationError("--only \(error.reason)") }
    }

    public func validate() throws {
        _ = try selection()
        if let today, UTCDay(today) == nil { throw ValidationError("--today must be YYYY-MM-DD") }
        if let maxAge, maxAge < 0 { throw ValidationError("--max-age must be 0 or more") }
        if let threshold, threshold < 1 { throw ValidationError("--threshold must be at least 1") }
    }

    /// The genesis hash `--trust` pins for the dataset `id`, or nil without --trust (spec/dataset.md §8.4).
    public func trustedGenesis(for id: String) throws -> String? {
        guard let trust else { return nil }
        if Self.isHash(trust) { return trust }
        let bytes: [UInt8]
        do { bytes = try Files.readRegular(trust, limit: 1 << 20) } catch {
            throw Failure(message: "--trust \(trust): neither 64 lowercase hex digits nor a readable trust file (\(error))")
        }
        var found: String?
        for (index, line) in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count == 2, Slug.isValid(fields[0]), Self.isHash(fields[1]) else {
                throw Failure(message: "\(trust):\(index + 1): a trust line is 'DATASET-ID GENESIS-HASH' (a slug and 64 lowercase hex digits)")
            }
            guard fields[0] == id else { continue }
            guard found == nil else { throw Failure(message: "\(trust):\(index + 1): the dataset '\(id)' is named twice") }
            found = fields[1]
        }
        guard let found else { throw Failure(message: "\(trust): no line for the dataset '\(id)'; add '\(id) GENESIS-HASH'") }
        return found
    }

    static func isHash(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The trust policy to use: --policy, else nil (the dataset's current one). An allowed_signers
    /// file needs --threshold: a list of signers without a threshold pins nothing.
    public func pinnedPolicy() throws -> TrustPolicy? {
        guard let policy else { return nil }
        if DatasetDirectory.isDirectory(policy) {
            let bytes = try Files.read("\(policy)/policy.json", limit: 1 << 20)
            let document: PolicyDocument
            do { document = try PolicyDocument(bytes: bytes) } catch { throw Failure(message: "\(policy)/policy.json: \(error.reason)") }
            let signersBytes = try Files.read("\(policy)/\(DatasetDirectory.allowedSignersName)", limit: 1 << 22)
            guard PolicyDocument.FileReference(signersBytes) == document.allowedSigners else {
                throw Failure(message: "\(policy)/allowed_signers: its SHA-256 is not the one policy.json names")
            }
            let signers = try Self.allowedSigners(signersBytes, path: "\(policy)/allowed_signers")
            if let problem = PolicyChain.selfContainmentProblems(signers, revocations: document.revocations).first {
                throw Failure(message: "\(policy)/allowed_signers: \(problem)")
            }
            return TrustPolicy(version: document.version, hash: MessageDigest.sha256(bytes).hex, threshold: document.threshold,
                               signers: signers, revocations: document.revocations)
        }
        guard let threshold else {
            throw Failure(message: "--policy \(policy) is an allowed_signers file: give the threshold to require with --threshold (spec/policy.md §5)")
        }
        let bytes = try Files.read(policy, limit: 1 << 22)
        return TrustPolicy(version: 0, hash: MessageDigest.sha256(bytes).hex, threshold: threshold, signers: try Self.allowedSigners(bytes, path: policy))
    }

    static func allowedSigners(_ bytes: [UInt8], path: String) throws -> AllowedSigners {
        do { return try AllowedSigners(text: String(decoding: bytes, as: UTF8.self)) } catch {
            throw Failure(message: "\(path):\(error.line): \(error.reason)")
        }
    }

    /// What a check from outside the core found, and what it checked ("49 commits SSH-signed").
    public struct ExtraCheck {
        public let findings: [Finding]
        public let checked: String?
        public init(findings: [Finding], checked: String?) {
            self.findings = findings
            self.checked = checked
        }
    }

    /// `--proof FILE`: the record is in a bundle of this dataset whose manifest is signed as the
    /// trust policy requires (spec/dataset.md §8.3); exits 1 with each finding otherwise.
    func checkProof(_ path: String) throws {
        let bytes = try Files.readRegular(path, limit: TransparentRecordProof.byteLimit)
        if bytes.starts(with: Array(TransparentRecordProof.header.utf8)) { return try checkTransparentProof(path, bytes: bytes) }
        let directory = DatasetDirectory(dataset)
        let document: RecordProof
        do { document = try RecordProof(bytes: bytes) } catch {
            print("error: \(path): not a record proof: \(error) [\(Rule.proof.rawValue)]")
            throw ExitCode(1)
        }
        let descriptor = try directory.descriptor()
        let trusted: TrustPolicy
        let chain = PolicyChain.evaluate(directory, descriptor: descriptor)
        if let pin = try trustedGenesis(for: descriptor.id), chain.genesisHash != pin {
            print("error: \(PolicyDocument.relativePath(version: 1))/policy.json: the dataset's genesis is \(chain.genesisHash ?? "unreadable"), but --trust pins \(pin) [\(Rule.genesis.rawValue)]")
            throw ExitCode(1)
        }
        if let pinned = try pinnedPolicy() {
            trusted = pinned
        } else {
            guard let current = chain.current else {
                for finding in chain.findings { print("  \(finding)") }
                print("FAILED: the dataset's trust policy cannot be read, so no signature can be judged.")
                throw ExitCode(1)
            }
            trusted = current
        }
        let policy = threshold.map { TrustPolicy(version: trusted.version, hash: trusted.hash, threshold: $0, signers: trusted.signers,
                                                 revocations: trusted.revocations, witnesses: trusted.witnesses) } ?? trusted
        let findings = document.verify(in: directory, datasetID: descriptor.id, policy: policy)
        for finding in findings { print("  \(finding)") }
        guard !findings.contains(where: { $0.severity == .error }) else {
            print("FAILED: the proof does not show the record in a bundle signed as the policy requires.")
            throw ExitCode(1)
        }
        print("Proof holds: the record is leaf \(document.leafIndex) of \(document.treeSize) in \(document.dataset)/\(document.collector) "
              + "\(document.day), whose manifest (\(document.manifestSHA256.prefix(16))…) reaches threshold \(policy.threshold) of policy version \(policy.version).")
    }

    /// `--proof FILE` with a tlog-proof: checked with the pinned genesis alone (spec/log.md §10); exits 1 with each
    /// finding otherwise.
    func checkTransparentProof(_ path: String, bytes: [UInt8]) throws {
        let document: TransparentRecordProof
        do { document = try TransparentRecordProof(bytes: bytes) } catch {
            print("error: \(path): not a record proof: \(error) [\(Rule.proof.rawValue)]")
            throw ExitCode(1)
        }
        let datasetID = (try? DatasetDescriptor(bytes: document.descriptor))?.id ?? ""  // an unreadable descriptor is reported by the check
        guard let genesis = try trustedGenesis(for: datasetID) else {
            throw Failure(message: "a tlog-proof is checked against the genesis you trust: give --trust GENESIS-HASH (spec/dataset.md §8.4)")
        }
        let findings = document.verify(genesis: genesis)
        for finding in findings { print("  \(finding)") }
        guard !findings.contains(where: { $0.severity == .error }) else {
            print("FAILED: the proof does not show the record published under the pinned genesis.")
            throw ExitCode(1)
        }
        let note = try? SignedNote(parsing: document.checkpoint)  // parsed by verify, which found nothing wrong
        let size = note.flatMap { try? Checkpoint(text: $0.text) }.map { String($0.size) } ?? "?"  // likewise
        print("Proof holds: the record is in the signed bundle whose manifest is entry \(document.index) of \(datasetID)'s log, "
              + "in checkpoint \(size) signed by its operators and cosigned by its witnesses, under the genesis \(genesis.prefix(16))….")
    }

    /// Whether `directory` has published scores to recompute. This only decides whether records are kept while
    /// verifying: a scores/ that cannot be listed is the layout check's `unreadable` error either way.
    static func hasPublishedScores(_ directory: DatasetDirectory) -> Bool {
        do { return try !directory.scoreDays().isEmpty } catch { return false }
    }

    /// Runs the verification (or the proof check), prints the report, updates
    /// the state, and exits 1 unless everything holds. `extraChecks` adds
    /// findings from outside the core (git history and commit signatures).
    public func run(extraChecks: (VerificationReport) throws -> ExtraCheck = { _ in ExtraCheck(findings: [], checked: nil) }) async throws {
        if let proof { return try checkProof(proof) }
        var options = DatasetVerifier.Options()
        options.maxAgeDays = maxAge
        options.today = today.flatMap(UTCDay.init)
        if let checkpoint {
            do { options.checkpoint = try Files.readRegular(checkpoint, limit: SignedNote.maxBytes) } catch {
                throw Failure(message: "--checkpoint \(checkpoint): \(error)")
            }
        }
        if let state, Files.exists(state) {
            do { options.state = try VerifyState(bytes: try Files.readRegular(state, limit: 16 << 20)) } catch let error as DocumentError {
                throw Failure(message: "--state \(state): \(error.reason)")
            }
        }
        // An unreadable descriptor is the report's first finding; without its id, a trust file has nothing to look up.
        let descriptor: DatasetDescriptor?
        do { descriptor = try DatasetDirectory(dataset).descriptor() } catch { descriptor = nil }
        if let descriptor { options.trustedGenesis = try trustedGenesis(for: descriptor.id) } else if let trust, Self.isHash(trust) {
            options.trustedGenesis = trust
        }
        options.policy = try pinnedPolicy()
        options.threshold = threshold
        options.selection = try selection()
        // Published scores are recomputed from the records that verification reads, each bundle's file read once.
        let prepared = PreparedBundles()
        if Self.hasPublishedScores(DatasetDirectory(dataset)) { options.sink = prepared.sink() }
        let progress = ProgressLine(enabled: Diagnostics.isTerminal && !json)
        var report = await DatasetVerifier(directory: DatasetDirectory(dataset), options: options).verify { done, total in
            progress.update("verifying bundles \(done)/\(total)")
        }
        progress.finish()
        prepared.adopt(report)
        let recordsChecked = report.bundles.filter(\.recordsChecked)
        var checked = ["\(recordsChecked.reduce(Int64(0)) { $0 + ($1.manifest?.recordsTotal ?? 0) }) records",
                       "\(report.bundles.reduce(0) { $0 + $1.signers.count }) bundle signatures"]
        if report.policy != nil, let descriptor {
            // Published scores are recomputed from the bundles they name (spec/scoring.md §10).
            let directory = DatasetDirectory(dataset)
            report = report.adding(PublishedScores.verify(directory, report: report, profiles: descriptor.scoringProfiles, cache: prepared,
                                                          selection: options.selection))
            // An unreadable scores/ is an `unreadable` error in the report already.
            let unfetched = PublishedScores.notFetched(directory).filter { options.selection?.contains(collector: $0.collector, day: $0.day) == false }
            checked.append("\(((try? directory.scoreDays())?.count ?? 0) - unfetched.count) published scores "
                + (report.recordsNotChecked.isEmpty ? "recomputed" : "signature-checked (recomputed where every bundle they name was checked)"))
            if !unfetched.isEmpty { checked.append("\(unfetched.count) published scores NOT CHECKED (not fetched, outside --only)") }
            let extra = try extraChecks(report)
            report = report.adding(extra.findings)
            if let what = extra.checked { checked.append(what) }
        }
        let output = BufferedWriter()
        if json {
            output.write(try CanonicalJSON.encode(report.jsonValue))
            output.write(CollectionOfOne(0x0A))
        } else {
            output.write(Array(report.humanText(location: dataset, checked: checked).utf8))
        }
        output.flush()
        if let state, report.holds, let recorded = report.state {
            try Files.writeAtomically(state, contents: recorded.bytes())
        }
        if !report.holds { throw ExitCode(1) }
    }
}

extension VerificationReport {
    /// The report for people: one line per collector, then every finding, then the verdict with
    /// what was checked (`checked`: "9810 records", "49 commits SSH-signed", …).
    public func humanText(location: String, checked: [String] = []) -> String {
        var lines = ["Dataset \(datasetID ?? "(unreadable)") at \(location)"]
        if let genesis {
            let how = switch genesis.pinnedBy {
            case .trust?: "pinned by --trust"
            case .state?: "pinned by the state file"
            case nil: "NOT pinned: trusted on first use; pin it with --trust \(genesis.sha256)"
            }
            lines.append("  genesis: \(genesis.sha256) (\(how))")
        }
        if let policy {
            let source = pinned ? "pinned with --policy" : PolicyDocument.relativePath(version: policy.version) + (policy.version == 1 ? " (the genesis)" : "")
            lines.append("  policy: \(source), threshold \(policy.threshold), sha256 \(policy.hash.prefix(16))…"
                + (policy.revocations.isEmpty ? "" : ", \(policy.revocations.count) revoked key\(policy.revocations.count == 1 ? "" : "s")"))
        }
        var collectors: [String] = []
        for bundle in bundles where !collectors.contains(bundle.collector) { collectors.append(bundle.collector) }
        for collector in collectors {
            let chain = bundles.filter { $0.collector == collector }
            let records = chain.reduce(Int64(0)) { $0 + ($1.manifest?.recordsTotal ?? 0) }
            let bad = chain.filter { $0.hasErrors || !$0.holds }.count
            let signers = Set(chain.flatMap(\.signers)).sorted()
            lines.append("  \(bad == 0 ? "ok  " : "FAIL") \(collector): \(chain.count) bundle\(chain.count == 1 ? "" : "s") \(chain.first!.day) … \(chain.last!.day), \(records) records, signed by \(signers.isEmpty ? "nobody" : signers.joined(separator: ", "))\(bad == 0 ? "" : "; \(bad) with errors")")
            for bundle in chain {
                let verdict = bundle.holds ? "holds" : "FAILS"
                let count = "\(bundle.signers.count) signature\(bundle.signers.count == 1 ? "" : "s")"
                lines.append("      \(bundle.day)  \(count), threshold \(bundle.threshold): \(verdict)  signed: \(bundle.signers.isEmpty ? "-" : bundle.signers.joined(separator: ", "))"
                    + (bundle.unsigned.isEmpty ? "" : "; not signed: \(bundle.unsigned.joined(separator: ", "))"))
            }
        }
        for finding in findings { lines.append("  \(finding)") }
        // What was not checked is said, never implied (spec/dataset.md §8.5).
        let notChecked = recordsNotChecked
        if !notChecked.isEmpty {
            var byCollector: [(String, [UTCDay])] = []
            for bundle in notChecked {
                if byCollector.last?.0 == bundle.collector { byCollector[byCollector.count - 1].1.append(bundle.day) } else { byCollector.append((bundle.collector, [bundle.day])) }
            }
            lines.append("  NOT CHECKED: the records of \(notChecked.count) bundle\(notChecked.count == 1 ? "" : "s") (outside --only, missing or not fetched): "
                + byCollector.map { "\($0.0) \($0.1.count == 1 ? "\($0.1[0])" : "\($0.1.first!) … \($0.1.last!) (\($0.1.count))")" }.joined(separator: "; "))
        }
        let what = ([" \(bundles.count) bundles"] + checked.map { " \($0)" }).joined(separator: ",")
        lines.append(holds
            ? "Verified:\(what); no errors\(warnings > 0 ? ", \(warnings) warnings" : "")."
            : "FAILED: \(errors) errors, \(warnings) warnings (checked:\(what)).")
        return lines.joined(separator: "\n") + "\n"
    }
}
