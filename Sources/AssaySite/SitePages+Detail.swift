import AssayCore
import AssayCrypto
import AssayLedger

extension SitePages {
    /// Each live-session outcome in a reader's words (spec/records.md §4.1).
    static let outcomeMeaning: [String: String] = [
        "completed": "ran to the end with output",
        "startup_failed": "selected, but the stream never started there",
        "loading_only": "the model never finished loading; no output",
        "no_output": "input reached the orchestrator, but no output came back",
        "zero_fps": "output started, but at 0 frames per second",
        "swapped": "the gateway moved the stream to another orchestrator",
    ]

    // MARK: Orchestrator

    func orchestrator(_ address: String) -> String {
        let root = "../"
        var body = "<h1>Orchestrator <code>\(HTML.escape(address))</code></h1>\n"
        let week = model.windowScores[7]?.value["scores"]?["orchestrators"]?.list.first { $0["orchestrator"]?.text == address }
        if let slo = week?["slo"] {
            body += "<p class=\"status\">7 days to \(model.lastDay): SLA score <strong>\(Format.score(slo["score"]?.int.map { $0 * 100 }))</strong>, \(slo["jobs"]?.int ?? 0) \(model.profile.unitName), failure rate \(Format.percent(slo["failure_rate"]?.int)), \(model.profile.e2eLabel) \(Format.ms(slo["e2e_ms"]?.int)), SLO \(SLOVerdict(slo).html(model.profile, root: root)), error budget remaining \(Format.percent(slo["error_budget_remaining"]?.int)).</p>\n"
        } else {
            body += "<p class=\"status\">No scored jobs in the 7 days to \(model.lastDay): no data.</p>\n"
        }
        body += otherProfileScores(address)
        let name = SitePath.component(address)
        body += "<p>Subscribe to its SLO changes and outages: <a href=\"\(root)feeds/orchestrators/\(name).atom\">Atom feed</a>"
            + (week?["slo"]?["score"]?.int == nil ? "" : " · embed its badge <img src=\"\(root)badges/\(name).svg\" alt=\"SLA 7d badge\" height=\"20\"> (<a href=\"\(root)api/v1/badges/\(name).json\">shields.io endpoint</a>)")
            + ".</p>\n"
        body += "<p class=\"source\">From <a href=\"\(root)api/v1/scores/w7.json\">api/v1/scores/w7.json</a> (profile <a href=\"\(root)provenance.html#profile\"><code>\(HTML.escape(model.profile.id))</code></a>, the bundles it names: <a href=\"\(root)provenance.html#chains\">Provenance</a>); daily figures from <code>api/v1/days/</code>.</p>\n"
        // Score history, up to a year.
        let year = history(address, days: SiteModel.historyDays)
        let firstWithData = year.firstIndex { $0.value != nil } ?? year.count
        let shown = Array(year[min(firstWithData, max(0, year.count - 30))...])
        body += "<h2 id=\"history\">Daily SLA score</h2>\n"
        let verdicts = shown.map { SLOVerdict($0.entry?["slo"]) }
        let partial = verdicts.filter(\.partialBenchmark).count
        let thin = verdicts.filter { $0.reasons.contains("few_samples") }.count
        var evidence = ""
        if partial + thin > 0 {
            evidence = "; scores resting on too little evidence are pulled toward 50 and not judged: \(partial) day\(partial == 1 ? "" : "s") on a partial benchmark, "
                + "\(thin) with \(model.profile.fewSamplesRule)"
        }
        body += HTML.lineChart(shown.map { ($0.day, $0.value) }, label: "Daily SLA score of \(address), \(shown.first?.day.description ?? "") to \(model.lastDay); gaps are days without data\(evidence)")
        body += "<details><summary>The daily scores as a table</summary>\n"
            + HTML.table(caption: "Daily SLA score", headers: ["Day", "SLA score", "Jobs", "SLO", "Benchmark"],
                         rows: shown.reversed().map { point in
                             let verdict = SLOVerdict(point.entry?["slo"])
                             return ["<time datetime=\"\(point.day)\">\(point.day)</time>", Format.score(point.value),
                                     point.entry?["slo"]?["jobs"]?.int.map(String.init) ?? "no jobs", HTML.escape(verdict.text(model.profile)),
                                     point.entry == nil ? "" : verdict.partialBenchmark ? "partial" : "complete"]
                         }, numeric: [1, 2]) + "</details>\n"
        // The 90-day SLO calendar: one cell per day, with its text.
        body += "<h2 id=\"slo\">SLO, the last 90 days</h2>\n<p>One cell per UTC day: ✓ met, ✗ missed, ○ not judged (the day's jobs were too few, or the network benchmark too thin, for its score to say anything: <a href=\"\(root)provenance.html#verdicts\">the rule</a>), – no jobs.</p>\n<ol class=\"calendar\">"
        var notJudged = 0
        for point in history(address, days: 90) {
            let verdict = SLOVerdict(point.entry?["slo"])
            if verdict.state == .notJudged { notJudged += 1 }
            let text = HTML.escape(verdict.text(model.profile))
            body += "<li class=\"\(verdict.state.rawValue)\" title=\"\(point.day): \(text)\"><span class=\"mark\" aria-hidden=\"true\">\(verdict.mark)</span><span class=\"visually-hidden\">\(point.day): \(text)\(point.value.map { ", score \(Format.score($0))" } ?? "")</span></li>"
        }
        body += "</ol>\n"
        if notJudged > 0 {
            body += "<p>\(notJudged) day\(notJudged == 1 ? " was" : "s were") not judged; the reason of each is in its cell's text and in the daily table above.</p>\n"
        }
        // Distributions and outcomes over 30 days of gateway-observed jobs.
        let jobs = model.recentJobsByOrchestrator[address] ?? []
        body += "<h2 id=\"distributions\">Latency and FPS, the last 30 days</h2>\n"
        let e2e = jobs.compactMap(\.e2eMs), fps = jobs.compactMap(\.fpsMilli)
        body += distribution(e2e, edges: [250, 500, 1000, 2000, 3000, 5000], unit: "ms", label: "End-to-end latency of live sessions (gateway-measured)")
        body += distribution(fps.map { $0 / 1000 }, edges: [5, 10, 15, 20, 25, 30], unit: "fps", label: "Output frames per second of live sessions")
        body += "<h2 id=\"outcomes\">Outcomes of live sessions, the last 30 days</h2>\n"
        let outcomes = ["completed", "startup_failed", "loading_only", "no_output", "zero_fps", "swapped"]
        let live = jobs.filter { $0.kind == .liveSession }
        body += live.isEmpty ? "<p>No live sessions: no data.</p>\n" : HTML.table(caption: "Live sessions by outcome (spec/records.md §4.1)", headers: ["Outcome", "What it means", "Sessions", "Share"],
            rows: outcomes.map { outcome in
                let n = live.filter { $0.outcome == outcome }.count
                return ["<code>\(outcome)</code>", HTML.escape(Self.outcomeMeaning[outcome] ?? ""), "\(n)", Format.percent(Int64(n) * 1_000_000 / Int64(live.count))]
            }, numeric: [2, 3])
        body += pricing(address, jobs: jobs)
        body += "<h2 id=\"disagreements\">Gateway and orchestrator reports</h2>\n"
        if let counts = week?["disagreements"] {
            body += "<p>Over the 7-day window, \(counts["matched"]?.int ?? 0) jobs were reported by both the gateway and the orchestrator; the verdicts differed on \(counts["verdict_differs"]?.int ?? 0), and the orchestrator claimed success where the gateway saw failure (over-reports) on \(counts["over_reports"]?.int ?? 0) (spec/scoring.md §4).</p>\n"
        } else {
            body += "<p>No jobs in the 7-day window: no data.</p>\n"
        }
        body += testedScenarios(address, root: root)
        body += "<h2 id=\"records\">Raw records</h2>\n<p>The records behind these numbers are in the signed bundles of each day: <a href=\"\(root)provenance.html\">Provenance</a> lists them with their hashes and download links. To prove that one record is in a bundle:</p>\n"
        body += "<pre><code>assay prove DATASET/bundles/COLLECTOR/YYYY/MM/DD JOB-ID &gt; proof.json\nassay verify --proof proof.json DATASET</code></pre>\n"
        body += "<p>Machine-readable: <a href=\"\(root)api/v1/orchestrators/\(SitePath.component(address)).json\">api/v1/orchestrators/\(SitePath.component(address)).json</a>.</p>\n"
        return HTML.page(title: "Orchestrator \(address)", root: root, current: "", banner: banner, body: body)
    }

