import AssayCollect
import AssayCore
import AssayGit
import AssayWorkflows
import AssayLedger
import AssayScore
import AssaySite
import Foundation

extension Demo {
    static let hourMs: Int64 = 3_600_000

    /// Steps simulated time an hour at a time, from the first day's midnight to 03:00 after the
    /// last day (when the last day is sealed): each hour the records of jobs that ended reach their
    /// exporters, the gateways' events reach their files, every collector scrapes every exporter and
    /// reads its events; at 03:00 each collector seals the day before (after the 2-hour grace),
    /// commits and pushes, and then each operator co-signs the others' bundles.
    func simulate() async throws {
        let first = options.firstDay
        var pendingRecords = [[(time: Int64, line: String)]](repeating: [], count: exporters.count)
        var pendingEvents: [String: [(time: Int64, line: String)]] = [:]
        let steps = options.days * 24 + 3
        for step in 0..<steps {
            try Task.checkCancellation()
            let hourStart = first.startMs + Int64(step) * Self.hourMs, hourEnd = hourStart + Self.hourMs
            let dayIndex = step / 24
            if step % 24 == 0 && dayIndex < options.days {
                let simulated = simulation.day(UTCDay(number: first.number + dayIndex))
                for (index, orchestrator) in simulation.orchestrators.enumerated() {
                    pendingRecords[index] += simulated.records[orchestrator.observerID] ?? []
                }
                for (gateway, lines) in simulated.events { pendingEvents[gateway, default: []] += lines }
            }
            report(.progress("\(UTCTime.seconds(hourStart / 1000).prefix(16).replacingOccurrences(of: "T", with: " ")) UTC  "
                             + "day \(min(dayIndex + 1, options.days))/\(options.days)"))
            for (index, orchestrator) in simulation.orchestrators.enumerated() {
                let exporter = exporters[index]
                let down = simulation.isOffline(orchestrator, at: hourStart)
                if down && exporter.isRunning {
                    await exporter.stop()
                    report(.note("\(orchestrator.observerID) (\(orchestrator.behaviour.rawValue)) goes offline at \(UTCTime.seconds(hourStart / 1000))"))
                } else if !down && !exporter.isRunning {
                    try await exporter.start()
                }
                // An orchestrator's records reach its exporter when their job ends (held while it is down).
                guard exporter.isRunning else { continue }
                let due = Self.take(&pendingRecords[index], before: hourEnd)
                if !due.isEmpty { try await Self.withClient { client in try await exporter.ingest(due.map(\.line), client: client) } }
            }
            for operatorState in operators {
                let due = Self.take(&pendingEvents[operatorState.name, default: []], before: hourEnd)
                if !due.isEmpty { operatorState.events.write(Data(due.map { $0.line + "\n" }.joined().utf8)) }
            }
            try await tester?.step(hourStart: hourStart, nowMs: hourEnd)
            for operatorState in operators {
                _ = try await Self.withClient { client in
                    try await CollectRound(configuration: operatorState.configuration, staging: operatorState.staging, client: client,
                                           latencyClock: .stepped).run(nowMs: hourEnd)
                }
                await operatorState.collector.intake.advance(nowMs: hourEnd)
            }
            if step >= 24 && step % 24 == 2 { try await sealAndCosign(nowMs: hourEnd) }
        }
    }

    /// Removes and returns the items before `time`, in (time, line) order.
    static func take(_ items: inout [(time: Int64, line: String)], before time: Int64) -> [(time: Int64, line: String)] {
        let due = items.filter { $0.time < time }
        guard !due.isEmpty else { return [] }
        items.removeAll { $0.time < time }
        return due.sorted { $0.time != $1.time ? $0.time < $1.time : $0.line < $1.line }
    }

