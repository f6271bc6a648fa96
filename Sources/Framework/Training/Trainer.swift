import Foundation

/// A problem the trainer works on: the prompt's token ids, the reference completion for SFT, and the dataset
/// columns rewards read (the gold `answer`, ...).
public struct TrainingExample: Sendable {
    public var prompt: String
    public var promptIDs: [Int]
    /// The reference completion's ids (SFT); nil for GRPO.
    public var referenceIDs: [Int]?
    public var columns: [String: JSONValue]

    public init(prompt: String, promptIDs: [Int], referenceIDs: [Int]? = nil, columns: [String: JSONValue] = [:]) {
        self.prompt = prompt
        self.promptIDs = promptIDs
        self.referenceIDs = referenceIDs
        self.columns = columns
    }
}

/// One sampled completion.
public struct SampledCompletion: Sendable, Equatable {
    public var ids: [Int]
    public var text: String
    /// Cut off at the length limit rather than ended by an end token or stop string.
    public var truncated: Bool
    /// The entropy of the sampling distribution at each token (empty when the sampler does not report it).
    public var entropies: [Float]

    public init(ids: [Int], text: String, truncated: Bool, entropies: [Float] = []) {
        self.ids = ids
        self.text = text
        self.truncated = truncated
        self.entropies = entropies
    }
}

/// How the trainer samples completions (the generation engine implements it with group decoding).
public protocol CompletionSampler {
    /// `count` completions of one prompt, reproducible from `seed`.
    func complete(promptIDs: [Int], count: Int, seed: UInt64) throws -> [SampledCompletion]
}

/// What to do with a GRPO group whose rewards are all equal (its advantages are all zero).
public enum ZeroVarianceGroupHandling: String, Sendable {
    /// Keep it in the loss (only the KL term, if any, moves the adapter). TRL's behaviour.
    case keep
    /// Leave its completions out of the loss and its normalization.
    case drop
    /// Draw a new prompt in its place (up to `training.resample_attempts` times), as DAPO's dynamic sampling does.
    case resample
}

/// One reward function's scores over a step's completions (completions it does not apply to are left out).
public struct RewardSummary: Sendable, Equatable {
    public var name: String
    /// Mean and unbiased standard deviation (TRL's nanmean / nanstd); NaN when it applied to nothing.
    public var mean: Double
    public var std: Double
}

/// What one optimizer step did, for logs and plots (JSON lines). Key names follow TRL's GRPOTrainer logs where it
/// has the quantity (`rewards/<name>/mean`, `completions/mean_length`, `frac_reward_zero_std`, `num_tokens`, `kl`,
/// `clip_ratio/*`).
public struct StepMetrics: Sendable {
    /// The 0-based index of the step. The JSON's `step` is the steps completed (this + 1), as TRL's `global_step`.
    public var step: Int
    public var loss: Double
    public var learningRate: Double
    public var gradientNorm: Double
    /// Mean and unbiased std of the weighted reward totals (a completion no reward applies to counts as 0).
    public var rewardMean: Double
    public var rewardStd: Double
    /// Each reward function's own scores, by name (GRPO only).
    public var rewards: [RewardSummary] = []
    /// The fraction of completions whose weighted total is at least 1 (GRPO only).
    public var accuracy: Double?
    /// Mean entropy of the sampling distribution over every sampled completion token (TRL's `entropy`; GRPO only).
    public var entropy: Double?
    /// Groups whose rewards are all equal, in the batch the loss saw (after resampling), and their fraction.
    public var zeroVarianceGroups: Int
    public var zeroVarianceFraction: Double = 0
    /// Groups replaced by a new prompt (`zero_variance_groups: resample`) and groups left out (`drop`).
    public var resampledGroups: Int = 0
    public var droppedGroups: Int = 0
    public var completionTokensMean: Double
    public var completionTokensMin: Int = 0
    public var completionTokensMax: Int = 0
    /// The fraction of completions cut off at the length limit.
    public var truncatedFraction: Double = 0
    /// Prompt and completion tokens of every sequence trained on so far, this step included (TRL's `num_tokens`).
    public var tokensSeen: Int = 0
    /// Completion tokens sampled (or scored, for SFT) per second of this step.
    public var tokensPerSecond: Double = 0
    public var seconds: Double
    public var objective: [String: Double]

