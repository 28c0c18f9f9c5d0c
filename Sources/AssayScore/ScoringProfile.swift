import AssayCore
import AssayCrypto
import AssayLedger

/// Why scoring could not run.
public struct ScoreError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A scoring profile (spec/scoring.md §1): canonical JSON, named by its SHA-256.
public struct ScoringProfile: Sendable {
    /// The computation a profile names (spec/scoring.md §1).
    public enum Method: String, Sendable {
        /// §5–§8: one job per orchestrator attempt (assay-sla-v1).
        case assayAttempts = "assay-attempts"
        /// §11: NaaP's session-hour rows (naap-sla-v1).
        case naapSessionHours = "naap-session-hours"
    }

    public let id: String
    public let sha256: String
    public let method: Method
    public let benchmarkDays: Int
    public let benchmarkMinRows: Int64
    /// assay-attempts: fewer samples than this pull a component toward ½ (§6); naap-session-hours: the FPS shrink (§11.5).
    public let minSamples: Int64
    let live: LiveWeights
    let latencyGood: Int64, latencyBad: Int64, fpsBad: Int64, fpsGood: Int64
    let jobSuccess: Int64, jobLatency: Int64
    let latencyField: [RecordKind: ScoredField]
    /// naap-session-hours: the evidence at which PTFF, E2E and FPS count fully (§11.5).
    public let shrinkPTFF: Int64, shrinkE2E: Int64, shrinkFPS: Int64
    public let maxFailureRate: Int64, sloE2EMs: Int64, minScore: Int64
    /// assay-attempts: the SLO's E2E percentile; naap-session-hours: nil (the SLO takes the average).
    public let sloE2EPercentile: Int64?
    /// naap-session-hours: when present, sessions whose input was worse than these are not the orchestrator's to
    /// fail (spec/scoring.md §11.9, naap-sla-v2).
    public let badInput: BadInput?

    public struct BadInput: Sendable, Equatable {
        public let maxJitterP90Us: Int64
        public let maxLossPPM: Int64

        public init(maxJitterP90Us: Int64, maxLossPPM: Int64) {
            self.maxJitterP90Us = maxJitterP90Us
            self.maxLossPPM = maxLossPPM
        }
    }

