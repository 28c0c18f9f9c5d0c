import AssayConfiguration
import AssayCore
import AssayCrypto
import AssayGit
import AssayWorkflows
import AssayLedger
import AssayScore
import AssayStore
import AsyncHTTPClient
import Logging
import ServiceLifecycle

/// What a seal-and-publish pass did.
public struct SealReport: Sendable {
    /// The days due at this pass, oldest first (all of them, whether sealed or not).
    public var due: [UTCDay] = []
    public var sealed: [UTCDay] = []
    /// Set when more days were due than `seal.max_catch_up_days` and catching up was not
    /// allowed: nothing was sealed.
    public var refusedCatchUp = false
    public var pushed = false
    public var pushError: String?
    /// Days whose scores this pass published (after the bundles were pushed).
    public var scoresPublished: [UTCDay] = []
    /// Witnesses that cosigned the newest checkpoint in this pass (spec/collector.md §1).
    public var witnessed: [String] = []
}

/// How a seal pass may go (spec/collector.md §4.1).
public struct SealOptions: Sendable {
    /// Seal every due day, however many.
    public var catchUp = false
    /// Work out the due days, seal and publish nothing.
    public var dryRun = false
    public init(catchUp: Bool = false, dryRun: Bool = false) {
        self.catchUp = catchUp
        self.dryRun = dryRun
    }
}

