import Foundation
import Testing
import TinyTune
import TinyTunePlugins

@Suite struct MathAnswerRewardTests {
    let reward = MathAnswerReward(options: MathAnswerOptions())

    @Test(arguments: [
        // (completion, gold, expected reward)
        ("Natalia sold 48 + 24 = 72 clips. The answer is 72.", "48/2 = 24\n#### 72", 1.0),  // "the answer is", GSM8K gold
        ("She had 5 apples, ate 2, so 3 are left. #### 3", "#### 3", 1),                   // GSM8K's own marker
        ("So the total is $\\boxed{1234}$.", "#### 1,234", 1),                              // thousands separator in the gold
        ("It costs $1,234.00 in all.", "#### 1234", 1),                                     // currency, separator, trailing zeros
        ("The answer is 18 apples.", "#### 18", 1),                                         // unit word dropped
        ("3 + 4 = 7, then 7 * 2 = 14. So 14", "#### 14", 1),                                // last number after distractors
        ("3 + 4 = 7, then 7 * 2 = 14. So 15", "#### 14", 0),                                // wrong last number
        ("The answer is 14. Check: 2 * 7 = 14 and 1 + 1 = 2.", "#### 14", 1),              // "answer is" beats the last number
        ("The temperature fell to -5 degrees.", "#### -5", 1),                              // sign
        ("The answer is 50%.", "#### 50", 1),                                               // percent read as 50
        ("The answer is $\\boxed{\\dfrac{3}{4}}$.", "\\frac{3}{4}", 1),                      // \dfrac
        ("The answer is $0.75$.", "\\frac{3}{4}", 1),                                       // decimal vs fraction
        ("We get $\\boxed{\\frac12}$.", "0.5", 1),                                          // \frac12 without braces
        ("So $\\boxed{\\sqrt{12}}$.", "2\\sqrt{3}", 1),                                     // √12 = 2√3
        ("So $\\boxed{\\frac{\\pi}{2}}$.", "\\frac{\\pi}{2}", 1),                            // pi
        ("So $\\boxed{\\left(1, 2\\right]}$.", "(1,2]", 1),                                 // interval with \left/\right
        ("So $\\boxed{[1, 2]}$.", "(1,2]", 0),                                              // wrong bracket
        ("So $\\boxed{(3, -4)}$.", "(3,-4)", 1),                                            // tuple
        ("So $\\boxed{(-4, 3)}$.", "(3,-4)", 0),                                            // tuple order counts
        ("So $\\boxed{3, 1}$.", "\\{1, 3\\}", 1),                                           // set: order free
        ("The angle is $\\boxed{30^\\circ}$.", "30", 1),                                    // degrees
        ("The answer is $\\boxed{\\text{(C)}}$.", "\\text{(C)}", 1),                         // choice letter
        ("The answer is (D).", "\\text{(C)}", 0),                                            // other choice
        ("So $\\boxed{2\\frac{1}{2}}$.", "\\frac{5}{2}", 1),                                 // mixed number
        ("So $\\boxed{1000}$.", "10^3", 1),                                                 // power
        ("So $\\boxed{12\\text{ cm}}$.", "12\\text{ cm}", 1),                               // unit in \text{}
        ("So $\\boxed{0.25}$.", "25\\%", 1),                                                // percent vs decimal
        ("So $\\boxed{x^2 + 2x + 1}$.", "(x+1)^2", 1),                                      // symbolic identity
        ("So $\\boxed{x^2 + 2x}$.", "(x+1)^2", 0),                                          // not the same polynomial
        ("Thus $\\boxed{x = 5}$.", "5", 1),                                                 // assignment
        ("So $\\boxed{y=2x+3}$.", "y = 3 + 2x", 1),                                         // equation of a line
        ("So $\\boxed{1.0000001}$.", "1", 1),                                               // within 1e-6 relative
        ("So $\\boxed{1.001}$.", "1", 0),                                                   // outside the tolerance
        ("So $\\boxed{10000001}$.", "10000000", 0),                                         // integers compare exactly
        ("Hence\n$$\n\\frac{5}{7}x\n$$\nis the answer.", "\\frac{5x}{7}", 1),              // last display-math span
        ("She paid $5 and got $3 back.", "#### 3", 1),                                       // dollars are not a math span
        ("Let $t = 3$. So the total is 12 apples.", "#### 12", 1),                            // a number after the last span wins
        ("The answer is a lot, i.e. 240.", "#### 240", 1),                                    // no number after "answer is"
        ("So $\\boxed{(-\\infty, 1) \\cup (2, \\infty)}$.", "(2,\\infty)\\cup(-\\infty,1)", 1),  // union, any order
        ("So $\\boxed{(-\\infty, 1] \\cup (2, \\infty)}$.", "(-\\infty,1)\\cup(2,\\infty)", 0),  // union, other bracket
        ("$\\boxed{\\begin{pmatrix} 1 \\\\ -2 \\end{pmatrix}}$", "\\begin{pmatrix}1\\\\-2\\end{pmatrix}", 1),  // column vector
        ("$\\boxed{\\begin{pmatrix} -2 \\\\ 1 \\end{pmatrix}}$", "\\begin{pmatrix}1\\\\-2\\end{pmatrix}", 0),  // entries swapped
        ("The answer is $\\text{Monday}$.", "\\text{Monday}", 1),                            // word answer
        ("So $\\boxed{.5}$.", "\\frac{1}{2}", 1),                                           // leading point
        ("So $\\boxed{x < 3}$.", "x > 3", 0),                                               // not read as the same word
    ])
    func scores(completion: String, gold: String, expected: Double) {
        let (value, reason) = reward.score(completion: completion, gold: gold)
        #expect(value == expected, "\(reason ?? "")")
        #expect((reason == nil) == (expected == 1))
    }