    /// Fields that measure time, which differ between two otherwise identical runs.
    public static let timingKeys: Set<String> = ["seconds", "tokens_per_second"]

    public init(step: Int, loss: Double, learningRate: Double, gradientNorm: Double, rewardMean: Double,
                rewardStd: Double, zeroVarianceGroups: Int, completionTokensMean: Double, seconds: Double,
                objective: [String: Double]) {
        self.step = step
        self.loss = loss
        self.learningRate = learningRate
        self.gradientNorm = gradientNorm
        self.rewardMean = rewardMean
        self.rewardStd = rewardStd
        self.zeroVarianceGroups = zeroVarianceGroups
        self.completionTokensMean = completionTokensMean
        self.seconds = seconds
        self.objective = objective
    }

    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("step", .int(Int64(step + 1))), ("loss", .double(loss)), ("learning_rate", .double(learningRate)),
            ("grad_norm", .double(gradientNorm)), ("reward_mean", .double(rewardMean)), ("reward_std", .double(rewardStd)),
        ]
        for reward in rewards {
            members.append(("rewards/\(reward.name)/mean", .double(reward.mean)))
            members.append(("rewards/\(reward.name)/std", .double(reward.std)))
        }
        if let accuracy { members.append(("accuracy", .double(accuracy))) }
        if let entropy { members.append(("entropy", .double(entropy))) }
        members += [
            ("zero_variance_groups", .int(Int64(zeroVarianceGroups))), ("frac_reward_zero_std", .double(zeroVarianceFraction)),
            ("resampled_groups", .int(Int64(resampledGroups))), ("dropped_groups", .int(Int64(droppedGroups))),
            ("completion_tokens_mean", .double(completionTokensMean)),
            ("completions/mean_length", .double(completionTokensMean)),
            ("completions/min_length", .int(Int64(completionTokensMin))),
            ("completions/max_length", .int(Int64(completionTokensMax))),
            ("completions/clipped_ratio", .double(truncatedFraction)),
            ("num_tokens", .int(Int64(tokensSeen))), ("tokens_per_second", .double(tokensPerSecond)),
            ("seconds", .double(seconds)),
        ]
        for (key, value) in objective.sorted(by: { $0.key < $1.key }) { members.append((key, .double(value))) }
        return .object(members)
    }
}

/// Runs optimizer steps: GRPO (sample G completions per prompt, score, advantages, loss, backward, update) and SFT
/// (loss on reference completions). The model stays frozen; only the adapter's parameters change.
///
///     let trainer = Trainer(model: model, adapter: adapter, objective: grpo, rewards: rewards, options: config.training,
///                           temperature: config.generation.temperature,
///                           maxCompletionLength: config.generation.maxCompletionLength)
///     let metrics = try trainer.step(examples, sampler: engine, step: 0)
///
/// Everything a step draws is seeded by the run seed, the step and the prompt's position, so the state to continue
/// a run exactly is the adapter's parameters, `optimizer`, `tokensSeen` and the data order (see `restore`).
public final class Trainer {
    public let model: DecoderModel
    public let adapter: any AttachedAdapter
    public let objective: any Objective
    public let rewards: WeightedRewards
    public let options: TrainingOptions
    /// Logits are divided by the sampling temperature when scoring, as TRL does.
    public let temperature: Float
    /// The generation limit, the denominator of `dr_grpo`.
    public let maxCompletionLength: Int
    public let zeroVarianceGroups: ZeroVarianceGroupHandling
    public private(set) var optimizer: Optimizer
    public let schedule: LearningRateSchedule
    /// Prompt and completion tokens trained on so far (TRL's `num_tokens`).
    public private(set) var tokensSeen = 0
    /// Reward names for the metrics: the registry names, `_1`, `_2`, ... added to repeats.
    private let rewardNames: [String]