/// The collector's day sealer (spec/collector.md §4): once a minute of the collector's clock it
/// seals each UTC day after the grace period (missed days on restart, empty ones included),
/// commits it with a signed commit and pushes it, retrying the push with backoff until it
/// succeeds; then publishes the scores of the days sealed and submits the newest checkpoint to
/// the witnesses. It owns the push state, which the metrics and /healthz read.
public actor DaySealer: Service {
    let configuration: CollectorConfiguration
    let clock: CollectorClock
    let key: any Ed25519Signer
    let intake: EventIntake
    let client: HTTPClient
    let logger: Logger
    /// Push failures in a row (0 when the remote is up to date).
    public private(set) var pushFailures = 0
    public private(set) var lastSealed: UTCDay?
    /// Bundles already verified for published scores, by manifest hash.
    let bundleVerdicts = BundleVerdicts()
    /// The first day this collector seals: `collector.first_day`, or the staging store's first day.
    let firstDay: UTCDay
    /// Set by the daemon's `--catch-up` (`collect run`).
    var sealOptions = SealOptions()

    init(configuration: CollectorConfiguration, clock: CollectorClock, key: any Ed25519Signer, firstDay: UTCDay, intake: EventIntake,
         client: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.clock = clock
        self.key = key
        self.firstDay = firstDay
        self.intake = intake
        self.client = client
        self.logger = logger
    }

    /// Lets the daemon seal any number of missed days (`collect run --catch-up`).
    public func allowCatchUp() { sealOptions.catchUp = true }

    public func run() async throws {
        try await runUntilShutdown {
            while !Task.isCancelled {
                let failures = await self.passOnce()
                let wait: Int64 = failures > 0 ? min(60_000 << min(failures - 1, 5), 30 * 60_000) : 60_000
                try await self.clock.sleep(untilMs: self.clock.nowMs + wait)
            }
        }
    }

    /// One scheduled pass; returns the push failures in a row after it.
    func passOnce() async -> Int {
        _ = await sealAndPublish(options: sealOptions)
        return pushFailures
    }

    /// The days due at `nowMs`, oldest first: from the day after the newest sealed one (or the
    /// collector's first day) through the last day whose end plus the grace has passed.
    public func dueDays(nowMs: Int64) throws(FileError) -> [UTCDay] {
        let newest = try DatasetDirectory(configuration.repository).days(of: configuration.collectorID).last
        var day = max(newest?.next ?? firstDay, configuration.firstDay ?? firstDay)
        var due: [UTCDay] = []
        while day.startMs + UTCDay.milliseconds + configuration.sealGraceMs <= nowMs {
            due.append(day)
            day = day.next
        }
        return due
    }

    /// Seals every due day not sealed yet (empty ones too), commits, and pushes; `nowMs`
    /// overrides the clock (a driver that steps simulated time itself, such as the demo).
    /// More than `seal.max_catch_up_days` due days are sealed only with `catchUp`; a dry
    /// run reports the due days and changes nothing (spec/collector.md §4.1).
    public func sealAndPublish(nowMs: Int64? = nil, options: SealOptions = SealOptions()) async -> SealReport {
        var report = SealReport()
        let directory = DatasetDirectory(configuration.repository)
        let now = nowMs ?? clock.nowMs
        do { report.due = try dueDays(nowMs: now) } catch {
            // Without knowing what is sealed, nothing may be sealed.
            logger.error("sealing failed: the dataset cannot be listed", metadata: ["error": "\(error)"])
            report.pushError = "the dataset cannot be listed: \(error)"
            return report
        }
        if options.dryRun { return report }
        if report.due.count > configuration.maxCatchUpDays && !options.catchUp {
            report.refusedCatchUp = true
            logger.error("not sealing: more days are due than seal.max_catch_up_days allows; run 'assay collect seal --dry-run' to see them and '--catch-up' to seal them",
                         metadata: ["due": "\(report.due.count)", "first": "\(report.due.first!)", "last": "\(report.due.last!)",
                                    "max_catch_up_days": "\(configuration.maxCatchUpDays)"])
            return report
        }
        // Every session that the clock has closed is staged before its day is sealed.
        if !report.due.isEmpty { await intake.advance(nowMs: now) }
        var day = report.due.first ?? firstDay
        do {
            let store = try StagingStore(path: configuration.staging)
            try store.adoptClock(clock.kind, nowMs: now)
            // The tester's seeds of the days to come are committed to before those days (spec/probe.md §7.2).
            try store.writeCommitments(to: directory, collector: configuration.collectorID)
            for sealDay in report.due {
                day = sealDay
                // Every probe of the tester's plan has its record before the day is sealed (spec/probe.md §7.4).
                let completed = try store.completeProbes(day: sealDay, receivedMs: now)
                if completed > 0 {
                    logger.notice("probes the tester had not recorded by the seal: recorded as interrupted or tester_down",
                                  metadata: ["day": "\(sealDay)", "records": "\(completed)"])
                }
                let bundle = try directory.seal(collector: configuration.collectorID, day: sealDay, key: key, signer: configuration.signer) {
                    (sealer) throws(LedgerError) in
                    do {
                        try store.stage(day: sealDay, into: &sealer)
                        for (reason, count) in try store.quarantinedCounts(day: sealDay) { sealer.reject(reason, count: count) }
                    } catch {
                        throw LedgerError(.io, "staging: \(error)")
                    }
                    try store.stageReveal(day: sealDay, into: &sealer, publishingTo: directory)
                }
                logger.notice("sealed", metadata: ["day": "\(sealDay)", "records": "\(bundle.manifest.recordsTotal)",
                                                  "manifest": "\(bundle.manifestHash)"])
                try store.markSealed(through: sealDay)
                report.sealed.append(sealDay)
                lastSealed = sealDay
            }
        } catch {
            logger.error("sealing failed", metadata: ["day": "\(day)", "error": "\(error)"])
        }
        do {
            let repository = try GitRepository.open(configuration.repository)
            let outcome = try DatasetPublisher(repository: repository, remote: configuration.remote, branch: configuration.branch)
                .publish(key: key, signer: configuration.signer, time: now / 1000, push: true)
            report.pushed = true
            if let commit = outcome.commit {
                logger.notice("pushed", metadata: ["commit": "\(commit.prefix(12))", "files": "\(outcome.files.count)", "remote": "\(configuration.remote)",
                                                  "branch": "\(configuration.branch)"])
            }
            pushFailures = 0
        } catch {
            pushFailures += 1
            report.pushError = "\(error)"
            logger.warning("publishing failed; the local commit is kept and the push retried", metadata: ["error": "\(error)"])
            return report
        }
        await publishScores(directory, nowMs: now, report: &report)
        report.witnessed = await submitToWitnesses(nowMs: now)
        return report
    }

    /// Submits the newest checkpoint to the configured witnesses and commits and pushes their cosignatures
    /// (spec/collector.md §1). Failures are logged; the next pass tries again.
    func submitToWitnesses(nowMs: Int64) async -> [String] {
        guard !configuration.witnesses.isEmpty else { return [] }
        let targets = configuration.witnesses.map { WitnessPass.Target(name: $0.name, url: $0.url) }
        let outcome = await WitnessPass(dataset: configuration.repository, targets: targets).run(client: client)
        if let reason = outcome.skipped { logger.info("witnesses: nothing submitted", metadata: ["reason": "\(reason)"]) }
        for (witness, reason) in outcome.failures {
            logger.warning("witness did not cosign; tried again after the next publication", metadata: ["witness": "\(witness)", "reason": "\(reason)"])
        }
        guard !outcome.files.isEmpty else { return [] }
        let configuration = configuration, key = key, logger = logger
        return await Task.detached(priority: .utility) {
            do {
                let repository = try GitRepository.open(configuration.repository)
                let published = try DatasetPublisher(repository: repository, remote: configuration.remote, branch: configuration.branch)
                    .publish(key: key, signer: configuration.signer, time: nowMs / 1000, push: true)
                logger.notice("witnessed", metadata: ["checkpoint": "\(outcome.size ?? 0)", "witnesses": "\(outcome.cosigned.joined(separator: ","))",
                                                      "commit": "\(published.commit?.prefix(12) ?? "-")"])
                return outcome.cosigned
            } catch {
                logger.warning("witness cosignatures are written but not pushed; the next publication pushes them", metadata: ["error": "\(error)"])
                return []
            }
        }.value
    }

    /// Publishes the scores of the collector's recent days that have none yet (spec/scoring.md §10),
    /// each computed over the bundles of the tree it is committed onto, after the bundles are pushed.
    /// Scoring and its git round trip run off the actor, so scrapes and event passes go on meanwhile
    /// (a seal pass is awaited by one loop, so no other seal pass runs in between).
    func publishScores(_ directory: DatasetDirectory, nowMs: Int64, report: inout SealReport) async {
        let configuration = configuration, key = key, verdicts = bundleVerdicts, logger = logger
        let recentCount = max(configuration.maxCatchUpDays, report.sealed.count)
        let published: [UTCDay] = await Task.detached(priority: .utility) {
            do {
                let own = try directory.days(of: configuration.collectorID)
                let missing = own.suffix(recentCount).filter {
                    !Files.exists("\(directory.root)/\(DatasetDirectory.scoresRelativePath(collector: configuration.collectorID, day: $0))")
                }
                guard !missing.isEmpty else { return [] }
                let repository = try GitRepository.open(configuration.repository)
                let outcome = try DatasetPublisher(repository: repository, remote: configuration.remote, branch: configuration.branch)
                    .publishScores(days: Array(missing), collector: configuration.collectorID, key: key, signer: configuration.signer, time: nowMs / 1000) { day in
                        try PublishedScores.write(directory, collector: configuration.collectorID, day: day, key: key, signer: configuration.signer,
                                                  verdicts: verdicts) != nil
                    }
                if let reason = outcome.deferred {
                    logger.notice("scores deferred", metadata: ["reason": "\(reason)"])
                } else if !outcome.published.isEmpty {
                    logger.notice("scores published", metadata: ["days": "\(outcome.published.map(\.description).joined(separator: ","))"])
                }
                return outcome.published
            } catch {
                logger.error("publishing the scores failed; the next seal pass tries again", metadata: ["error": "\(error)"])
                return []
            }
        }.value
        report.scoresPublished = published
    }
}

extension StagingStore {
    /// Stages the records of `day` into `sealer`, validated on every core (`SealerInput`). They are canonical
    /// already: the store took them through the same validation when they were staged.
    public func stage(day: UTCDay, into sealer: inout BundleSealer) throws(StoreError) {
        var lines = SealerInput(source: database.path, requireCanonical: true)
        try forEachRecord(day: day) { bytes in bytes.withUnsafeBytes { lines.add(next: $0, into: &sealer) { _ in } } }
        lines.flush(into: &sealer) { _ in }
    }
}
