import ArgumentParser
import AssayCommandLine
import AssayBench
import Foundation

@main
struct AssayBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assay-bench",
        abstract: "Measure Assay's hot paths on this machine.",
        discussion: """
            Each benchmark generates its own deterministic workload (the simulator's), measures \
            Assay's code on it, and prints the numbers next to a reference tool over the same \
            bytes (sha256sum, DuckDB, nginx, jq, wrk) when that tool is installed. The benchmarks \
            that time a whole command run the 'assay' built next to this program. Build both with \
            -c release for meaningful numbers.

            Examples:
              swift build -c release && .build/release/assay-bench canonical --records 1000000
              .build/release/assay-bench score --records 1000000
            """,
        subcommands: [CanonicalBench.self, SealBench.self, VerifyBench.self, ExporterBench.self, IngestEventsBench.self, CollectBench.self, ScoreBench.self, SiteBench.self, PublishedScoresBench.self, ProbeBench.self, NetworkBench.self])
}

/// The `assay` executable built next to this program, which the whole-command benchmarks run.
func siblingAssay() throws -> String {
    let path = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("assay").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw ValidationError("\(path) is not an executable: build the package ('swift build -c release') so that assay sits next to assay-bench")
    }
    return path
}

struct CanonicalBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canonical",
        abstract: "Throughput of parse + validate + canonicalize + leaf hash, next to sha256sum.",
        discussion: """
            Generates N deterministic synthetic records (mixed kinds) into a temporary file, then \
            times the record pipeline over it and 'sha256sum' over the same bytes. Build with \
            -c release for meaningful numbers.

            Example:
              .build/release/assay-bench canonical --records 1000000
            """)

    @Option(help: "Number of synthetic records.")
    var records: Int = 200_000

    @Option(help: "Directory for the temporary input file.")
    var directory: String = NSTemporaryDirectory()

    @Option(help: "Measure this records file instead of synthetic records (it is not deleted).")
    var input: String?

    @OptionGroup var growth: GrowthOption

    func validate() throws {
        guard records > 0 else { throw ValidationError("--records must be at least 1") }
        guard input == nil || !growth.growth else { throw ValidationError("--growth measures synthetic records: leave out --input") }
    }

    func run() throws {
        let showProgress = Diagnostics.isTerminal
        let result = try CanonicalBenchmark(records: records, directory: directory, input: input).run { message in
            if showProgress { Diagnostics.print("… \(message)") }
        }
        print("records            \(result.input.records)")
        for (name, pass) in [("as generated", result.input), ("canonical", result.canonical)] {
            print("\(name):")
            print("  bytes              \(pass.bytes)")
            print("  pipeline seconds   \(fixed(pass.seconds, 3))")
            print("  records/s          \(fixed(pass.recordsPerSecond, 0))")
            print("  MB/s               \(fixed(pass.megabytesPerSecond, 1))")
            printReference("sha256sum", seconds: pass.sha256sumSeconds, ratio: pass.ratio, indent: "  ")
            print("  merkle root        \(pass.root)")
        }
        print("peak RSS MiB       \(fixed(Double(result.peakResidentBytes) / 1_048_576, 1))")
        // Measured in this process, whose peak memory only grows: the smaller sizes are measured in children.
        try growth.report("canonical pass:", unit: "records", size: records,
                          full: GrowthRow(size: records, seconds: result.canonical.seconds, peakResidentBytes: result.peakResidentBytes)) { size in
            if showProgress { Diagnostics.print("… \(size) records") }
            let output = "\(directory)/assay-bench-canonical-growth-\(getpid()).txt"
            defer { try? FileManager.default.removeItem(atPath: output) }
            let run = try ProcessTimer.run(CommandLine.arguments[0], ["canonical", "--records", "\(size)", "--directory", directory],
                                           standardOutput: output)
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            guard run.status == 0, let seconds = Self.canonicalSeconds(text) else {
                throw ValidationError("the run at \(size) records failed: \(run.standardError)")
            }
            return GrowthRow(size: size, seconds: seconds, peakResidentBytes: run.peakResidentBytes)
        }
    }

    /// The canonical pass's pipeline seconds in a run's output.
    static func canonicalSeconds(_ output: String) -> Double? {
        let lines = output.split(separator: "\n")
        guard let start = lines.firstIndex(of: "canonical:") else { return nil }
        return lines[start...].first { $0.contains("pipeline seconds") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }
}

