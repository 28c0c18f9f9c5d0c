import AssayCollect
import AssayConfiguration
import AssayCore
import AssayCrypto
import AssayExporter
import AssayGit
import AssayWorkflows
import AssayLedger
import AssayScore
import AssaySimulate
import AssaySite
import AssayWitness
import AsyncHTTPClient
import Foundation
import Logging

/// Why the demo stopped.
public struct DemoError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// `assay demo`: the whole system on loopback, for real. Simulated
/// orchestrators' exporters take their records through the ingest API; each
/// gateway operator's collector scrapes them every simulated hour, follows its
/// own gateway's go-livepeer events, seals each UTC day, signs, commits and
/// pushes to a bare repository; the operators co-sign each other's bundles;
/// then a fresh clone is verified (bundles, signatures, chains, commits,
/// published scores), scored, and turned into the site.
///
/// Time is the simulation's: the demo steps it hour by hour and nothing in the
/// dataset depends on the wall clock, so the same options give the same
/// dataset, byte for byte (probes measure their latency on that clock, where
/// a scrape takes no time, and the scrape listeners use fixed ports because
/// their URLs are in the records).
public final class Demo {
    public struct Options: Sendable {
        public var seed: UInt64 = 1
        public var days = 8
        public var firstDay = UTCDay("2026-01-01")!
        public var orchestrators = 7
        public var operators = ["gw-a", "gw-b", "gw-c"]
        public var threshold = 2
        public var peakJobsPerHour = 5
        /// The first orchestrator's scrape port; the others follow.
        public var portBase = 29100
        /// The workspace (created).
        public var out: String

        public init(out: String) { self.out = out }

        /// The command line that reproduces this run's dataset.
        public var command: String {
            "assay demo --seed \(seed) --days \(days) --first-day \(firstDay) --orchestrators \(orchestrators) "
                + "--operators \(operators.joined(separator: ",")) --threshold \(threshold) --peak-jobs-per-hour \(peakJobsPerHour) --port-base \(portBase)"
        }
    }

    /// What the demo reports as it goes.
    public enum Event: Sendable {
        /// A short status for a progress line.
        case progress(String)
        /// A line worth keeping.
        case note(String)
    }

    /// What a finished demo found.
    public struct Summary: Sendable {
        public struct Ranked: Sendable {
            public let observerID: String
            public let address: String
            public let behaviour: String
            /// SLA score in millionths, nil when the orchestrator had nothing scored.
            public let score: Int64?
            public let jobs: Int64
            public let overReports: Int64
        }
        public var bundles = 0
        public var records: Int64 = 0
        /// Bundles whose signatures reach the threshold, and the signatures in all.
        public var bundlesHolding = 0
        public var signatures = 0
        public var commits = 0
        public var verification: VerificationReport?
        public var ranking: [Ranked] = []
        public var siteFiles = 0
        public var remote = ""
        public var clone = ""
        public var site = ""
        public var scores = ""
        /// The genesis hash auditors pin (spec/dataset.md §8.4).
        public var genesis: String?
    }

    struct Operator {
        let name: String
        let key: any Ed25519Signer
        let configuration: CollectorConfiguration
        let staging: StagingActor
        let collector: Collector
        let events: FileHandle
    }

    public let options: Options
    let simulation: Simulation
    let logger: Logger
    let exporterLogger: Logger
    let report: @Sendable (Event) -> Void
    var exporters: [DemoExporter] = []
    var operators: [Operator] = []
    /// The witness every checkpoint is submitted to (spec/log.md §9).
    var witness: DemoWitness?
    /// The first operator's job tester (spec/probe.md), from the third day.
    var tester: DemoTester?
    /// Runs `body` with a new HTTP client and shuts it down. Every ingest step and every scrape round
    /// gets its own client: a connection kept alive from an earlier hour may have been closed by the
    /// exporter meanwhile (its idle timeout, or the offline orchestrator going down), and reusing it
    /// would turn a scrape's outcome into a race. On loopback a refused connection is final, so it is
    /// not retried until the scrape timeout either.
    static func withClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    public init(options: Options, logger: Logger, report: @escaping @Sendable (Event) -> Void) {
        self.options = options
        self.logger = logger
        exporterLogger = {
            // Stopping the offline exporter cancels its open connections, which its server logs as errors.
            var quiet = logger
            quiet.logLevel = .critical
            return quiet
        }()
        self.report = report
        simulation = Simulation(.init(seed: options.seed, orchestrators: options.orchestrators, gateways: options.operators,
                                      peakJobsPerHour: options.peakJobsPerHour))
    }

