import AssayCore
import AssayLedger

/// Reading the scorer's output (spec/scoring.md §9).
extension JSONValue {
    var int: Int64? { if case .integer(let value) = self { value } else { nil } }
    var text: String? { if case .string(let value) = self { value } else { nil } }
    var list: [JSONValue] { if case .array(let values) = self { values } else { [] } }
    var flag: Bool? { if case .bool(let value) = self { value } else { nil } }
}

/// One row of a leaderboard: an orchestrator's score for the window.
struct Standing {
    let orchestrator: String
    let score: Int64?
    let jobs: Int64
    let failureRate: Int64?
    let e2e: Int64?
    let verdict: SLOVerdict
    let regions: [String]
    let entry: JSONValue
    /// A live-video row (components of spec/scoring.md §6.1) rather than a job row.
    var live = false
}

/// The pages of the site, as HTML strings. Pure functions of the model.
struct SitePages {
    let model: SiteModel

    var banner: String? {
        var parts: [String] = []
        if model.descriptor.simulated { parts.append("<strong>Simulated data.</strong> This dataset is synthetic (it says so in its signed descriptor); its numbers describe no real orchestrator.") }
        if !model.verified { parts.append("<strong>Unverified.</strong> This site was built from a dataset that does not verify; do not rely on it.") }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    static func standings(_ scores: JSONValue, pipeline: String? = nil, model: String? = nil) -> [Standing] {
        var result: [Standing] = []
        for entry in scores["scores"]?["orchestrators"]?.list ?? [] {
            guard let orchestrator = entry["orchestrator"]?.text else { continue }
            let rows = (entry["live"]?.list ?? []) + (entry["jobs"]?.list ?? [])
            let regions = Set(rows.flatMap { ($0["regions"]?.list ?? []).compactMap { $0["region"]?.text } }).sorted()
            if let pipeline, let model {
                guard let row = rows.first(where: { $0["pipeline"]?.text == pipeline && $0["model"]?.text == model }) else { continue }
                let n = row["sessions"]?.int ?? row["jobs"]?.int ?? 0
                result.append(Standing(orchestrator: orchestrator, score: row["score"]?.int.map { $0 * 100 }, jobs: n, failureRate: nil,
                                       e2e: (row["e2e"]?["median"] ?? row["e2e"]?["mean"])?.int,
                                       verdict: SLOVerdict(nil), regions: (row["regions"]?.list ?? []).compactMap { $0["region"]?.text }, entry: row,
                                       live: row["sessions"] != nil))
            } else {
                let slo = entry["slo"]
                result.append(Standing(orchestrator: orchestrator, score: slo?["score"]?.int.map { $0 * 100 }, jobs: slo?["jobs"]?.int ?? 0,
                                       failureRate: slo?["failure_rate"]?.int, e2e: slo?["e2e_ms"]?.int, verdict: SLOVerdict(slo),
                                       regions: regions, entry: entry))
            }
        }
        // Highest score first; ties by address (bytes), so the order never depends on anything else.
        return result.sorted { a, b in
            (a.score ?? -1) != (b.score ?? -1) ? (a.score ?? -1) > (b.score ?? -1) : a.orchestrator < b.orchestrator
        }
    }

    /// (pipeline, model) groups present in a window's scores, sorted.
    static func groups(_ scores: JSONValue) -> [(pipeline: String, model: String)] {
        var seen: Set<String> = []
        var groups: [(String, String)] = []
        for entry in scores["scores"]?["orchestrators"]?.list ?? [] {
            for row in (entry["live"]?.list ?? []) + (entry["jobs"]?.list ?? []) {
                guard let pipeline = row["pipeline"]?.text, let model = row["model"]?.text, seen.insert("\(pipeline)\u{0}\(model)").inserted else { continue }
                groups.append((pipeline, model))
            }
        }
        return groups.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
    }

    /// The last `count` days' 1-day SLA scores of an orchestrator (nil: no data that day), oldest first.
    func history(_ orchestrator: String, days count: Int) -> [(day: UTCDay, value: Int64?, entry: JSONValue?)] {
        let days = model.sloByOrchestrator[orchestrator] ?? [:]
        return (0..<count).reversed().map { back in
            let day = UTCDay(number: model.lastDay.number - back)
            let entry = days[day]
            return (day, entry?["slo"]?["score"]?.int.map { $0 * 100 }, entry)
        }
    }

    func orchestratorLink(_ orchestrator: String, root: String) -> String {
        "<a href=\"\(root)orchestrators/\(SitePath.component(orchestrator)).html\"><code>\(HTML.escape(orchestrator))</code></a>"
    }

    // MARK: Home

    func home() -> String {
        let day = model.lastDay
        let jobs = model.gatewayJobs[day] ?? []
        var body = "<h1>\(HTML.escape(model.descriptor.title))</h1>\n"
        if !model.descriptor.description.isEmpty { body += "<p>\(HTML.escape(model.descriptor.description))</p>\n" }
        let signers = Set(model.report.bundles.flatMap(\.signers)).sorted()
        body += "<p class=\"status\">\(model.verified ? "<span class=\"ok\">✓ Verified</span>" : "<span class=\"bad\">✗ Not verified</span>"): \(model.report.bundles.count) signed bundles from \(Set(model.report.bundles.map(\.collector)).count) collectors, co-signed by \(HTML.escape(signers.joined(separator: ", "))). Newest day: <time datetime=\"\(day)\">\(day)</time>. Scores by profile <code>\(HTML.escape(model.profile.id))</code> (<a href=\"provenance.html#profile\">sha256 \(model.profile.sha256.prefix(12))…</a>).</p>\n"
        body += "<h2 id=\"network\">Network on \(day)</h2>\n"
        body += overviewTable(jobs, caption: "Gateway-observed jobs on \(day) by pipeline and model")
        body += "<h3>The last 14 days</h3>\n"
        let recent = (0..<14).reversed().map { UTCDay(number: day.number - $0) }
        body += HTML.table(caption: "Network per day", headers: ["Day", "Jobs", "Live sessions", "Success rate", "E2E latency p50", "E2E latency p90", "Output FPS p50"],
                           rows: recent.map { day in
                               let list = model.gatewayJobs[day] ?? []
                               let e2e = list.compactMap(\.e2eMs).sorted(), fps = list.compactMap(\.fpsMilli).sorted()
                               return ["<time datetime=\"\(day)\">\(day)</time>", list.isEmpty ? "no data" : "\(list.count)",
                                       list.isEmpty ? "no data" : "\(list.filter { $0.kind == .liveSession }.count)",
                                       list.isEmpty ? "no data" : Format.percent(Int64(list.filter(SiteModel.succeeded).count) * 1_000_000 / Int64(list.count)),
                                       Format.ms(Self.percentile(e2e, 50)), Format.ms(Self.percentile(e2e, 90)), Format.fps(Self.percentile(fps, 50))]
                           }, numeric: [1, 2, 3, 4, 5, 6])
        body += "<h2 id=\"leaderboard\">Leaderboard, 7 days to \(day)</h2>\n"
        body += "<p>Other windows: " + SiteModel.windows.map { "<a href=\"leaderboards/all-w\($0).html\">\($0) day\($0 == 1 ? "" : "s")</a>" }.joined(separator: " · ")
            + " · <a href=\"leaderboards.html\">by pipeline and model</a>, with every component of the score and its sample size.</p>\n"
        body += leaderboardTable(window: 7, pipeline: nil, model: nil, root: "")
        body += "<p>Subscribe to every orchestrator's SLO changes and exporter outages: <a href=\"feeds/network.atom\">Atom feed</a> (each orchestrator's page has its own, and a badge to embed).</p>\n"
        body += networkOverTime()
        return HTML.page(title: model.descriptor.title, root: "", current: "index.html", banner: banner, body: body)
    }

