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

    public init(ids: [Int], text: String, truncated: Bool) {
        self.ids = ids
        self.text = text
        self.truncated = truncated
    }
}

/// How the trainer samples completions (the generation engine implements it with group decoding).
public protocol CompletionSampler {
    /// `count` completions of one prompt, reproducible from `seed`.
    func complete(promptIDs: [Int], count: Int, seed: UInt64) throws -> [SampledCompletion]
}

/// What one optimizer step did, for logs and plots (JSON lines).
public struct StepMetrics: Sendable {
    public var step: Int
    public var loss: Double
    public var learningRate: Double
    public var gradientNorm: Double
    public var rewardMean: Double
    public var rewardStd: Double
    public var zeroVarianceGroups: Int
    public var completionTokensMean: Double
    public var seconds: Double
    public var objective: [String: Double]

    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("step", .int(Int64(step))), ("loss", .double(loss)), ("learning_rate", .double(learningRate)),
            ("grad_norm", .double(gradientNorm)), ("reward_mean", .double(rewardMean)), ("reward_std", .double(rewardStd)),
            ("zero_variance_groups", .int(Int64(zeroVarianceGroups))),
            ("completion_tokens_mean", .double(completionTokensMean)), ("seconds", .double(seconds)),
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
    public private(set) var optimizer: Optimizer
    public let schedule: LearningRateSchedule

    public init(model: DecoderModel, adapter: any AttachedAdapter, objective: any Objective, rewards: WeightedRewards,
                options: TrainingOptions, temperature: Double, maxCompletionLength: Int)
    {
        self.maxCompletionLength = maxCompletionLength
        self.model = model
        self.adapter = adapter
        self.objective = objective
        self.rewards = rewards
        self.options = options
        self.temperature = temperature > 0 ? Float(temperature) : 1
        optimizer = Optimizer(options: options)
        schedule = LearningRateSchedule(options: options)
    }

    /// One optimizer step on `examples` (a step's prompts). GRPO samples with `sampler`; SFT uses the reference ids.
    public func step(_ examples: [TrainingExample], sampler: (any CompletionSampler)?, step: Int) throws -> StepMetrics {
        let start = DispatchTime.now().uptimeNanoseconds
        let g = objective.groupSize
        var prompts: [[Int]] = [], completions: [SampledCompletion] = [], owners: [Int] = []
        if objective.needsRewards {
            guard let sampler else { throw TinyTuneError.unsupported("this objective samples completions; no sampler given") }
            for (i, example) in examples.enumerated() {
                // Every draw has its own seed: the run seed, the step and the prompt, so runs are reproducible.
                let seed = options.seed &+ UInt64(step) &* 1_000_003 &+ UInt64(i) &* 7919
                let sampled = try sampler.complete(promptIDs: example.promptIDs, count: g, seed: seed)
                guard sampled.count == g else {
                    throw TinyTuneError.unsupported("the sampler returned \(sampled.count) completions, expected \(g)")
                }
                for completion in sampled { prompts.append(example.promptIDs); completions.append(completion); owners.append(i) }
            }
        } else {
            for (i, example) in examples.enumerated() {
                guard let reference = example.referenceIDs, !reference.isEmpty else {
                    throw TinyTuneError.unsupported("SFT needs a reference completion for every example (prompt \"\(example.prompt.prefix(40))\")")
                }
                prompts.append(example.promptIDs)
                completions.append(SampledCompletion(ids: reference, text: "", truncated: false))
                owners.append(i)
            }
        }

        // Rewards: Σ weight·reward over the rewards that apply; none applying counts as 0.
        var totals = [Double](repeating: 0, count: completions.count)
        if objective.needsRewards {
            var columns: [String: [JSONValue]] = [:]
            for key in Set(examples.flatMap { $0.columns.keys }) {
                columns[key] = owners.map { examples[$0].columns[key] ?? .null }
            }
            let input = RewardInput(prompts: owners.map { examples[$0].prompt }, completions: completions.map(\.text),
                                    columns: columns)
            totals = try rewards.score(input).total.map { $0 ?? 0 }
        }
        let (advantages, zeroVariance) = objective.advantages(forRewards: totals)

        // Loss and backward, micro-batch by micro-batch; gradients accumulate in the adapter's parameters.
        for p in adapter.parameters { p.zeroGradient() }
        let scored = completions.filter { !$0.ids.isEmpty }.count
        let totalTokens = Double(completions.reduce(0) { $0 + $1.ids.count })
        let microBatch = max(1, options.microBatchSize)
        let batches = stride(from: 0, to: completions.count, by: microBatch).map { $0..<min($0 + microBatch, completions.count) }
        var loss = 0.0
        var objectiveMetrics: [String: Double] = [:]
        for range in batches {
            let indices = range.filter { !completions[$0].ids.isEmpty }
            guard !indices.isEmpty else { continue }
            let sequences = indices.map { prompts[$0] + completions[$0].ids }
            let positions = indices.map { i in Array((prompts[i].count - 1)..<(prompts[i].count + completions[i].ids.count - 1)) }
            let pass = try TrainingPass(model: model, sequences: sequences, scoredPositions: positions, adapter: adapter,
                                        temperature: temperature)
            var reference: [[Float]]? = nil
            if objective.klCoefficient != 0 {
                reference = try TrainingPass(model: model, sequences: sequences, scoredPositions: positions, adapter: nil,
                                             temperature: temperature).logprobs
            }
            let length = positions.map(\.count).max() ?? 0
            var logp = [Double](repeating: 0, count: indices.count * length)
            var referenceLogp = reference.map { _ in [Double](repeating: 0, count: indices.count * length) }
            var mask = [Double](repeating: 0, count: indices.count * length)
            for (row, values) in pass.logprobs.enumerated() {
                for (k, v) in values.enumerated() {
                    logp[row * length + k] = Double(v)
                    mask[row * length + k] = 1
                    if let reference { referenceLogp?[row * length + k] = Double(reference[row][k]) }
                }
            }
            let batch = ObjectiveBatch(
                sequences: indices.count, length: length, logProbs: logp, referenceLogProbs: referenceLogp,
                completionMask: mask, advantages: indices.map { advantages[$0] },
                truncated: indices.map { completions[$0].truncated },
                maxCompletionLength: max(maxCompletionLength, length), tokensInGlobalBatch: totalTokens,
                gradientAccumulationSteps: batches.count)
            let result = try objective.loss(batch)
            loss += result.loss
            for (key, value) in result.metrics { objectiveMetrics[key, default: 0] += value / Double(batches.count) }
            let gradients = (0..<indices.count).map { row in
                (0..<positions[row].count).map { Float(result.gradient[row * length + $0]) }
            }
            try pass.backward(logprobGradients: gradients)
        }
        let rate = schedule.rate(at: step)
        let norm = optimizer.step(adapter.parameters, learningRate: rate)
        adapter.parametersDidChange()
        let mean = totals.reduce(0, +) / Double(max(1, totals.count))
        let variance = totals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, totals.count - 1))
        return StepMetrics(step: step, loss: loss, learningRate: rate, gradientNorm: norm, rewardMean: mean,
                           rewardStd: variance.squareRoot(), zeroVarianceGroups: zeroVariance.count,
                           completionTokensMean: totalTokens / Double(max(1, scored)),
                           seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, objective: objectiveMetrics)
    }
}
