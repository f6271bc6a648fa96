import Foundation

/// Options of the training loop (`training` section). Defaults follow TRL's GRPOConfig where it has the option.
public struct TrainingOptions: Decodable, Sendable, Equatable {
    /// Optimizer steps. Default 50.
    public var steps: Int
    /// Peak learning rate. Default 5e-3 (tiny adapters need far larger rates than full fine-tuning).
    public var learningRate: Double
    /// Distinct prompts per step; GRPO samples `num_generations` completions for each. Default 4.
    public var promptsPerStep: Int
    /// Sequences per forward/backward pass; gradients accumulate over micro-batches. Default 8.
    public var microBatchSize: Int
    /// `adam` (default), `adamw` or `sgd`.
    public var optimizer: OptimizerKind
    public var adamBeta1: Double
    public var adamBeta2: Double
    public var adamEpsilon: Double
    /// Decoupled weight decay for `adamw`. Default 0.
    public var weightDecay: Double
    /// Clip the global gradient norm to this value; 0 turns clipping off. Default 1.0.
    public var maxGradNorm: Double
    /// `constant` (default), `linear` or `cosine` decay after `warmup_steps`.
    public var lrScheduler: SchedulerKind
    public var warmupSteps: Int
    /// Seed of every random draw in training (sampling, shuffling, initialization). Default 0.
    public var seed: UInt64
    /// Write a step's metrics to the console every N steps (metrics.jsonl gets every step). Default 1.
    public var logEvery: Int
    /// Write a checkpoint (`OUTPUT/checkpoint-N`: adapter, optimizer state, data order, metrics so far) every N steps;
    /// 0 writes one only at the end. `tinytune train --resume` continues from the latest. Default 0.
    public var saveEvery: Int
    /// With GRPO's `zero_variance_groups: resample`, new prompts tried for each group whose rewards are all equal
    /// before it is kept as it is. Default 3.
    public var resampleAttempts: Int

    public enum OptimizerKind: String, OptionEnum { case adam, adamw, sgd }
    public enum SchedulerKind: String, OptionEnum { case constant, linear, cosine }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case steps, learningRate = "learning_rate", promptsPerStep = "prompts_per_step"
        case microBatchSize = "micro_batch_size", optimizer, adamBeta1 = "adam_beta1", adamBeta2 = "adam_beta2"
        case adamEpsilon = "adam_epsilon", weightDecay = "weight_decay", maxGradNorm = "max_grad_norm"
        case lrScheduler = "lr_scheduler", warmupSteps = "warmup_steps", seed, logEvery = "log_every"
        case saveEvery = "save_every", resampleAttempts = "resample_attempts"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        steps = try c.value(.steps, default: 50, .atLeast(1))
        learningRate = try c.value(.learningRate, default: 5e-3, .greaterThan(0))
        promptsPerStep = try c.value(.promptsPerStep, default: 4, .atLeast(1))
        microBatchSize = try c.value(.microBatchSize, default: 8, .atLeast(1))
        optimizer = try c.value(.optimizer, default: .adam)
        adamBeta1 = try c.value(.adamBeta1, default: 0.9, .from(0, below: 1))
        adamBeta2 = try c.value(.adamBeta2, default: 0.999, .from(0, below: 1))
        adamEpsilon = try c.value(.adamEpsilon, default: 1e-8, .greaterThan(0))
        weightDecay = try c.value(.weightDecay, default: 0, .atLeast(0))
        maxGradNorm = try c.value(.maxGradNorm, default: 1.0, .atLeast(0))
        lrScheduler = try c.value(.lrScheduler, default: .constant)
        warmupSteps = try c.value(.warmupSteps, default: 0, .atLeast(0))
        seed = try c.value(.seed, default: 0)
        logEvery = try c.value(.logEvery, default: 1, .atLeast(1))
        saveEvery = try c.value(.saveEvery, default: 0, .atLeast(0))
        resampleAttempts = try c.value(.resampleAttempts, default: 3, .atLeast(1))
    }
}

