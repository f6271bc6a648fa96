import TinyTune

/// Options of supervised fine-tuning; names follow TRL's SFTConfig.
public struct SFTOptions: PluginOptions {
    /// Cross-entropy on completion tokens only, with the prompt masked. TRL default true.
    public let completionOnlyLoss: Bool

    enum CodingKeys: String, CodingKey, CaseIterable { case completionOnlyLoss = "completion_only_loss" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        completionOnlyLoss = try c.value(.completionOnlyLoss, default: true)
    }
}

/// Supervised fine-tuning on the dataset's reference answers. The loss arrives with issue #7.
public struct SFT: Plugin, Objective {
    public static let typeName = "sft"
    public static let summary = "SFT: cross-entropy on the reference completion, prompt masked"
    public let options: SFTOptions
    public var needsRewards: Bool { false }

    public init(options: SFTOptions, context: PluginContext) throws { self.options = options }
}
