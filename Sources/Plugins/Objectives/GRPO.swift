import TinyTune

/// Options of GRPO (Shao et al. 2024, arXiv 2402.03300) with the loss variants TRL implements; names follow TRL's
/// GRPOConfig.
public struct GRPOOptions: PluginOptions {
    /// Completions sampled per prompt (the group size G). TRL default 8.
    public let numGenerations: Int
    /// KL coefficient towards the reference (the model with the adapter off). TRL default 0.
    public let beta: Double
    /// Lower clip: ratios below 1 − ε are clipped. TRL default 0.2.
    public let epsilon: Double
    /// Upper clip 1 + ε_high (DAPO's clip-higher). Defaults to `epsilon`.
    public let epsilonHigh: Double
    /// How per-token losses are averaged: `grpo` (per sequence, then over sequences), `bnpo` (over the batch's
    /// tokens), `dr_grpo` (divide by batch × max_completion_length), `dapo` (over the global batch's tokens).
    /// Default `dapo`, as in TRL's recent releases.
    public let lossType: LossType
    /// Advantage normalization: (r − mean_group) / (std + 1e-4) with the std of the `group` (default), the `batch`,
    /// or `none` (no division, as Dr. GRPO recommends).
    public let scaleRewards: RewardScaling
    /// Optimizer steps per batch of rollouts (μ). TRL default 1.
    public let numIterations: Int
    /// Leave completions cut off at max_completion_length out of the loss. TRL default false.
    public let maskTruncatedCompletions: Bool
    /// Groups whose rewards are all equal have zero advantage: `keep` them (default), `drop` them from the loss,
    /// or `resample` new prompts in their place.
    public let zeroVarianceGroups: ZeroVarianceHandling

    public enum LossType: String, OptionEnum { case grpo, bnpo, dr_grpo, dapo }
    public enum RewardScaling: String, OptionEnum { case group, batch, none }
    public enum ZeroVarianceHandling: String, OptionEnum { case keep, drop, resample }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case numGenerations = "num_generations", beta, epsilon, epsilonHigh = "epsilon_high", lossType = "loss_type"
        case scaleRewards = "scale_rewards", numIterations = "num_iterations"
        case maskTruncatedCompletions = "mask_truncated_completions", zeroVarianceGroups = "zero_variance_groups"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        numGenerations = try c.value(.numGenerations, default: 8, .atLeast(2))
        beta = try c.value(.beta, default: 0, .atLeast(0))
        epsilon = try c.value(.epsilon, default: 0.2, .greaterThan(0))
        epsilonHigh = try c.value(.epsilonHigh, default: epsilon, .greaterThan(0))
        lossType = try c.value(.lossType, default: .dapo)
        scaleRewards = try c.value(.scaleRewards, default: .group)
        numIterations = try c.value(.numIterations, default: 1, .atLeast(1))
        maskTruncatedCompletions = try c.value(.maskTruncatedCompletions, default: false)
        zeroVarianceGroups = try c.value(.zeroVarianceGroups, default: .keep)
    }
}

/// Group Relative Policy Optimization: sample G completions per prompt, score them, and push up the log-probability
/// of those better than their group's mean. The loss itself arrives with issue #7.
public struct GRPO: Plugin, Objective {
    public static let typeName = "grpo"
    public static let summary = "GRPO: group-relative advantages, clipped ratio, optional KL (TRL's loss types)"
    public let options: GRPOOptions
    public var needsRewards: Bool { true }

    public init(options: GRPOOptions, context: PluginContext) throws { self.options = options }
}