/// `TOOL seconds` and `ratio to TOOL` in the benchmarks' 19-column layout, or that the tool was not available.
func printReference(_ tool: String, seconds: Double?, ratio: Double?, indent: String = "") {
    if let seconds, let ratio {
        print(indent + padded("\(tool) seconds", 19) + fixed(seconds, 3))
        print(indent + padded("ratio to \(tool)", 19) + "\(fixed(ratio, 2))x")
    } else {
        print(indent + padded(tool, 19) + "not available")
    }
}

/// `text` and spaces to `width` columns, or `text` and one space when it is as wide or wider.
func padded(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

/// `--growth`: the measurement again at a quarter and at half of the size.
struct GrowthOption: ParsableArguments {
    @Flag(help: "Also measure at a quarter and at half of the size, and print how time and peak memory grow with it.")
    var growth = false

    /// With --growth, measures again at a quarter and at half of `size` (`measure` runs the benchmark at a
    /// smaller size, at least `minimum`) and prints the growth table of those rows and `full` (the run at `size`).
    func report(_ title: String? = nil, unit: String, size: Int, minimum: Int = 1, full: GrowthRow,
                measure: (Int) throws -> GrowthRow) rethrows {
        guard growth else { return }
        var sizes: [Int] = []
        for part in [size / 4, size / 2] where part >= minimum && part < size && !sizes.contains(part) { sizes.append(part) }
        guard !sizes.isEmpty else { return }
        let rows = try sizes.map(measure) + [full]
        if let title { print(title) }
        printGrowth(unit: unit, rows)
    }
}

/// One measurement of a growth table: a size, its time, and its peak memory when it was measured alone.
struct GrowthRow {
    let size: Int
    let seconds: Double
    let peakResidentBytes: Int?
}

/// The growth table: per size, time, time per unit and peak memory, then the ratios that say whether time is
/// linear (time per unit at the largest size over the smallest: 1.00) and memory flat (peak over peak: 1.00).
func printGrowth(unit: String, _ rows: [GrowthRow]) {
    guard rows.count > 1, let first = rows.first, let last = rows.last else { return }
    print("growth:")
    print("  " + padded(unit, 12) + padded("seconds", 10) + padded("µs each", 16) + "peak RSS MiB")
    for row in rows {
        print("  " + padded("\(row.size)", 12) + padded(fixed(row.seconds, 3), 10) + padded(fixed(row.seconds / Double(row.size) * 1_000_000, 3), 16)
              + (row.peakResidentBytes.map { fixed(Double($0) / 1_048_576, 1) } ?? "-"))
    }
    let perUnit = (last.seconds / Double(last.size)) / (first.seconds / Double(first.size))
    print("  time per unit, \(last.size) over \(first.size): \(fixed(perUnit, 2)) (1.00: linear)")
    if let small = first.peakResidentBytes, let large = last.peakResidentBytes, small > 0 {
        print("  peak RSS, \(last.size) over \(first.size): \(fixed(Double(large) / Double(small), 2)) (1.00: flat; \(fixed(Double(last.size) / Double(first.size), 1))x the size)")
    }
}

func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", locale: nil, value) }

/// Options shared by the dataset benchmarks.
struct DatasetBenchOptions: ParsableArguments {
    @Option(help: "Number of days (one bundle each).")
    var days: Int = 7

    @Option(help: "Records per day.")
    var recordsPerDay: Int = 20_000

    @Option(help: "Directory for the temporary dataset.")
    var directory: String = NSTemporaryDirectory()

    func validate() throws {
        guard days > 0, recordsPerDay > 0 else { throw ValidationError("--days and --records-per-day must be at least 1") }
    }

    var benchmark: DatasetBenchmark { DatasetBenchmark(days: days, recordsPerDay: recordsPerDay, directory: directory) }
}

struct SealBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Sealing throughput (validate, deduplicate, sort, hash, Merkle, sign, write), next to sha256sum.",
        discussion: """
            Seals D days of N synthetic records each and reports records/s, next to the time \
            sha256sum takes over the sealed files. The input records are in canonical form, as a \
            collector's staging store holds them when it seals a day ('assay-bench canonical' \
            measures canonicalizing).

            Example:
              .build/release/assay-bench seal --days 7 --records-per-day 50000
            """)

    @OptionGroup var options: DatasetBenchOptions

    @OptionGroup var growth: GrowthOption

    func run() throws {
        let showProgress = Diagnostics.isTerminal
        let (dataset, result) = try options.benchmark.build { if showProgress { Diagnostics.print("… \($0)") } }
        defer { try? FileManager.default.removeItem(atPath: dataset.root) }
        print("records            \(result.records)")
        print("output bytes       \(result.outputBytes)")
        print("seal seconds       \(fixed(result.seconds, 3))")
        print("records/s          \(fixed(result.recordsPerSecond, 0))")
        printReference("sha256sum", seconds: result.sha256sumSeconds, ratio: result.ratio)
        try growth.report(unit: "records", size: options.days, full: GrowthRow(size: result.records, seconds: result.seconds, peakResidentBytes: nil)) { days in
            let benchmark = DatasetBenchmark(days: days, recordsPerDay: options.recordsPerDay, directory: options.directory)
            let (smallDataset, small) = try benchmark.build { if showProgress { Diagnostics.print("… \(days) days: \($0)") } }
            try? FileManager.default.removeItem(atPath: smallDataset.root)
            return GrowthRow(size: small.records, seconds: small.seconds, peakResidentBytes: nil)
        }
    }
}

