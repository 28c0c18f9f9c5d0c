import AssayScore

/// How the site names a profile's figures (spec/scoring.md §8, §11.6), so every page says which statistic a
/// number is under the profile it was computed with.
extension ScoringProfile {
    /// The SLO's latency criterion: an average (naap-sla-v1) or a percentile (assay-sla-v1).
    var e2eLabel: String {
        method == .naapSessionHours ? "E2E average" : "E2E p\(sloE2EPercentile ?? 90)"
    }

    /// The statistic of a group's PTFF, E2E and FPS values in its row.
    var valueStatistic: String { method == .naapSessionHours ? "mean" : "median" }

    /// What an orchestrator's headline score is.
    var headlineRule: String {
        method == .naapSessionHours
            ? "its lowest (pipeline, model) score: NaaP publishes one score per row and does not average them"
            : "the job-weighted mean of its (pipeline, model) scores"
    }

    /// What the count of an orchestrator's scored units is.
    var unitName: String { method == .naapSessionHours ? "session-hours" : "jobs" }

    /// The evidence below which a latency or FPS component is pulled toward ½.
    var fewSamplesRule: String {
        method == .naapSessionHours
            ? "fewer than \(shrinkPTFF) PTFF or \(shrinkE2E) E2E values or \(shrinkFPS) status reports behind a component"
            : "fewer than \(minSamples) samples behind a latency or FPS component"
    }
}
