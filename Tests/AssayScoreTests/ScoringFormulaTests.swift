@testable import AssayScore
import Testing

/// The pure formulas of spec/scoring.md §2, §6, §7 and §11.5, one by one, against the numbers of
/// the worked examples (spec/vectors/scoring/worked.md for assay-sla-v1, worked-naap.md for naap-sla-v1).
@Suite("scoring formulas, one by one, against the worked examples")
struct ScoringFormulaTests {
    @Test("both built-in profiles carry the weights the worked examples use")
    func weights() {
        let expected = LiveWeights(reliability: 700_000, quality: 300_000, startupSuccess: 400_000, noSwap: 200_000, outputViability: 400_000,
                                   latency: 600_000, fps: 400_000, ptff: 600_000, e2e: 400_000)
        #expect(ScoringProfile.assaySLAv1().live == expected)
        #expect(ScoringProfile.naapSLAv1().live == expected)
    }

    @Test("§2: rates and divisions round halves up; nearest-rank percentiles")
    func numbers() {
        #expect(Fixed.rate(2, 3) == 666_667)  // worked.md: 666 666.67
        #expect(Fixed.rate(10, 12) == 833_333)  // worked-naap.md: 833 333.3
        #expect(Fixed.div(6100, 3) == 2033)
        #expect(Fixed.div(563_208_500_000, 1_000_000) == 563_209)  // a half rounds up
        #expect(Fixed.percentile([1000, 2000, 3000], 50) == 2000)  // rank 2
        #expect(Fixed.percentile([1000, 2000, 3000], 90) == 3000)  // rank ⌈2.7⌉ = 3
        #expect(Fixed.percentile([], 50) == nil)
        #expect(Fixed.points(563_209) == "56.3209")
        #expect(Fixed.points(5) == "0.0005")
    }

    @Test("§6: latency and FPS component scores between the benchmark's percentiles")
    func components() {
        #expect(Fixed.latencyScore(1500, good: 2000, bad: 3000) == 1_000_000)
        #expect(Fixed.latencyScore(700, good: 600, bad: 800) == 500_000)  // worked.md, e2e
        #expect(Fixed.latencyScore(2033, good: 2000, bad: 4000) == 983_500)  // worked-naap.md, ptff
        #expect(Fixed.latencyScore(683, good: 600, bad: 800) == 585_000)  // worked-naap.md, e2e
        #expect(Fixed.latencyScore(800, good: 600, bad: 800) == 0)
        #expect(Fixed.fpsScore(15000, bad: 10000, good: 20000) == 500_000)  // both examples, fps
        #expect(Fixed.fpsScore(25000, bad: 10000, good: 20000) == 1_000_000)
        #expect(Fixed.fpsScore(10000, bad: 10000, good: 20000) == 0)
    }

    @Test("§7: group A of worked.md, formula by formula")
    func assayGroup() {
        let w = ScoringProfile.assaySLAv1().live
        let reliability = w.reliability(startup: 666_667, noSwap: 666_667, viability: 666_667)
        #expect(reliability == 666_667)
        let latency = w.latency(ptff: 750_000, e2e: 500_000)
        #expect(latency == 650_000)
        let quality = w.quality(latency: latency, fps: 500_000)
        #expect(quality == 590_000)
        #expect(w.score(coverage: 875_000, reliability: reliability, quality: quality) == 563_209)
        // Region eu and region us of the same example.
        #expect(w.score(coverage: 875_000, reliability: w.reliability(startup: 1_000_000, noSwap: 500_000, viability: 1_000_000), quality: 590_000)
            == 706_125)
        #expect(w.score(coverage: 1_000_000, reliability: w.reliability(startup: 0, noSwap: 1_000_000, viability: 0),
                        quality: w.quality(latency: w.latency(ptff: 500_000, e2e: 500_000), fps: 500_000)) == 290_000)
    }

    @Test("§11.5: group A of worked-naap.md, formula by formula")
    func naapGroup() {
        let w = ScoringProfile.naapSLAv1().live
        let reliability = w.reliability(startup: 750_000, noSwap: 750_000, viability: 500_000)
        #expect(reliability == 650_000)
        let latency = w.latency(ptff: 983_500, e2e: 585_000)
        #expect(latency == 824_100)
        let quality = w.quality(latency: latency, fps: 500_000)
        #expect(quality == 694_460)
        #expect(w.score(coverage: 833_333, reliability: reliability, quality: quality) == 552_781)
    }
}
