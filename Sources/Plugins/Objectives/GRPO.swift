import Foundation
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
/// of those better than their group's mean. The loss follows TRL's `GRPOTrainer._compute_loss`:
///
///     ratio_t  = exp(logp_t − logp_old_t)                       (1 when the sampling policy is the current one)
///     ℓ_t      = −min(ratio_t · A, clip(ratio_t, 1 − ε, 1 + ε_high) · A) + β · KL_t
///     KL_t     = exp(ref_t − logp_t) − (ref_t − logp_t) − 1     (k3 estimator, Schulman 2020)
///     grpo     : mean over sequences of (Σ_t m_t ℓ_t / max(Σ_t m_t, 1))        then ÷ gradient-accumulation steps
///     bnpo     : Σ m ℓ / max(Σ m, 1)                                            then ÷ gradient-accumulation steps
///     dr_grpo  : Σ m ℓ / (B · max_completion_length)                           then ÷ gradient-accumulation steps
///     dapo     : Σ m ℓ / (completion tokens in the global batch)
///
/// and returns ∂loss/∂logp_t, written out by hand (PyTorch autograd and finite differences agree:
/// Tests/TinyTunePluginsTests/ObjectiveTests.swift):
///
///     ∂ℓ/∂logp = −A · ratio   where the unclipped term is the minimum (ratio inside the clip range, or
///                             ratio·A < clipped·A); 0 where the clipped constant is the minimum
///              + β · (1 − exp(ref − logp))
///
/// Masks: m is `completionMask`, with truncated sequences zeroed when `mask_truncated_completions`, and sequences of
/// zero-variance groups zeroed when `zero_variance_groups` is `drop` (the batch then needs whole groups in order).
/// `resample` is the trainer's job (it replaces those groups before the loss); here it behaves as `keep`.
public struct GRPO: Plugin, Objective {
    public static let typeName = "grpo"
    public static let summary = "GRPO: group-relative advantages, clipped ratio, optional KL (TRL's loss types)"
    public let options: GRPOOptions
    public var needsRewards: Bool { true }

    public init(options: GRPOOptions, context: PluginContext) throws { self.options = options }

    public init(options: GRPOOptions) { self.options = options }

    /// The advantages of a batch of rewards laid out as consecutive groups of `num_generations`.
    public func advantages(rewards: [Double]) -> GRPOAdvantages {
        GRPOAdvantages(rewards: rewards, groupSize: options.numGenerations, scaling: options.scaleRewards)
    }

    public var groupSize: Int { options.numGenerations }
    public var klCoefficient: Double { options.beta }

    public func advantages(forRewards rewards: [Double]) -> (values: [Double], zeroVarianceGroups: [Int]) {
        let result = advantages(rewards: rewards)
        return (result.values, result.zeroVarianceGroups)
    }

    public func loss(_ batch: ObjectiveBatch) throws -> ObjectiveResult {
        try batch.checkShapes(needsAdvantages: true)
        let (b, t) = (batch.sequences, batch.length)
        if options.beta != 0, batch.referenceLogProbs == nil {
            throw TinyTuneError.unsupported("GRPO with beta \(options.beta) needs the reference log-probs")
        }
        // The mask the loss sees: padding, then truncated completions, then dropped zero-variance groups.
        var mask = batch.completionMask
        for i in 0..<b {
            var keep = !(options.maskTruncatedCompletions && batch.truncated[i])
            if options.zeroVarianceGroups == .drop {
                let g = options.numGenerations
                guard b % g == 0 else {
                    throw TinyTuneError.unsupported("zero_variance_groups drop needs whole groups of \(g); got \(b) sequences")
                }
                let group = batch.advantages[(i / g * g)..<(i / g * g + g)]
                if group.allSatisfy({ $0 == 0 }) { keep = false }
            }
            if !keep { for k in 0..<t { mask[i * t + k] = 0 } }
        }

        // Per-token loss ℓ and its derivative dℓ/dlogp, before normalization.
        let low = 1 - options.epsilon, high = 1 + options.epsilonHigh
        var perToken = [Double](repeating: 0, count: b * t)
        var derivative = [Double](repeating: 0, count: b * t)
        var klSum = 0.0, clippedLow = 0.0, clippedHigh = 0.0, tokenCount = 0.0
        for i in 0..<b {
            let a = batch.advantages[i]
            for k in 0..<t {
                let j = i * t + k
                let logp = batch.logProbs[j]
                let ratio = Foundation.exp(logp - (batch.samplingLogProbs?[j] ?? logp))
                let clipped = min(max(ratio, low), high)
                let unclippedTerm = ratio * a, clippedTerm = clipped * a
                perToken[j] = -min(unclippedTerm, clippedTerm)
                // The unclipped path carries the gradient when it is the minimum or ties with it (ratio in range).
                let inRange = ratio >= low && ratio <= high
                derivative[j] = inRange || unclippedTerm < clippedTerm ? -a * ratio : 0
                if options.beta != 0, let ref = batch.referenceLogProbs?[j] {
                    let kl = Foundation.exp(ref - logp) - (ref - logp) - 1
                    perToken[j] += options.beta * kl
                    derivative[j] += options.beta * (1 - Foundation.exp(ref - logp))
                    klSum += mask[j] * kl
                }
                if mask[j] != 0 {
                    tokenCount += mask[j]
                    if ratio < low && a < 0 { clippedLow += mask[j] }
                    if ratio > high && a > 0 { clippedHigh += mask[j] }
                }
            }
        }

        // Normalization weights w (per sequence for grpo, one for the others); loss = Σ w m ℓ.
        let steps = Double(batch.gradientAccumulationSteps)
        var weights = [Double](repeating: 0, count: b)
        switch options.lossType {
        case .grpo:
            for i in 0..<b {
                let count = (0..<t).reduce(0.0) { $0 + mask[i * t + $1] }
                weights[i] = 1 / (max(count, 1) * Double(b) * steps)
            }
        case .bnpo:
            weights = Array(repeating: 1 / (max(tokenCount, 1) * steps), count: b)
        case .dr_grpo:
            weights = Array(repeating: 1 / (Double(b * batch.maxCompletionLength) * steps), count: b)
        case .dapo:
            let normalizer = batch.tokensInGlobalBatch ?? tokenCount
            weights = Array(repeating: 1 / normalizer, count: b)
        }
        var loss = 0.0
        var gradient = [Double](repeating: 0, count: b * t)
        for i in 0..<b {
            for k in 0..<t {
                let j = i * t + k
                guard mask[j] != 0 else { continue }
                loss += weights[i] * mask[j] * perToken[j]
                gradient[j] = weights[i] * mask[j] * derivative[j]
            }
        }
        let denominator = max(tokenCount, 1)
        var metrics = ["clip_ratio/low_mean": clippedLow / denominator, "clip_ratio/high_mean": clippedHigh / denominator,
                       "clip_ratio/region_mean": (clippedLow + clippedHigh) / denominator]
        if options.beta != 0 { metrics["kl"] = klSum / denominator }
        return ObjectiveResult(loss: loss, gradient: gradient, metrics: metrics)
    }
}
