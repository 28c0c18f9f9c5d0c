import ArgumentParser
import AssayCommandLine
import AssayConfiguration
import AssayCore
import AssayCollect
import AssayProbe
import AssayStore
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "The job tester's formats: scenario documents and the daily probe order (spec/probe.md).",
        discussion: """
            The job tester sends the same public scenarios to every orchestrator that advertises their \
            pipeline and model, at times drawn from a seed committed before the day and revealed after it. \
            These commands make and check what it publishes, so anyone can reproduce it.

            Examples:
              assay probe scenarios spec/vectors/probe/scenarios.yaml > scenarios.json
              assay probe seed --day 2026-12-01
              assay probe plan --scenarios scenarios.json --input spec/vectors/probe/plan.json
            """,
        subcommands: [ProbeRun.self, ProbeScenarios.self, ProbeSeed.self, ProbePlanCommand.self])
}

struct ProbeRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the job tester: the day's scenarios to every orchestrator that runs them, through a go-livepeer gateway.",
        discussion: """
            Each UTC day the tester draws a seed, takes as targets of each scenario the orchestrators the gateway's \
            /getNetworkCapabilities lists as running its pipeline and model, and sends the day's probes in the \
            seeded order (spec/probe.md §3), one at a time: it points the gateway at the probe's orchestrator through \
            the orchestrator webhook it serves (start go-livepeer with -orchWebhookUrl \
            http://WEBHOOK_LISTEN/orchestrators), sends the scenario's request to the gateway's AI API, and writes one \
            test_job record per probe — sent, or skipped with its reason (cost cap, not advertising, gateway down, \
            tester down) — into its staging store, where a collector's seal takes it. An attempt is marked as sent \
            before its request leaves: after a crash it is recorded as interrupted, never lost or repeated.

            --clock-start and --speed compress time for tests and demos (network timeouts never are).

            The configuration (YAML; relative paths are relative to it):
              tester:
                id: tester-a                     # the observer_id of its records
                region: eu-west                  # optional
              scenarios: scenarios.yaml          # the scenario file (YAML input form, or published JSON)
              staging: tester-staging.sqlite     # its records, until a collector seals them
              gateway:
                api: http://127.0.0.1:8935       # the gateway's AI API (-httpAddr)
                cli: http://127.0.0.1:7935       # its CLI API (-cliAddr): /getNetworkCapabilities
                rtmp: rtmp://127.0.0.1:1935      # its RTMP ingest, for the live smoke test
                webhook_listen: 127.0.0.1:7940   # serves /orchestrators for -orchWebhookUrl
                webhook_refresh: 1m              # go-livepeer's webhook refresh interval

            Examples:
              assay probe run --config probe.yaml
              assay probe run --config probe.yaml --clock-start 2026-12-01T00:00:00Z --speed 1440 --days 1
            """)

    @Option(help: "The YAML configuration file (its keys above; spec/probe.md §5).")
    var config: String

    @OptionGroup var clockOptions: ClockOptions

    @Option(help: "Stop after this many days (the first one included; default: run until stopped).")
    var days: Int?

    @Option(help: "The log's format: text (one line per event) or json (one object per line).")
    var logFormat: LogFormat = .text

    func validate() throws {
        if let days, days < 1 { throw ValidationError("--days must be at least 1") }
    }

    func run() async throws {
        let configuration = try loadConfiguration(config, limit: 1 << 20) { ProbeConfiguration.parse(yaml: $0, relativeTo: $1) }
        let scenarios: (document: ScenarioDocument, inputs: [String: [UInt8]])
        do { scenarios = try ScenarioFile.load(configuration.scenarios) } catch .unreadable(let reason) {
            throw Failure(message: reason)
        } catch { throw Failure(message: "\(configuration.scenarios): \(error)") }
        let clock = clockOptions.clock
        LineLogHandler.bootstrap(format: logFormat)
        var logger = Logger(label: "assay.probe")
        logger.logLevel = .notice
        let webhook = ProbeWebhook(refresh: .milliseconds(configuration.webhookRefreshMs))
        guard let (host, port) = ConfigurationValues.hostPort(configuration.webhookListen) else {
            throw Failure(message: "gateway.webhook_listen '\(configuration.webhookListen)' must be HOST:PORT")
        }
        let application = Application(router: webhook.router(), configuration: .init(address: .hostname(host, port: port), serverName: "assay-probe"),
                                      onServerRunning: { channel in
                                          Diagnostics.printToStandardOutput("webhook listening on http://\(channel.localAddress?.ipAddress ?? host):\(channel.localAddress?.port ?? port)/orchestrators")
                                      }, logger: logger)
        let settings = Prober.Settings(configuration, document: scenarios.document, inputs: scenarios.inputs, clock: clock)
        // The tester starts when its clock does: probes planned before were missed (a simulated clock's start is its own).
        let prober = try Prober(settings: settings, staging: configuration.staging, webhook: webhook, client: .shared, clock: clock, logger: logger,
                                missedBefore: clock.startMs)
        let lastDay = days.map { UTCDay(number: UTCDay(containing: clock.startMs).number + $0 - 1) }
        Diagnostics.printToStandardOutput("tester \(configuration.testerID) running \(scenarios.document.scenarios.count) scenarios")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.runService() }
            group.addTask { try await prober.run(through: lastDay) }
            // The prober finishing (its days done) or failing ends the run; the webhook listener stops with it.
            try await group.next()
            group.cancelAll()
        }
        Diagnostics.printToStandardOutput("tester stopped")
    }
}

