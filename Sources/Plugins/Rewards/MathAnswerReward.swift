import TinyTune

/// Options of the math answer checker.
public struct MathAnswerOptions: PluginOptions {
    /// The dataset column holding the gold answer. Default `answer`.
    public let answerField: String
    /// Relative tolerance of numeric comparison (integers compare exactly). Default 1e-6.
    public let tolerance: Double
    /// Where to look for the model's final answer, tried in order. Default: all five, in the order shown.
    public let extraction: [Extraction]

    public enum Extraction: String, OptionEnum {
        /// The last `\boxed{...}`.
        case boxed
        /// GSM8K's `#### N`.
        case gsm8k
        /// "The answer is ...".
        case answer_is
        /// The last math span (`$$...$$`, `\[...\]`, `\(...\)`, `$...$`) when no number follows it.
        case latex
        /// The last number in the text.
        case last_number
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case answerField = "answer_field", tolerance, extraction
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        answerField = try c.value(.answerField, default: "answer", .nonEmpty)
        tolerance = try c.value(.tolerance, default: 1e-6, .atLeast(0))
        extraction = try c.value(.extraction, default: Extraction.allCases, .nonEmpty)
    }

    public init(answerField: String = "answer", tolerance: Double = 1e-6, extraction: [Extraction] = Extraction.allCases) {
        self.answerField = answerField
        self.tolerance = tolerance
        self.extraction = extraction
    }
}

/// 1 when the completion's final answer equals the gold answer (numerically or symbolically), else 0 with a reason.
///
///     "rewards": [{"type": "math_answer"}]            // gold in the dataset's `answer` column
///
///     let reward = MathAnswerReward(options: MathAnswerOptions())
///     reward.score(completion: "3 + 4 = 7. The answer is 7.", gold: "#### 7")      // (1, nil)
///     reward.score(completion: "I am not sure.", gold: "#### 7").reason              // "no answer found: ..."
///
/// The gold may be GSM8K's full solution (`... #### 1,234`), a MATH solution (its last `\boxed{}`) or a bare answer
/// (`\frac{3}{4}`, `(1, 2]`, `30^\circ`, `\text{(B)}`). Extraction: `MathAnswerExtraction.swift`; reading:
/// `MathAnswerNormalization.swift`, `MathExpression.swift`; comparison: `MathAnswerComparison.swift`. Pure
/// functions of their input: thread-safe, no signals, time linear in the text (nesting deeper than 64 and literals
/// longer than 60 digits are handled without recursion or overflow).
public struct MathAnswerReward: Plugin, RewardFunction {
    public static let typeName = "math_answer"
    public static let summary = "1 if the final answer (\\boxed, ####, 'the answer is', last number) equals the gold"
    public let options: MathAnswerOptions
    private let comparator: MathAnswerComparator

    public init(options: MathAnswerOptions, context: PluginContext) throws { self.init(options: options) }

    public init(options: MathAnswerOptions) {
        self.options = options
        comparator = MathAnswerComparator(tolerance: options.tolerance)
    }

    public func rewards(for input: RewardInput) throws -> [Double?] {
        try scores(for: input).map(\.reward)
    }

    /// One score per completion; the gold comes from the `answer_field` column (nil reward when a row has none).
    public func scores(for input: RewardInput) throws -> [RewardScore] {
        let golds = input.columns[options.answerField]
        return input.completions.indices.map { i in
            guard let golds, i < golds.count, let gold = Self.text(of: golds[i]) else {
                return RewardScore(reward: nil, reason: "no gold answer in column \"\(options.answerField)\"")
            }
            let (reward, reason) = score(completion: input.completions[i], gold: gold)
            return RewardScore(reward: reward, reason: reason)
        }
    }

    /// 1 or 0, with a reason unless the answer is right.
    public func score(completion: String, gold: String) -> (reward: Double, reason: String?) {
        let goldText = MathAnswerExtractor.gold(gold)
        let goldValues = MathAnswerNormalizer.values(of: goldText)
        guard !goldValues.isEmpty else { return (0, "cannot read the gold answer \"\(Self.short(goldText))\"") }
        // The first extraction method whose answer can be read decides.
        var unreadable: ExtractedAnswer?
        for method in options.extraction {
            guard let found = MathAnswerExtractor.extract(from: completion, order: [method]) else { continue }
            var values = MathAnswerNormalizer.values(of: found.text)
            if values.isEmpty, method != .last_number,
               let number = MathAnswerExtractor.extract(from: found.text, order: [.last_number]) {
                values = MathAnswerNormalizer.values(of: number.text)
            }
            guard !values.isEmpty else {
                unreadable = unreadable ?? found
                continue
            }
            if comparator.equal(goldValues, values) { return (1, nil) }
            return (0, "answer \"\(Self.short(found.text))\" (\(method.rawValue)) differs from the gold \"\(Self.short(goldText))\"")
        }
        if let unreadable {
            return (0, "cannot read the answer \"\(Self.short(unreadable.text))\" (\(unreadable.method.rawValue))")
        }
        let methods = options.extraction.map(\.rawValue).joined(separator: ", ")
        return (0, "no answer found (tried \(methods))")
    }

    private static func text(of value: JSONValue) -> String? {
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        default: return nil
        }
    }

    private static func short(_ text: String) -> String {
        text.count > 80 ? String(text.prefix(77)) + "..." : text
    }
}
