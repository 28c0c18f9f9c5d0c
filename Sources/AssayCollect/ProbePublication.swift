import AssayCore
import AssayLedger
import AssayProbe
import AssayStore

/// What a collector publishes of its tester (spec/probe.md §7): each day's commitment before the day, and the reveal
/// with the day's bundle, from what the tester kept in the staging store.
extension StagingStore {
    /// Writes the commitment of every kept seed whose day `collector` has not sealed yet (spec/probe.md §7.2); they
    /// become log entries at the next append. Returns the paths written.
    @discardableResult
    public func writeCommitments(to directory: DatasetDirectory, collector: String) throws(LedgerError) -> [String] {
        let datasetID = try directory.descriptor().id
        let newest: UTCDay?
        do { newest = try directory.days(of: collector).last } catch { throw LedgerError(.io, "listing \(collector)'s bundles: \(error)") }
        let seeds: [(day: UTCDay, seed: [UInt8])]
        do { seeds = try probeSeeds(from: newest?.next ?? UTCDay(number: 0)) } catch { throw LedgerError(.io, "staging: \(error)") }
        var written: [String] = []
        for (day, seed) in seeds {
            let commitment = ProbeCommitment(collector: collector, commitment: ProbePlan.commitment(day: day, seed: seed), dataset: datasetID, day: day)
            if let path = try directory.writeCommitment(commitment) { written.append(path) }
        }
        return written
    }

    /// Before `day` is sealed, gives every probe of its tester's plan its test job (spec/probe.md §7.4 item 4, §5
    /// "Nothing lost, nothing twice"): an attempt marked as sent and not finished becomes its `interrupted` record, and a
    /// probe not sent at all, `tester_down` (the tester was down, or too late, when the seal came). A result the tester
    /// finishes after the seal is a late record, quarantined like any other; the bundle keeps the one record of each
    /// probe. Returns how many records this added.
    @discardableResult
    public func completeProbes(day: UTCDay, receivedMs: Int64) throws(LedgerError) -> Int {
        do {
            guard let (kept, tester, document) = try keptPlan(day) else { return 0 }
            // First closed, so a result the tester finishes from now on is late, never a second record of a probe.
            try closeProbeDay(day)
            let plan = try ProbePlan(input: ProbePlan.input(day: day, seed: kept.seed, targets: kept.targets), document: document)
            var recorded = try stagedIDs(observer: tester, day: day)
            var added = 0
            for (id, interrupted) in try inflightProbes() where id.hasPrefix("\(day)/") && !recorded.contains(id) {
                try finishProbe(id: id, record: try Record.parse(interrupted), canonical: interrupted, source: "seal", receivedMs: receivedMs, closing: true)
                recorded.insert(id)
                added += 1
            }
            let settings = Prober.Settings(testerID: tester, region: nil, document: document, inputs: [:], api: "", cli: "", rtmp: "")
            for probe in plan.probes {
                let id = probe.id(on: day)
                guard !recorded.contains(id), let scenario = document[probe.scenario] else { continue }
                let (record, canonical) = try Prober.record(settings, scenario, probe, id: id, sentMs: nil, AttemptResult(outcome: .skipped), skip: .testerDown,
                                                        uri: nil)
                try finishProbe(id: id, record: record, canonical: canonical, source: "seal", receivedMs: receivedMs, closing: true)
                added += 1
            }
            return added
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(.invalidDocument, "the tester's plan of \(day) in the staging store: \(error)")
        }
    }

    /// The plan the tester kept for `day` with its tester and scenario document; nil when the day has none (or was planned
    /// before publication existed, staging schema 4, naming no tester or document: it has no reveal).
    func keptPlan(_ day: UTCDay) throws -> (kept: ProbeDay, tester: String, document: ScenarioDocument)? {
        guard let kept = try probeDay(day), let tester = kept.tester, let hash = kept.scenarios else { return nil }
        guard let bytes = try probeFile(hash) else { throw LedgerError(.notFound, "the staging store lacks the scenario document \(hash) of \(day)") }
        return (kept, tester, try ScenarioDocument(bytes: bytes))
    }

    /// Sets the reveal of `day` (spec/probe.md §7.3) on `sealer` when the tester planned the day, after writing the
    /// scenario document and input files it names under `probes/` (where they are not yet).
    public func stageReveal(day: UTCDay, into sealer: inout BundleSealer, publishingTo directory: DatasetDirectory) throws(LedgerError) {
        do {
            guard let (kept, tester, document) = try keptPlan(day), let hash = kept.scenarios else { return }
            var inputs: [String: [UInt8]] = [:]
            for file in document.inputFiles {
                guard let input = try probeFile(file.sha256) else { throw LedgerError(.notFound, "the staging store lacks the input file \(file.sha256)") }
                inputs[file.sha256] = input
            }
            try directory.publishScenarios(document, inputs: inputs)
            let targets = try ProbePlan(input: ProbePlan.input(day: day, seed: kept.seed, targets: kept.targets), document: document).targets
            sealer.reveal = ProbeReveal(day: day, scenarios: hash, seed: kept.seed, targets: targets, tester: tester).bytes()
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(.invalidDocument, "the tester's plan of \(day) in the staging store: \(error)")
        }
    }
}