    @Test(arguments: [
        // (completion, text the reason must contain)
        ("I do not know.", "no answer found"),                                    // nothing to extract
        ("", "no answer found"),                                                   // empty completion
        ("So $\\boxed{(((}$ for sure", "cannot read the answer"),               // unreadable boxed content, no number
        ("The answer is 8.", "answer \"8\" (answer_is) differs from the gold \"7\""), // wrong answer
    ])
    func explainsWhy(completion: String, reason: String) {
        let (value, found) = reward.score(completion: completion, gold: "#### 7")
        #expect(value == 0)
        #expect(found?.contains(reason) == true, "\(found ?? "nil")")
    }

    @Test func extractionOrderIsConfigurable() throws {
        let lastOnly = MathAnswerReward(options: MathAnswerOptions(extraction: [.last_number]))
        // With only the last number, "the answer is 7. Check 2 + 2 = 4" reads 4.
        #expect(lastOnly.score(completion: "The answer is 7. Check: 2 + 2 = 4", gold: "7").reward == 0)
        #expect(reward.score(completion: "The answer is 7. Check: 2 + 2 = 4", gold: "7").reward == 1)
    }

    @Test func readsTheGoldFromTheConfiguredColumnAndSkipsRowsWithout() throws {
        let input = RewardInput(prompts: ["q", "q", "q"], completions: ["The answer is 4", "5", "4"],
                                columns: ["answer": [.string("#### 4"), .int(4), .null]])
        let scores = try reward.scores(for: input)
        #expect(scores.map(\.reward) == [1, 0, nil])
        #expect(scores[2].reason?.contains("no gold answer") == true)
        #expect(try reward.rewards(for: input) == [1, 0, nil])
    }

    @Test func decodesOptionsAndRefusesBadOnes() throws {
        let options = try ConfigDecoder().decode(MathAnswerOptions.self, from: ["extraction": ["boxed"], "tolerance": 0.01])
        #expect(options.extraction == [.boxed])
        #expect(options.tolerance == 0.01)
        #expect(throws: ConfigError.self) { try ConfigDecoder().decode(MathAnswerOptions.self, from: ["tolerance": -1]) }
        #expect(throws: ConfigError.self) { try ConfigDecoder().decode(MathAnswerOptions.self, from: ["extraction": ["psychic"]]) }
    }

    /// Pathological inputs finish quickly and never crash: deep nesting, 100k-digit numbers, long garbage.
    @Test(arguments: [
        String(repeating: "\\frac{", count: 20_000) + "1" + String(repeating: "}{2}", count: 20_000),  // deep \frac
        "\\boxed{" + String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000) + "}",  // deep parentheses
        "The answer is " + String(repeating: "9", count: 100_000),                  // a 100k-digit number
        "\\boxed{" + String(repeating: "{", count: 50_000),                          // unbalanced braces
        String(repeating: "1 + ", count: 30_000) + "1",                              // long flat sum
        "\\boxed{10^{10^{10^{10^{10}}}}}",                                           // overflow to infinity
        String(repeating: "\\sqrt{", count: 10_000) + "2" + String(repeating: "}", count: 10_000),  // deep roots
    ])
    func boundedTimeOnPathologicalInput(completion: String) {
        let start = Date()
        let (value, _) = reward.score(completion: completion, gold: "#### 7")
        #expect(value == 0)
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func hundredThousandDigitNumbersCompareExactly() {
        let big = String(repeating: "9", count: 100_000)
        #expect(reward.score(completion: "The answer is \(big)", gold: big).reward == 1)
        #expect(reward.score(completion: "The answer is \(big)8", gold: big).reward == 0)
        #expect(reward.score(completion: "\\boxed{-\(big)}", gold: "-" + big).reward == 1)   // signs count
        #expect(reward.score(completion: "\\boxed{-\(big)}", gold: big).reward == 0)
        // A boxed answer over 10,000 characters that is not a plain number is not read (bounded work), even when it
        // would evaluate to the gold; the last number ("1") is read instead.
        let long = "\\boxed{" + String(repeating: "1+", count: 6_000) + "1}"
        #expect(reward.score(completion: long, gold: "6001").reward == 0)
    }

    @Test func threadSafe() async {
        let reward = self.reward
        let results = await withTaskGroup(of: Double.self) { group in
            for i in 0..<64 {
                group.addTask { reward.score(completion: "The answer is \(i * 3)", gold: "#### \(i * 3)").reward }
            }
            return await group.reduce(0, +)
        }
        #expect(results == 64)
    }
}
