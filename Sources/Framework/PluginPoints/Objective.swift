/// A training objective (`grpo`, `sft`). Registered under `objectives`; the config's `objective` section names one.
///
/// The objective is the part of a step that needs no model: given per-token log-probabilities it returns the loss
/// and ∂loss/∂log-prob per token, which the model's backward pass takes from there.
///
///     let result = try objective.loss(ObjectiveBatch(sequences: 2, length: 3, logProbs: logp,
///                                                    completionMask: mask, advantages: [0.7, -0.7]))
///     result.loss; result.gradient   // [B, T], zero where the mask is 0
public protocol Objective: Sendable {
    /// Whether the objective scores sampled completions with the config's rewards (GRPO) or learns from
    /// reference completions (SFT).
    var needsRewards: Bool { get }
    /// The loss of a batch and its gradient with respect to `batch.logProbs`.
    func loss(_ batch: ObjectiveBatch) throws -> ObjectiveResult
    /// Completions sampled per prompt (GRPO's G); 1 for objectives that do not sample.
    var groupSize: Int { get }
    /// One advantage per completion from rewards laid out as consecutive groups, and the groups whose rewards
    /// are all equal. Objectives that do not use rewards answer zeros.
    func advantages(forRewards rewards: [Double]) -> (values: [Double], zeroVarianceGroups: [Int])
    /// The KL coefficient β towards the reference policy (the model with the adapter off); 0 needs no reference.
    var klCoefficient: Double { get }
}

extension Objective {
    public var groupSize: Int { 1 }
    public var klCoefficient: Double { 0 }
    public func advantages(forRewards rewards: [Double]) -> (values: [Double], zeroVarianceGroups: [Int]) {
        (Array(repeating: 0, count: rewards.count), [])
    }
}

/// Per-token inputs of a loss for B sequences padded to T tokens. Every per-token array is row-major [B, T].
public struct ObjectiveBatch: Sendable {
    /// B and T.
    public var sequences: Int
    public var length: Int
    /// log π_θ(token | prefix) under the current policy (adapter on): the values the gradient is taken against.
    public var logProbs: [Double]
    /// log-probs under the policy that sampled the completions (μ > 1 inner iterations); nil: the current policy
    /// (ratio 1), as TRL does when `num_iterations` is 1.
    public var samplingLogProbs: [Double]?
    /// log-probs under the reference (the same weights with the adapter off); required when GRPO's β > 0.
    public var referenceLogProbs: [Double]?
    /// 1 on completion tokens, 0 on padding.
    public var completionMask: [Double]
    /// 1 on prompt tokens whose log-probs are in `logProbs` (SFT with `completion_only_loss` false); nil: none.
    public var promptMask: [Double]?
    /// One advantage per sequence (GRPO; see `GRPO.advantages`).
    public var advantages: [Double]
    /// Sequences cut off at `max_completion_length` (no end token); GRPO can leave them out.
    public var truncated: [Bool]
    /// `max_completion_length`, the denominator of `dr_grpo`. Default: T.
    public var maxCompletionLength: Int
    /// Completion tokens in the whole generation batch, across gradient-accumulation steps (TRL's
    /// `num_items_in_batch`), the denominator of `dapo`. nil: this batch's count.
    public var tokensInGlobalBatch: Double?
    /// The losses other than `dapo` are divided by this, as TRL does. Default 1.
    public var gradientAccumulationSteps: Int

    public init(sequences: Int, length: Int, logProbs: [Double], samplingLogProbs: [Double]? = nil,
                referenceLogProbs: [Double]? = nil, completionMask: [Double], promptMask: [Double]? = nil,
                advantages: [Double] = [], truncated: [Bool]? = nil, maxCompletionLength: Int? = nil,
                tokensInGlobalBatch: Double? = nil, gradientAccumulationSteps: Int = 1) {
        self.sequences = sequences
        self.length = length
        self.logProbs = logProbs
        self.samplingLogProbs = samplingLogProbs
        self.referenceLogProbs = referenceLogProbs
        self.completionMask = completionMask
        self.promptMask = promptMask
        self.advantages = advantages
        self.truncated = truncated ?? Array(repeating: false, count: sequences)
        self.maxCompletionLength = maxCompletionLength ?? length
        self.tokensInGlobalBatch = tokensInGlobalBatch
        self.gradientAccumulationSteps = gradientAccumulationSteps
    }

    /// Checks every array's size; the error names the array.
    public func checkShapes(needsAdvantages: Bool) throws {
        let n = sequences * length
        func check(_ count: Int?, _ expected: Int, _ name: String) throws {
            guard let count, count != expected else { return }
            throw TinyTuneError.unsupported("objective batch: \(name) has \(count) values, expected \(expected)")
        }
        guard sequences >= 0, length >= 0 else { throw TinyTuneError.unsupported("objective batch: negative shape") }
        try check(logProbs.count, n, "logProbs")
        try check(samplingLogProbs?.count, n, "samplingLogProbs")
        try check(referenceLogProbs?.count, n, "referenceLogProbs")
        try check(completionMask.count, n, "completionMask")
        try check(promptMask?.count, n, "promptMask")
        try check(truncated.count, sequences, "truncated")
        if needsAdvantages { try check(advantages.count, sequences, "advantages") }
        guard gradientAccumulationSteps >= 1, maxCompletionLength >= 1 || n == 0 else {
            throw TinyTuneError.unsupported("objective batch: gradientAccumulationSteps and maxCompletionLength must be ≥ 1")
        }
    }
}

/// A loss, its gradient with respect to each token's log-prob ([B, T]), and metrics to log (`kl`, `clip_ratio`, ...).
public struct ObjectiveResult: Sendable {
    public var loss: Double
    public var gradient: [Double]
    public var metrics: [String: Double]

    public init(loss: Double, gradient: [Double], metrics: [String: Double] = [:]) {
        self.loss = loss
        self.gradient = gradient
        self.metrics = metrics
    }
}