    public init(model: DecoderModel, adapter: any AttachedAdapter, objective: any Objective, rewards: WeightedRewards,
                options: TrainingOptions, temperature: Double, maxCompletionLength: Int,
                zeroVarianceGroups: ZeroVarianceGroupHandling = .keep)
    {
        self.maxCompletionLength = maxCompletionLength
        self.model = model
        self.adapter = adapter
        self.objective = objective
        self.rewards = rewards
        self.options = options
        self.temperature = temperature > 0 ? Float(temperature) : 1
        self.zeroVarianceGroups = zeroVarianceGroups
        optimizer = Optimizer(options: options)
        schedule = LearningRateSchedule(options: options)
        let names = rewards.functions.map(\.name)
        rewardNames = names.enumerated().map { i, name in
            let earlier = names[..<i].filter { $0 == name }.count
            return earlier == 0 ? name : "\(name)_\(earlier)"
        }
    }

    /// Continues from a checkpoint: the optimizer's moments and step count, and the tokens seen.
    public func restore(optimizer: Optimizer, tokensSeen: Int) {
        self.optimizer = optimizer
        self.tokensSeen = tokensSeen
    }

    /// The seed of the completions of prompt `slot` at `step` (slots past the step's prompts are resampled prompts).
    func samplingSeed(step: Int, slot: Int) -> UInt64 {
        options.seed &+ UInt64(step) &* 1_000_003 &+ UInt64(slot) &* 7919
    }