/// How completions are sampled, for rollouts, `eval` and `generate` (`generation` section).
/// Names follow TRL's GRPOConfig and transformers' GenerationConfig.
public struct GenerationOptions: Decodable, Sendable, Equatable {
    /// Prompts longer than this many tokens keep only their last `max_prompt_length` tokens (cut from the left,
    /// as TRL does: `ids[-max_prompt_length:]`), in training and evaluation. Default 512.
    public var maxPromptLength: Int
    /// How a dataset prompt becomes the model's input: `{prompt}` is replaced by the dataset's prompt, e.g.
    /// `"Solve step by step.\n\n{prompt}\nAnswer:"`. Default none: the prompt as the dataset gives it.
    public var promptTemplate: String?
    /// Completions stop after this many tokens (and count as truncated). Default 64.
    public var maxCompletionLength: Int
    /// Sampling temperature for rollouts; 0 is greedy. Default 1.0 (TRL's default).
    public var temperature: Double
    /// Nucleus sampling mass; 1 turns it off. Default 1.0.
    public var topP: Double
    /// Keep only the K most likely tokens; 0 turns it off. Default 0.
    public var topK: Int
    /// Drop tokens below min_p × the top probability; 0 turns it off. Default 0.
    public var minP: Double
    /// Generation stops when the completion ends with one of these strings. Default none.
    public var stop: [String]
    /// `auto` (default): when the checkpoint has a `chat_template`, the (prompt-templated) dataset prompt becomes one
    /// user message rendered with it and its generation prompt, as TRL does for conversational prompts; a checkpoint
    /// without one (a base model such as Gemma 3 270M) gets the plain text. `never`: always the plain text.
    public var chatTemplate: ChatTemplateUse
    public enum ChatTemplateUse: String, OptionEnum { case auto, never }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxPromptLength = "max_prompt_length", maxCompletionLength = "max_completion_length", temperature
        case topP = "top_p", topK = "top_k", minP = "min_p", stop, promptTemplate = "prompt_template"
        case chatTemplate = "chat_template"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxPromptLength = try c.value(.maxPromptLength, default: 512, .atLeast(1))
        maxCompletionLength = try c.value(.maxCompletionLength, default: 64, .atLeast(1))
        temperature = try c.value(.temperature, default: 1.0, .atLeast(0))
        topP = try c.value(.topP, default: 1.0, Allowed("0 < top_p ≤ 1") { $0 > 0 && $0 <= 1 })
        topK = try c.value(.topK, default: 0, .atLeast(0))
        minP = try c.value(.minP, default: 0, .between(0, 1))
        stop = try c.value(.stop, default: [], Allowed("non-empty strings") { $0.allSatisfy { !$0.isEmpty } })
        promptTemplate = try c.optional(.promptTemplate, Allowed("a string containing {prompt}") { $0.contains("{prompt}") })
        chatTemplate = try c.value(.chatTemplate, default: .auto)
    }

    /// The model's input for a dataset prompt: `prompt_template` with `{prompt}` replaced, or the prompt itself.
    public func render(prompt: String) -> String {
        promptTemplate.map { $0.replacingOccurrences(of: "{prompt}", with: prompt) } ?? prompt
    }
}

/// How held-out accuracy is measured (`evaluation` section).
public struct EvaluationOptions: Decodable, Sendable, Equatable {
    /// Held-out problems scored before and after training. Default 200.
    public var examples: Int
    /// Sampling temperature for evaluation; 0 (default) is greedy, as the paper reports.
    public var temperature: Double
    /// Also evaluate every N training steps (an `eval_accuracy` line in metrics.jsonl); 0 (default) evaluates only
    /// before and after.
    public var every: Int

    enum CodingKeys: String, CodingKey, CaseIterable { case examples, temperature, every }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        examples = try c.value(.examples, default: 200, .atLeast(1))
        temperature = try c.value(.temperature, default: 0, .atLeast(0))
        every = try c.value(.every, default: 0, .atLeast(0))
    }
}

/// Where results go (`output` section).
public struct OutputOptions: Decodable, Sendable, Equatable {
    /// Folder for the adapter, metrics and plots, relative to the config file. Default `runs/<config name>`.
    public var directory: String?
    /// Write an SVG plot of reward and accuracy against step. Default true.
    public var plot: Bool

    enum CodingKeys: String, CodingKey, CaseIterable { case directory = "dir", plot }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        directory = try c.optional(.directory, .nonEmpty)
        plot = try c.value(.plot, default: true)
    }
}