    var remotePath: String { "\(options.out)/public.git" }
    /// The remote as a URL git stores in each clone: absolute, so it means the same from every work tree.
    var remoteURL: String { URL(fileURLWithPath: remotePath).standardizedFileURL.path }
    func operatorDirectory(_ name: String) -> String { "\(options.out)/operators/\(name)" }
    func datasetPath(_ name: String) -> String { "\(operatorDirectory(name))/dataset" }

    /// Runs the demo; on cancellation (Ctrl-C) it stops between two simulated hours, shuts every
    /// listener down, and throws `CancellationError`. Call `shutdown` afterwards in every case.
    public func run() async throws -> Summary {
        try prepareWorkspace()
        try await startExporters()
        try await createDataset()
        try await startTester()
        try await simulate()
        return try await finish()
    }

    /// Stops the exporters and releases the HTTP clients.
    public func shutdown() async {
        for exporter in exporters { await exporter.stop() }
        await witness?.stop()
        tester?.stop()
        for operatorState in operators {
            try? operatorState.events.close()
            await operatorState.collector.shutdown()
        }
    }

    // MARK: - Set-up

    func prepareWorkspace() throws(DemoError) {
        let out = options.out
        if Files.exists(out) {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
            guard entries.isEmpty else { throw DemoError("\(out) exists and is not empty; remove it or choose another --out") }
        }
        do {
            try FileManager.default.createDirectory(atPath: "\(out)/orchestrators", withIntermediateDirectories: true)
            let description = JSONValue.object([
                .init("format", "assay-demo-v1"), .init("command", .string(options.command)),
                .init("seed", .integer(Int64(bitPattern: options.seed))), .init("first_day", .string(options.firstDay.description)),
                .init("days", .integer(Int64(options.days))), .init("operators", .array(options.operators.map { .string($0) })),
                .init("orchestrators", simulation.profilesJSON),
            ])
            try Files.writeAtomically("\(out)/demo.json", contents: Array(try PrettyJSON.string(description).utf8))
        } catch {
            throw DemoError("\(out): cannot create the workspace: \(error)")
        }
    }

