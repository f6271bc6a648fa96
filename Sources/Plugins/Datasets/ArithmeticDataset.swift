import TinyTune

/// Options of the built-in arithmetic word problems.
public struct ArithmeticDatasetOptions: PluginOptions {
    /// Which kind of problem. Default `which_larger` (where Gemma 3 270M has latent ability; see the README).
    public let task: Task
    /// Difficulty 1 (small numbers) to 5. Default 1.
    public let level: Int
    /// Worked examples shown before each problem. Default 2.
    public let fewShot: Int
    public let trainSize: Int
    public let evalSize: Int
    /// Seed of every draw; the eval split uses a separate stream so it never overlaps training. Default 0.
    public let seed: UInt64

    public enum Task: String, OptionEnum { case addition, subtraction, multiplication, double, counting, which_larger }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case task, level, fewShot = "few_shot", trainSize = "train_size", evalSize = "eval_size", seed
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        task = try c.value(.task, default: .which_larger)
        level = try c.value(.level, default: 1, .between(1, 5))
        fewShot = try c.value(.fewShot, default: 2, .between(0, 8))
        trainSize = try c.value(.trainSize, default: 1000, .atLeast(1))
        evalSize = try c.value(.evalSize, default: 200, .atLeast(1))
        seed = try c.value(.seed, default: 0)
    }
}

/// Generated arithmetic word problems, so the quickstart needs no download. Generation arrives with issue #7.
public struct ArithmeticDataset: Plugin, Dataset {
    public static let typeName = "arithmetic"
    public static let summary = "generated arithmetic word problems by task and level, seeded; no download"
    public let options: ArithmeticDatasetOptions

    public init(options: ArithmeticDatasetOptions, context: PluginContext) throws { self.options = options }

    public func examples(_ split: DatasetSplit) throws -> [Example] {
        throw TinyTuneError.notAvailableYet(feature: "the arithmetic dataset", issue: 7)
    }
}