struct VerifyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Time 'assay verify' over a synthetic dataset, next to sha256sum over the same files.",
        discussion: """
            Builds a dataset of D days × N records (sealed and signed), then runs 'assay verify' on \
            it in a child process (so its peak memory is measured alone) and sha256sum over the same \
            files; then both again as whole processes in --runs alternating runs, median and range of \
            wall time, CPU time and peak memory.

            Example:
              .build/release/assay-bench verify --days 30 --records-per-day 20000
            """)

    @OptionGroup var options: DatasetBenchOptions

    @Option(help: "Alternating whole-process runs of assay verify and sha256sum for the comparison (0: skip it).")
    var runs: Int = 5

    @OptionGroup var growth: GrowthOption

    func validate() throws {
        guard (0...100).contains(runs) else { throw ValidationError("--runs must be 0 to 100") }
    }

    func run() throws {
        let showProgress = Diagnostics.isTerminal
        let benchmark = options.benchmark
        let (dataset, _) = try benchmark.build { if showProgress { Diagnostics.print("… \($0)") } }
        defer { try? FileManager.default.removeItem(atPath: dataset.root) }
        let assay = try siblingAssay()
        let result = try benchmark.verify(dataset, assay: assay) { if showProgress { Diagnostics.print("… \($0)") } }
        print("bundles            \(result.bundles)")
        print("records            \(result.records)")
        print("bytes              \(result.bytes)")
        print("verified           \(result.verified ? "yes" : "NO")")
        print("verify seconds     \(fixed(result.seconds, 3))")
        printReference("sha256sum", seconds: result.sha256sumSeconds, ratio: result.ratio)
        print("verify peak RSS MiB \(fixed(Double(result.peakResidentBytes) / 1_048_576, 1))")
        try growth.report(unit: "records", size: options.days,
                          full: GrowthRow(size: result.records, seconds: result.seconds, peakResidentBytes: result.peakResidentBytes)) { days in
            let small = DatasetBenchmark(days: days, recordsPerDay: options.recordsPerDay, directory: options.directory)
            let (smallDataset, _) = try small.build { if showProgress { Diagnostics.print("… \(days) days: \($0)") } }
            defer { try? FileManager.default.removeItem(atPath: smallDataset.root) }
            let verified = try small.verify(smallDataset, assay: assay) { if showProgress { Diagnostics.print("… \(days) days: \($0)") } }
            return GrowthRow(size: verified.records, seconds: verified.seconds, peakResidentBytes: verified.peakResidentBytes)
        }
        guard runs > 0 else { return }
        if showProgress { Diagnostics.print("… alternating \(runs) runs of assay verify and sha256sum") }
        for line in try benchmark.compareVerify(dataset, assay: assay, runs: runs).lines { print(line) }
    }
}

