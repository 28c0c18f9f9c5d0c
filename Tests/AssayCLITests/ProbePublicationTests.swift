import AssayCore
import AssayCrypto
import AssayDemo
import AssayLedger
import AssayProbe
import AssayTestSupport
import Foundation
import Testing

/// The job tester's publications (spec/probe.md §7): a day's commitment logged and witnessed before the day, its
/// reveal in the day's bundle, the scenario document and input file by hash — and both verifiers recompute the
/// day's order from the revealed seed and hold every test job to it. Each dataset is the sample with one more day of
/// gw-b's (whose collector ran no tester in the sample), made with the sample's published keys (what its insiders can do).
@Suite("probe publication", .serialized)
struct ProbePublicationTests {
    static let day = UTCDay("2026-01-09")!
    static let seed = Array(Hex.decode("9f1c0a6e5b3d2f4817c6e0b9a8d7f6e5c4b3a29180f7e6d5c4b3a2918f7e6d5c")!)
    static let targets = [
        "i2i-bear-16": ["0x1111111111111111111111111111111111111111"],
        "t2i-bear-512": ["0x1111111111111111111111111111111111111111", "0x2222222222222222222222222222222222222222"],
    ]
    static let today = ["--today", "2026-02-01"]

    /// What a case changes on the way: the honest path, unless it says otherwise.
    struct Variant {
        /// The witness's time on the checkpoint that first holds the commitment (seconds; default: an hour before the day;
        /// nil: that checkpoint is not cosigned, and the first witnessed one holding it is the bundle's, after the day).
        var commitmentWitnessed: Int64? = ProbePublicationTests.day.startMs / 1000 - 3600
        /// The witness's time on the last checkpoint, the one that holds the bundle (default: an hour after the day).
        var bundleWitnessed: Int64 = ProbePublicationTests.day.startMs / 1000 + 86_400 + 3600
        var commit = true
        /// The seed the commitment commits to (default: the revealed one).
        var committedSeed: [UInt8] = ProbePublicationTests.seed
        var reveal = true
        /// Changes the test jobs (canonical records in the order's order) before sealing.
        var records: ([[UInt8]]) throws -> [[UInt8]] = { $0 }
    }

    static func key(_ name: String) throws -> Ed25519PrivateKey { try DemoKeys.key(seed: 1, operator: name) }

    /// The sample and one more day of gw-b's with a tester, published as `variant` says; returns the dataset's path.
    static func dataset(in directory: TemporaryDirectory, _ variant: Variant = Variant()) throws -> String {
        let dataset = try RootOfTrustTests.copy(Repository.url("datasets/sample").path, in: directory)
        let root = DatasetDirectory(dataset)
        let id = try root.descriptor().id
        let document = try ScenarioDocument(bytes: try Files.read(Repository.url("spec/vectors/probe/scenarios.json").path))
        let png = try Files.read(Repository.url("spec/vectors/probe/bear-16.png").path)
        if variant.commit {
            try root.writeCommitment(ProbeCommitment(collector: "gw-b", commitment: ProbePlan.commitment(day: day, seed: variant.committedSeed),
                                                     dataset: id, day: day))
            try RootOfTrustTests.appendLog(dataset)
            if let seconds = variant.commitmentWitnessed { try witness(dataset, at: seconds) }
        }
        let plan = try ProbePlan(day: day, seed: seed, document: document, targets: targets)
        let records = try variant.records(try plan.probes.map { try testJob($0, document) })
        let input = directory.file("test-jobs.jsonl")
        try Files.writeAtomically(input, contents: records.flatMap { $0 + [0x0A] })
        if variant.reveal { try root.publishScenarios(document, inputs: [ScenarioDocument.inputFileName(png): png]) }
        let bundle = try root.seal(collector: "gw-b", day: day, key: try key("gw-b"), signer: "gw-b") { (sealer) throws(LedgerError) in
            do {
                let reader = try LineReader(path: input)
                var lines = SealerInput(source: input, requireCanonical: true)
                try lines.add(reader, into: &sealer) { issue in Issue.record("\(issue)") }
            } catch { throw LedgerError(.io, "\(error)") }
            if variant.reveal {
                sealer.reveal = ProbeReveal(day: day, scenarios: MessageDigest.sha256(document.bytes).hex, seed: seed, targets: targets,
                                            tester: "tester-a").bytes()
            }
        }
        // The sample's threshold is 2: the other operators co-sign, and the log is signed and witnessed again.
        for name in ["gw-a", "gw-c"] {
            try root.addSignature(try SSHSignature.sign(bundle.manifestBytes, namespace: DatasetDirectory.manifestNamespace, with: try key(name)),
                                  signer: name, collector: "gw-b", day: day)
        }
        try RootOfTrustTests.appendLog(dataset)
        try witness(dataset, at: variant.bundleWitnessed)
        return dataset
    }

