import AssayCore
import AssayCrypto
import AssayProbe

/// `probe-plan`, `probe-file` and `probe-commitment` for one bundle (spec/probe.md §7.4 items 1–4): its reveal is
/// valid, names a valid scenario document, opens the day's commitment, and its recomputed order and the bundle's
/// test jobs match one to one.
struct ProbeCheck {
    let directory: DatasetDirectory
    let datasetID: String
    let collector: String
    let day: UTCDay
    let base: String

    /// Returns the SHA-256 of the scenario document the reveal names (for the dataset-level check of `probes/`).
    /// `testJobs` is nil when the bundle's records were not all read: the reveal is checked, not matched with them.
    func check(_ manifest: Manifest, testJobs: [TestJobFacts]?, log: inout FindingLog) -> String? {
        guard let entry = manifest.file(ProbeReveal.fileName) else {
            if let testJobs, !testJobs.isEmpty {
                log.add(.probePlan, "\(base)/\(manifest.recordFiles.first?.name ?? Manifest.recordsName)",
                        "has \(testJobs.count) test job\(testJobs.count == 1 ? "" : "s") but the bundle "
                    + "reveals no probe order (\(ProbeReveal.fileName)): nothing shows which probes the tester planned")
            }
            return nil
        }
        // The file as the manifest names it (the rules every named file follows, in either stored form), then as a reveal.
        let revealPath = "\(base)/\(StoredFile.storedName(ProbeReveal.fileName, in: "\(directory.root)/\(base)"))"
        let bytes: [UInt8]
        switch StoredFile.locate(ProbeReveal.fileName, in: "\(directory.root)/\(base)") {
        case .failure(let failure):
            log.add(.fileMissing, revealPath, "is named in the manifest but \(failure)")
            return nil
        case .success(let stored):
            if stored.isPointer {
                log.add(.notFetched, revealPath, "is a Git LFS pointer, not the file: it was not fetched, and nothing in it is checked")
                return nil
            }
            do { bytes = try stored.read(limit: Int(min(entry.size, Int64(ProbeReveal.maxBytes))) + 1) } catch {
                let (rule, message): (Rule, String) = StoredFile.isEncodingFailure(error) ? (.fileEncoding, "\(error.detail ?? "is not a valid Zstandard stream")")
                    : error.code == EFBIG ? (.fileSize, "is larger than the \(entry.size) bytes the manifest says; reading stopped there")
                    : (.fileMissing, "is named in the manifest but cannot be read: \(error)")
                log.add(rule, revealPath, message)
                return nil
            }
        }
        if Int64(bytes.count) != entry.size { log.add(.fileSize, revealPath, "is \(bytes.count) bytes; the manifest says \(entry.size)") }
        let digest = MessageDigest.sha256(bytes).hex
        if digest != entry.sha256 { log.add(.fileHash, revealPath, "has SHA-256 \(digest); the manifest says \(entry.sha256)") }
        let reveal: ProbeReveal
        do { reveal = try ProbeReveal(bytes: bytes) } catch {
            log.add(.probePlan, revealPath, "\(error) (spec/probe.md §7.3)")
            return nil
        }
        guard reveal.day == day else {
            log.add(.probePlan, revealPath, "reveals the probes of \(reveal.day), not of the bundle's day \(day)")
            return nil
        }
        checkCommitment(reveal, log: &log)
        guard let document = scenarioDocument(reveal.scenarios, log: &log) else { return reveal.scenarios }
        let plan: ProbePlan
        do { plan = try reveal.plan(document: document) } catch {
            log.add(.probePlan, revealPath, "\(error) (spec/probe.md §7.3)")
            return reveal.scenarios
        }
        if let testJobs {
            // Lines are numbered across the records' shards (spec/dataset.md §4.6), findings name the first records file.
            match(plan, document: document, tester: reveal.tester, testJobs: testJobs,
                  path: "\(base)/\(manifest.recordFiles.first?.name ?? Manifest.recordsName)", log: &log)
        }
        return reveal.scenarios
    }

    /// §7.4 item 3: the day's commitment is there and opens to the revealed seed.
    func checkCommitment(_ reveal: ProbeReveal, log: inout FindingLog) {
        let relative = ProbeCommitment.relativePath(collector: collector, day: day)
        let bytes: [UInt8]
        do { bytes = try Files.readRegular("\(directory.root)/\(relative)", limit: ProbeCommitment.maxBytes) } catch {
            log.add(.probeCommitment, relative, Files.kind("\(directory.root)/\(relative)") == nil
                ? "is missing: the seed revealed in \(base)/\(ProbeReveal.fileName) was never committed to"
                : "cannot be read: \(error)")
            return
        }
        // An invalid commitment is reported once, by the check of every commitment file (ProbeFilesCheck).
        var reportedElsewhere = FindingLog()
        guard let commitment = ProbeCommitmentCheck.parse(bytes, relative: relative, datasetID: datasetID, collector: collector, day: day,
                                                          log: &reportedElsewhere)
        else { return }
        if commitment.commitment != reveal.commitment {
            log.add(.probeCommitment, relative, "commits to \(commitment.commitment); the revealed seed gives \(reveal.commitment) (spec/probe.md §3.1)")
        }
    }