struct ExporterBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exporter",
        abstract: "Exporter ingest records/s, and scrape requests/s under wrk next to nginx.",
        discussion: """
            Measures durable ingest (batched transactions) into the store directly and over HTTP, \
            then runs wrk on loopback against /v1/records pages of 100 and 1000 records, and against \
            nginx serving the same page bytes as static files. Needs wrk, nginx and curl \
            (apt-get install wrk nginx curl).

            Example:
              .build/release/assay-bench exporter --records 100000 --seconds 10
            """)

    @Option(help: "Records to ingest.")
    var records: Int = 100_000

    @Option(help: "Seconds per wrk run.")
    var seconds: Int = 10

    @Option(help: "wrk connections.")
    var connections: Int = 32

    @Option(help: "Directory for the temporary store.")
    var directory: String = NSTemporaryDirectory()

    func run() throws {
        let showProgress = Diagnostics.isTerminal
        let assay = try siblingAssay()
        let result = try ExporterBenchmark(records: records, directory: directory, seconds: seconds, connections: connections)
            .run(assay: assay) { if showProgress { Diagnostics.print("… \($0)") } }
        print("records                      \(result.records)")
        print("store ingest records/s       \(fixed(result.storeIngestPerSecond, 0))")
        print("HTTP ingest records/s        \(fixed(result.httpIngestPerSecond, 0))")
        for (size, exporter, random, nginx) in result.scrape {
            print("page \(size) exporter req/s   \(fixed(exporter.requestsPerSecond, 0))  p99 \(fixed(exporter.p99Milliseconds, 2)) ms  (one page, repeated)")
            print("page \(size) exporter req/s   \(fixed(random.requestsPerSecond, 0))  p99 \(fixed(random.p99Milliseconds, 2)) ms  (random cursors)")
            if let nginx {
                print("page \(size) nginx req/s      \(fixed(nginx.requestsPerSecond, 0))  p99 \(fixed(nginx.p99Milliseconds, 2)) ms")
                print("page \(size) ratio to nginx   \(fixed(exporter.requestsPerSecond / max(nginx.requestsPerSecond, 1), 2))x")
            }
        }
    }
}

struct IngestEventsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest-events",
        abstract: "go-livepeer events/s through the mapping to records, next to 'jq -c .'.",
        discussion: """
            Generates six hours of synthetic gateway events (live streams with status every 10 s, \
            batch, LLM and BYOC requests), times 'assay ingest' over them in process, and 'jq -c .' \
            over the same file.

            Example:
              .build/release/assay-bench ingest-events --streams 2000
            """)

    @Option(help: "Live streams (and as many batch requests) in the synthetic input.")
    var streams: Int = 2000

    @Option(help: "Directory for the temporary input file.")
    var directory: String = NSTemporaryDirectory()

    func run() throws {
        let showProgress = Diagnostics.isTerminal
        let result = try IngestEventsBenchmark(streams: streams, directory: directory).run { if showProgress { Diagnostics.print("… \($0)") } }
        print("events             \(result.events)")
        print("bytes              \(result.bytes)")
        print("records            \(result.records)")
        print("seconds            \(fixed(result.seconds, 3))")
        print("events/s           \(fixed(result.eventsPerSecond, 0))")
        printReference("jq -c .", seconds: result.jqSeconds, ratio: result.ratio)
    }
}