    /// The orchestrator's 7-day score under each other profile the dataset lists, beside this site's (spec/scoring.md §14).
    func otherProfileScores(_ address: String) -> String {
        let rows: [[String]] = model.otherProfiles.compactMap { other in
            guard let row = other.comparison["orchestrators"]?.list.first(where: { $0["orchestrator"]?.text == address }) else { return nil }
            let changed = row["changed"]?.list.count ?? 0, only = (row["only_a"]?.list.count ?? 0) + (row["only_b"]?.list.count ?? 0)
            return ["<code>\(HTML.escape(other.profile.id))</code>", Format.score(row["b"]?.int.map { $0 * 100 }),
                    row["difference"]?.int.map { ($0 >= 0 ? "+" : "−") + Format.score(abs($0) * 100) } ?? "no data",
                    "\(changed) changed, \(only) in one profile only"]
        }
        guard !rows.isEmpty else { return "" }
        return HTML.table(caption: "The same 7 days under the other profiles this dataset publishes (assay score --compare \(HTML.escape(model.profile.id)) PROFILE)",
                          headers: ["Profile", "SLA score", "Difference from \(HTML.escape(model.profile.id))", "Components"], rows: rows, numeric: [1, 2])
    }

    /// The tester's figures for one orchestrator over 30 days, per scenario, next to the network's for the same work
    /// (spec/scoring.md §13); nothing when the window has no test jobs.
    func testedScenarios(_ address: String, root: String) -> String {
        guard let tested = model.windowScores[30]?.value["scores"]?["tested"] else { return "" }
        var body = "<h2 id=\"tested\">Tested: the same work as every orchestrator, the last 30 days</h2>\n"
        guard let entry = Self.testedByOrchestrator(tested)[address] else {
            return body + "<p>The job tester planned no test of this orchestrator in the 30 days to \(model.lastDay): it advertised none of the scenarios' pipelines and models, or no tester ran.</p>\n"
        }
        body += "<p>Pass rate <strong>\(Self.passRate(entry))</strong> attempts (\(entry["planned"]?.int ?? 0) planned), from <a href=\"\(root)api/v1/scores/w30.json\">api/v1/scores/w30.json</a> (<code>scores.tested</code>); kept apart from the SLA score. Network figures are every tested orchestrator's attempts of the same scenario.</p>\n"
        var network: [String: JSONValue] = [:]
        for scenario in tested["scenarios"]?.list ?? [] {
            network["\(scenario["scenario"]?.text ?? "")\u{0}\(scenario["scenario_sha256"]?.text ?? "")"] = scenario
        }
        func pair(_ value: JSONValue?, _ first: String, _ second: String, _ format: (Int64?) -> String) -> String {
            guard let value, value != .null else { return "no data" }
            return "\(format(value[first]?.int)) / \(format(value[second]?.int))"
        }
        func counts(_ value: JSONValue?) -> String {
            guard case .object(let members)? = value, !members.isEmpty else { return "none" }
            return members.map { "<code>\(HTML.escape($0.key))</code> \($0.value.int ?? 0)" }.joined(separator: ", ")
        }
        body += HTML.table(caption: "Test results of \(address) per scenario, 30 days to \(model.lastDay)",
                           headers: ["Scenario", "Pipeline / model", "Pass rate (attempts)", "Network pass rate", "Latency p50 / p90", "Network latency p50 / p90",
                                     "TTFB p50 / p90", "Output FPS p10 / p50", "Outcomes", "Not counted"],
                           rows: (entry["scenarios"]?.list ?? []).map { scenario in
                               let id = scenario["scenario"]?.text ?? "", hash = scenario["scenario_sha256"]?.text ?? ""
                               let same = network["\(id)\u{0}\(hash)"]
                               return ["<code>\(HTML.escape(id))</code> <small title=\"scenario_sha256\">\(HTML.escape(String(hash.prefix(12))))…</small>",
                                       "\(HTML.escape(scenario["pipeline"]?.text ?? "")) / \(HTML.escape(scenario["model_id"]?.text ?? ""))",
                                       Self.passRate(scenario), Self.passRate(same),
                                       pair(scenario["latency_ms"], "p50", "p90", Format.ms), pair(same?["latency_ms"], "p50", "p90", Format.ms),
                                       pair(scenario["ttfb_ms"], "p50", "p90", Format.ms), pair(scenario["output_fps_mfps"], "p10", "p50", Format.fps),
                                       counts(scenario["outcomes"]), counts(scenario["not_counted"])]
                           }, numeric: [2, 3, 4, 5, 6, 7])
        return body
    }