    /// §7.4 item 2: `probes/scenarios/<H>.json` is there, is a valid document, and its SHA-256 is H.
    func scenarioDocument(_ hash: String, log: inout FindingLog) -> ScenarioDocument? {
        let relative = DatasetDirectory.scenarioDocumentPath(hash)
        let bytes: [UInt8]
        do { bytes = try Files.readRegular("\(directory.root)/\(relative)", limit: ScenarioDocument.maxBytes) } catch {
            log.add(.probeFile, relative, Files.kind("\(directory.root)/\(relative)") == nil
                ? "is missing: \(base)/\(ProbeReveal.fileName) names it" : "cannot be read: \(error)")
            return nil
        }
        let digest = MessageDigest.sha256(bytes).hex
        guard digest == hash else {
            log.add(.probeFile, relative, "has SHA-256 \(digest), not the \(hash) its name says")
            return nil
        }
        do { return try ScenarioDocument(bytes: bytes) } catch {
            log.add(.probeFile, relative, "is not a valid scenario document: \(error) (spec/probe.md §2.5)")
            return nil
        }
    }

    /// §7.4 item 4: each probe of the order has its test job, and each test job is a probe's.
    func match(_ plan: ProbePlan, document: ScenarioDocument, tester: String, testJobs: [TestJobFacts], path: String, log: inout FindingLog) {
        var byID: [String: TestJobFacts] = [:]
        for job in testJobs {
            guard job.observer == tester else {
                log.add(.probePlan, path, "line \(job.line): a test job of observer '\(job.observer)'; the day's tester is '\(tester)'")
                continue
            }
            byID[job.id] = job  // ids are unique per observer: records.jsonl is sorted by (observer_id, id) without repeats
        }
        var missing = 0, firstMissing: String?
        for probe in plan.probes {
            let id = probe.id(on: day)
            guard let job = byID.removeValue(forKey: id) else {
                missing += 1
                if firstMissing == nil { firstMissing = id }
                continue
            }
            guard let scenario = document[probe.scenario] else { continue }  // the plan is made of the document's scenarios
            var differs: [String] = []
            if job.scenario != scenario.id { differs.append("scenario") }
            if job.scenarioSHA256 != scenario.sha256 { differs.append("scenario_sha256") }
            if job.orchestrator != probe.orchestrator { differs.append("orchestrator") }
            if job.slot != probe.k { differs.append("slot") }
            if job.startMs != probe.atMs { differs.append("start_ms") }
            if job.pipeline != scenario.pipeline.rawValue { differs.append("pipeline") }
            if job.modelID != scenario.modelID { differs.append("model_id") }
            if !differs.isEmpty {
                log.add(.probePlan, path, "line \(job.line): test job \(id) is not its probe's: \(differs.joined(separator: ", ")) "
                    + "differ\(differs.count == 1 ? "s" : "") from the revealed order (probe at \(probe.atMs))")
            }
        }
        if let firstMissing {
            log.add(.probePlan, path, "\(missing) probe\(missing == 1 ? "" : "s") of the revealed order ha\(missing == 1 ? "s" : "ve") no test job, "
                + "the first \(firstMissing): every probe is recorded, sent or skipped with its reason")
        }
        for job in byID.values.sorted(by: { $0.line < $1.line }) {
            log.add(.probePlan, path, "line \(job.line): test job \(job.id) is no probe of the revealed order")
        }
    }
}

/// A commitment document as spec/probe.md §7.2 says, at its place (§7.4 items 3 and 6).
enum ProbeCommitmentCheck {
    static func parse(_ bytes: [UInt8], relative: String, datasetID: String, collector: String, day: UTCDay,
                      log: inout FindingLog) -> ProbeCommitment? {
        let commitment: ProbeCommitment
        do { commitment = try ProbeCommitment(bytes: bytes) } catch {
            log.add(.probeCommitment, relative, "\(error) (spec/probe.md §7.2)")
            return nil
        }
        var wrong: [String] = []
        if commitment.dataset != datasetID { wrong.append("dataset '\(commitment.dataset)'") }
        if commitment.collector != collector { wrong.append("collector '\(commitment.collector)'") }
        if commitment.day != day { wrong.append("day \(commitment.day)") }
        guard wrong.isEmpty else {
            log.add(.probeCommitment, relative, "names \(wrong.joined(separator: ", ")), not its place's (dataset '\(datasetID)', collector '\(collector)', day \(day))")
            return nil
        }
        return commitment
    }
}

#if canImport(Glibc)
import Glibc
#endif
