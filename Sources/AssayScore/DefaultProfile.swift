import AssayCore

extension ScoringProfile {
    /// The bytes of spec/profiles/naap-sla-v1.json, built in so `assay score` works
    /// without a checkout (a test keeps the two identical).
    public static let defaultProfileBytes: [UInt8] = Array(#"""
{"benchmark_days":7,"benchmark_min_rows":50,"description":"The public NaaP SLA formula of the Cloud SPE analytics on UTC days: sla = 100 x coverage x (0.7 reliability + 0.3 quality). Weights and rates in millionths.","jobs":{"latency_field":{"batch_request":"duration_ms","byoc_job":"duration_ms","llm_request":"ttft_ms"},"weights":{"latency":300000,"success":700000}},"live":{"fps_percentiles":{"bad":10,"good":50},"latency_percentiles":{"bad":90,"good":50},"weights":{"e2e":400000,"fps":400000,"latency":600000,"no_swap":200000,"output_viability":400000,"ptff":600000,"quality":300000,"reliability":700000,"startup_success":400000}},"min_samples":30,"profile":"naap-sla-v1","slo":{"e2e_ms":3000,"e2e_percentile":90,"max_failure_rate":10000,"min_score":950000},"sources":{"batch_request":{"duration_ms":"gateway","success":"gateway"},"live_session":{"e2e_latency_ms":"gateway","outcome":"gateway","output_fps_mfps":"orchestrator","ptff_ms":"gateway","status_samples":"orchestrator","status_samples_expected":"orchestrator","swap_count":"gateway"},"llm_request":{"duration_ms":"gateway","success":"gateway","ttft_ms":"gateway"}}}
"""#.utf8)

    /// The default profile (spec/profiles/naap-sla-v1.json).
    public static func naapSLAv1() -> ScoringProfile {
        // The built-in bytes are tested to parse; this cannot fail unless the binary was altered.
        do { return try ScoringProfile(bytes: defaultProfileBytes, path: "built-in naap-sla-v1") } catch {
            preconditionFailure("the built-in profile does not parse: \(error)")
        }
    }
}