    /// Every collector seals what is due, in a fixed order (each day's published scores name the
    /// bundles present at that moment, so the order is part of the result); then every operator co-signs.
    func sealAndCosign(nowMs: Int64) async throws {
        witness?.clock.store(nowMs / 1000, ordering: .relaxed)
        var sealed: [String] = []
        var day: UTCDay?
        for operatorState in operators {
            report(.progress("\(operatorState.name) seals, signs and pushes"))
            let result = await operatorState.collector.sealer.sealAndPublish(nowMs: nowMs)
            if let error = result.pushError { throw DemoError("\(operatorState.name) could not publish: \(error)") }
            guard let last = result.sealed.last else { throw DemoError("\(operatorState.name) sealed nothing at \(UTCTime.seconds(nowMs / 1000))") }
            day = last
            let manifest = try Manifest(bytes: try Files.read(
                "\(DatasetDirectory(datasetPath(operatorState.name)).bundlePath(collector: operatorState.name, day: last))/manifest.json", limit: 16 << 20))
            sealed.append("\(operatorState.name) \(manifest.recordsTotal)")
        }
        var signatures = 0
        var cosignedCheckpoint: UInt64?
        for operatorState in operators {
            report(.progress("\(operatorState.name) co-signs"))
            let outcome = try await CoSignPass(dataset: datasetPath(operatorState.name), key: operatorState.key, signer: operatorState.name,
                                               options: .init(ownCollector: operatorState.name)).run(time: nowMs / 1000)
            let refused = outcome.decisions.compactMap { decision -> String? in
                guard case .refused(let reasons) = decision.verdict else { return nil }
                return "\(decision.collector) \(decision.day): \(reasons.joined(separator: "; "))"
            }
            guard refused.isEmpty else { throw DemoError("\(operatorState.name) refused to co-sign: \(refused.joined(separator: " | "))") }
            signatures += outcome.signed
            // Once the newest checkpoint carries the threshold, the co-signer submits it to the witness, as
            // 'assay cosign --witness' does, and commits the cosignature.
            if let witness, let url = witness.url {
                let witnessed = await WitnessPass(dataset: datasetPath(operatorState.name), targets: [.init(name: DemoWitness.name, url: url)]).run()
                if let failure = witnessed.failures.first { throw DemoError("the witness did not cosign for \(operatorState.name): \(failure.reason)") }
                if !witnessed.files.isEmpty {
                    _ = try DatasetPublisher(repository: try GitRepository.open(datasetPath(operatorState.name)), remote: "origin")
                        .publish(key: operatorState.key, signer: operatorState.name, time: nowMs / 1000, push: true)
                    cosignedCheckpoint = witnessed.size
                }
            }
        }
        report(.note("\(day.map(\.description) ?? "?")  sealed by \(sealed.joined(separator: ", ")) records; \(signatures) co-signatures; "
                     + (cosignedCheckpoint.map { "checkpoint \($0) witnessed; " } ?? "") + "pushed"))
    }

    /// A fresh clone of the public repository, verified like an auditor would (bundles, signatures,
    /// chains, every commit's SSH signature, the published scores), then the site built from it.
    func finish() async throws -> Summary {
        var summary = Summary()
        summary.remote = remotePath
        summary.clone = "\(options.out)/clone"
        summary.site = "\(options.out)/site"
        summary.scores = "\(options.out)/scores-7d.json"
        report(.progress("cloning \(remotePath)"))
        let repository = try GitRepository.clone(remoteURL, to: summary.clone)
        let directory = DatasetDirectory(summary.clone)
        let report = self.report
        var verification = await DatasetVerifier(directory: directory).verify { done, total in
            report(.progress("verifying the clone: bundle \(done)/\(total)"))
        }
        verification = verification.addingPublishedScores(directory, descriptor: try directory.descriptor())
        verification = verification.adding(try GitHistoryCheck.check(repository, report: verification).findings)
        summary.verification = verification
        summary.genesis = verification.genesis?.sha256
        summary.bundles = verification.bundles.count
        summary.bundlesHolding = verification.bundles.filter(\.holds).count
        summary.signatures = verification.bundles.reduce(0) { $0 + $1.signers.count }
        summary.records = verification.bundles.reduce(Int64(0)) { $0 + ($1.manifest?.recordsTotal ?? 0) }
        summary.commits = try repository.commits().count

        let model = try await SiteModel(directory: directory, unverified: !verification.holds) { stage in report(.progress("site: \(stage)")) }
        let built = try SiteBuilder(model: model, directory: directory).build(into: summary.site) { stage in report(.progress("site: \(stage)")) }
        summary.siteFiles = built.files
        if let scores = model.windowScores[7] {
            try Files.writeAtomically(summary.scores, contents: scores.bytes)
            summary.ranking = ranking(scores.value)
        }
        return summary
    }

    /// Orchestrators by SLA score, best first (unscored last), with their designed behaviour.
    func ranking(_ scores: JSONValue) -> [Summary.Ranked] {
        let byAddress = Dictionary(uniqueKeysWithValues: simulation.orchestrators.map { ($0.address, $0) })
        var ranked: [Summary.Ranked] = []
        for entry in scores["scores"]?["orchestrators"]?.arrayValue ?? [] {
            guard let address = entry["orchestrator"]?.stringValue, let orchestrator = byAddress[address] else { continue }
            func integer(_ value: JSONValue?) -> Int64? { if case .integer(let number)? = value { number } else { nil } }
            ranked.append(Summary.Ranked(observerID: orchestrator.observerID, address: address, behaviour: orchestrator.behaviour.rawValue,
                                         score: integer(entry["slo"]?["score"]), jobs: integer(entry["slo"]?["jobs"]) ?? 0,
                                         overReports: integer(entry["disagreements"]?["over_reports"]) ?? 0))
        }
        return ranked.sorted { ($0.score ?? .min, $1.observerID) > ($1.score ?? .min, $0.observerID) }
    }
}
