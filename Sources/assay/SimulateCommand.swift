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

            With --preset network-1000x (spec/scale.md), the network at 1,000 times today's traffic \
            instead: 1,000,000 jobs a day (times --scale), 5,000 orchestrators each running an \
            exporter, 30 collecting gateways gw-01 … gw-30, each orchestrator scraped by the two \
            collectors rendezvous hashing assigns it. Written as each collector's staged records of \
            each day, ready for 'assay seal':
              simulation.json                          the preset, scale, seed and counts
              collectors/<collector>/<YYYY-MM-DD>.jsonl   the collector's gateway records and the records of
                                                       the orchestrators it scrapes

            Examples:
              assay simulate --seed 7 --first-day 2026-01-01 --days 7 --out ./sim
              assay simulate --preset network-1000x --scale 0.1 --days 30 --out ./network
            """)

    @Option(help: ArgumentHelp("A network preset instead of the demo's workload: network-1000x.", valueName: "name"))
    var preset: String?

    @Option(help: "With --preset: the fraction of its jobs and orchestrators to simulate, in (0, 1].")
    var scale: Double = 1

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
        if let preset, !NetworkWorkload.presets.contains(where: { $0.name == preset }) {
            throw ValidationError("--preset must be one of: \(NetworkWorkload.presets.map(\.name).joined(separator: ", "))")
        }
        guard scale > 0 && scale <= 1 else { throw ValidationError("--scale must be in (0, 1]") }
        guard (1...10_000).contains(orchestrators) else { throw ValidationError("--orchestrators must be 1 to 10000") }
        guard (1...100_000).contains(peakJobsPerHour) else { throw ValidationError("--peak-jobs-per-hour must be 1 to 100000") }
        for gateway in gateways.split(separator: ",") where !Slug.isValid(String(gateway)) {
            throw ValidationError("--gateways: '\(gateway)' must be \(Slug.rule)")
        }
    }

    func run() throws {
        if let name = preset, let chosen = NetworkWorkload.presets.first(where: { $0.name == name }) {
            return try runNetwork(NetworkWorkload(preset: chosen, scale: scale, seed: seed))
        }
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

    /// The network preset: each collector's staged records, day by day (spec/scale.md §4).
    func runNetwork(_ workload: NetworkWorkload) throws {
        let first = UTCDay(firstDay)!
        try FileManager.default.createDirectory(atPath: "\(out)/collectors", withIntermediateDirectories: true)
        for collector in workload.collectors {
            try FileManager.default.createDirectory(atPath: "\(out)/collectors/\(collector)", withIntermediateDirectories: true)
        }
        let progress = ProgressLine(enabled: Diagnostics.isTerminal)
        var total = NetworkWorkload.DayCounts()
        let staging = "\(out)/.staging-\(getpid())"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: staging) }
        for offset in 0..<days {
            let day = UTCDay(number: first.number + offset)
            progress.update("simulating \(day) (\(offset + 1)/\(days)): \(workload.jobsPerDay) jobs")
            let counts = try workload.writeDay(day, to: staging)
            for collector in workload.collectors {
                try FileManager.default.moveItem(atPath: "\(staging)/\(collector).jsonl", toPath: "\(out)/collectors/\(collector)/\(day).jsonl")
            }
            total.jobs += counts.jobs
            total.gatewayRecords += counts.gatewayRecords
            total.orchestratorRecords += counts.orchestratorRecords
            total.bytes += counts.bytes
        }
        progress.finish()
        let description = JSONValue.object([
            .init("format", "assay-network-simulation-v1"), .init("preset", .string(workload.preset.name)), .init("scale", .string(String(workload.scale))),
            .init("seed", .integer(Int64(bitPattern: seed))), .init("first_day", .string(first.description)), .init("days", .integer(Int64(days))),
            .init("jobs_per_day", .integer(Int64(workload.jobsPerDay))), .init("orchestrators", .integer(Int64(workload.orchestrators))),
            .init("collectors", .array(workload.collectors.map { .string($0) })), .init("copies", .integer(Int64(workload.preset.copies))),
            .init("gateway_records", .integer(Int64(total.gatewayRecords))), .init("orchestrator_records", .integer(Int64(total.orchestratorRecords))),
            .init("staged_bytes", .integer(total.bytes)),
        ])
        try Files.writeAtomically("\(out)/simulation.json", contents: Array(try PrettyJSON.string(description).utf8))
        print("Simulated \(days) day\(days == 1 ? "" : "s") of \(workload.preset.name) at scale \(workload.scale) from \(first): \(total.jobs) jobs, "
            + "\(total.gatewayRecords) gateway records, \(total.orchestratorRecords) orchestrator records (each staged by \(workload.preset.copies) collectors), "
            + "\(total.bytes) bytes staged in \(out)/collectors")
    }

    func write(_ lines: [String], to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Files.writeAtomically(path, contents: Array(lines.map { $0 + "\n" }.joined().utf8))
    }
}