struct CollectBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Collector CPU seconds per 1,000 scrapes of 100-record pages against a local exporter.",
        discussion: """
            Starts an exporter (a child process, not counted), then scrapes one 100-record page N \
            times through the collector's scraper and staging store, and reports this process's CPU \
            time: what one collector needs for 1,000 targets at a 60 s interval.

            Example:
              .build/release/assay-bench collect --scrapes 2000
            """)

    @Option(help: "Number of scrapes.")
    var scrapes: Int = 1000

    @Option(help: "Directory for the temporary stores.")
    var directory: String = NSTemporaryDirectory()

    func run() async throws {
        let showProgress = Diagnostics.isTerminal
        let assay = try siblingAssay()
        let result = try await CollectBenchmark(scrapes: scrapes, directory: directory).run(assay: assay) {
            if showProgress { Diagnostics.print("… \($0)") }
        }
        print("scrapes                      \(result.scrapes)")
        print("CPU seconds                  \(fixed(result.cpuSeconds, 3))")
        print("wall seconds                 \(fixed(result.wallSeconds, 3))")
        print("CPU seconds per 1000 scrapes \(fixed(result.cpuPerThousand, 3))")
        if let exporter = result.exporterCPUSeconds {
            print("exporter CPU s per 1000      \(fixed(exporter / Double(result.scrapes) * 1000, 3)) (serving the same scrapes, its own process)")
        } else {
            print("exporter CPU                 not measured (/proc/PID/stat cannot be read)")
        }
        print("1000 targets every 60 s      \(fixed(result.coreShare(targets: 1000, interval: 60) * 100, 2)) % of one core")
    }
}

struct ProbeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Probes per second the job tester drives through the gateway stand-in, and its CPU per 1,000 probes.",
        discussion: """
            Starts the gateway stand-in (in this process) with N orchestrators that answer at once, then runs \
            `assay probe run` (a child process, timed as a whole) through one simulated day of one text-to-image \
            scenario probed P times a day at each: N × P probes, each planned, pointed at its orchestrator through \
            the webhook, sent, its 64×64 image judged, and recorded durably. The stand-in's webhook refresh is 1 ms \
            (go-livepeer's is a minute, which limits a real gateway to one orchestrator a minute): what is measured \
            is the tester's own cost.

            Example:
              .build/release/assay-bench probe --orchestrators 50 --per-day 20 --runs 3
            """)

    @Option(help: "Orchestrators behind the stand-in.")
    var orchestrators: Int = 50

    @Option(help: "Probes of the scenario per orchestrator and day.")
    var perDay: Int = 20

    @Option(help: "Runs (each a fresh staging store).")
    var runs: Int = 3

    @Option(help: "Directory for the temporary stores.")
    var directory: String = NSTemporaryDirectory()

    func validate() throws {
        guard orchestrators >= 1, (1...1440).contains(perDay), runs >= 1 else {
            throw ValidationError("--orchestrators and --runs must be at least 1, --per-day 1 to 1440")
        }
    }

    func run() async throws {
        let showProgress = Diagnostics.isTerminal
        let reports = try await ProbeBenchmark(orchestrators: orchestrators, perDay: perDay, directory: directory)
            .run(assay: try siblingAssay(), runs: runs) { if showProgress { Diagnostics.print("… \($0)") } }
        for (index, report) in reports.enumerated() {
            print("run \(index + 1): \(report.probes) probes in \(fixed(report.run.wallSeconds, 3)) s: \(fixed(report.probesPerSecond, 1)) probes/s, "
                + "\(fixed(report.cpuPerThousand, 3)) CPU s per 1000 probes (tester), \(fixed(report.standInCPUSeconds / Double(report.probes) * 1000, 3)) "
                + "(stand-in), peak RSS \(report.run.peakResidentBytes >> 20) MiB\(report.run.peakIsExact ? "" : " (upper bound)")")
        }
        let rates = reports.map(\.probesPerSecond).sorted(), cpu = reports.map(\.cpuPerThousand).sorted()
        print("probes/s             median \(fixed(rates[rates.count / 2], 1)) (\(fixed(rates.first!, 1))–\(fixed(rates.last!, 1)))")
        print("CPU s per 1000       median \(fixed(cpu[cpu.count / 2], 3)) (\(fixed(cpu.first!, 3))–\(fixed(cpu.last!, 3)))")
    }
}

