import AssayCore

extension ScoringProfile {
    /// The bytes of spec/profiles/naap-sla-v1.json, built in so `assay score` works
    /// without a checkout (a test keeps the two identical).
    public static let defaultProfileBytes: [UInt8] = Array(#"""
{"benchmark_days":7,"benchmark_min_rows":48,"description":"The SLA score of the network's NaaP analytics (Cloud-SPE/livepeer-naap-analytics at 94d6241), rule for rule, in integers: per session-hour rows, sla = 100 x coverage x (0.7 reliability + 0.3 quality), windows recomputed from additive fields (spec/scoring.md section 11). Weights and rates in millionths.","live":{"fps_percentiles":{"bad":10,"good":50},"latency_percentiles":{"bad":90,"good":50},"shrink":{"e2e":10,"fps":30,"ptff":10},"weights":{"e2e":400000,"fps":400000,"latency":600000,"no_swap":200000,"output_viability":400000,"ptff":600000,"quality":300000,"reliability":700000,"startup_success":400000}},"method":"naap-session-hours","profile":"naap-sla-v1","slo":{"e2e_ms":3000,"max_failure_rate":10000,"min_score":950000}}
"""#.utf8)

    /// The bytes of spec/profiles/naap-sla-v2.json (a test keeps the two identical).
    public static let naapV2ProfileBytes: [UInt8] = Array(#"""
{"bad_input":{"max_jitter_p90_us":50000,"max_loss_ppm":20000},"benchmark_days":7,"benchmark_min_rows":48,"description":"naap-sla-v1 (the SLA score of the network's NaaP analytics, rule for rule, spec/scoring.md section 11), except that a session whose input was bad (ingest jitter p90 above 50 ms or packet loss above 2 %, go-livepeer's own thresholds) does not count against the orchestrator's reliability (section 11.9). Weights and rates in millionths.","live":{"fps_percentiles":{"bad":10,"good":50},"latency_percentiles":{"bad":90,"good":50},"shrink":{"e2e":10,"fps":30,"ptff":10},"weights":{"e2e":400000,"fps":400000,"latency":600000,"no_swap":200000,"output_viability":400000,"ptff":600000,"quality":300000,"reliability":700000,"startup_success":400000}},"method":"naap-session-hours","profile":"naap-sla-v2","slo":{"e2e_ms":3000,"max_failure_rate":10000,"min_score":950000}}
"""#.utf8)

    /// The bytes of spec/profiles/assay-sla-v1.json (a test keeps the two identical).
    public static let assayProfileBytes: [UInt8] = Array(#"""
{"benchmark_days":7,"benchmark_min_rows":50,"description":"Assay's own SLA score: one job per orchestrator attempt as a gateway saw it, batch, LLM and BYOC jobs too, medians against the pooled benchmark of the 7 days before, a p90 latency SLO (spec/scoring.md sections 5-8 and 12). Weights and rates in millionths.","jobs":{"latency_field":{"batch_request":"duration_ms","byoc_job":"duration_ms","llm_request":"ttft_ms"},"weights":{"latency":300000,"success":700000}},"live":{"fps_percentiles":{"bad":10,"good":50},"latency_percentiles":{"bad":90,"good":50},"weights":{"e2e":400000,"fps":400000,"latency":600000,"no_swap":200000,"output_viability":400000,"ptff":600000,"quality":300000,"reliability":700000,"startup_success":400000}},"method":"assay-attempts","min_samples":30,"profile":"assay-sla-v1","slo":{"e2e_ms":3000,"e2e_percentile":90,"max_failure_rate":10000,"min_score":950000}}
"""#.utf8)

    /// The default profile (spec/profiles/naap-sla-v1.json).
    public static func naapSLAv1() -> ScoringProfile { builtIn(defaultProfileBytes, "naap-sla-v1") }

    /// naap-sla-v1 with bad input excused (spec/profiles/naap-sla-v2.json, spec/scoring.md §11.9).
    public static func naapSLAv2() -> ScoringProfile { builtIn(naapV2ProfileBytes, "naap-sla-v2") }

    /// Assay's own profile (spec/profiles/assay-sla-v1.json).
    public static func assaySLAv1() -> ScoringProfile { builtIn(assayProfileBytes, "assay-sla-v1") }

    /// Every profile this build knows, the default first: a dataset lists them, a verifier recognises them by hash.
    public static func builtInProfiles() -> [ScoringProfile] { [naapSLAv1(), naapSLAv2(), assaySLAv1()] }

    /// The built-in profile named `id`, if any.
    public static func builtIn(named id: String) -> ScoringProfile? { builtInProfiles().first { $0.id == id } }

    static func builtIn(_ bytes: [UInt8], _ name: String) -> ScoringProfile {
        // The built-in bytes are tested to parse; this cannot fail unless the binary was altered.
        do { return try ScoringProfile(bytes: bytes, path: "built-in \(name)") } catch {
            preconditionFailure("the built-in profile \(name) does not parse: \(error)")
        }
    }
}