    /// The sample's witness cosigns the newest checkpoint at `seconds`.
    static func witness(_ dataset: String, at seconds: Int64) throws {
        let size = try DatasetLog.sizes(dataset).last!
        let text = try Files.read("\(dataset)/\(DatasetLog.directoryName)/\(DatasetLog.checkpointsName)/\(size)/checkpoint")
        let witness = try NoteSigner(name: "witness.assay-demo.invalid/w1", type: NoteKeys.cosignatureV1, privateKey: try DemoKeys.key(seed: 1, operator: "witness"))
        _ = try DatasetLog.addCosignature(DatasetDirectory(dataset), size: size, witness: "w1",
                                          line: Array((try witness.sign(text, timestamp: UInt64(seconds)).line + "\n").utf8))
    }

    /// A probe's test job: skipped, its target not advertising (the shape is the tester's, spec/records.md §3.4).
    static func testJob(_ probe: ProbePlan.Probe, _ document: ScenarioDocument, startMs: Int64? = nil, k: Int64? = nil) throws -> [UInt8] {
        let scenario = document[probe.scenario]!
        let record = try Record.validate(.object([
            .init("schema", .integer(3)), .init("kind", .string("test_job")),
            .init("id", .string("\(day)/\(probe.scenario)/\(probe.orchestrator)/\(k ?? probe.k)")),
            .init("observer_role", .string("tester")), .init("observer_id", .string("tester-a")),
            .init("scenario", .string(scenario.id)), .init("scenario_sha256", .string(scenario.sha256)), .init("slot", .integer(k ?? probe.k)),
            .init("orchestrator", .string(probe.orchestrator)), .init("pipeline", .string(scenario.pipeline.rawValue)),
            .init("model_id", .string(scenario.modelID)), .init("start_ms", .integer(startMs ?? probe.atMs)),
            .init("outcome", .string("skipped")), .init("skip_reason", .string("not_advertising")),
        ]))
        return record.canonicalBytes()
    }

    /// Both verifiers' findings as `rule path` lines, and whether each passed.
    static func verify(_ dataset: String) throws -> (swift: (ok: Bool, findings: [String]), python: (ok: Bool, findings: [String])) {
        func findings(_ result: CommandResult) throws -> (Bool, [String]) {
            let report = try JSONParser(limits: .init(maxDepth: 16, maxBytes: 64 << 20)).parse(Array(result.stdout.utf8))
            guard case .array(let items)? = report["findings"] else { throw Unreadable(description: "no findings in \(result.stdout)\(result.stderr)") }
            return (report["ok"] == .bool(true), items.map { "\($0["rule"]?.stringValue ?? "") \($0["path"]?.stringValue ?? "")" })
        }
        let swift = try findings(try Command.run(Command.assayVerifyPath, [dataset, "--json"] + today))
        let python = try findings(try Command.run("/usr/bin/env", ["python3", Repository.url("verify/assay_verify.py").path, dataset, "--json"] + today))
        return (swift, python)
    }

    struct Unreadable: Error, CustomStringConvertible { let description: String }

    static let commitmentPath = "probes/commitments/gw-b/2026/01/09.json"

    @Test("a tester's day, committed and witnessed before it and revealed with its bundle, verifies with both verifiers")
    func honest() throws {
        let directory = try TemporaryDirectory()
        let dataset = try Self.dataset(in: directory)
        #expect(Files.kind("\(dataset)/bundles/gw-b/2026/01/09/probes.json") == .regular)
        #expect(Files.kind("\(dataset)/\(DatasetDirectory.probeInputPath(ScenarioDocument.inputFileName(try Files.read(Repository.url("spec/vectors/probe/bear-16.png").path))))") == .regular)
        let (swift, python) = try Self.verify(dataset)
        #expect(swift.ok && swift.findings.isEmpty, "\(swift.findings)")
        #expect(python.ok && python.findings.isEmpty, "\(python.findings)")
    }

