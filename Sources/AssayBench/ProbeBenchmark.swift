import AssayCore
import AssayGatewayStandIn
import AssayHTTP
import AssayStore
import Foundation

/// `assay-bench probe`: how many probes a second the tester (`assay probe run`, a child process timed as a whole)
/// drives through the gateway stand-in on loopback, and its CPU per 1,000 probes. The stand-in's webhook refresh is
/// 1 ms instead of go-livepeer's minute, and its orchestrators answer at once, so what is measured is the tester's
/// own cost: planning, the webhook, the request, judging the image, the durable mark and the record.
public struct ProbeBenchmark {
    public struct Report: Sendable {
        public let probes: Int
        public let run: ProcessRun
        /// The stand-in's CPU seconds (this process) over the same probes.
        public let standInCPUSeconds: Double
        public var probesPerSecond: Double { Double(probes) / run.wallSeconds }
        public var cpuPerThousand: Double { run.cpuSeconds / Double(probes) * 1000 }
    }

    public let orchestrators: Int
    public let perDay: Int
    public let directory: String

    public init(orchestrators: Int, perDay: Int, directory: String) {
        self.orchestrators = orchestrators
        self.perDay = perDay
        self.directory = directory
    }

    public func run(assay: String, runs: Int, progress: (String) -> Void) async throws -> [Report] {
        let root = "\(directory)/assay-bench-probe-\(getpid())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let webhookPort = try LoopbackPort.free()
        let standIn = GatewayStandIn(
            orchestrators: (0..<orchestrators).map { index in
                GatewayStandIn.Orchestrator(address: "0x" + String(format: "%040x", index + 1), uri: "https://orch-\(index + 1).bench:8935",
                                            models: [(pipeline: "text-to-image", model: "bench-model")], latencyMs: 0)
            },
            webhook: "http://127.0.0.1:\(webhookPort)/orchestrators", refresh: .milliseconds(1))
        let (gateway, server) = await standIn.start()
        defer { server.cancel() }
        try Files.writeAtomically("\(root)/scenarios.yaml", contents: Array("""
            scenarios:
              - id: bench
                pipeline: text-to-image
                model_id: bench-model
                request: {json: {model_id: bench-model, prompt: a bear, width: 64, height: 64}}
                checks: {status: 200, content_type: application/json, images: {count: 1, width: 64, height: 64}}
                timeout_ms: 10000
                schedule: {per_day: \(perDay)}
            version: 1

            """.utf8))
        var reports: [Report] = []
        for index in 0..<runs {
            let staging = "\(root)/staging-\(index).sqlite"
            try Files.writeAtomically("\(root)/probe.yaml", contents: Array("""
                tester:
                  id: bench-tester
                scenarios: scenarios.yaml
                staging: \(staging)
                gateway:
                  api: \(gateway)
                  cli: \(gateway)
                  rtmp: rtmp://127.0.0.1:1935
                  webhook_listen: 127.0.0.1:\(webhookPort)
                  webhook_refresh: 1ms

                """.utf8))
            progress("run \(index + 1)/\(runs): \(orchestrators * perDay) probes")
            let cpuBefore = CollectBenchmark.cpuSeconds()
            // A whole day at once: the clock runs 10⁸ times faster (a day in under a millisecond), so every probe is due as soon
            // as the tester starts, and a second of sending is 3 simulated years: its records stay within the years a record
            // holds (at 10⁹, a run over 2.3 s stamped probes after 2100, which a record cannot hold).
            let arguments = ["probe", "run", "--config", "\(root)/probe.yaml", "--clock-start", "2026-12-01T00:00:00Z", "--speed", "100000000", "--days", "1"]
            let run = try await Task.detached { try ProcessTimer.run(assay, arguments) }.value
            let standInCPU = CollectBenchmark.cpuSeconds() - cpuBefore
            guard run.status == 0 else { throw BenchError(message: "assay probe run failed (\(run.status)): \(run.standardError)") }
            let store = try StagingStore(path: staging)
            var passed = 0
            try store.forEachRecord(day: UTCDay("2026-12-01")!) { bytes in
                if String(decoding: bytes, as: UTF8.self).contains(#""outcome":"passed""#) { passed += 1 }
            }
            guard passed == orchestrators * perDay else {
                throw BenchError(message: "the tester recorded \(passed) passed probes of \(orchestrators * perDay): the benchmark measured something else")
            }
            reports.append(Report(probes: passed, run: run, standInCPUSeconds: standInCPU))
        }
        return reports
    }
}