    func overviewTable(_ jobs: [SiteModel.Job], caption: String, root: String = "") -> String {
        var groups: [String: [SiteModel.Job]] = [:]
        for job in jobs { groups["\(job.pipeline)\u{0}\(job.model)", default: []].append(job) }
        guard !groups.isEmpty else { return "<p>No gateway-observed jobs on this day: no data (not zero).</p>\n" }
        return HTML.table(caption: caption, headers: ["Pipeline / model", "Jobs", "Live sessions", "Success rate", "E2E latency p50", "E2E latency p90", "Output FPS p50"],
                          rows: groups.keys.sorted().map { key in
                              let list = groups[key]!
                              let e2e = list.compactMap(\.e2eMs).sorted(), fps = list.compactMap(\.fpsMilli).sorted()
                              let excused = list[0].model == SiteModel.Job.noOrchestrator
                                  ? " (excused from scores: <a href=\"\(root)provenance.html#excused\">the rule</a>)"
                                  : list[0].model == SiteModel.Job.modelNotReported || list[0].pipeline == SiteModel.Job.pipelineNotReported
                                  ? " (<a href=\"\(root)provenance.html#not-reported\">what this means</a>)" : ""
                              return ["\(HTML.escape(list[0].pipeline)) / \(HTML.escape(list[0].model))\(excused)", "\(list.count)",
                                      "\(list.filter { $0.kind == .liveSession }.count)",
                                      Format.percent(Int64(list.filter(SiteModel.succeeded).count) * 1_000_000 / Int64(list.count)),
                                      Format.ms(Self.percentile(e2e, 50)), Format.ms(Self.percentile(e2e, 90)), Format.fps(Self.percentile(fps, 50))]
                          }, numeric: [1, 2, 3, 4, 5, 6])
    }

