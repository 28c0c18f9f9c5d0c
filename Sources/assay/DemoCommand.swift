import ArgumentParser
import AssayCommandLine
import AssayCore
import AssayDemo
import AssayLedger
import AssaySite
import Foundation
import Logging

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole system on loopback: exporters, collectors, signing, co-signing, git, verification, the site.",
        discussion: """
            Starts one real exporter per simulated orchestrator (SQLite store, scrape listener on \
            127.0.0.1:PORT-BASE+i, ingest API), a bare git repository as the public remote, and one \
            collector per gateway operator, each with its own key and its own clone of the dataset. \
            Then it steps simulated time an hour at a time: records of finished jobs are POSTed to \
            the exporters, each gateway's go-livepeer events are appended to its event file, every \
            collector scrapes every exporter and reads its events; each UTC day is sealed at 03:00 \
            the next day, signed, committed with an SSH-signed commit and pushed, and co-signed by \
            the other operators after they cross-check it against their own bundle. The \
            offline-hours orchestrator's exporter really goes down from 10:00 to 16:00 on odd days. \
            Finally a fresh clone is verified (bundles, signatures, chains, commit signatures, \
            published scores), scored over the last 7 days, and built into the site.

            The workload (assay simulate): reliable, slow-start, flaky, zero-fps, offline-hours \
            and over-reporter orchestrators; live video-to-video, batch, LLM and BYOC jobs; diurnal \
            load. The signing keys are derived from --seed and INSECURE; the dataset says it is \
            simulated. The same options give the same dataset, byte for byte (datasets/sample is \
            this command's output with the defaults). Ctrl-C stops between two simulated hours.

            Workspace, under --out:
              public.git/                 the public remote (bare)
              clone/                      the fresh clone that was verified
              site/                       the site ('assay site serve --dir OUT/site')
              scores-7d.json              the 7-day scores of the last day
              operators/<id>/             key, collector.yaml, staging.sqlite, gateway-events.jsonl, dataset/
              orchestrators/<id>/         exporter.yaml, exporter.sqlite
              demo.json                   the options and every orchestrator's designed behaviour

            Example:
              assay demo --out ./assay-demo
              assay site serve --dir ./assay-demo/site
            """)

    @Option(help: "The workspace directory (must not exist, or be empty).")
    var out: String = "assay-demo"

    @Option(help: "The simulation's seed; also derives the operators' (insecure) keys.")
    var seed: UInt64 = 1

    @Option(help: "Simulated days (the 7-day scores compare with the benchmark of the days before their window, so 8 days give the first one).")
    var days: Int = 8

    @Option(help: "The first simulated UTC day, YYYY-MM-DD.")
    var firstDay: String = "2026-01-01"

    @Option(help: "Simulated orchestrators (the seven behaviours repeat).")
    var orchestrators: Int = 7

    @Option(help: "Gateway operators, comma-separated: each runs a collector and co-signs.")
    var operators: String = "gw-a,gw-b,gw-c"

    @Option(help: "Signatures a bundle needs.")
    var threshold: Int = 2

    @Option(help: "Jobs per gateway in the busiest hour.")
    var peakJobsPerHour: Int = 5

    @Option(help: "The first exporter's scrape port on 127.0.0.1; the others follow. The URLs are in the records, so the ports are fixed; the default lies below Linux's ephemeral range (32768–60999), where outgoing connections could take them.")
    var portBase: Int = 29100

    func validate() throws {
        guard UTCDay(firstDay) != nil else { throw ValidationError("--first-day must be YYYY-MM-DD") }
        guard (1...366).contains(days) else { throw ValidationError("--days must be 1 to 366") }
        guard (1...200).contains(orchestrators) else { throw ValidationError("--orchestrators must be 1 to 200") }
        guard (1...1000).contains(peakJobsPerHour) else { throw ValidationError("--peak-jobs-per-hour must be 1 to 1000") }
        let names = operators.split(separator: ",").map(String.init)
        guard !names.isEmpty, Set(names).count == names.count else { throw ValidationError("--operators must name distinct operators") }
        for name in names where !Slug.isValid(name) { throw ValidationError("--operators: '\(name)' must be \(Slug.rule)") }
        guard (1...names.count).contains(threshold) else { throw ValidationError("--threshold must be 1 to the number of operators (\(names.count))") }
        guard (1024...(65535 - orchestrators)).contains(portBase) else { throw ValidationError("--port-base must leave room for \(orchestrators) ports in 1024…65535") }
    }

    func run() async throws {
        var options = Demo.Options(out: out)
        options.seed = seed
        options.days = days
        options.firstDay = UTCDay(firstDay)!
        options.orchestrators = orchestrators
        options.operators = operators.split(separator: ",").map(String.init)
        options.threshold = threshold
        options.peakJobsPerHour = peakJobsPerHour
        options.portBase = portBase
        let started = ContinuousClock.now
        let progress = ProgressLine(enabled: Diagnostics.isTerminal)
        print("Assay demo: \(days) simulated day\(days == 1 ? "" : "s") from \(firstDay), seed \(seed), \(orchestrators) orchestrators, "
              + "operators \(options.operators.joined(separator: ", ")) (threshold \(threshold)); workspace \(out)")
        fflush(nil)
        var logger = Logger(label: "assay-demo")
        logger.logLevel = .error
        let report: @Sendable (Demo.Event) -> Void = { event in
            switch event {
            case .progress(let text): progress.update(text)
            case .note(let text):
                progress.finish()
                print("  \(text)")
                fflush(nil)  // each line as it happens, also into a pipe or a log
            }
        }
        // Ctrl-C (or SIGTERM) shuts the demo down gracefully: it stops between two simulated hours and shuts everything down.
        let summary: Demo.Summary
        do {
            summary = try await Demo.runUntilSignalled(options: options, logger: logger, report: report)
            progress.finish()
        } catch is CancellationError {
            progress.finish()
            // Interrupted: whatever was in flight (a scrape, a push) ended with the cancellation.
            print("Stopped. Everything done so far is in \(out) (the exporters' stores, the collectors' staging, the repository).")
            throw ExitCode(130)
        } catch {
            progress.finish()
            throw Failure(message: "the demo stopped: \(error)")
        }
        let seconds = (started.duration(to: .now).components.seconds)
        print(render(summary, seconds: seconds))
        if summary.verification?.holds != true { throw ExitCode(1) }
    }

    func render(_ summary: Demo.Summary, seconds: Int64) -> String {
        let collectors = operators.split(separator: ",").count
        var lines = ["", "Done in \(seconds) s."]
        lines.append("  Bundles     \(summary.bundles) (\(collectors) collectors × \(days) days), \(summary.records) records; "
                     + "\(summary.bundlesHolding) of \(summary.bundles) reach the threshold, \(summary.signatures) signatures")
        lines.append("  Repository  \(summary.remote): \(summary.commits) SSH-signed commits; fresh clone in \(summary.clone)")
        if let genesis = summary.genesis {
            lines.append("  Genesis     \(genesis) (auditors pin it: assay verify DATASET --trust HASH)")
        }
        if let verification = summary.verification {
            lines.append("  Verified    " + (verification.holds ? "yes" : "NO") + ": \(verification.errors) errors, \(verification.warnings) warnings "
                         + "(genesis, hashes, Merkle roots, manifest and commit signatures, additive history, chains, published scores)")
            for finding in verification.findings.prefix(10) { lines.append("              \(finding)") }
        }
        if !summary.ranking.isEmpty {
            lines.append("  Scores      7 days to the last day, profile naap-sla-v1: lowest (pipeline, model) score, session-hours (\(summary.scores)):")
            for (place, row) in summary.ranking.enumerated() {
                let score = Format.score(row.score.map { $0 * 100 })
                let padded = String(repeating: " ", count: max(0, 14 - row.behaviour.count))
                lines.append("              \(place + 1). \(row.observerID)  \(row.behaviour)\(padded) SLA \(score)  \(row.jobs) session-hours"
                             + (row.overReports > 0 ? ", \(row.overReports) claims the gateways contradict" : ""))
            }
        }
        lines.append("  Site        \(summary.site) (\(summary.siteFiles) files): assay site serve --dir \(summary.site)  then open http://127.0.0.1:8080")
        return lines.joined(separator: "\n")
    }
}