    /// One optimizer step on `examples` (a step's prompts). GRPO samples with `sampler`; SFT uses the reference ids.
    /// `draw` gives the next prompt of the data order; GRPO calls it to replace zero-variance groups when
    /// `zeroVarianceGroups` is `resample`. When nothing is left to train on (every group dropped) the parameters and
    /// the optimizer are left as they are.
    public func step(_ examples: [TrainingExample], sampler: (any CompletionSampler)?, step: Int,
                     draw: (() throws -> TrainingExample)? = nil) throws -> StepMetrics
    {
        let start = DispatchTime.now().uptimeNanoseconds
        let g = objective.groupSize
        // One group per prompt: G sampled completions (GRPO) or the reference completion (SFT).
        var groups: [(example: TrainingExample, completions: [SampledCompletion])] = []
        if objective.needsRewards {
            guard let sampler else { throw TinyTuneError.unsupported("this objective samples completions; no sampler given") }
            for (i, example) in examples.enumerated() {
                groups.append((example, try sample(example, sampler: sampler, seed: samplingSeed(step: step, slot: i))))
            }
        } else {
            for example in examples {
                guard let reference = example.referenceIDs, !reference.isEmpty else {
                    throw TinyTuneError.unsupported("SFT needs a reference completion for every example (prompt \"\(example.prompt.prefix(40))\")")
                }
                groups.append((example, [SampledCompletion(ids: reference, text: "", truncated: false)]))
            }
        }

        // Rewards: Σ weight·reward over the rewards that apply; none applying counts as 0.
        var perFunction: [[Double?]] = Array(repeating: [], count: rewards.functions.count)
        var totals: [Double] = []
        var resampled = 0
        if objective.needsRewards {
            (perFunction, totals) = try score(groups)
            if zeroVarianceGroups == .resample, let sampler, let draw {
                var slot = examples.count
                for group in objective.advantages(forRewards: totals).zeroVarianceGroups {
                    for _ in 0..<options.resampleAttempts {
                        let example = try draw()
                        let completions = try sample(example, sampler: sampler, seed: samplingSeed(step: step, slot: slot))
                        slot += 1
                        let (scores, groupTotals) = try score([(example, completions)])
                        if objective.advantages(forRewards: groupTotals).zeroVarianceGroups.isEmpty {
                            groups[group] = (example, completions)
                            let range = (group * g)..<((group + 1) * g)
                            totals.replaceSubrange(range, with: groupTotals)
                            for f in perFunction.indices { perFunction[f].replaceSubrange(range, with: scores[f]) }
                            resampled += 1
                            break
                        }
                    }
                }
            }
        } else {
            totals = Array(repeating: 0, count: groups.count)
        }
        let prompts = groups.flatMap { group in group.completions.map { _ in group.example.promptIDs } }
        let completions = groups.flatMap(\.completions)
        let (advantages, zeroVariance) = objective.advantages(forRewards: totals)

        // The completions the loss sees: all, or all but the dropped groups. Dropping needs whole groups per
        // micro-batch (GRPO checks it), so micro-batches are then cut at group boundaries.
        var kept = Array(completions.indices)
        let dropped = objective.needsRewards && zeroVarianceGroups == .drop ? Set(zeroVariance) : []
        if !dropped.isEmpty { kept.removeAll { dropped.contains($0 / g) } }
        let microBatch = dropped.isEmpty ? max(1, options.microBatchSize) : max(1, options.microBatchSize / g) * g
        let batches = stride(from: 0, to: kept.count, by: microBatch).map { Array(kept[$0..<min($0 + microBatch, kept.count)]) }
        let keptTokens = Double(kept.reduce(0) { $0 + completions[$1].ids.count })

        // Loss and backward, micro-batch by micro-batch; gradients accumulate in the adapter's parameters.
        for p in adapter.parameters { p.zeroGradient() }
        var loss = 0.0
        var objectiveMetrics: [String: Double] = [:]
        for indices in batches {
            // Empty completions (an end token first) stay in the objective's batch with an all-zero mask, as TRL
            // counts every sequence, but have nothing to score in the model.
            let scoredRows = indices.indices.filter { !completions[indices[$0]].ids.isEmpty }
            let sequences = scoredRows.map { prompts[indices[$0]] + completions[indices[$0]].ids }
            let positions = scoredRows.map { row -> [Int] in
                let i = indices[row]
                return Array((prompts[i].count - 1)..<(prompts[i].count + completions[i].ids.count - 1))
            }
            let pass = scoredRows.isEmpty ? nil
                : try TrainingPass(model: model, sequences: sequences, scoredPositions: positions, adapter: adapter,
                                   temperature: temperature)
            var reference: [[Float]]? = nil
            if objective.klCoefficient != 0, !scoredRows.isEmpty {
                reference = try TrainingPass(model: model, sequences: sequences, scoredPositions: positions, adapter: nil,
                                             temperature: temperature).logprobs
            }
            let length = max(1, positions.map(\.count).max() ?? 0)
            var logp = [Double](repeating: 0, count: indices.count * length)
            var referenceLogp = objective.klCoefficient != 0 ? [Double](repeating: 0, count: indices.count * length) : nil
            var mask = [Double](repeating: 0, count: indices.count * length)
            for (k, row) in scoredRows.enumerated() {
                for (t, v) in (pass?.logprobs[k] ?? []).enumerated() {
                    logp[row * length + t] = Double(v)
                    mask[row * length + t] = 1
                    if let reference { referenceLogp?[row * length + t] = Double(reference[k][t]) }
                }
            }
            let batch = ObjectiveBatch(
                sequences: indices.count, length: length, logProbs: logp, referenceLogProbs: referenceLogp,
                completionMask: mask, advantages: indices.map { advantages[$0] },
                truncated: indices.map { completions[$0].truncated },
                maxCompletionLength: max(maxCompletionLength, length), tokensInGlobalBatch: keptTokens,
                gradientAccumulationSteps: batches.count)
            let result = try objective.loss(batch)
            loss += result.loss
            for (key, value) in result.metrics { objectiveMetrics[key, default: 0] += value / Double(batches.count) }
            if let pass {
                let gradients = scoredRows.enumerated().map { k, row in
                    (0..<positions[k].count).map { Float(result.gradient[row * length + $0]) }
                }
                try pass.backward(logprobGradients: gradients)
            }
        }
        let rate = schedule.rate(at: step)
        var norm = 0.0
        if !batches.isEmpty {
            norm = optimizer.step(adapter.parameters, learningRate: rate)
            adapter.parametersDidChange()
        }

        // Metrics over the whole batch of completions (after resampling), as TRL logs them.
        let lengths = completions.map(\.ids.count)
        let totalTokens = lengths.reduce(0, +)
        tokensSeen += zip(prompts, lengths).reduce(0) { $0 + $1.0.count + $1.1 }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var metrics = StepMetrics(step: step, loss: loss, learningRate: rate, gradientNorm: norm,
                                  rewardMean: Self.mean(totals), rewardStd: Self.unbiasedStd(totals),
                                  zeroVarianceGroups: objective.needsRewards ? zeroVariance.count : 0,
                                  completionTokensMean: Double(totalTokens) / Double(max(1, completions.count)),
                                  seconds: seconds, objective: objectiveMetrics)
        if objective.needsRewards {
            metrics.rewards = zip(rewardNames, perFunction).map { name, scores in
                let applied = scores.compactMap { $0 }
                return RewardSummary(name: name, mean: applied.isEmpty ? .nan : Self.mean(applied),
                                     std: applied.isEmpty ? .nan : Self.unbiasedStd(applied))
            }
            metrics.accuracy = Double(totals.filter { $0 >= 1 }.count) / Double(max(1, totals.count))
            let entropies = completions.flatMap(\.entropies)
            if !entropies.isEmpty { metrics.entropy = entropies.reduce(0.0) { $0 + Double($1) } / Double(entropies.count) }
            metrics.zeroVarianceFraction = Double(zeroVariance.count) / Double(max(1, groups.count))
            metrics.resampledGroups = resampled
            metrics.droppedGroups = dropped.count
        }
        metrics.completionTokensMin = lengths.min() ?? 0
        metrics.completionTokensMax = lengths.max() ?? 0
        metrics.truncatedFraction = Double(completions.filter(\.truncated).count) / Double(max(1, completions.count))
        metrics.tokensSeen = tokensSeen
        metrics.tokensPerSecond = seconds > 0 ? Double(totalTokens) / seconds : 0
        return metrics
    }

