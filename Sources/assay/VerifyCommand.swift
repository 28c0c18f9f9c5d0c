import ArgumentParser
import AssayCore
import AssayCrypto
import AssayGit
import AssayLedger
import Synchronization

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a dataset offline: hashes, records, Merkle roots, signatures, threshold and chains.",
        discussion: """
            Checks every bundle of the dataset against spec/dataset.md §8 and prints each finding \
            with the file and the rule it breaks. Exit status 0 only when there is no error \
            (warnings, such as gaps in a chain, are listed but do not fail).

            --max-age N fails when a collector's newest bundle is more than N days old, so a frozen \
            dataset is noticed. --state FILE remembers each collector's newest bundle after a clean \
            run and fails the next run if one of them disappeared or changed (rollback or rewritten \
            history). --policy uses your own pinned allowed_signers instead of the dataset's. --git \
            also checks that every commit of the dataset repository is SSH-signed by an allowed key \
            (what 'git verify-commit' checks, without needing git).

            With --proof FILE --bundle DIR, checks one record inclusion proof made by 'assay prove'.

            Examples:
              assay verify ./dataset
              assay verify ./dataset --json --max-age 2 --state ~/.assay/livepeer-ai.state
              assay verify --proof proof.json --bundle ./dataset/bundles/gw-a/2026/01/09
            """)

    @Argument(help: "The dataset directory.")
    var dataset: String = "."

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Option(help: "Fail when a collector's newest bundle is older than this many days.")
    var maxAge: Int?

    @Option(help: "Today's UTC date for --max-age (default: the current date).")
    var today: String?

    @Option(help: "A state file: checked against, then updated after a run without errors.")
    var state: String?

    @Option(help: "An allowed_signers file to trust instead of the dataset's.")
    var policy: String?

    @Option(help: "A threshold to require instead of the dataset's.")
    var threshold: Int?

    @Flag(help: "Also check that every git commit reachable from HEAD is SSH-signed by an allowed key.")
    var git = false

    @Option(help: "Check this record proof (from 'assay prove') instead of a dataset.")
    var proof: String?

    @Option(help: "The bundle directory the --proof refers to.")
    var bundle: String?

    func validate() throws {
        if let today, UTCDay(today) == nil { throw ValidationError("--today must be YYYY-MM-DD") }
        if (proof == nil) != (bundle == nil) { throw ValidationError("--proof and --bundle go together") }
        if let maxAge, maxAge < 0 { throw ValidationError("--max-age must be 0 or more") }
        if let threshold, threshold < 1 { throw ValidationError("--threshold must be at least 1") }
    }

    func run() async throws {
        if let proof, let bundle {
            let document = try RecordProof(bytes: try Files.read(proof, limit: 16 << 20))
            try document.verify(manifestBytes: try Files.read("\(bundle)/manifest.json", limit: 16 << 20))
            print("Proof holds: the record is leaf \(document.leafIndex) of \(document.treeSize) in \(document.collector) \(document.day) (manifest \(document.manifestSHA256))")
            return
        }
        var options = DatasetVerifier.Options()
        options.maxAgeDays = maxAge
        options.today = today.flatMap(UTCDay.init)
        if let state, Files.exists(state) { options.state = try VerifyState(bytes: try Files.read(state, limit: 16 << 20)) }
        if let policy {
            do { options.allowedSigners = try AllowedSigners(text: String(decoding: try Files.read(policy, limit: 1 << 22), as: UTF8.self)) } catch let error as AllowedSigners.ParseError {
                throw Failure(message: "\(policy):\(error.line): \(error.reason)")
            }
        }
        options.threshold = threshold
        let progress = Progress(enabled: Diagnostics.isTerminal && !json)
        var report = await DatasetVerifier(directory: DatasetDirectory(dataset), options: options).verify { done, total in
            progress.update("verifying bundles \(done)/\(total)")
        }
        progress.finish()
        if git {
            let signers = try options.allowedSigners ?? DatasetDirectory(dataset).allowedSigners()
            report = report.adding(try CommitVerifier.check(try GitRepository.open(dataset), signers: signers))
        }
        if json {
            let output = BufferedWriter()
            output.write(try CanonicalJSON.encode(report.jsonValue))
            output.write(CollectionOfOne(0x0A))
        } else {
            printHuman(report)
        }
        if let state, report.holds, let id = report.datasetID {
            try Files.writeAtomically(state, contents: VerifyState(dataset: id, heads: report.heads).bytes())
        }
        if !report.holds { throw ExitCode(1) }
    }

    func printHuman(_ report: VerificationReport) {
        print("Dataset \(report.datasetID ?? "(unreadable)") at \(dataset)")
        var collectors: [String] = []
        for bundle in report.bundles where !collectors.contains(bundle.collector) { collectors.append(bundle.collector) }
        for collector in collectors {
            let chain = report.bundles.filter { $0.collector == collector }
            let records = chain.reduce(Int64(0)) { $0 + ($1.manifest?.recordsTotal ?? 0) }
            let bad = chain.filter { $0.hasErrors || !$0.holds }.count
            let signers = Set(chain.flatMap(\.signers)).sorted()
            print("  \(bad == 0 ? "ok  " : "FAIL") \(collector): \(chain.count) bundles \(chain.first!.day) … \(chain.last!.day), \(records) records, signed by \(signers.isEmpty ? "nobody" : signers.joined(separator: ", "))\(bad == 0 ? "" : "; \(bad) bundles with errors")")
        }
        for finding in report.findings { print("  \(finding)") }
        print(report.holds
              ? "Verified: \(report.bundles.count) bundles, no errors\(report.warnings > 0 ? ", \(report.warnings) warnings" : "")."
              : "FAILED: \(report.errors) errors, \(report.warnings) warnings.")
    }
}

/// A one-line progress display on a terminal; silent otherwise.
final class Progress: Sendable {
    let enabled: Bool
    private let last = Mutex<Int64>(0)

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ text: String) {
        guard enabled else { return }
        let now = Clock.nowMilliseconds
        let due = last.withLock { previous -> Bool in
            guard now - previous >= 100 else { return false }
            previous = now
            return true
        }
        if due { Diagnostics.write("\r\u{1B}[K\(text)") }
    }

    func finish() { if enabled { Diagnostics.write("\r\u{1B}[K") } }
}