struct ScoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "The scorer over N synthetic records, next to DuckDB computing per-group aggregates.",
        discussion: """
            Seals N synthetic scoring records (40 orchestrators with distinct behaviours, gateway and \
            orchestrator reports, four job kinds, three regions) over 8 UTC days into a dataset of two \
            collectors, then times a child 'assay score' (the last day, with the 7 days before as \
            benchmark: every record is read) and, in the same run, DuckDB (python3 with the duckdb \
            package) computing count, success rate and nearest-rank p50/p90 latency per \
            (orchestrator, pipeline, model, kind) with SQL over the same records.jsonl files. Then, \
            fairly: both as whole processes (DuckDB's query in its own python3), --runs alternating \
            runs each, median and range of wall time, CPU time and peak memory, with assay score \
            --unverified and with its default verification first. Build with -c release.

            Example:
              .build/release/assay-bench score --records 1000000
            """)

    @Option(help: "Number of synthetic records.")
    var records: Int = 200_000

    @Option(help: "Directory for the temporary dataset.")
    var directory: String = NSTemporaryDirectory()

    @Flag(help: "Keep the synthetic dataset and print its path (to score it with other tools).")
    var keep = false

    @Option(help: "Alternating whole-process runs of assay score and DuckDB for the comparison (0: skip it).")
    var runs: Int = 5

    @OptionGroup var growth: GrowthOption

    func validate() throws {
        guard records >= 8 else { throw ValidationError("--records must be at least 8 (one per day)") }
        guard (0...100).contains(runs) else { throw ValidationError("--runs must be 0 to 100") }
    }

    func run() throws {
        let showProgress = Diagnostics.isTerminal
        let benchmark = ScoreBenchmark(records: records, directory: directory)
        let progress: (String) -> Void = { if showProgress { Diagnostics.print("… \($0)") } }
        let dataset = try benchmark.build(progress: progress)
        defer { if !keep { try? FileManager.default.removeItem(atPath: dataset.root) } }
        let result = try benchmark.run(dataset, assay: try siblingAssay(), progress: progress)
        print("records              \(result.records)")
        print("records.jsonl bytes  \(result.bytes)")
        print("assay score seconds  \(fixed(result.seconds, 3))")
        print("assay score rec/s    \(fixed(Double(result.records) / result.seconds, 0))")
        print("assay score RSS MiB  \(fixed(Double(result.peakResidentBytes) / 1_048_576, 1))")
        print("scores sha256        \(result.outputSHA256)")
        if keep { print("dataset              \(dataset.root) (window: --day \(benchmark.lastDay) --window 1)") }
        if let duck = result.duckDB {
            print("duckdb seconds       \(fixed(duck.seconds, 3))")
            print("duckdb RSS MiB       \(fixed(Double(duck.peakResidentBytes) / 1_048_576, 1))")
            print("duckdb groups        \(duck.groups)")
            print("ratio to duckdb      \(fixed(result.seconds / duck.seconds, 2))x")
        } else {
            print("duckdb               \(result.duckDBError ?? "not available")")
        }
        try growth.report("assay score --unverified:", unit: "records", size: records, minimum: 8,
                          full: GrowthRow(size: records, seconds: result.seconds, peakResidentBytes: result.peakResidentBytes)) { size in
            let small = ScoreBenchmark(records: size, directory: directory)
            let smallDataset = try small.build { progress("\(size) records: \($0)") }
            defer { try? FileManager.default.removeItem(atPath: smallDataset.root) }
            let scored = try small.run(smallDataset, assay: try siblingAssay()) { progress("\(size) records: \($0)") }
            return GrowthRow(size: size, seconds: scored.seconds, peakResidentBytes: scored.peakResidentBytes)
        }
        guard runs > 0 else { return }
        if let missing = ScoreBenchmark.duckDBMissing() {
            print("whole-process comparison skipped: \(missing)")
            return
        }
        for verified in [false, true] {
            progress("alternating \(runs) runs of assay score\(verified ? "" : " --unverified") and DuckDB")
            for line in try benchmark.compare(dataset, assay: try siblingAssay(), runs: runs, verified: verified).lines { print(line) }
        }
    }
}