    func distribution(_ values: [Int64], edges: [Int64], unit: String, label: String) -> String {
        guard !values.isEmpty else { return "<p>\(HTML.escape(label)): no data.</p>\n" }
        var bins: [(label: String, count: Int)] = []
        var lower: Int64 = 0
        for edge in edges {
            bins.append(("\(lower)–\(edge) \(unit)", values.filter { $0 >= lower && $0 < edge }.count))
            lower = edge
        }
        bins.append(("≥ \(lower) \(unit)", values.filter { $0 >= lower }.count))
        return HTML.histogram(bins, label: "\(label): \(values.count) samples")
            + HTML.table(caption: label, headers: ["Range", "Samples"], rows: bins.map { [HTML.escape($0.label), "\($0.count)"] }, numeric: [1])
    }

    // MARK: Provenance

    /// The log's newest checkpoint, who signed it, the witnesses and their quorum, and how to check them with C2SP tools.
    func transparencyLog() -> String {
        guard let checkpoint = model.checkpoint, let policy = model.report.policy else { return "" }
        let origin = DatasetLog.origin(datasetID: model.descriptor.id)
        var body = "<h2 id=\"log\">Transparency log</h2>\n<p>Every signed document of the dataset (policy versions, manifests, published scores) is an entry of its append-only log, published as C2SP tiles under <code>log/</code> (spec/log.md §7). Its newest checkpoint, <code>log/checkpoint</code>, signed by the operators"
        body += policy.witnesses.quorum == WitnessPolicy.none ? ":</p>\n" : " and cosigned by witnesses that never cosign two different trees of one size:</p>\n"
        body += "<pre><code>\(HTML.escape(checkpoint))</code></pre>\n"
        let keys = policy.signers.entries.filter { entry in
            entry.namespaces.map { $0.contains(DatasetDirectory.manifestNamespace) } ?? true
        }
        body += HTML.table(caption: "Checkpoint signers (origin \(origin))", headers: ["Principal", "vkey"], rows: keys.compactMap { entry in
            (try? NoteVerifierKey(name: origin, type: NoteKeys.ed25519, publicKey: entry.key)).map {  // the origin is a valid key name
                [HTML.escape(entry.principals.joined(separator: ", ")), "<code>\(HTML.escape($0.vkey))</code>"]
            }
        }, className: "data hashes")
        if policy.witnesses.quorum != WitnessPolicy.none {
            body += HTML.table(caption: "Witnesses (quorum \(policy.witnesses.quorum))", headers: ["Name", "vkey"],
                               rows: policy.witnesses.witnesses.map { ["<code>\(HTML.escape($0.name))</code>", "<code>\(HTML.escape($0.key))</code>"] },
                               className: "data hashes")
            body += "<p>The witnesses and the quorum are <code>\(PolicyDocument.relativePath(version: policy.version))/witnesses</code>, a c2sp.org/tlog-policy file approved with the trust policy. Give it and <code>log/checkpoint</code> to any C2SP tool: with Go's <code>golang.org/x/mod/sumdb/note</code>, <code>note.Open</code> with the vkeys above verifies the signature lines; transparency-dev/formats' <code>witness.NewWitnessGroupFromPolicy</code> reads the file and checks the quorum. Entries after the last witnessed checkpoint are reported by <code>assay verify</code> as <code>unwitnessed</code>.</p>\n"
        }
        return body
    }

