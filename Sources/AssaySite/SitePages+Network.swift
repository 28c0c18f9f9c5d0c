import AssayCore

/// The network over time and what live video costs (spec/site.md §6).
extension SitePages {
    /// How a leaderboard of all orchestrators is sorted (spec/site.md §6.2): one static page per order.
    enum LeaderboardSort: CaseIterable {
        case score, value, price

        /// The page of window `window` in this order, under `leaderboards/`.
        func page(window: Int) -> String {
            switch self {
            case .score: "all-w\(window).html"
            case .value: "all-w\(window)-value.html"
            case .price: "all-w\(window)-price.html"
            }
        }

        var title: String {
            switch self {
            case .score: "by SLA score"
            case .value: "by SLA per gwei"
            case .price: "by live cost per minute"
            }
        }
    }

    /// SLA points per 1 000 gwei a minute of live video: ⌊S × 10⁸ / P⌋ (spec/site.md §6.2), S the scorer's `slo.score`
    /// (millionths; a `Standing` holds it × 100), P the live cost per minute in wei.
    static func slaPerGwei(score: Int64?, costPerMinute: Int64?) -> Int64? {
        guard let score, let cost = costPerMinute, cost > 0 else { return nil }
        return Int64(clamping: Int128(score) * 100_000_000 / Int128(cost))
    }

    /// Wei per minute as gwei with one decimal.
    static func gweiPerMinute(_ wei: Int64?) -> String {
        wei.map { Format.fixed($0, scale: 1_000_000_000, digits: 1) + " gwei/min" } ?? "no data"
    }

    /// Milli-wei per pixel as wei per pixel with three decimals.
    static func weiPerPixel(_ milli: Int64?) -> String {
        milli.map { Format.fixed($0, scale: 1000, digits: 3) + " wei/px" } ?? "no data"
    }

    /// `standings` in `sort`'s order (ties by address); those without the sorted value last.
    func sorted(_ standings: [Standing], by sort: LeaderboardSort, window: Int) -> [Standing] {
        let costs = model.liveCostPerMinute[window] ?? [:]
        func key(_ standing: Standing) -> Int64? {
            switch sort {
            case .score: nil
            case .value: Self.slaPerGwei(score: standing.score.map { $0 / 100 }, costPerMinute: costs[standing.orchestrator]).map { -$0 }
            case .price: costs[standing.orchestrator]
            }
        }
        guard sort != .score else { return standings }
        return standings.sorted { a, b in
            switch (key(a), key(b)) {
            case let (x?, y?) where x != y: x < y
            case (_?, nil): true
            case (nil, _?): false
            default: a.orchestrator < b.orchestrator
            }
        }
    }

    /// The home page's charts, each with its table (spec/site.md §6.3).
    func networkOverTime() -> String {
        let start = UTCDay(number: model.lastDay.number - SiteModel.historyDays + 1)
        let days = model.bundlesByDay.keys.filter { $0 >= start }.sorted()
        guard !days.isEmpty else { return "" }
        var body = "<h2 id=\"over-time\">The network over time</h2>\n<p>Every day with bundles, from the gateways' records and the orchestrators' capability snapshots; "
            + "a day without data has no point. Each chart's numbers are in the table after it; <a href=\"provenance.html#network-charts\">how each is computed</a>.</p>\n"
        let jobsByDay = days.map { model.gatewayJobs[$0] ?? [] }
        let groups = Set(jobsByDay.flatMap { $0.map { "\($0.pipeline)\u{0}\($0.model)" } }).sorted()
        func name(_ key: String) -> String { key.replacingOccurrences(of: "\u{0}", with: " / ") }
        let live = groups.filter { $0.hasPrefix("live-video-to-video\u{0}") && !$0.hasSuffix("\u{0}\(SiteModel.Job.noOrchestrator)") }
        func jobs(_ day: Int, _ key: String) -> [SiteModel.Job] { jobsByDay[day].filter { "\($0.pipeline)\u{0}\($0.model)" == key } }

        func chart(_ id: String, _ label: String, _ all: [(name: String, values: [Int64?])], format: @escaping (Int64) -> String) {
            let series = all.filter { $0.values.contains { $0 != nil } }
            guard !series.isEmpty else { return }
            body += "<h3 id=\"\(id)\">\(HTML.escape(label))</h3>\n"
            body += HTML.seriesChart(days: days, series: series, label: label, format: format)
            body += "<details><summary>The numbers</summary>\n" + HTML.table(caption: label, headers: ["Day"] + series.map { HTML.escape($0.name) },
                rows: days.indices.reversed().map { index in
                    ["<time datetime=\"\(days[index])\">\(days[index])</time>"] + series.map { $0.values[index].map(format) ?? "no data" }
                }, numeric: Set(1...series.count)) + "</details>\n"
        }
        chart("chart-jobs", "Gateway-observed jobs per day", groups.map { key in
            (name(key), days.indices.map { jobsByDay[$0].isEmpty ? nil : Int64(jobs($0, key).count) })
        }, format: { "\($0)" })
        chart("chart-success", "Success rate per day", groups.map { key in
            (name(key), days.indices.map { index in
                let list = jobs(index, key)
                return list.isEmpty ? nil : Int64(list.filter(SiteModel.succeeded).count) * 1_000_000 / Int64(list.count)
            })
        }, format: { Format.percent($0) })
        chart("chart-e2e", "Live E2E latency per day, p50 and p90", live.flatMap { key in
            let sorted = days.indices.map { jobs($0, key).compactMap(\.e2eMs).sorted() }
            return [(name(key) + " p50", sorted.map { Self.percentile($0, 50) }), (name(key) + " p90", sorted.map { Self.percentile($0, 90) })]
        }, format: { "\($0) ms" })
        chart("chart-fps", "Live output FPS per day, p50", live.map { key in
            (name(key), days.indices.map { Self.percentile(jobs($0, key).compactMap(\.fpsMilli).sorted(), 50) })
        }, format: { Format.fps($0) })

        let snapshots = days.map { model.snapshots[$0] ?? [] }
        if snapshots.contains(where: { !$0.isEmpty }) {
            chart("chart-capacity", "Capacity per day: GPUs seen and warm models", [
                ("GPUs seen", snapshots.map { $0.isEmpty ? nil : Int64(Set($0.flatMap(\.gpuIDs)).count) }),
                ("warm models (orchestrator, pipeline, model)", snapshots.map { list in
                    list.isEmpty ? nil : Int64(Set(list.filter { $0.warm == true }.map { "\($0.orchestrator)\u{0}\($0.pipeline)\u{0}\($0.model)" }).count)
                }),
            ], format: { "\($0)" })
            let models = Set(snapshots.flatMap { $0.map { "\($0.pipeline)\u{0}\($0.model)" } }).sorted()
            chart("chart-price", "Advertised price per day: the median over orchestrators", models.map { key in
                (name(key), snapshots.map { list in
                    // Each orchestrator's newest snapshot of the day for the model.
                    let newest = SiteModel.Snapshot.newest(list.filter { "\($0.pipeline)\u{0}\($0.model)" == key }) { $0.orchestrator }
                    return Self.percentile(newest.values.compactMap(\.milliWeiPerPixel).sorted(), 50)
                })
            }, format: { Self.weiPerPixel($0) })
        }
        chart("chart-cost", "Live cost per minute per day: what gateways paid", live.map { key in
            (name(key), days.indices.map { SiteModel.costPerMinute(jobs($0, key)) })
        }, format: { Self.gweiPerMinute($0) })
        return body
    }
}
