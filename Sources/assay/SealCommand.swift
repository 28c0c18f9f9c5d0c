import ArgumentParser
import AssayCommandLine
import AssayCore
import AssayCrypto
import AssayLedger
import AssayStore

struct SealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Seal one collector's records of one UTC day into a signed bundle.",
        discussion: """
            Reads staged records (JSON Lines files, '-' for standard input, or the collector's \
            staging store with --staging), keeps those whose \
            start_ms falls on DAY, deduplicates them by (observer_id, id) — identical copies \
            collapse, different versions are set apart in conflicts.jsonl — sorts, hashes, computes \
            the Merkle root, links to the collector's previous bundle, signs the manifest \
            (SSHSIG, namespace assay-manifest-v1) and writes the bundle atomically. Bad lines are \
            reported with their place and counted in the manifest as rejected; the good ones are \
            sealed. A day with no records still gets a bundle. A sealed day is never rewritten. \
            Format: spec/dataset.md.

            Example:
              assay seal --dataset ./dataset --collector gw-a --day 2026-01-09 \\
                  --key keys/gw-a --signer gw-a --records staged.jsonl
            """)

    @Option(help: "The dataset directory.")
    var dataset: String

    @Option(help: "The collector id (\(Slug.rule)).")
    var collector: String

    @Option(help: "The UTC day, YYYY-MM-DD.")
    var day: String

    @Option(help: "The collector's private key (OpenSSH Ed25519).")
    var key: String

    @Option(help: "The signer name in allowed_signers (default: the collector id).")
    var signer: String?

    @Option(name: .customLong("records"), help: "A staged JSON Lines file; repeatable.")
    var inputs: [String] = []

    @Option(help: "Seal from the collector's staging store (SQLite) instead of, or besides, --records files.")
    var staging: String?

    func validate() throws {
        guard UTCDay(day) != nil else { throw ValidationError("--day must be a date YYYY-MM-DD") }
        guard Slug.isValid(collector) else { throw ValidationError("--collector must be \(Slug.rule)") }
    }

    func run() throws {
        let privateKey = try KeyFiles.readPrivateKey(at: key)
        let directory = DatasetDirectory(dataset)
        var shown = 0
        let sealDay = UTCDay(day)!
        let store = try staging.map { (path) throws in try StagingStore(path: path) }
        // A tester's seeds are committed to (late for this day, in time for days to come: spec/probe.md §7.2), and every
        // probe of its plan gets its record first: interrupted or tester_down for those it did not finish (§7.4).
        try store?.writeCommitments(to: directory, collector: collector)
        if let completed = try store?.completeProbes(day: sealDay, receivedMs: WallClock.nowMilliseconds), completed > 0 {
            Diagnostics.print("\(completed) probes of \(sealDay) the tester had not recorded: recorded as interrupted or tester_down")
        }
        let bundle = try directory.seal(collector: collector, day: sealDay, key: privateKey.key, signer: signer ?? collector) { (sealer) throws(LedgerError) in
            do {
                for input in inputs {
                    let reader = try LineReader(path: input)
                    var lines = SealerInput(source: reader.name, requireCanonical: false)
                    try lines.add(reader, into: &sealer) { issue in
                        shown += 1
                        if shown <= 50 { Diagnostics.print("rejected: \(issue)") }
                    }
                }
                if let store {
                    try store.stage(day: sealDay, into: &sealer)
                    for (reason, count) in try store.quarantinedCounts(day: sealDay) { sealer.reject(reason, count: count) }
                    try store.stageReveal(day: sealDay, into: &sealer, publishingTo: directory)
                }
            } catch let error as LedgerError {
                throw error
            } catch {
                throw LedgerError(.io, "\(error)")
            }
        }
        if shown > 50 { Diagnostics.print("rejected: … and \(shown - 50) more lines") }
        let manifest = bundle.manifest
        print("Sealed \(DatasetDirectory.bundleRelativePath(collector: collector, day: manifest.day))")
        print("  records    \(manifest.recordsTotal)  (" + manifest.listedKinds.map { "\($0.rawValue) \(manifest.recordsByKind[$0] ?? 0)" }.joined(separator: ", ") + ")")
        print("  conflicts  \(manifest.conflictKeys) keys, \(manifest.conflictVersions) versions")
        print("  rejected   \(manifest.rejectedTotal) input lines; \(bundle.outsideDay) records on other days; \(bundle.duplicatesCollapsed) duplicates collapsed")
        print("  merkle     \(manifest.merkleRoot)")
        print("  prev       \(manifest.prev.map { "\($0.day) \($0.sha256)" } ?? "none (first bundle of \(collector))")")
        print("  manifest   sha256 \(bundle.manifestHash)")
    }
}
