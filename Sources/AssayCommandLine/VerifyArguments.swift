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

    @Option(help: ArgumentHelp("A policy to trust instead of the dataset's current one: a policy version directory (policy.json and allowed_signers) or an allowed_signers file.",
                               discussion: "See spec/policy.md §5.", valueName: "path"))
    public var policy: String?

    @Option(help: "A threshold to require instead of the policy's.")
    public var threshold: Int?

    @Option(help: "Check this record proof (from 'assay prove') against the dataset: the bundle it names, its manifest and its signatures.")
    public var proof: String?

    public init() {}

    public func validate() throws {
        if let today, UTCDay(today) == nil { throw ValidationError("--today must be YYYY-MM-DD") }
        if let maxAge, maxAge < 0 { throw ValidationError("--max-age must be 0 or more") }
        if let threshold, threshold < 1 { throw ValidationError("--threshold must be at least 1") }
    }

    /// The trust policy to use: --policy, else nil (the dataset's current one). An allowed_signers
    /// file gets `defaultThreshold` (the dataset's) unless --threshold says otherwise.
    public func pinnedPolicy(defaultThreshold: Int) throws -> TrustPolicy? {
        guard let policy else { return nil }
        if DatasetDirectory.isDirectory(policy) {
            let bytes = try Files.read("\(policy)/policy.json", limit: 1 << 20)
            let document: PolicyDocument
            do { document = try PolicyDocument(bytes: bytes) } catch { throw Failure(message: "\(policy)/policy.json: \(error.reason)") }
            let signersBytes = try Files.read("\(policy)/\(DatasetDirectory.allowedSignersName)", limit: 1 << 22)
            guard Hasher.sha256(signersBytes).hex == document.allowedSignersSHA256 else {
                throw Failure(message: "\(policy)/allowed_signers: its SHA-256 is not the one policy.json names")
            }
            let signers = try Self.allowedSigners(signersBytes, path: "\(policy)/allowed_signers")
            if let problem = PolicyChain.selfContainmentProblems(signers, revocations: document.revocations).first {
                throw Failure(message: "\(policy)/allowed_signers: \(problem)")
            }
            return TrustPolicy(version: document.version, hash: Hasher.sha256(bytes).hex, threshold: document.threshold,
                               signers: signers, revocations: document.revocations)
        }
        let bytes = try Files.read(policy, limit: 1 << 22)
        return TrustPolicy(version: 0, hash: Hasher.sha256(bytes).hex, threshold: threshold ?? defaultThreshold,
                           signers: try Self.allowedSigners(bytes, path: policy))
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
        let directory = DatasetDirectory(dataset)
        let document: RecordProof
        do { document = try RecordProof(bytes: try Files.readRegular(path, limit: 16 << 20)) } catch {
            print("error: \(path): not a record proof: \(error) [\(Rule.proof.rawValue)]")
            throw ExitCode(1)
        }
        let descriptor = try directory.descriptor()
        let trusted: TrustPolicy
        if let pinned = try pinnedPolicy(defaultThreshold: descriptor.threshold) {
            trusted = pinned
        } else {
            let chain = PolicyChain.evaluate(directory, descriptor: descriptor)
            guard let current = chain.current else {
                for finding in chain.findings { print("  \(finding)") }
                print("FAILED: the dataset's trust policy cannot be read, so no signature can be judged.")
                throw ExitCode(1)
            }
            trusted = current
        }
        let policy = threshold.map { TrustPolicy(version: trusted.version, hash: trusted.hash, threshold: $0, signers: trusted.signers,
                                                 revocations: trusted.revocations) } ?? trusted
        let findings = document.verify(in: directory, datasetID: descriptor.id, policy: policy)
        for finding in findings { print("  \(finding)") }
        guard !findings.contains(where: { $0.severity == .error }) else {
            print("FAILED: the proof does not show the record in a bundle signed as the policy requires.")
            throw ExitCode(1)
        }
        print("Proof holds: the record is leaf \(document.leafIndex) of \(document.treeSize) in \(document.dataset)/\(document.collector) "
              + "\(document.day), whose manifest (\(document.manifestSHA256.prefix(16))…) reaches threshold \(policy.threshold) of policy version \(policy.version).")
    }

    /// Runs the verification (or the proof check), prints the report, updates
    /// the state, and exits 1 unless everything holds. `extraChecks` adds
    /// findings from outside the core (git commit signatures).
    public func run(extraChecks: (AllowedSigners) throws -> ExtraCheck = { _ in ExtraCheck(findings: [], checked: nil) }) async throws {
        if let proof { return try checkProof(proof) }
        var options = DatasetVerifier.Options()
        options.maxAgeDays = maxAge
        options.today = today.flatMap(UTCDay.init)
        if let state, Files.exists(state) { options.state = try VerifyState(bytes: try Files.read(state, limit: 16 << 20)) }
        let descriptor = try? DatasetDirectory(dataset).descriptor()
        options.policy = try pinnedPolicy(defaultThreshold: descriptor?.threshold ?? 1)
        options.threshold = threshold
        let progress = Progress(enabled: Diagnostics.isTerminal && !json)
        var report = await DatasetVerifier(directory: DatasetDirectory(dataset), options: options).verify { done, total in
            progress.update("verifying bundles \(done)/\(total)")
        }
        progress.finish()
        var checked = ["\(report.bundles.reduce(Int64(0)) { $0 + ($1.manifest?.recordsTotal ?? 0) }) records",
                       "\(report.bundles.reduce(0) { $0 + $1.signers.count }) bundle signatures"]
        if let signers = report.policy?.signers {
            let extra = try extraChecks(signers)
            report = report.adding(extra.findings)
            if let what = extra.checked { checked.append(what) }
            // Published scores are recomputed from the bundles they name (spec/scoring.md §10).
            let directory = DatasetDirectory(dataset)
            report = report.adding(PublishedScores.verify(directory, signers: signers))
            // An unreadable scores/ is an `unreadable` error in the report already.
            checked.append("\((try? directory.scoreDays())?.count ?? 0) published scores recomputed")
        }
        let output = BufferedWriter()
        if json {
            output.write(try CanonicalJSON.encode(report.jsonValue))
            output.write(CollectionOfOne(0x0A))
        } else {
            output.write(Array(report.humanText(location: dataset, checked: checked).utf8))
        }
        output.flush()
        if let state, report.holds, let id = report.datasetID {
            try Files.writeAtomically(state, contents: VerifyState(dataset: id, heads: report.heads).bytes())
        }
        if !report.holds { throw ExitCode(1) }
    }
}

extension VerificationReport {
    /// The report for people: one line per collector, then every finding, then the verdict with
    /// what was checked (`checked`: "9810 records", "49 commits SSH-signed", …).
    public func humanText(location: String, checked: [String] = []) -> String {
        var lines = ["Dataset \(datasetID ?? "(unreadable)") at \(location)"]
        if let policy {
            let source = pinned ? "pinned with --policy" : (policy.version == 1 ? "allowed_signers (version 1)" : "policy/\(String(policy.version + 10000).dropFirst())")
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
        let what = ([" \(bundles.count) bundles"] + checked.map { " \($0)" }).joined(separator: ",")
        lines.append(holds
            ? "Verified:\(what); no errors\(warnings > 0 ? ", \(warnings) warnings" : "")."
            : "FAILED: \(errors) errors, \(warnings) warnings (checked:\(what)).")
        return lines.joined(separator: "\n") + "\n"
    }
}