    func provenance(recordsCopied: Bool) -> String {
        var body = "<h1>Provenance</h1>\n<p>Every number on this site is computed by <code>assay score</code> (profile <code>\(HTML.escape(model.profile.id))</code>) from the signed daily bundles below. Each bundle names its files by SHA-256, commits to its records with a Merkle root, links to the collector's previous bundle, and counts when enough operators signed it.</p>\n"
        if let genesis = model.report.genesis {
            body += "<h2 id=\"genesis\">Genesis</h2>\n<p>Every signature here rests on the dataset's genesis, <code>policy/0001/policy.json</code>: it names the dataset, its first signers and threshold, and the hash of <code>dataset.json</code> (whose <code>simulated</code> flag and scoring profiles are therefore signed), and a threshold of its own signers approved it. Pin it when you verify, so a replaced root fails (spec/dataset.md §8.4):</p>\n<pre><code>assay verify DATASET --trust \(genesis.sha256)</code></pre>\n<p>Compare this hash with the one the operators publish elsewhere (their own sites, announcements); this page is built from the same repository it describes.</p>\n"
        }
        if let policy = model.report.policy {
            body += "<h2 id=\"policy\">Trust policy</h2>\n<p>Policy version \(policy.version) (<code>\(PolicyDocument.relativePath(version: policy.version))</code>, sha256 <code>\(policy.hash)</code>), threshold \(policy.threshold).</p>\n"
            body += HTML.table(caption: "Keys allowed to sign", headers: ["Principal", "Key fingerprint", "Namespaces", "Valid"],
                               rows: policy.signers.entries.map { entry in
                                   var validity: [String] = []
                                   if let after = entry.validAfter { validity.append("from \(UTCTime.seconds(after))") }
                                   if let before = entry.validBefore { validity.append("until \(UTCTime.seconds(before))") }
                                   return [HTML.escape(entry.principals.joined(separator: ", ")), "<code>\(OpenSSHPublicKey(entry.key).fingerprint)</code>",
                                           HTML.escape(entry.namespaces?.joined(separator: ", ") ?? "any"), validity.isEmpty ? "always" : validity.joined(separator: " ")]
                               })
            for revocation in policy.revocations {
                body += "<p>Revoked: <code>\(revocation.fingerprint)</code> from \(UTCTime.seconds(revocation.from)): \(HTML.escape(revocation.reason))</p>\n"
            }
        }
        body += transparencyLog()
        body += "<h2 id=\"profile\">Scoring profile</h2>\n<p>Every score on this site uses <code>\(HTML.escape(model.profile.id))</code>, sha256 <code>\(model.profile.sha256)</code>: <a href=\"data/profiles/\(SitePath.component(model.profile.id)).json\">the profile</a> (spec/scoring.md)"
            + (model.profile.method == .naapSessionHours
                ? ": the SLA score of the network's NaaP analytics, rule for rule — rows per session and hour, only sessions with runner status reports, a swapped stream credited to the orchestrator it moved to, quality against the daily benchmarks of the 7 days before, and each orchestrator ranked by its lowest (pipeline, model) score. Assay's own profile, <code>assay-sla-v1</code> (per orchestrator attempt, batch, LLM and BYOC jobs too, a p90 latency SLO), gives other numbers from the same bundles: <code>assay score --profile assay-sla-v1</code>."
                : ".")
            + " Either way, only what gateways observed is scored: an orchestrator's own records are compared with the gateways' (its disagreements) and never counted.</p>\n"
        body += "<h2 id=\"network-charts\">Price, value and the network over time</h2>\n<p>The live cost per minute is what gateways paid an orchestrator: the sum of the expected value of the tickets they sent (face value × winning probability, spec/records.md §3.7) over the sessions' minutes; the advertised price is what its newest capability snapshot said; SLA per gwei is its SLA score in points per 1,000 gwei a minute of live video. The home page's charts draw, per day, the gateway-observed jobs, their success rate, live E2E latency (p50, p90) and output FPS (p50) per model, the GPUs seen and warm models in the capability snapshots, the median advertised price over orchestrators, and what a minute of live video cost; a day without data has no point (spec/site.md §6).</p>\n"
        body += "<h2 id=\"verdicts\">SLO verdicts</h2>\n<p>Each orchestrator's SLO over a window is <strong>met</strong>, <strong>missed</strong> or <strong>not judged</strong> (spec/scoring.md §8, §11.6). It is missed when its failure rate reaches \(Format.percent(model.profile.maxFailureRate)), its \(model.profile.e2eLabel) exceeds \(Format.ms(model.profile.sloE2EMs)), or its score falls below \(Format.score(model.profile.minScore * 100)) — a failure observed is evidence however few the jobs. It is not judged when its score rests on a placeholder: a latency or FPS component with \(model.profile.fewSamplesRule), or a network benchmark with fewer than \(model.profile.benchmarkMinRows) values from the \(model.profile.benchmarkDays) days before the window (a <em>partial benchmark</em>), is scored ½ or pulled toward ½, so the score says nothing either way. A day without jobs has no verdict at all.</p>\n"
        body += "<h3 id=\"excused\">Sessions without an orchestrator</h3>\n<p>A live session for which the gateway found no orchestrator (outcome <code>no_orchestrator</code>) is shown under the model \"\(SiteModel.Job.noOrchestrator)\": it failed for the customer, but no orchestrator served it, so it is excused from every orchestrator's score and counted only in the network's <code>excused</code> total (spec/scoring.md §7).</p>\n"
        body += "<h3 id=\"not-reported\">Jobs whose model was not reported</h3>\n<p>A job listed under \"\(SiteModel.Job.modelNotReported)\" has a record that names no model: typically a live session that failed to start before the gateway learned which model it would run. It counts against its orchestrator like any other job, in a group of its own (<code>\"model\": null</code> in the scores; spec/scoring.md §7).</p>\n"
        if model.windowScores.values.contains(where: { $0.value["scores"]?["tested"] != nil }) {
            body += "<h2 id=\"tester\">The job tester</h2>\n<p>Test jobs are the job tester's attempts: the same published scenarios sent to every orchestrator that advertises them, through a gateway pointed at one orchestrator at a time (spec/probe.md). Each day's order follows from a seed the collector committed to before the day (<code>probes/commitments/</code>, a log entry the witnesses cosign) and revealed in the day's bundle (<code>probes.json</code>); the scenarios are under <code>probes/scenarios/</code> by their SHA-256. Both verifiers recompute each day's order and require exactly one test job per planned probe, so no attempt can be added, dropped or moved. To see a day's order yourself:</p>\n<pre><code>assay probe plan --scenarios DATASET/probes/scenarios/HASH.json --input DATASET/bundles/COLLECTOR/YYYY/MM/DD/probes.json</code></pre>\n<p>Test jobs never enter the SLA score; the tester leaderboard shows them apart (spec/scoring.md §13).</p>\n"
        }
        body += "<h2 id=\"chains\">Chains</h2>\n"
        var collectors: [String] = []
        for bundle in model.report.bundles where !collectors.contains(bundle.collector) { collectors.append(bundle.collector) }
        for collector in collectors {
            let chain = model.report.bundles.filter { $0.collector == collector }
            body += "<h3 id=\"chain-\(SitePath.component(collector))\">Collector <code>\(HTML.escape(collector))</code></h3>\n"
            body += HTML.table(caption: "Bundles of \(collector)", headers: ["Day", "Records", "Manifest sha256", "Merkle root", "Signed by", "Not signed", "Threshold", "Files"],
                               rows: chain.reversed().map { bundle in
                                   let base = "data/" + DatasetDirectory.bundleRelativePath(collector: bundle.collector, day: bundle.day)
                                   var files = "<a href=\"\(base)/manifest.json\">manifest</a>"
                                   if recordsCopied {
                                       let names = bundle.manifest?.recordFiles.map(\.name) ?? []
                                       files += names.count == 1 ? " · <a href=\"\(base)/\(names[0])\">records</a>"
                                           : " · records " + names.enumerated().map { "<a href=\"\(base)/\($1)\">\($0 + 1)</a>" }.joined(separator: " ")
                                   }
                                   return ["<time datetime=\"\(bundle.day)\">\(bundle.day)</time>", "\(bundle.manifest?.recordsTotal ?? 0)",
                                           "<code>\(bundle.manifestHash ?? "unreadable")</code>", "<code>\(bundle.manifest?.merkleRoot ?? "")</code>",
                                           HTML.escape(bundle.signers.joined(separator: ", ")), HTML.escape(bundle.unsigned.joined(separator: ", ")),
                                           bundle.holds ? "<span class=\"ok\">✓ \(bundle.signers.count) of \(bundle.threshold)</span>" : "<span class=\"bad\">✗ \(bundle.signers.count) of \(bundle.threshold)</span>",
                                           files]
                               }, numeric: [1], className: "data hashes")
        }
        body += """
            <h2 id="check">Check it yourself</h2>
            <p>Clone the dataset and verify everything offline, with Assay's auditor kit and with an independent verifier written from the specification:</p>
            <pre><code>git clone DATASET-REPOSITORY dataset
            git clone https://github.com/assay/assay &amp;&amp; cd assay
            verify/run                                   # builds only the verifier
            .build/release/assay-verify ../dataset --trust \(model.report.genesis?.sha256 ?? "GENESIS-HASH")   # every hash, signature, chain link, published score
            python3 verify/assay_verify.py ../dataset    # the independent verifier
            .build/release/assay-verify score --dataset ../dataset --day \(model.lastDay) --window 7</code></pre>
            <p>Check one signature with stock OpenSSH (use the current policy's <code>allowed_signers</code>, here <code>\(PolicyDocument.relativePath(version: model.report.policy?.version ?? 1))/allowed_signers</code>, and the bundle's day):</p>
            <pre><code>ssh-keygen -Y verify -f dataset/\(PolicyDocument.relativePath(version: model.report.policy?.version ?? 1))/allowed_signers -I SIGNER -n assay-manifest-v1 -O verify-time=YYYYMMDDZ \\
              -s dataset/bundles/COLLECTOR/YYYY/MM/DD/signatures/SIGNER.sig &lt; dataset/bundles/COLLECTOR/YYYY/MM/DD/manifest.json</code></pre>
            <p>Check the signed commits with git:</p>
            <pre><code>git -C dataset -c gpg.ssh.allowedSignersFile=\(PolicyDocument.relativePath(version: model.report.policy?.version ?? 1))/allowed_signers log --show-signature
            git -C dataset -c gpg.ssh.allowedSignersFile=\(PolicyDocument.relativePath(version: model.report.policy?.version ?? 1))/allowed_signers verify-commit HEAD</code></pre>
            <p>Or <a href="verify.html">check the signatures in your browser</a>.</p>

            """
        return HTML.page(title: "Provenance", root: "", current: "provenance.html", banner: banner, body: body)
    }