    @Test("a commitment that no checkpoint witnessed before its day began is a warning of both verifiers, not an error")
    func late() throws {
        // Witnessed a minute into the day; first witnessed with the day's bundle, after the day; or by a witness whose
        // clock says 2^63 − 1 seconds (it may sign any 64-bit time; the verifier must neither trap nor believe it).
        for seconds in [Self.day.startMs / 1000 + 60, nil, Int64.max] {
            let directory = try TemporaryDirectory()
            var variant = Variant()
            variant.commitmentWitnessed = seconds
            if seconds == Int64.max { variant.bundleWitnessed = Int64.max }
            let (swift, python) = try Self.verify(try Self.dataset(in: directory, variant))
            for (name, result) in [("swift", swift), ("python", python)] {
                #expect(result.ok, "\(name): \(result.findings)")
                #expect(result.findings == ["probe-timing \(Self.commitmentPath)"], "\(name): \(result.findings)")
            }
        }
    }

    @Test("tampering with the tester's day is found by both verifiers, each with its rule and place")
    func tampered() throws {
        let records = "bundles/gw-b/2026/01/09/records.jsonl"
        var cases: [(String, Variant, (String) throws -> Void, Set<String>)] = []
        func variant(_ change: (inout Variant) -> Void) -> Variant {
            var variant = Variant()
            change(&variant)
            return variant
        }
        let none: (String) throws -> Void = { _ in }
        cases.append(("never committed", variant { $0.commit = false }, none, ["probe-commitment \(Self.commitmentPath)"]))
        cases.append(("committed to another seed", variant { $0.committedSeed = Array(repeating: 7, count: 32) }, none,
                      ["probe-commitment \(Self.commitmentPath)"]))
        cases.append(("test jobs without a reveal", variant { $0.reveal = false }, none, ["probe-plan \(records)"]))
        cases.append(("a probe without its test job", variant { $0.records = { Array($0.dropFirst()) } }, none, ["probe-plan \(records)"]))
        cases.append(("a test job at another time than its probe", variant { $0.records = { records in
            let document = try ScenarioDocument(bytes: try Files.read(Repository.url("spec/vectors/probe/scenarios.json").path))
            let probe = try ProbePlan(day: Self.day, seed: Self.seed, document: document, targets: Self.targets).probes[3]
            let original = try Self.testJob(probe, document), moved = try Self.testJob(probe, document, startMs: probe.atMs + 1)
            return records.map { $0 == original ? moved : $0 }
        } }, none, ["probe-plan \(records)"]))
        cases.append(("a test job no probe planned", variant { $0.records = { records in
            let document = try ScenarioDocument(bytes: try Files.read(Repository.url("spec/vectors/probe/scenarios.json").path))
            let plan = try ProbePlan(day: Self.day, seed: Self.seed, document: document, targets: Self.targets)
            return records + [try Self.testJob(plan.probes[0], document, k: 999)]
        } }, none, ["probe-plan \(records)"]))
        let documentPath = DatasetDirectory.scenarioDocumentPath(MessageDigest.sha256(try Files.read(Repository.url("spec/vectors/probe/scenarios.json").path)).hex)
        cases.append(("the scenario document changed", Variant(), { dataset in
            var bytes = try Files.read("\(dataset)/\(documentPath)")
            bytes[bytes.count / 2] ^= 0x01
            try Files.writeAtomically("\(dataset)/\(documentPath)", contents: bytes)
        }, ["probe-file \(documentPath)"]))
        let inputPath = DatasetDirectory.probeInputPath(ScenarioDocument.inputFileName(try Files.read(Repository.url("spec/vectors/probe/bear-16.png").path)))
        cases.append(("the input file removed", Variant(), { dataset in try FileManager.default.removeItem(atPath: "\(dataset)/\(inputPath)") },
                      ["probe-file \(inputPath)"]))
        let stray = DatasetDirectory.scenarioDocumentPath(MessageDigest.sha256(Array("{}".utf8)).hex)
        cases.append(("a document nobody names", Variant(), { dataset in try Files.writeAtomically("\(dataset)/\(stray)", contents: Array("{}".utf8)) },
                      ["unlisted-file \(stray)"]))
        for (name, variant, after, expected) in cases {
            let directory = try TemporaryDirectory()
            let dataset = try Self.dataset(in: directory, variant)
            try after(dataset)
            let (swift, python) = try Self.verify(dataset)
            for (verifier, result) in [("swift", swift), ("python", python)] {
                #expect(!result.ok, "\(name), \(verifier): passed")
                // Only the rules the case is about (the probe-timing warning of a commitment-less day aside).
                let found = Set(result.findings.filter { !$0.hasPrefix("probe-timing") })
                #expect(found == expected, "\(name), \(verifier): \(result.findings)")
            }
        }
    }
}
