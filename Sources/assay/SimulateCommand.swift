import ArgumentParser
import AssayCommandLine
import AssayCore
import AssayLedger
import AssaySimulate
import Foundation

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Write a seeded, deterministic synthetic workload: gateway events and orchestrator records.",
        discussion: """
            Orchestrators get designed behaviours in turn: reliable, slow-start, flaky (failed starts \
            and swaps), zero-fps, offline-hours (unreachable 10:00–16:00 UTC on odd days), \
            over-reporter (calls its failures successes). For every UTC day, each gateway's side is \
            written as go-livepeer gateway events (JSON Lines, the real envelope and event types) and \
            each orchestrator's side as job records for its exporter's ingest API. Load follows the \
            time of day. The same options give the same bytes.

            Output, under --out:
              simulation.json                          the configuration and every orchestrator's profile
              gateways/<gateway>/<YYYY-MM-DD>.jsonl    gateway events (feed to 'assay ingest' or a collector)
              orchestrators/<observer>/<YYYY-MM-DD>.jsonl   records (POST to an exporter's /v1/ingest)

            Example:
              assay simulate --seed 7 --first-day 2026-01-01 --days 7 --out ./sim
            """)

    @Option(help: "The seed.")
    var seed: UInt64 = 1

    @Option(help: "The first UTC day, YYYY-MM-DD.")
    var firstDay: String = "2026-01-01"

    @Option(help: "Number of days.")
    var days: Int = 7

    @Option(help: "Number of orchestrators (behaviours repeat every 7).")
    var orchestrators: Int = 7

    @Option(help: "Gateway ids, comma-separated.")
    var gateways: String = "gw-a,gw-b"

    @Option(help: "Jobs per gateway in the busiest hour.")
    var peakJobsPerHour: Int = 12

    @Option(help: "The output directory (created; existing files are replaced).")
    var out: String

    func validate() throws {
        guard UTCDay(firstDay) != nil else { throw ValidationError("--first-day must be YYYY-MM-DD") }
        guard (1...3660).contains(days) else { throw ValidationError("--days must be 1 to 3660") }
        guard (1...10_000).contains(orchestrators) else { throw ValidationError("--orchestrators must be 1 to 10000") }
        guard (1...100_000).contains(peakJobsPerHour) else { throw ValidationError("--peak-jobs-per-hour must be 1 to 100000") }
        for gateway in gateways.split(separator: ",") where !Slug.isValid(String(gateway)) {
            throw ValidationError("--gateways: '\(gateway)' must be \(Slug.rule)")
        }
    }

    func run() throws {
        let simulation = Simulation(.init(seed: seed, orchestrators: orchestrators, gateways: gateways.split(separator: ",").map(String.init),
                                          peakJobsPerHour: peakJobsPerHour))
        let first = UTCDay(firstDay)!
        let description = JSONValue.object([
            .init("format", "assay-simulation-v1"), .init("seed", .integer(Int64(bitPattern: seed))), .init("first_day", .string(first.description)),
            .init("days", .integer(Int64(days))), .init("gateways", .array(simulation.configuration.gateways.map { .string($0) })),
            .init("peak_jobs_per_hour", .integer(Int64(peakJobsPerHour))), .init("orchestrators", simulation.profilesJSON),
        ])
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Files.writeAtomically("\(out)/simulation.json", contents: Array(try PrettyJSON.string(description).utf8))
        var events = 0, records = 0
        let progress = ProgressLine(enabled: Diagnostics.isTerminal)
        for offset in 0..<days {
            let day = UTCDay(number: first.number + offset)
            progress.update("simulating \(day) (\(offset + 1)/\(days))")
            let simulated = simulation.day(day)
            for (gateway, lines) in simulated.events {
                try write(lines.map(\.line), to: "\(out)/gateways/\(gateway)/\(day).jsonl")
                events += lines.count
            }
            for (observer, lines) in simulated.records {
                try write(lines.map(\.line), to: "\(out)/orchestrators/\(observer)/\(day).jsonl")
                records += lines.count
            }
        }
        progress.finish()
        print("Simulated \(days) day\(days == 1 ? "" : "s") from \(first): \(events) gateway events, \(records) orchestrator records in \(out)")
    }

    func write(_ lines: [String], to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Files.writeAtomically(path, contents: Array(lines.map { $0 + "\n" }.joined().utf8))
    }
}