    // MARK: Verify in the browser

    func verify() -> String {
        let body = """
            <h1>Verify in your browser</h1>
            <p>This page downloads every bundle's <code>manifest.json</code> and signature files from this site, checks each SSHSIG signature (Ed25519, namespace <code>assay-manifest-v1</code>) against the keys of the trust policy, and checks the SHA-256 of every file it downloads against the manifest that names it. Compare the key fingerprints on <a href="provenance.html#policy">Provenance</a> with ones you trust: a site can only prove that its files are consistent with its keys.</p>
            <p id="verify-support">Checking needs JavaScript and a browser with WebCrypto Ed25519. Without them, verify with the command line as <a href="provenance.html#check">Provenance</a> shows.</p>
            <p><button type="button" id="verify-start" hidden>Check all signatures and hashes</button></p>
            <p id="verify-summary" role="status" aria-live="polite"></p>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Verification results"><table class="data" id="verify-results" hidden><caption>Results</caption><thead><tr><th scope="col">File</th><th scope="col">Check</th><th scope="col">Result</th></tr></thead><tbody></tbody></table></div>

            """
        return HTML.page(title: "Verify in your browser", root: "", current: "verify.html", banner: banner, body: body, script: "assets/verify.js")
    }

    // MARK: Downloads

    func downloads(files: [(path: String, description: String)]) -> String {
        var body = "<h1>Downloads and read API</h1>\n<p>Everything here is static JSON, CSV or SQLite; <a href=\"datapackage.json\">datapackage.json</a> describes it (Frictionless Data) with SHA-256 hashes, and <a href=\"SHA256SUMS\">SHA256SUMS</a> covers every file of the site (<code>sha256sum -c SHA256SUMS</code>).</p>\n"
        body += HTML.table(caption: "Files", headers: ["File", "What it holds"], rows: files.map { ["<a href=\"\($0.path)\">\(HTML.escape($0.path))</a>", HTML.escape($0.description)] })
        body += "<h2>Load the records</h2>\n<pre><code>gunzip -k downloads/records.sqlite.gz\nsqlite3 downloads/records.sqlite 'select pipeline, model, count(*) from records group by 1, 2'\nduckdb -c \"select * from read_csv('downloads/daily-scores.csv')\"</code></pre>\n"
        return HTML.page(title: "Downloads", root: "", current: "downloads.html", banner: banner, body: body)
    }
}