    /// The orchestrators' exporters, each with an exporter.yaml a real operator could run.
    func startExporters() async throws {
        for orchestrator in simulation.orchestrators {
            let directory = "\(options.out)/orchestrators/\(orchestrator.observerID)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let yaml = """
                # \(orchestrator.observerID) (\(orchestrator.behaviour.rawValue)): started by 'assay demo'; run it alone with
                #   assay exporter serve --config \(directory)/exporter.yaml
                # (paths in this file are relative to this file's directory)
                store: exporter.sqlite
                orchestrator: "\(orchestrator.address)"
                scrape:
                  listen: 127.0.0.1:\(options.portBase + orchestrator.index)
                ingest:
                  listen: 127.0.0.1:0
                retention:
                  max_age: 30d

                """
            try Files.writeAtomically("\(directory)/exporter.yaml", contents: Array(yaml.utf8))
            let configuration: ExporterConfiguration
            do { configuration = try ExporterConfiguration(yaml: yaml, relativeTo: directory) } catch {
                throw DemoError("\(directory)/exporter.yaml: \(error)")
            }
            let exporter = DemoExporter(name: orchestrator.observerID, configuration: configuration, logger: exporterLogger)
            exporters.append(exporter)
            report(.progress("starting \(orchestrator.observerID)'s exporter"))
            if !simulation.isOffline(orchestrator, at: options.firstDay.startMs) { try await exporter.start() }
        }
    }

    /// Keys derived from the seed (insecure), the dataset created by the first operator and pushed to
    /// the bare remote, the others' clones, and every operator's collector configuration.
    func createDataset() async throws {
        _ = try GitRepository.create(remotePath, bare: true)
        var signersText = ""
        var keys: [String: any Ed25519Signer] = [:]
        for name in options.operators {
            let directory = operatorDirectory(name)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let key = try DemoKeys.key(seed: options.seed, operator: name)
            try KeyFiles.writeKeyPair(OpenSSHPrivateKey(key, comment: "INSECURE assay demo key \(name), derived from seed \(options.seed)"), to: "\(directory)/key")
            keys[name] = key
            signersText += "\(name) namespaces=\"\(TrustPolicy.assayNamespaces.joined(separator: ","))\" \(OpenSSHPublicKey(key.publicKey).line)\n"
        }
        let witnessKey = try await startWitness(operatorKeys: options.operators.map { keys[$0]!.publicKey })
        let first = options.operators[0]
        let repository = try GitRepository.create(datasetPath(first), bare: false)
        try repository.addRemote("origin", url: remoteURL)
        let descriptor = DatasetDescriptor(
            id: "assay-demo", title: "Assay demo dataset (simulated)",
            description: "SIMULATED data made by '\(options.command)': no real orchestrator is described. "
                + "The signing keys are derived from the published seed and are INSECURE.",
            licence: "CC0-1.0", scoringProfiles: ScoringProfile.builtInProfiles().map(\.descriptorEntry).sorted { $0.id < $1.id }, simulated: true)
        // The genesis, approved by every operator (a threshold of its own signers is what it needs).
        _ = try DatasetDirectory.create(at: datasetPath(first), descriptor: descriptor, allowedSigners: signersText,
                                              threshold: options.threshold, issued: options.firstDay.startMs / 1000,
                                              witnesses: try DemoWitness.policy(origin: DatasetLog.origin(datasetID: descriptor.id),
                                                                                operatorKeys: options.operators.map { keys[$0]!.publicKey },
                                                                                witness: witnessKey),
                                              approvals: options.operators.map { ($0, keys[$0]!) })
        try Files.writeAtomically("\(datasetPath(first))/README.md", contents: Array(datasetReadme.utf8))
        _ = try DatasetPublisher(repository: repository, remote: "origin")
            .publish(key: keys[first]!, signer: first, time: options.firstDay.startMs / 1000, push: true)
        for name in options.operators.dropFirst() { _ = try GitRepository.clone(remoteURL, to: datasetPath(name)) }
        for (index, name) in options.operators.enumerated() {
            try addOperator(name, key: keys[name]!, region: Simulation.regions[index % Simulation.regions.count])
        }
        report(.note("\(options.operators.count) operators (\(options.operators.joined(separator: ", "))) share \(remotePath); "
                     + "threshold \(options.threshold); \(exporters.count) exporters on 127.0.0.1:\(options.portBase)–\(options.portBase + exporters.count - 1)"))
    }

    /// The first operator's job tester against a gateway stand-in (`DemoTester`), when the demo has a third day.
    func startTester() async throws {
        guard options.days >= 3, let first = operators.first else { return }
        report(.progress("starting \(first.name)'s job tester"))
        tester = try await DemoTester(simulation: simulation, directory: operatorDirectory(first.name), staging: first.configuration.staging,
                                      seed: options.seed, firstDay: UTCDay(number: options.firstDay.number + 2),
                                      lastDay: UTCDay(number: options.firstDay.number + options.days - 1), logger: exporterLogger)
        report(.note("\(first.name) runs the job tester from \(UTCDay(number: options.firstDay.number + 2)): 2 scenarios (one batch, one live) "
                     + "through a go-livepeer stand-in to every orchestrator"))
    }

    /// Writes the witness's key and a configuration `assay witness serve` could run, and starts it in this process,
    /// following the dataset's log with the policy's threshold of operator signatures; returns its verifier key.
    func startWitness(operatorKeys: [Ed25519PublicKey]) async throws -> NoteVerifierKey {
        let directory = "\(options.out)/witness"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let witness = try DemoWitness(seed: options.seed, statePath: "\(directory)/witness.sqlite", logger: exporterLogger)
        try KeyFiles.writeKeyPair(OpenSSHPrivateKey(witness.key, comment: "INSECURE assay demo witness key, derived from seed \(options.seed)"),
                                  to: "\(directory)/key")
        let origin = DatasetLog.origin(datasetID: "assay-demo")
        let vkeys = try operatorKeys.map { try NoteVerifierKey(name: origin, type: NoteKeys.ed25519, publicKey: $0) }
        let yaml = """
            # The demo's witness, started by 'assay demo' in its own process on simulated time; run it alone with
            #   assay witness serve --config \(directory)/witness.yaml
            witness:
              name: \(DemoWitness.keyName)
              key: key
              state: witness.sqlite
              listen: 127.0.0.1:0
            logs:
              - origin: \(origin)
                keys: [\(vkeys.map { "\"\($0.vkey)\"" }.joined(separator: ", "))]
                threshold: \(options.threshold)

            """
        try Files.writeAtomically("\(directory)/witness.yaml", contents: Array(yaml.utf8))
        report(.progress("starting the witness"))
        try await witness.start(log: FollowedLog(origin: origin, keys: vkeys, threshold: options.threshold))
        self.witness = witness
        return witness.signer.verifierKey
    }

    var datasetReadme: String {
        """
        # Assay demo dataset — SIMULATED

        Every record here was made by Assay's workload simulator, not by a
        real Livepeer orchestrator or gateway. It was produced by

            \(options.command)

        which runs real exporters, collectors, git pushes and co-signatures on
        loopback; the same command gives the same files, byte for byte. Each
        operator's Ed25519 signing key is derived from the seed — its 32-byte
        seed is SHA-256("assay-demo-insecure-key-v1" 0x00 "<seed>" 0x00
        "<operator>") — so the keys are public: INSECURE, good only to show
        that the files are the ones the demo made.

        Verify it with `assay verify .` or `verify/run`; score it with
        `assay score --dataset . --day <last day> --window 7`.

        """
    }

    func addOperator(_ name: String, key: any Ed25519Signer, region: String) throws {
        let directory = operatorDirectory(name)
        let targets = simulation.orchestrators.map { orchestrator in
            """
                  - targets: ["http://127.0.0.1:\(options.portBase + orchestrator.index)"]
                    labels:
                      orchestrator: "\(orchestrator.address)"
                      region: \(orchestrator.region)
            """
        }.joined(separator: "\n")
        let yaml = """
            # \(name)'s collector, driven by 'assay demo' on simulated time; 'assay collect run --config' runs the same file.
            collector:
              id: \(name)
              key: key
              region: \(region)
            dataset:
              repository: dataset
            staging: staging.sqlite
            global:
              scrape_interval: 1h
              scrape_timeout: 10s
            scrape_configs:
              - job_name: orchestrators
                static_configs:
            \(targets)
            gateway_events:
              - file: gateway-events.jsonl
            witnesses:
              - name: \(DemoWitness.name)
                url: \(witness?.url ?? "http://127.0.0.1:1")

            """
        try Files.writeAtomically("\(directory)/collector.yaml", contents: Array(yaml.utf8))
        let (parsed, errors) = CollectorConfiguration.parse(yaml: yaml, relativeTo: directory)
        guard let configuration = parsed else {
            throw DemoError("\(directory)/collector.yaml: " + errors.map { "line \($0.line ?? 0): \($0)" }.joined(separator: "; "))
        }
        let eventsPath = configuration.eventFiles[0]
        _ = FileManager.default.createFile(atPath: eventsPath, contents: nil)
        guard let events = FileHandle(forWritingAtPath: eventsPath) else { throw DemoError("\(eventsPath): cannot open for appending") }
        let staging = try StagingActor(path: configuration.staging)
        let collector = try Collector(configuration: configuration, clock: CollectorClock(startMs: options.firstDay.startMs),
                                      key: key, logger: logger)
        operators.append(Operator(name: name, key: key, configuration: configuration, staging: staging,
                                  collector: collector, events: events))
    }
}
