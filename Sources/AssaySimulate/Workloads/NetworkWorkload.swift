#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AssayCore
import AssayCrypto
import AssayLedger

/// The network at scale (spec/scale.md): N collecting gateways, M orchestrators each running an exporter,
/// J jobs a day spread over the day. Each job is recorded by the gateway that ran it, into its own
/// collector's bundle, and by the orchestrator's exporter, whose records the `copies` collectors assigned
/// to it scrape (rendezvous hashing of its address, `ScrapeAssignment`, spec/scale.md §3). The same preset, scale and seed give the same bytes.
public struct NetworkWorkload: Sendable {
    public struct Preset: Sendable, Equatable {
        public let name: String
        public let jobsPerDay: Int
        public let orchestrators: Int
        public let collectors: Int
        /// How many collectors scrape each orchestrator.
        public let copies: Int

        public init(name: String, jobsPerDay: Int, orchestrators: Int, collectors: Int, copies: Int) {
            self.name = name
            self.jobsPerDay = jobsPerDay
            self.orchestrators = orchestrators
            self.collectors = collectors
            self.copies = copies
        }
    }

    /// 1,000 × today's traffic: 1,000,000 jobs a day, 5,000 orchestrators, 30 collecting gateways, each
    /// orchestrator scraped by two of them (spec/scale.md).
    public static let network1000x = Preset(name: "network-1000x", jobsPerDay: 1_000_000, orchestrators: 5_000, collectors: 30, copies: 2)
    public static let presets = [network1000x]

    public let preset: Preset
    /// A fraction of the preset's jobs (and orchestrators): 1 is full size, 0.1 a tenth.
    public let scale: Double
    public let seed: UInt64

    public init(preset: Preset, scale: Double = 1, seed: UInt64 = 1) {
        precondition(scale > 0 && scale <= 1, "the scale is a fraction of the preset, in (0, 1]")
        self.preset = preset
        self.scale = scale
        self.seed = seed
    }

    public var jobsPerDay: Int { max(1, Int((Double(preset.jobsPerDay) * scale).rounded())) }
    public var orchestrators: Int { max(preset.copies, Int((Double(preset.orchestrators) * scale).rounded())) }
    public var collectors: [String] { (1...preset.collectors).map { $0 < 10 ? "gw-0\($0)" : "gw-\($0)" } }

    /// What one day gave.
    public struct DayCounts: Sendable, Equatable {
        public var jobs = 0
        /// Lines written per collector (gateway records and the orchestrator records it scraped).
        public var linesByCollector: [String: Int] = [:]
        public var gatewayRecords = 0
        /// Distinct orchestrator records (each written to `copies` collectors).
        public var orchestratorRecords = 0
        public var bytes: Int64 = 0

        public init() {}
    }

    /// Writes the day's staged input of each collector as `directory/<collector>.jsonl`: the gateway records of the
    /// jobs its gateway ran, and the records of the orchestrators assigned to it.
    public func writeDay(_ day: UTCDay, to directory: String) throws(FileError) -> DayCounts {
        let collectors = self.collectors
        // Jobs numbered from day × 10^7 (a day has at most 10^6): ids and job keys are unique across days.
        var generator = SyntheticScoringRecords(orchestrators: orchestrators, seed: seed &+ UInt64(day.number), gateways: collectors,
                                                reportingPercent: 100, firstJob: day.number * 10_000_000)
        var assignment: [String: [Int]] = [:]
        let index = Dictionary(uniqueKeysWithValues: collectors.enumerated().map { ($1, $0) })
        var files: [UnsafeMutablePointer<FILE>] = []
        defer { for file in files { fclose(file) } }
        for collector in collectors {
            let path = "\(directory)/\(collector).jsonl"
            guard let file = fopen(path, "w") else { throw FileError(path: path, operation: "create", errno: errno) }
            files.append(file)
        }
        var counts = DayCounts()
        let jobs = jobsPerDay
        for job in 0..<jobs {
            let start = day.startMs + Int64(job) * (UTCDay.milliseconds - 1_000_000) / Int64(jobs)
            let lines = generator.jobLines(startMs: start)
            counts.jobs += 1
            write(lines.gatewayLine, to: files[index[lines.gateway]!], collector: lines.gateway, counts: &counts)
            counts.gatewayRecords += 1
            guard let orchestratorLine = lines.orchestratorLine else { continue }
            counts.orchestratorRecords += 1
            let targets = assignment[lines.orchestrator] ?? {
                let chosen = ScrapeAssignment.scrapers(of: lines.address, collectors: collectors, copies: preset.copies).map { index[$0]! }
                assignment[lines.orchestrator] = chosen
                return chosen
            }()
            for target in targets { write(orchestratorLine, to: files[target], collector: collectors[target], counts: &counts) }
        }
        for (position, file) in files.enumerated() where fflush(file) != 0 || ferror(file) != 0 {
            throw FileError(path: "\(directory)/\(collectors[position]).jsonl", operation: "write", errno: errno)
        }
        return counts
    }

    private func write(_ line: String, to file: UnsafeMutablePointer<FILE>, collector: String, counts: inout DayCounts) {
        fputs(line, file)
        fputc(0x0A, file)
        counts.linesByCollector[collector, default: 0] += 1
        counts.bytes += Int64(line.utf8.count + 1)
    }
}