/// Reads a scenario document: YAML in the input form, or a published (canonical JSON) document.
func loadScenarioDocument(_ path: String) throws -> ScenarioDocument {
    do { return try ScenarioFile.load(path, readingInputs: false).document } catch .unreadable(let reason) {
        throw Failure(message: reason)
    } catch { throw Failure(message: "\(path): \(error)") }
}

struct ProbeScenarios: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenarios",
        abstract: "Check a scenario file and write its canonical document, or each scenario's hash.",
        discussion: """
            FILE is YAML (.yaml, .yml: the input form people write, where a multipart file may be given as \
            {path: FILE, content_type: TYPE} and is hashed from disk) or a published document (JSON, which \
            must already be canonical). The first problem is reported as FILE: PATH: reason [code], with \
            the codes of spec/probe.md §2.5. Exit status: 0 if the document is valid, 1 otherwise.

            Examples:
              assay probe scenarios scenarios.yaml --out scenarios.json
              assay probe scenarios scenarios.json --hashes
            """)

    @Argument(help: "A scenario file: YAML (input form) or canonical JSON (published form).")
    var file: String

    @Option(help: "Write the canonical document here instead of standard output.")
    var out: String?

    @Flag(help: "Print 'SHA256  ID' for each scenario instead of the document.")
    var hashes = false

    func run() throws {
        let document = try loadScenarioDocument(file)
        if hashes {
            print(document.scenarios.map { "\($0.sha256)  \($0.id)" }.joined(separator: "\n"))
        } else if let out {
            try Files.writeAtomically(out, contents: document.bytes)
        } else {
            FileHandle.standardOutput.write(Data(document.bytes + [0x0A]))
        }
    }
}

struct ProbeSeed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Draw a day's seed and print it with its commitment (spec/probe.md §3.1).",
        discussion: """
            Prints {"commitment":…,"day":…,"seed":…}. Publish the commitment before the day begins and keep \
            the seed secret until the day has ended; anyone can then check the seed against the commitment.

            Example:
              assay probe seed --day 2026-12-01
            """)

    @Option(help: "The UTC day, YYYY-MM-DD.")
    var day: String

    func run() throws {
        guard let utcDay = UTCDay(day) else { throw ValidationError("--day '\(day)' must be a date, YYYY-MM-DD") }
        let seed = try ProbePlan.drawSeed()
        let line = CanonicalJSON.encodeBuilt(.object([
            .init("commitment", .string(ProbePlan.commitment(day: utcDay, seed: seed))),
            .init("day", .string(utcDay.description)), .init("seed", .string(Hex.encode(seed))),
        ]), "a seed")
        print(String(decoding: line, as: UTF8.self))
    }
}

struct ProbePlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Recompute a day's probe order from its revealed seed (spec/probe.md §3.2).",
        discussion: """
            INPUT is a bundle's probes.json (the reveal, spec/probe.md §7.3, whose `scenarios` must be \
            the document's SHA-256), or {"day": "YYYY-MM-DD", "seed": HEX, "targets": {SCENARIO_ID: \
            [ADDRESS, …]}}: the revealed seed and each scenario's orchestrators, sorted. Writes the order as JSON Lines \
            ({"at_ms":…,"k":…,"orchestrator":…,"scenario":…}), or with --commitment only the seed's \
            commitment, to compare with the one published before the day.

            Example:
              assay probe plan --scenarios scenarios.json --input plan.json > order.jsonl
              assay probe plan --scenarios DATASET/probes/scenarios/H.json \
                --input DATASET/bundles/gw-a/2026/12/01/probes.json --commitment
            """)

    @Option(help: "The scenario document (YAML input form or canonical JSON).")
    var scenarios: String

    @Option(help: "A reveal (probes.json), or the day, its seed and the targets as JSON.")
    var input: String

    @Flag(help: "Print only the commitment of the day's seed.")
    var commitment = false

    func run() throws {
        let document = try loadScenarioDocument(scenarios)
        let plan: ProbePlan
        let bytes = try Files.read(input, limit: ProbeReveal.maxBytes)
        do {
            // A reveal names its format; anything else is read as a plan input.
            let isReveal = (try? JSONParser(limits: .init(maxDepth: 4, maxBytes: ProbeReveal.maxBytes)).parse(bytes))?["format"] != nil
            plan = isReveal ? try ProbeReveal(bytes: bytes).plan(document: document) : try ProbePlan(input: bytes, document: document)
        } catch let issue as ScenarioIssue {
            throw Failure(message: "\(input): \(issue)")
        }
        if commitment {
            print(ProbePlan.commitment(day: plan.day, seed: plan.seed))
        } else {
            let output = BufferedWriter()
            output.write(plan.jsonLines)
        }
    }
}