extension SitePages {
    /// What an orchestrator charges and what gateways paid it, per pipeline and model, over 30 days (spec/site.md §6.1).
    func pricing(_ address: String, jobs: [SiteModel.Job]) -> String {
        let newest = SiteModel.Snapshot.newest(model.recentSnapshotsByOrchestrator[address] ?? []) {
            "\($0.pipeline)\u{0}\($0.model)"
        }
        let priced = jobs.filter { $0.model != SiteModel.Job.noOrchestrator }
        let byModel = Dictionary(grouping: priced) { "\($0.pipeline)\u{0}\($0.model)" }
        let keys = Set(newest.keys).union(byModel.keys.filter { key in byModel[key]!.contains { $0.costWei != nil } }).sorted()
        guard !keys.isEmpty else { return "" }
        return "<h2 id=\"price\">What it costs, the last 30 days</h2>\n<p>Advertised: the newest capability snapshot; paid: what gateways' tickets carried, their expected value per minute of live video and per batch or LLM job (<a href=\"../provenance.html#network-charts\">how</a>).</p>\n"
            + HTML.table(caption: "Prices by pipeline and model", headers: ["Pipeline / model", "Advertised price", "Paid price", "Live cost / min", "Cost per job", "Warm", "GPUs"],
                         rows: keys.map { key in
                             let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
                             let list = byModel[key] ?? []
                             let sessions = list.filter { $0.kind == .liveSession }
                             let paid = sessions.max { $0.startMs < $1.startMs }?.paidMilliWeiPerPixel
                             let snapshot = newest[key]
                             return ["\(HTML.escape(parts[0])) / \(HTML.escape(parts.count > 1 ? parts[1] : ""))", Self.weiPerPixel(snapshot?.milliWeiPerPixel),
                                     Self.weiPerPixel(paid), Self.gweiPerMinute(SiteModel.costPerMinute(sessions)),
                                     SiteModel.costPerJob(list).map { Format.fixed($0, scale: 1_000_000_000, digits: 1) + " gwei" } ?? "no data",
                                     snapshot?.warm.map { $0 ? "yes" : "no" } ?? "no data", snapshot.map { "\($0.gpuIDs.count)" } ?? "no data"]
                         }, numeric: [1, 2, 3, 4, 6])
    }
}