    /// Nearest-rank percentile of sorted values (spec/scoring.md §2), nil when empty.
    static func percentile(_ sorted: [Int64], _ p: Int) -> Int64? {
        guard !sorted.isEmpty else { return nil }
        let rank = max(1, (p * sorted.count + 99) / 100)
        return sorted[rank - 1]
    }

    func leaderboardTable(window: Int, pipeline: String?, model group: String?, root: String, sort: LeaderboardSort = .score) -> String {
        guard let scores = model.windowScores[window]?.value else { return "" }
        let inputs = scores["inputs"]?["bundles"]?.list.count ?? 0
        let source = "<p class=\"source\">Computed by <code>assay score</code> with profile <a href=\"\(root)provenance.html#profile\"><code>\(HTML.escape(model.profile.id))</code></a> from the \(inputs) signed bundles that <a href=\"\(root)api/v1/scores/w\(window).json\">api/v1/scores/w\(window).json</a> names (<a href=\"\(root)provenance.html#chains\">their hashes and signers</a>); recompute: <code>assay score --dataset DATASET --day \(model.lastDay) --window \(window)</code>.</p>\n"
        return source + leaderboardRows(scores, window: window, pipeline: pipeline, model: group, root: root, sort: sort)
    }

    func leaderboardRows(_ scores: JSONValue, window: Int, pipeline: String?, model group: String?, root: String,
                         sort: LeaderboardSort = .score) -> String {
        let standings = sorted(Self.standings(scores, pipeline: pipeline, model: group), by: sort, window: window)
        guard !standings.isEmpty else { return "<p>No orchestrator has scored jobs in this window: no data.</p>\n" }
        if let pipeline, group != nil {
            let live = standings.first?.live ?? false
            let statistic = model.profile.valueStatistic
            // What gateways paid each orchestrator for this pipeline and model (spec/site.md §6.2).
            let costs = model.groupCost[window] ?? [:]
            func cost(_ orchestrator: String) -> String {
                let value = costs[SiteModel.groupKey(orchestrator: orchestrator, pipeline: pipeline, model: group!)]
                return live ? Self.gweiPerMinute(value) : value.map { Format.fixed($0, scale: 1_000_000_000, digits: 1) + " gwei" } ?? "no data"
            }
            return HTML.table(caption: "Scores of \(pipeline) / \(group!) over \(window) day\(window == 1 ? "" : "s") to \(model.lastDay)",
                              headers: live ? ["Orchestrator", "SLA score", "Reliability", "Quality", "Coverage", "Startup success", "No swap", "Output viability",
                                                "PTFF \(statistic) (samples)", "E2E \(statistic) (samples)", "FPS \(statistic) (samples)", "Sessions", "Live cost / min", "Regions"]
                                  : ["Orchestrator", "SLA score", "Success", "Latency median (samples)", "Jobs", "Cost per job", "Regions"],
                              rows: standings.map { standing in
                                  let row = standing.entry
                                  func component(_ name: String, _ format: (Int64?) -> String) -> String {
                                      "\(format((row[name]?["median"] ?? row[name]?["mean"])?.int)) (\(row[name]?["samples"]?.int ?? 0))"
                                  }
                                  let common = [orchestratorLink(standing.orchestrator, root: root), "<strong>\(Format.score(standing.score))</strong>"]
                                  let regions = HTML.escape(standing.regions.joined(separator: ", "))
                                  if live {
                                      return common + [Format.percent(row["reliability"]?.int), Format.percent(row["quality"]?.int), Format.percent(row["coverage"]?.int),
                                                       Format.percent(row["startup_success"]?.int), Format.percent(row["no_swap"]?.int), Format.percent(row["output_viability"]?.int),
                                                       component("ptff", Format.ms), component("e2e", Format.ms), component("fps", Format.fps),
                                                       "\(standing.jobs)", cost(standing.orchestrator), regions]
                                  }
                                  return common + [Format.percent(row["success"]?.int), component("latency", Format.ms), "\(standing.jobs)",
                                                   cost(standing.orchestrator), regions]
                              }, numeric: live ? Set(1...12) : [1, 2, 3, 4, 5])
        }
        // With test jobs in the window, a column of the tester's pass rate beside the organic score (spec/scoring.md §13).
        let tested = scores["scores"]?["tested"].map(Self.testedByOrchestrator)
        // What live video costs, and the score per gwei (spec/site.md §6): each header links to its sort order's page.
        let costs = model.liveCostPerMinute[window] ?? [:]
        let priced = !costs.isEmpty
        func sortLink(_ order: LeaderboardSort, _ text: String) -> String {
            order == sort ? "\(text) <span class=\"sorted\">(sorted)</span>" : "<a href=\"\(root)leaderboards/\(order.page(window: window))\">\(text)</a>"
        }
        return HTML.table(caption: "Orchestrators \(sort.title) over \(window) day\(window == 1 ? "" : "s") to \(model.lastDay) "
                            + "(profile \(model.profile.id): an orchestrator's score is \(model.profile.headlineRule))",
                          headers: ["Orchestrator", priced ? sortLink(.score, "SLA score") : "SLA score",
                                    model.profile.unitName.prefix(1).uppercased() + model.profile.unitName.dropFirst(),
                                    "Failure rate", model.profile.e2eLabel, "SLO"] + (tested == nil ? [] : ["Tested"])
                                    + (priced ? [sortLink(.price, "Live cost / min"), sortLink(.value, "SLA per 1,000 gwei/min")] : [])
                                    + ["Last 30 days", "Regions"],
                          rows: standings.enumerated().map { rank, standing in
                              let history = self.history(standing.orchestrator, days: 30)
                              let withData = history.filter { $0.value != nil }
                              let label = withData.isEmpty ? "No daily scores in the last 30 days"
                                  : "Daily SLA score over 30 days: \(withData.count) days with data, from \(Format.score(withData.first!.value)) to \(Format.score(withData.last!.value))"
                              let testedCell = tested.map { [Self.passRate($0[standing.orchestrator])] } ?? []
                              let cost = costs[standing.orchestrator]
                              let costCells = priced ? [Self.gweiPerMinute(cost),
                                                        Self.slaPerGwei(score: standing.score.map { $0 / 100 }, costPerMinute: cost).map { "\($0)" } ?? "no data"] : []
                              return ["\(rank + 1). " + orchestratorLink(standing.orchestrator, root: root), "<strong>\(Format.score(standing.score))</strong>",
                                      "\(standing.jobs)", Format.percent(standing.failureRate), Format.ms(standing.e2e),
                                      standing.verdict.html(model.profile, root: root)] + testedCell + costCells
                                      + [HTML.sparkline(history.map(\.value), label: label), HTML.escape(standing.regions.joined(separator: ", "))]
                          }, numeric: [1, 2, 3, 4]) + testedTable(scores, window: window, root: root)
    }

