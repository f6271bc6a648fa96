import TinyTune

/// Options of a JSON-lines dataset.
public struct JSONLDatasetOptions: PluginOptions {
    /// A `.jsonl` or zstd-compressed `.jsonl.zst` file, relative to the config file. Required.
    public let path: String
    /// Field conventions: `gsm8k` (question / answer ending in `#### N`), `math` (problem / solution with
    /// `\boxed{}`), or `custom` with `prompt_field` and `answer_field`. Default `gsm8k`.
    public let format: Format
    public let promptField: String
    public let answerField: String
    /// Rows held out for evaluation (taken after the seeded shuffle). Default 200.
    public let evalSize: Int
    /// Seed of the shuffle before the split. Default 0.
    public let shuffleSeed: UInt64
    /// Use at most this many rows in all. Default: every row.
    public let limit: Int?

    public enum Format: String, OptionEnum { case gsm8k, math, custom }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path, format, promptField = "prompt_field", answerField = "answer_field", evalSize = "eval_size"
        case shuffleSeed = "shuffle_seed", limit
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.required(.path, .nonEmpty)
        format = try c.value(.format, default: .gsm8k)
        let defaults: (String, String)
        switch format {
        case .gsm8k: defaults = ("question", "answer")
        case .math: defaults = ("problem", "solution")
        case .custom: defaults = ("prompt", "answer")
        }
        promptField = try c.value(.promptField, default: defaults.0, .nonEmpty)
        answerField = try c.value(.answerField, default: defaults.1, .nonEmpty)
        evalSize = try c.value(.evalSize, default: 200, .atLeast(0))
        shuffleSeed = try c.value(.shuffleSeed, default: 0)
        limit = try c.optional(.limit, .atLeast(1))
    }
}

/// Problems from a JSON-lines file (optionally zstd-compressed). Reading arrives with issue #7.
public struct JSONLDataset: Plugin, Dataset {
    public static let typeName = "jsonl"
    public static let summary = "JSON lines (.jsonl or .jsonl.zst) with GSM8K, MATH or custom field names"
    public let options: JSONLDatasetOptions
    public let path: String

    public init(options: JSONLDatasetOptions, context: PluginContext) throws {
        self.options = options
        path = context.resolve(options.path)
    }

    public func examples(_ split: DatasetSplit) throws -> [Example] {
        throw TinyTuneError.notAvailableYet(feature: "the jsonl dataset", issue: 7)
    }
}
