import TinyTune

/// Options of the math answer checker.
public struct MathAnswerOptions: PluginOptions {
    /// The dataset column holding the gold answer. Default `answer`.
    public let answerField: String
    /// Relative tolerance of numeric comparison. Default 1e-6.
    public let tolerance: Double
    /// Where to look for the model's final answer, tried in order. Default: all four, in the order shown.
    public let extraction: [Extraction]

    public enum Extraction: String, OptionEnum {
        /// The last `\boxed{...}`.
        case boxed
        /// GSM8K's `#### N`.
        case gsm8k
        /// "The answer is ...".
        case answer_is
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
}

/// 1 when the completion's final answer equals the gold answer (numerically or symbolically), else 0.
/// The checker arrives with issue #7.
public struct MathAnswerReward: Plugin, RewardFunction {
    public static let typeName = "math_answer"
    public static let summary = "1 if the final answer (\\boxed, ####, 'the answer is', last number) equals the gold"
    public let options: MathAnswerOptions

    public init(options: MathAnswerOptions, context: PluginContext) throws { self.options = options }

    public func rewards(for input: RewardInput) throws -> [Double?] {
        throw TinyTuneError.notAvailableYet(feature: "the math_answer reward", issue: 7)
    }
}