    /// Parses a profile file; `path` names it in errors.
    public init(bytes: [UInt8], path: String) throws(ScoreError) {
        let value: JSONValue
        do { value = try JSONParser().parse(bytes) } catch { throw ScoreError("\(path): not JSON: \(error)") }
        // A parsed value without a canonical form is not canonical: that is the answer.
        guard (try? CanonicalJSON.encode(value)) == bytes else {  // bytes that cannot be encoded are not canonical: the same refusal
            throw ScoreError("\(path): a profile must be in canonical form (RFC 8785), so its hash names it unambiguously")
        }
        func integer(_ path: [String]) throws(ScoreError) -> Int64 {
            var node: JSONValue? = value
            for key in path { node = node?[key] }
            guard case .integer(let number)? = node, number >= 0 else {
                throw ScoreError("\(path.joined(separator: ".")) must be a non-negative integer in the profile")
            }
            return number
        }
        guard case .string(let id)? = value["profile"] else { throw ScoreError("\(path): 'profile' (the profile id) is missing") }
        guard case .string(let methodName)? = value["method"], let method = Method(rawValue: methodName) else {
            throw ScoreError("\(path): 'method' must be \"assay-attempts\" or \"naap-session-hours\" (spec/scoring.md §1)")
        }
        self.id = id
        self.method = method
        sha256 = MessageDigest.sha256(bytes).hex
        benchmarkDays = Int(try integer(["benchmark_days"]))
        benchmarkMinRows = try integer(["benchmark_min_rows"])
        func weight(_ name: String) throws(ScoreError) -> Int64 { try integer(["live", "weights", name]) }
        live = LiveWeights(reliability: try weight("reliability"), quality: try weight("quality"), startupSuccess: try weight("startup_success"),
                           noSwap: try weight("no_swap"), outputViability: try weight("output_viability"), latency: try weight("latency"),
                           fps: try weight("fps"), ptff: try weight("ptff"), e2e: try weight("e2e"))
        latencyGood = try integer(["live", "latency_percentiles", "good"])
        latencyBad = try integer(["live", "latency_percentiles", "bad"])
        fpsBad = try integer(["live", "fps_percentiles", "bad"])
        fpsGood = try integer(["live", "fps_percentiles", "good"])
        maxFailureRate = try integer(["slo", "max_failure_rate"])
        sloE2EMs = try integer(["slo", "e2e_ms"])
        minScore = try integer(["slo", "min_score"])
        switch method {
        case .assayAttempts:
            minSamples = try integer(["min_samples"])
            jobSuccess = try integer(["jobs", "weights", "success"])
            jobLatency = try integer(["jobs", "weights", "latency"])
            var latencyField: [RecordKind: ScoredField] = [:]
            for kind in [RecordKind.batchRequest, .llmRequest, .byocJob] {
                guard case .string(let name)? = value["jobs"]?["latency_field"]?[kind.rawValue],
                      let field = ScoredField.named(name), field == .duration || field == .ttft else {
                    throw ScoreError("jobs.latency_field.\(kind.rawValue) must be \"duration_ms\" or \"ttft_ms\" in the profile")
                }
                latencyField[kind] = field
            }
            self.latencyField = latencyField
            sloE2EPercentile = try integer(["slo", "e2e_percentile"])
            shrinkPTFF = 0
            shrinkE2E = 0
            shrinkFPS = 0
            guard value["bad_input"] == nil else {
                throw ScoreError("\(path): bad_input is a member of naap-session-hours profiles only (spec/scoring.md §11.9)")
            }
            badInput = nil
        case .naapSessionHours:
            shrinkPTFF = try integer(["live", "shrink", "ptff"])
            shrinkE2E = try integer(["live", "shrink", "e2e"])
            shrinkFPS = try integer(["live", "shrink", "fps"])
            minSamples = shrinkFPS
            jobSuccess = 0
            jobLatency = 0
            latencyField = [:]
            sloE2EPercentile = nil
            badInput = value["bad_input"] == nil ? nil
                : BadInput(maxJitterP90Us: try integer(["bad_input", "max_jitter_p90_us"]), maxLossPPM: try integer(["bad_input", "max_loss_ppm"]))
            guard shrinkPTFF > 0, shrinkE2E > 0, shrinkFPS > 0, shrinkPTFF <= 1_000_000, shrinkE2E <= 1_000_000, shrinkFPS <= 1_000_000 else {
                throw ScoreError("live.shrink members must be 1…1000000 in the profile")
            }
        }
        for (name, percentile) in [("latency", latencyGood), ("latency", latencyBad), ("fps", fpsBad), ("fps", fpsGood), ("slo.e2e", sloE2EPercentile ?? 50)]
        where percentile < 1 || percentile > 100 {
            throw ScoreError("\(name) percentiles must be 1…100 in the profile")
        }
        guard latencyGood <= latencyBad, fpsBad <= fpsGood, maxFailureRate > 0, minSamples > 0, benchmarkDays <= 366 else {
            throw ScoreError("the profile needs latency good ≤ bad, fps bad ≤ good, max_failure_rate > 0, min_samples > 0 and benchmark_days ≤ 366")
        }
    }
}

extension ScoringProfile {
    /// The profile as a dataset descriptor lists it (spec/dataset.md §3).
    public var descriptorEntry: DatasetDescriptor.Profile { DatasetDescriptor.Profile(id: id, sha256: sha256) }
}

extension VerificationReport {
    /// The report with the findings of every published scores directory (spec/scoring.md §10), judged
    /// by this report's bundles and policy and `descriptor`'s scoring profiles.
    public func addingPublishedScores(_ directory: DatasetDirectory, descriptor: DatasetDescriptor) -> VerificationReport {
        guard policy != nil else { return self }
        return adding(PublishedScores.verify(directory, report: self, profiles: descriptor.scoringProfiles))
    }
}

/// The weights of a live group's score (spec/scoring.md §7, §11.5), in millionths, and the formulas
/// that combine the components with them: the same for both methods, each a pure function of its inputs.
struct LiveWeights: Sendable, Equatable {
    let reliability: Int64, quality: Int64
    let startupSuccess: Int64, noSwap: Int64, outputViability: Int64
    let latency: Int64, fps: Int64
    let ptff: Int64, e2e: Int64

    /// reliability = startup_success, no_swap and output_viability, weighted.
    func reliability(startup: Int64, noSwap: Int64, viability: Int64) -> Int64 {
        Fixed.mix((startupSuccess, startup), (self.noSwap, noSwap), (outputViability, viability))
    }

    /// latency = the ptff and e2e components, weighted.
    func latency(ptff: Int64, e2e: Int64) -> Int64 { Fixed.mix((self.ptff, ptff), (self.e2e, e2e)) }

    /// quality = latency and the fps component, weighted.
    func quality(latency: Int64, fps: Int64) -> Int64 { Fixed.mix((self.latency, latency), (self.fps, fps)) }

    /// score = coverage × (reliability and quality, weighted).
    func score(coverage: Int64, reliability: Int64, quality: Int64) -> Int64 {
        Fixed.div(coverage * Fixed.mix((self.reliability, reliability), (self.quality, quality)), Fixed.one)
    }
}
