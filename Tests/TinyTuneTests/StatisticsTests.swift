import Foundation
import Testing
@testable import TinyTune

/// Wilson intervals, the two-proportion z-test and McNemar's test against scipy
/// (`scripts/reference/make_statistics_fixtures.py`), plus Newcombe's (1998) textbook interval.
@Suite struct StatisticsTests {
    struct Reference: Decodable {
        struct Wilson: Decodable { let successes: Int, trials: Int, low: Double, high: Double }
        struct ZTest: Decodable { let successes1: Int, trials1: Int, successes2: Int, trials2: Int, z: Double, p: Double }
        struct McNemar: Decodable { let b: Int, c: Int, exact_p: Double, chi2: Double, chi2_p: Double }
        let wilson: [Wilson]
        let ztest: [ZTest]
        let mcnemar: [McNemar]
    }

    func reference() throws -> Reference {
        let url = try #require(Bundle.module.url(forResource: "statistics_reference", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    @Test func wilsonMatchesScipy() throws {
        let cases = try reference().wilson
        #expect(cases.count == 9)
        for c in cases {
            let ci = ProportionStatistics.wilson(successes: c.successes, trials: c.trials)
            #expect(abs(ci.low - c.low) < 1e-12 && abs(ci.high - c.high) < 1e-12, "\(c.successes)/\(c.trials): \(ci)")
        }
    }

    @Test func wilsonTextbookValue() {
        // Newcombe (1998), Statistics in Medicine 17:857, Table I: 81/263 gives 0.2553 to 0.3662.
        let ci = ProportionStatistics.wilson(successes: 81, trials: 263)
        #expect(String(format: "%.4f %.4f", ci.low, ci.high) == "0.2553 0.3662")
    }

    @Test func twoProportionZTestMatchesScipy() throws {
        for c in try reference().ztest {
            let t = ProportionStatistics.twoProportionZTest(successes1: c.successes1, trials1: c.trials1,
                                                            successes2: c.successes2, trials2: c.trials2)
            #expect(abs(t.statistic - c.z) < 1e-10 && abs(t.pValue - c.p) < 1e-10, "\(c): \(t)")
        }
    }

    @Test func mcNemarMatchesScipy() throws {
        for c in try reference().mcnemar {
            let exact = ProportionStatistics.mcNemar(onlyFirstCorrect: c.b, onlySecondCorrect: c.c)
            #expect(abs(exact.pValue - c.exact_p) < 1e-10, "exact \(c.b),\(c.c): \(exact.pValue) vs \(c.exact_p)")
            let chi2 = ProportionStatistics.mcNemar(onlyFirstCorrect: c.b, onlySecondCorrect: c.c, exact: false)
            #expect(abs(chi2.statistic - c.chi2) < 1e-12 && abs(chi2.pValue - c.chi2_p) < 1e-10, "chi2 \(c.b),\(c.c)")
        }
    }

    @Test func mcNemarFromPerProblemResults() throws {
        // Discordant pairs: problem 1 right only before (b = 1), problems 2 and 3 right only after (c = 2).
        let before = [true, true, false, false, true]
        let after = [true, false, true, true, true]
        let t = try ProportionStatistics.mcNemar(first: before, second: after)
        #expect(t == ProportionStatistics.mcNemar(onlyFirstCorrect: 1, onlySecondCorrect: 2))
        #expect(abs(t.pValue - 1.0) < 1e-12)   // 2 * P(X <= 1), X ~ Bin(3, 1/2) = 2 * 4/8, capped at 1
        #expect(throws: TinyTuneError.self) { try ProportionStatistics.mcNemar(first: [true], second: []) }
    }

    @Test func degenerateInputsDoNotCrash() {
        let empty = ProportionStatistics.wilson(successes: 0, trials: 0)
        #expect(empty.low == 0 && empty.high == 1)
        #expect(ProportionStatistics.twoProportionZTest(successes1: 0, trials1: 20, successes2: 0, trials2: 20).pValue == 1)
        #expect(ProportionStatistics.mcNemar(onlyFirstCorrect: 0, onlySecondCorrect: 0).pValue == 1)
    }
}