    // MARK: The tester leaderboard (spec/scoring.md §13)

    /// Each tested orchestrator's entry of `tested`, by address.
    static func testedByOrchestrator(_ tested: JSONValue) -> [String: JSONValue] {
        Dictionary(tested["orchestrators"]?.list.compactMap { entry in entry["orchestrator"]?.text.map { ($0, entry) } } ?? [], uniquingKeysWith: { a, _ in a })
    }

    /// "97.0 % of 33": a pass rate with the attempts behind it; "not tested" without test jobs, "no attempts" when none counted.
    static func passRate(_ entry: JSONValue?) -> String {
        guard let entry else { return "not tested" }
        guard let attempts = entry["attempts"]?.int, attempts > 0 else { return "no attempts" }
        return "\(Format.percent(entry["pass_rate"]?.int)) of \(attempts)"
    }

    /// The tester leaderboard of a window: tested orchestrators by pass rate, apart from the organic score.
    func testedTable(_ scores: JSONValue, window: Int, root: String) -> String {
        guard let tested = scores["scores"]?["tested"] else { return "" }
        let entries = tested["orchestrators"]?.list ?? []
        var body = "<h3 id=\"tested-w\(window)\">Tested: the same work, every orchestrator</h3>\n"
            + "<p>The job tester sends the same published scenarios to every orchestrator that runs them, at times committed to before each day "
            + "(<a href=\"\(root)provenance.html#tester\">how to check</a>). These attempts are kept apart from the SLA score above, which counts organic jobs only; "
            + "attempts that were not the orchestrator's to fail (skipped, interrupted, or never reaching it) are not counted (spec/scoring.md §13).</p>\n"
        guard !entries.isEmpty else { return body + "<p>No test jobs in this window: no data.</p>\n" }
        let ranked = entries.sorted { a, b in
            let (ra, rb) = (a["pass_rate"]?.int ?? -1, b["pass_rate"]?.int ?? -1)
            if ra != rb { return ra > rb }
            let (na, nb) = (a["attempts"]?.int ?? 0, b["attempts"]?.int ?? 0)
            if na != nb { return na > nb }
            return (a["orchestrator"]?.text ?? "") < (b["orchestrator"]?.text ?? "")
        }
        body += HTML.table(caption: "Orchestrators by test pass rate over \(window) day\(window == 1 ? "" : "s") to \(model.lastDay)",
                           headers: ["Orchestrator", "Pass rate", "Passed", "Attempts", "Planned", "Scenarios"],
                           rows: ranked.enumerated().map { rank, entry in
                               let address = entry["orchestrator"]?.text ?? ""
                               // Each scenario's pass rate and median time: latency for a batch scenario, time to first output for live.
                               let scenarios = (entry["scenarios"]?.list ?? []).map { scenario in
                                   let live = scenario["pipeline"]?.text == "live-video-to-video"
                                   let median = (live ? scenario["ttfb_ms"] : scenario["latency_ms"])?["p50"]?.int
                                   return "\(HTML.escape(scenario["scenario"]?.text ?? "")): \(Self.passRate(scenario))"
                                       + (median.map { ", \(live ? "first output" : "latency") p50 \(Format.ms($0))" } ?? "")
                               }.joined(separator: "; ")
                               return ["\(rank + 1). " + orchestratorLink(address, root: root), "<strong>\(Format.percent(entry["pass_rate"]?.int))</strong>",
                                       "\(entry["passed"]?.int ?? 0)", "\(entry["attempts"]?.int ?? 0)", "\(entry["planned"]?.int ?? 0)", scenarios]
                           }, numeric: [1, 2, 3, 4])
        return body
    }