struct SiteBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "site",
        abstract: "Build time and output size of the static site for N orchestrators over D days.",
        discussion: """
            Seals synthetic scoring records (orchestrators with distinct behaviours, two collectors) \
            for every day, then times a child 'assay site build' (verification, scoring of four \
            windows and of every day of the last year, every page and download) and measures what \
            it wrote. Build with -c release.

            Example:
              .build/release/assay-bench site --orchestrators 100 --days 365
            """)

    @OptionGroup var workload: ScoringWorkloadOptions

    @OptionGroup var growth: GrowthOption

    func run() throws {
        let showProgress = Diagnostics.isTerminal
        let (orchestrators, days, keep) = (workload.orchestrators, workload.days, workload.keep)
        let benchmark = SiteBenchmark(orchestrators: orchestrators, days: days, jobsPerOrchestratorDay: workload.jobsPerDay, directory: workload.directory)
        let progress: (String) -> Void = { if showProgress { Diagnostics.print("… \($0)") } }
        let dataset = try benchmark.build(progress: progress)
        defer { if !keep { try? FileManager.default.removeItem(atPath: dataset.root) } }
        let result = try benchmark.run(dataset, assay: try siblingAssay(), progress: progress)
        print("orchestrators        \(orchestrators)")
        print("days                 \(days)")
        print("records              \(result.records)")
        print("bundles              \(result.bundles)")
        print("build seconds        \(fixed(result.seconds, 3))")
        print("build RSS MiB        \(fixed(Double(result.peakResidentBytes) / 1_048_576, 1))")
        print("files                \(result.files)")
        print("output MB            \(fixed(Double(result.bytes) / 1_000_000, 1))")
        print("SHA256SUMS sha256    \(result.sha256sums)")
        if keep { print("dataset              \(dataset.root)") }
        try growth.report(unit: "days", size: days, full: GrowthRow(size: days, seconds: result.seconds, peakResidentBytes: result.peakResidentBytes)) { size in
            let small = SiteBenchmark(orchestrators: orchestrators, days: size, jobsPerOrchestratorDay: workload.jobsPerDay, directory: workload.directory)
            let smallDataset = try small.build { progress("\(size) days: \($0)") }
            defer { try? FileManager.default.removeItem(atPath: smallDataset.root) }
            let built = try small.run(smallDataset, assay: try siblingAssay()) { progress("\(size) days: \($0)") }
            return GrowthRow(size: size, seconds: built.seconds, peakResidentBytes: built.peakResidentBytes)
        }
    }
}

struct PublishedScoresBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "published-scores",
        abstract: "What recomputing published scores adds to 'assay verify' (a year of daily scores by default).",
        discussion: """
            Seals synthetic scoring records (N orchestrators over D days, two collectors) twice: once \
            with each collector publishing its 1-day scores after sealing each day, as the collector \
            daemon does, and once without. Then 'assay verify' of both, as whole processes in --runs \
            alternating runs: median and range of wall time, CPU time and peak memory, and the ratio. \
            Build with -c release.

            Example:
              .build/release/assay-bench published-scores --orchestrators 100 --days 365
            """)

    @OptionGroup var workload: ScoringWorkloadOptions

    @Option(help: "Alternating whole-process runs of each 'assay verify'.")
    var runs: Int = 5

    func validate() throws {
        guard (1...100).contains(runs) else { throw ValidationError("--runs must be 1 to 100") }
    }

    func run() throws {
        let showProgress = Diagnostics.isTerminal
        let progress: (String) -> Void = { if showProgress { Diagnostics.print("… \($0)") } }
        let benchmark = PublishedScoresBenchmark(workload: ScoringWorkload(orchestrators: workload.orchestrators, days: workload.days,
                                                                          jobsPerOrchestratorDay: workload.jobsPerDay, directory: workload.directory))
        let withScores = try benchmark.build(publish: true, progress: progress)
        defer { if !workload.keep { try? FileManager.default.removeItem(atPath: withScores.root) } }
        let without = try benchmark.build(publish: false, progress: progress)
        defer { if !workload.keep { try? FileManager.default.removeItem(atPath: without.root) } }
        progress("alternating \(runs) runs of assay verify with and without scores")
        let comparison = try benchmark.compare(withScores: withScores, without: without, assay: try siblingAssay(), runs: runs)
        print("orchestrators      \(workload.orchestrators)")
        print("days               \(workload.days)")
        print("records            \(benchmark.workload.records)")
        print("published scores   \(benchmark.publishedScores)")
        for line in comparison.lines { print(line) }
        if workload.keep { print("datasets           \(withScores.root) \(without.root)") }
    }
}

