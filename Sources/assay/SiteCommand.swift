import ArgumentParser
import AssayCommandLine
import AssayConfiguration
import AssayCore
import AssayLedger
import AssayScore
import AssaySite
import Foundation

struct SiteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "site",
        abstract: "Build the static site of a dataset, or preview it.",
        discussion: """
            'build' (the default) verifies the dataset, scores it (spec/scoring.md) for the newest day \
            over 1, 7, 30 and 90 days and for every day of the last year, and writes a static site: \
            the network overview and leaderboards, a page per orchestrator, the provenance of every \
            number, in-browser signature checks, a JSON read API, CSV and SQLite downloads, a \
            Frictionless datapackage.json and SHA256SUMS. The same dataset always gives the same \
            bytes. 'serve' previews a built site on loopback.

            Example:
              assay site --dataset ./dataset --out ./site && assay site serve --dir ./site
            """,
        subcommands: [SiteBuild.self, SiteServe.self],
        defaultSubcommand: SiteBuild.self)
}

struct SiteBuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build the static site of a verified dataset.",
        discussion: """
            Refuses a dataset that does not verify unless --unverified, which puts a warning on \
            every page. Record files are copied into the site (for download and in-browser \
            hashing) while they total at most --copy-records-limit MiB.

            Example:
              assay site build --dataset ./dataset --out ./site
            """)

    @Option(help: "The dataset directory.")
    var dataset: String

    @Option(help: "Where to write the site (replaced).")
    var out: String

    @Flag(help: "Build even if the dataset does not verify; every page says so.")
    var unverified = false

    @Option(help: "Copy record files into the site up to this many MiB in all.")
    var copyRecordsLimit: Int = 16

    @Flag(help: "Print when each stage starts (milliseconds since the start) and the memory in use then, for profiling.")
    var timings = false

    /// `N ms: stage (RSS M MiB)` on standard error.
    func printTiming(_ stage: String, since started: Int64) {
        let resident = Self.residentMiB().map { " (RSS \($0) MiB)" } ?? ""
        Diagnostics.print("\(WallClock.nowMilliseconds - started) ms: \(stage)\(resident)")
    }

    /// This process's resident memory now (Linux /proc/self/statm: pages), nil where it cannot be read.
    static func residentMiB() -> Int? {
        guard let text = try? Files.read("/proc/self/statm", limit: 4096) else { return nil }  // not Linux: the figure is left out
        let fields = String(decoding: text, as: UTF8.self).split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return (pages * Int(sysconf(Int32(_SC_PAGESIZE)))) >> 20
    }

    func run() async throws {
        let progress = ProgressLine(enabled: Diagnostics.isTerminal)
        let started = WallClock.nowMilliseconds
        let directory = DatasetDirectory(dataset)
        let model: SiteModel
        do {
            model = try await SiteModel(directory: directory, unverified: unverified, keepLinesUpTo: Int64(copyRecordsLimit) << 20) { stage in
                progress.update(stage)
                if timings { printTiming(stage, since: started) }
            }
        } catch let error as SiteModel.LoadError {
            progress.finish()
            throw Failure(message: "\(dataset): \(error.description)")
        }
        let builder = SiteBuilder(model: model, directory: directory)
        let summary = try builder.build(into: out) { stage in
            progress.update(stage)
            if timings { printTiming(stage, since: started) }
        }
        progress.finish()
        print("Built \(out): \(summary.files) files, \(summary.bytes) bytes, \(summary.orchestrators) orchestrators, newest day \(model.lastDay)\(model.verified ? "" : " (UNVERIFIED)") in \(WallClock.nowMilliseconds - started) ms")
    }
}

struct SiteServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a built site on loopback for a preview.",
        discussion: """
            Example:
              assay site serve --dir ./site --listen 127.0.0.1:8080
            """)

    @Option(help: "The built site.")
    var dir: String

    @Option(help: "HOST:PORT to listen on (port 0: any free port).")
    var listen: String = "127.0.0.1:8080"

    func run() async throws {
        guard let (host, port) = ConfigurationValues.hostPort(listen) else { throw ValidationError("--listen must be HOST:PORT") }
        guard Files.exists("\(dir)/index.html") else { throw Failure(message: "\(dir) has no index.html; build the site first") }
        try await SiteServer.run(folder: dir, host: host, port: port) { address in
            Diagnostics.printToStandardOutput("site listening on http://\(address)")
        }
    }
}