    // MARK: Leaderboards

    func leaderboardIndex() -> String {
        guard let scores = model.windowScores[7]?.value else { return "" }
        var body = "<h1>Leaderboards</h1>\n<p>Each leaderboard is a page of its own, so it can be linked and read without JavaScript.</p>\n"
        var rows = [["All pipelines"] + SiteModel.windows.map { "<a href=\"leaderboards/all-w\($0).html\">\($0) d</a>" }]
        for group in Self.groups(model.windowScores[90]?.value ?? scores) {
            let name = SitePath.group(pipeline: group.pipeline, model: group.model)
            rows.append(["\(HTML.escape(group.pipeline)) / \(HTML.escape(group.model))"] + SiteModel.windows.map { "<a href=\"leaderboards/\(name)-w\($0).html\">\($0) d</a>" })
        }
        body += HTML.table(caption: "Leaderboards by pipeline, model and window", headers: ["Pipeline / model"] + SiteModel.windows.map { "\($0) day\($0 == 1 ? "" : "s")" }, rows: rows)
        return HTML.page(title: "Leaderboards", root: "", current: "leaderboards.html", banner: banner, body: body)
    }

    /// (file name, page) for every leaderboard.
    func leaderboards() -> [(String, String)] {
        var pages: [(String, String)] = []
        let groups = Self.groups(model.windowScores[90]?.value ?? JSONValue.null)
        for window in SiteModel.windows {
            let nav = "<p>Window: " + SiteModel.windows.map { w in w == window ? "<strong>\(w) d</strong>" : "<a href=\"all-w\(w).html\">\(w) d</a>" }.joined(separator: " · ") + "</p>\n"
            pages.append(("all-w\(window).html", HTML.page(title: "Leaderboard, \(window) days", root: "../", current: "leaderboards.html", banner: banner,
                                                           body: "<h1>All orchestrators, \(window) day\(window == 1 ? "" : "s") to \(model.lastDay)</h1>\n" + nav + leaderboardTable(window: window, pipeline: nil, model: nil, root: "../"))))
            // The same leaderboard in the other sort orders (spec/site.md §6.2), when the window has costed live video.
            if !(model.liveCostPerMinute[window] ?? [:]).isEmpty {
                for order in [LeaderboardSort.value, .price] {
                    pages.append((order.page(window: window), HTML.page(title: "Leaderboard, \(window) days, \(order.title)", root: "../", current: "leaderboards.html",
                                                                        banner: banner, body: "<h1>All orchestrators \(order.title), \(window) day\(window == 1 ? "" : "s") to \(model.lastDay)</h1>\n"
                                                                            + nav + leaderboardTable(window: window, pipeline: nil, model: nil, root: "../", sort: order))))
                }
            }
            for group in groups {
                let name = SitePath.group(pipeline: group.pipeline, model: group.model)
                let groupNav = "<p>Window: " + SiteModel.windows.map { w in w == window ? "<strong>\(w) d</strong>" : "<a href=\"\(name)-w\(w).html\">\(w) d</a>" }.joined(separator: " · ") + "</p>\n"
                pages.append(("\(name)-w\(window).html", HTML.page(title: "\(group.pipeline) / \(group.model), \(window) days", root: "../", current: "leaderboards.html", banner: banner,
                                                                   body: "<h1>\(HTML.escape(group.pipeline)) / \(HTML.escape(group.model)), \(window) day\(window == 1 ? "" : "s") to \(model.lastDay)</h1>\n" + groupNav
                                                                       + leaderboardTable(window: window, pipeline: group.pipeline, model: group.model, root: "../"))))
            }
        }
        return pages
    }
}