/// The synthetic scoring workload of `site` and `published-scores`: N orchestrators over D days, two collectors.
struct ScoringWorkloadOptions: ParsableArguments {
    @Option(help: "Number of orchestrators.")
    var orchestrators: Int = 100

    @Option(help: "Number of UTC days.")
    var days: Int = 365

    @Option(help: "Jobs per orchestrator per day.")
    var jobsPerDay: Int = 10

    @Option(help: "Directory for the temporary datasets (and site).")
    var directory: String = NSTemporaryDirectory()

    @Flag(help: "Keep the synthetic datasets and print their paths.")
    var keep = false

    func validate() throws {
        guard orchestrators >= 1, days >= 1, jobsPerDay >= 1 else { throw ValidationError("--orchestrators, --days and --jobs-per-day must be at least 1") }
    }
}

struct NetworkBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Run the network preset of spec/scale.md through seal, publish (git + LFS), verify, score and site, day after day.",
        discussion: """
            Simulates --days days of the preset (assay simulate --preset) at --scale, and for each \
            day seals and publishes every collector's bundle with the 'assay' built next to this \
            program (an SSH-signed commit per collector, compressed files in Git LFS, pushed to a \
            bare repository under --work), verifies the day's bundles with 'assay-verify --only', \
            and scores the day; the first --score-publishers collectors each publish the day's \
            scores right after their bundle (assay publish --scores), as collectors do. Then verifies the whole dataset, builds the site (--site), and \
            clones the metadata without the LFS objects. Prints one row per day: records, bytes \
            raw, stored, in git and in LFS, the largest file, and the time and peak memory of each \
            step (spec/scale.md §5 holds the measured tables). Needs git and git-lfs.

            Examples:
              .build/release/assay-bench network --scale 0.01 --days 2 --work /tmp/network
              .build/release/assay-bench network --days 3 --work /srv/network       # full size: 1,000,000 jobs a day
              .build/release/assay-bench network --scale 0.1 --days 30 --work /srv/network-tenth
            """)

    @Option(help: "The preset: network-1000x.")
    var preset = "network-1000x"

    @Option(help: "The fraction of the preset's jobs and orchestrators, in (0, 1].")
    var scale: Double = 1

    @Option(help: "Days to run.")
    var days: Int = 3

    @Option(help: "The first day, YYYY-MM-DD.")
    var firstDay = "2026-01-01"

    @Option(help: "The work directory (replaced): the dataset, its remote, the clone, the site.")
    var work: String

    @Flag(help: "Also build the site at the end.")
    var site = false

    @Option(help: "How many collectors publish each day's scores (assay publish --scores) after their bundle.")
    var scorePublishers = 0

    func validate() throws {
        do { _ = try NetworkBenchmark.make(preset: preset, scale: scale, days: days, firstDay: firstDay, directory: work, site: site,
                                          scorePublishers: scorePublishers) } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() throws {
        let assay = try siblingAssay()
        let assayVerify = URL(fileURLWithPath: assay).deletingLastPathComponent().appendingPathComponent("assay-verify").path
        guard FileManager.default.isExecutableFile(atPath: assayVerify) else {
            throw ValidationError("\(assayVerify) is not built: swift build -c release --product assay-verify")
        }
        let benchmark = try NetworkBenchmark.make(preset: preset, scale: scale, days: days, firstDay: firstDay, directory: work, site: site,
                                                  scorePublishers: scorePublishers)
        let started = Date()
        let report = try benchmark.run(assay: assay, assayVerify: assayVerify) { message in
            Diagnostics.print("… [\(Int(Date().timeIntervalSince(started)))s] \(message)")
        }
        for line in report.lines(workload: benchmark.workload) { print(line) }
    }
}
