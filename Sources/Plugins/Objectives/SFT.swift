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

/// Supervised fine-tuning on the dataset's reference answers: the mean cross-entropy of the reference tokens, i.e.
/// the mean negative log-prob over the tokens the loss sees (TRL's SFTTrainer, a causal-LM loss averaged over the
/// tokens whose labels are not masked):
///
///     loss        = −Σ_t m_t · logp_t / Σ_t m_t          m = completion mask (+ prompt mask unless completion_only_loss)
///     ∂loss/∂logp = −m_t / Σ m
///
///     let sft = SFT(options: try ConfigDecoder().decode(SFTOptions.self, from: [:]))
///     try sft.loss(ObjectiveBatch(sequences: 1, length: 2, logProbs: [-1, -3], completionMask: [1, 1])).loss  // 2
public struct SFT: Plugin, Objective {
    public static let typeName = "sft"
    public static let summary = "SFT: cross-entropy on the reference completion, prompt masked"
    public let options: SFTOptions
    public var needsRewards: Bool { false }

    public init(options: SFTOptions, context: PluginContext) throws { self.options = options }

    public init(options: SFTOptions) { self.options = options }

    public func loss(_ batch: ObjectiveBatch) throws -> ObjectiveResult {
        try batch.checkShapes(needsAdvantages: false)
        var mask = batch.completionMask
        if !options.completionOnlyLoss, let prompt = batch.promptMask {
            for j in mask.indices { mask[j] = max(mask[j], prompt[j]) }
        }
        let count = mask.reduce(0, +)
        guard count > 0 else { return ObjectiveResult(loss: 0, gradient: Array(repeating: 0, count: mask.count)) }
        var loss = 0.0
        var gradient = [Double](repeating: 0, count: mask.count)
        for j in mask.indices where mask[j] != 0 {
            loss -= mask[j] * batch.logProbs[j] / count
            gradient[j] = -mask[j] / count
        }
        return ObjectiveResult(loss: loss, gradient: gradient, metrics: ["tokens": count])
    }
}
