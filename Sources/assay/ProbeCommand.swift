import ArgumentParser
import AssayCommandLine
import AssayConfiguration
import AssayCore
import AssayProbe
import Foundation

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
        subcommands: [ProbeScenarios.self, ProbeSeed.self, ProbePlanCommand.self])
}

/// Reads a scenario document: YAML in the input form, or a published (canonical JSON) document.
func loadScenarioDocument(_ path: String) throws -> ScenarioDocument {
    let bytes = try Files.read(path, limit: ScenarioDocument.maxBytes + 1)
    if path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
        do {
            return try ScenarioFile.document(yaml: String(decoding: bytes, as: UTF8.self), relativeTo: (path as NSString).deletingLastPathComponent)
        } catch { throw Failure(message: "\(path): \(error)") }
    }
    do { return try ScenarioDocument(bytes: bytes) } catch { throw Failure(message: "\(path): \(error)") }
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
            INPUT is {"day": "YYYY-MM-DD", "seed": HEX, "targets": {SCENARIO_ID: [ADDRESS, …]}}: the \
            revealed seed and each scenario's orchestrators, sorted. Writes the order as JSON Lines \
            ({"at_ms":…,"k":…,"orchestrator":…,"scenario":…}), or with --commitment only the seed's \
            commitment, to compare with the one published before the day.

            Example:
              assay probe plan --scenarios scenarios.json --input plan.json > order.jsonl
            """)

    @Option(help: "The scenario document (YAML input form or canonical JSON).")
    var scenarios: String

    @Option(help: "The day, its seed and the targets, as JSON.")
    var input: String

    @Flag(help: "Print only the commitment of the day's seed.")
    var commitment = false

    func run() throws {
        let document = try loadScenarioDocument(scenarios)
        let plan: ProbePlan
        do { plan = try ProbePlan(input: try Files.read(input, limit: 64 << 20), document: document) } catch let issue as ScenarioIssue {
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
