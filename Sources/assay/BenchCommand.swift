import ArgumentParser
import AssayCommandLine
import AssayBench
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Assay's hot paths on this machine.",
        subcommands: [CanonicalBench.self])
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
              swift run -c release assay bench canonical --records 1000000
            """)

    @Option(help: "Number of synthetic records.")
    var records: Int = 200_000

    @Option(help: "Directory for the temporary input file.")
    var directory: String = NSTemporaryDirectory()

    @Option(help: "Measure this records file instead of synthetic records (it is not deleted).")
    var input: String?

    func validate() throws {
        guard records > 0 else { throw ValidationError("--records must be at least 1") }
    }

    func run() throws {
        let showProgress = Diagnostics.isTerminal
        let result = try CanonicalBenchmark(records: records, directory: directory, input: input).run { message in
            if showProgress { Diagnostics.print("… \(message)") }
        }
        func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", locale: nil, value) }
        print("records            \(result.records)")
        print("bytes              \(result.bytes)")
        print("pipeline seconds   \(fixed(result.seconds, 3))")
        print("records/s          \(fixed(result.recordsPerSecond, 0))")
        print("MB/s               \(fixed(result.megabytesPerSecond, 1))")
        if let sha = result.sha256sumSeconds, let ratio = result.ratio {
            print("sha256sum seconds  \(fixed(sha, 3))")
            print("ratio to sha256sum \(fixed(ratio, 2))x")
        } else {
            print("sha256sum          not available")
        }
        print("peak RSS MiB       \(fixed(Double(result.peakResidentBytes) / 1_048_576, 1))")
        print("merkle root        \(result.root)")
    }
}