    private func sample(_ example: TrainingExample, sampler: any CompletionSampler, seed: UInt64) throws -> [SampledCompletion] {
        let sampled = try sampler.complete(promptIDs: example.promptIDs, count: objective.groupSize, seed: seed)
        guard sampled.count == objective.groupSize else {
            throw TinyTuneError.unsupported("the sampler returned \(sampled.count) completions, expected \(objective.groupSize)")
        }
        return sampled
    }

    /// Each reward's scores and the weighted totals (nil → 0) of the groups' completions, in order.
    private func score(_ groups: [(example: TrainingExample, completions: [SampledCompletion])]) throws
        -> (perFunction: [[Double?]], totals: [Double])
    {
        var owners: [TrainingExample] = []
        for group in groups { owners += Array(repeating: group.example, count: group.completions.count) }
        var columns: [String: [JSONValue]] = [:]
        for key in Set(groups.flatMap { $0.example.columns.keys }) {
            columns[key] = owners.map { $0.columns[key] ?? .null }
        }
        let input = RewardInput(prompts: owners.map(\.prompt), completions: groups.flatMap { $0.completions.map(\.text) },
                                columns: columns)
        let (perFunction, total) = try rewards.score(input)
        return (perFunction, total.map { $0 ?? 0 })
    }

    static func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(max(1, x.count)) }

    /// √(Σ(x − x̄)² / (n − 1)), 0 for fewer than two values (the step's logs, not the advantages).
    static func unbiasedStd(_ x: [Double]) -> Double {
        guard x.count > 1 else { return 0 }
        let m = mean(x)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
    }
}
