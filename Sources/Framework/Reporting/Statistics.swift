import Foundation

/// Intervals and tests for accuracies measured on a finite set of problems.
///
///     let ci = ProportionStatistics.wilson(successes: 126, trials: 200)   // (0.5609, 0.6945)
///     let t = ProportionStatistics.twoProportionZTest(successes1: 89, trials1: 200, successes2: 126, trials2: 200)
///     let m = ProportionStatistics.mcNemar(onlyFirstCorrect: 5, onlySecondCorrect: 20)   // paired: same problems
///
/// Formulas: Wilson (1927) score interval; the pooled two-proportion z-test; McNemar's test, exact (binomial on the
/// discordant pairs) and the chi-square form with continuity correction. scripts/reference/make_statistics_fixtures.py
/// checks all of them against scipy.stats.
public enum ProportionStatistics {
    /// The normal quantile of a two-sided 95% interval.
    public static let z95 = 1.959963984540054

    /// Wilson score interval of `successes` out of `trials` (scipy's `binomtest(...).proportion_ci(method="wilson")`).
    /// Unlike the normal (Wald) interval it stays inside [0, 1] and is sensible at 0 or n successes.
    public static func wilson(successes: Int, trials: Int, z: Double = z95) -> (low: Double, high: Double) {
        guard trials > 0 else { return (0, 1) }
        let n = Double(trials), p = Double(successes) / n, z2 = z * z
        let center = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return (max(0, center - half), min(1, center + half))
    }

    /// A test statistic and its two-sided p-value.
    public struct TestResult: Sendable, Equatable {
        public let statistic: Double
        public let pValue: Double
    }

    /// Pooled two-proportion z-test of p1 = p2 for independent samples; z > 0 when the second proportion is larger.
    /// On paired data (the same problems before and after) it ignores the pairing; prefer `mcNemar` when per-problem
    /// results are known.
    public static func twoProportionZTest(successes1: Int, trials1: Int, successes2: Int, trials2: Int) -> TestResult {
        guard trials1 > 0, trials2 > 0 else { return TestResult(statistic: 0, pValue: 1) }
        let n1 = Double(trials1), n2 = Double(trials2)
        let p1 = Double(successes1) / n1, p2 = Double(successes2) / n2
        let pooled = Double(successes1 + successes2) / (n1 + n2)
        let se = (pooled * (1 - pooled) * (1 / n1 + 1 / n2)).squareRoot()
        guard se > 0 else { return TestResult(statistic: 0, pValue: p1 == p2 ? 1 : 0) }
        let z = (p2 - p1) / se
        return TestResult(statistic: z, pValue: erfc(abs(z) / 2.0.squareRoot()))
    }

    /// McNemar's test on paired results: `onlyFirstCorrect` (b) problems right only in the first run,
    /// `onlySecondCorrect` (c) right only in the second. Exact: two-sided binomial test of b ~ Bin(b + c, 1/2), the
    /// statistic is min(b, c). Otherwise chi-square with continuity correction, (|b - c| - 1)² / (b + c), one degree
    /// of freedom.
    public static func mcNemar(onlyFirstCorrect b: Int, onlySecondCorrect c: Int, exact: Bool = true) -> TestResult {
        let n = b + c
        guard n > 0 else { return TestResult(statistic: 0, pValue: 1) }
        if exact {
            let k = min(b, c)
            // P(X <= k) for X ~ Bin(n, 1/2), doubled (the distribution is symmetric), capped at 1.
            var tail = 0.0
            for i in 0...k { tail += exp(logChoose(n, i) - Double(n) * log(2.0)) }
            return TestResult(statistic: Double(k), pValue: min(1, 2 * tail))
        }
        let d = max(0, Double(abs(b - c)) - 1)
        let chi2 = d * d / Double(n)
        // The chi-square survival function with one degree of freedom is erfc(sqrt(x / 2)).
        return TestResult(statistic: chi2, pValue: erfc((chi2 / 2).squareRoot()))
    }

    /// McNemar's test from per-problem correctness of two runs on the same problems, in the same order.
    public static func mcNemar(first: [Bool], second: [Bool], exact: Bool = true) throws -> TestResult {
        guard first.count == second.count else {
            throw TinyTuneError.unsupported("McNemar's test needs the same problems: \(first.count) results against \(second.count)")
        }
        let b = zip(first, second).filter { $0.0 && !$0.1 }.count
        let c = zip(first, second).filter { !$0.0 && $0.1 }.count
        return mcNemar(onlyFirstCorrect: b, onlySecondCorrect: c, exact: exact)
    }

    static func logChoose(_ n: Int, _ k: Int) -> Double {
        lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
    }
}
