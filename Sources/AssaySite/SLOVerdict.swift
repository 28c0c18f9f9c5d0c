import AssayCore
import AssayScore

/// An SLO verdict as the site shows it (spec/scoring.md §8): met, missed,
/// not judged for want of evidence (with the reason), or no jobs at all.
/// A day without evidence is never drawn as a miss.
struct SLOVerdict {
    enum State: String {
        case met, missed
        case notJudged = "not-judged"
        case noJobs = "none"
    }

    let state: State
    /// The reason codes of `not_judged_because`, as the scorer wrote them.
    let reasons: [String]

    /// The verdict of a scores entry's `slo` object; nil (no entry) is "no jobs".
    init(_ slo: JSONValue?) {
        guard let slo else {
            state = .noJobs
            reasons = []
            return
        }
        reasons = slo["not_judged_because"]?.list.compactMap(\.text) ?? []
        switch slo["verdict"]?.text {
        case "met": state = .met
        case "missed": state = .missed
        default: state = .notJudged
        }
    }

    /// The mark shown in a calendar cell (never the only carrier of the meaning).
    var mark: String {
        switch state {
        case .met: "✓"
        case .missed: "✗"
        case .notJudged: "○"
        case .noJobs: "–"
        }
    }

    /// Plain words: "SLO met", "SLO missed", "not judged: fewer than 30 samples…", "no jobs".
    func text(_ profile: ScoringProfile) -> String {
        switch state {
        case .met: return "SLO met"
        case .missed: return "SLO missed"
        case .noJobs: return "not judged: no jobs"
        case .notJudged:
            let why = reasons.map { reason -> String in
                switch reason {
                case "few_samples": profile.fewSamplesRule
                case "thin_benchmark": "partial benchmark (fewer than \(profile.benchmarkMinRows) network values)"
                default: reason
                }
            }
            return "not judged: " + (why.isEmpty ? "too little evidence" : why.joined(separator: "; "))
        }
    }

    /// The verdict as an inline HTML fragment, its reason linked to the rule.
    func html(_ profile: ScoringProfile, root: String) -> String {
        switch state {
        case .met: return "<span class=\"ok\">✓ met</span>"
        case .missed: return "<span class=\"bad\">✗ missed</span>"
        case .noJobs, .notJudged:
            return "<span class=\"muted\">\(mark) \(HTML.escape(text(profile)))</span> (<a href=\"\(root)provenance.html#verdicts\">rule</a>)"
        }
    }

    /// Whether the day's score rests on a benchmark with too few values.
    var partialBenchmark: Bool { reasons.contains("thin_benchmark") }
}
