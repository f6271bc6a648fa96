import Foundation

/// Updates trainable parameters from their accumulated gradients, as PyTorch's optimizers do: `adam` and `adamw`
/// (torch.optim.Adam / AdamW, bias-corrected moments, decoupled weight decay for AdamW) and plain `sgd`, after
/// clipping the global gradient norm like `torch.nn.utils.clip_grad_norm_`.
///
///     var optimizer = Optimizer(options: config.training)
///     let norm = optimizer.step(adapter.parameters, learningRate: schedule.rate(at: step))
///     adapter.parameters.forEach { $0.zeroGradient() }
public struct Optimizer: Sendable {
    public let kind: TrainingOptions.OptimizerKind
    public let beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double
    /// Clip the global gradient norm to this; 0 turns clipping off.
    public let maxGradNorm: Double
    /// Steps taken so far (Adam's bias correction uses it).
    public private(set) var steps = 0
    /// First and second moments per parameter, by position in the list passed to `step`.
    public private(set) var firstMoments: [[Float]] = []
    public private(set) var secondMoments: [[Float]] = []

    public init(kind: TrainingOptions.OptimizerKind, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                weightDecay: Double = 0, maxGradNorm: Double = 0)
    {
        self.kind = kind
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.maxGradNorm = maxGradNorm
    }

    public init(options: TrainingOptions) {
        self.init(kind: options.optimizer, beta1: options.adamBeta1, beta2: options.adamBeta2,
                  epsilon: options.adamEpsilon, weightDecay: options.weightDecay, maxGradNorm: options.maxGradNorm)
    }

    /// Restores the state saved with a checkpoint (`--resume`).
    public init(kind: TrainingOptions.OptimizerKind, beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double,
                maxGradNorm: Double, steps: Int, firstMoments: [[Float]], secondMoments: [[Float]])
    {
        self.init(kind: kind, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay, maxGradNorm: maxGradNorm)
        self.steps = steps
        self.firstMoments = firstMoments
        self.secondMoments = secondMoments
    }

    /// One update of every parameter from its gradient; returns the gradient norm before clipping.
    @discardableResult
    public mutating func step(_ parameters: [Parameter], learningRate: Double) -> Double {
        if firstMoments.count != parameters.count {
            firstMoments = parameters.map { [Float](repeating: 0, count: $0.value.count) }
            secondMoments = firstMoments
        }
        // clip_grad_norm_: total = ‖all gradients‖₂; if total > max, scale by max / (total + 1e-6).
        var squares = 0.0
        for p in parameters { for g in p.gradient.array { squares += Double(g) * Double(g) } }
        let norm = squares.squareRoot()
        let clip = maxGradNorm > 0 && norm > maxGradNorm ? Float(maxGradNorm / (norm + 1e-6)) : 1
        steps += 1
        let t = Double(steps)
        let correction1 = 1 - pow(beta1, t), correction2 = 1 - pow(beta2, t)
        for (index, parameter) in parameters.enumerated() {
            let gradient = parameter.gradient.array
            var value = parameter.value
            value.withUnsafeMutableBufferPointer { theta in
                for i in theta.indices {
                    let g = Double(gradient[i] * clip)
                    switch kind {
                    case .sgd:
                        theta[i] -= Float(learningRate * (g + weightDecay * Double(theta[i])))
                    case .adam, .adamw:
                        var gradientWithDecay = g
                        if kind == .adamw {
                            theta[i] = Float(Double(theta[i]) * (1 - learningRate * weightDecay))
                        } else if weightDecay > 0 {
                            gradientWithDecay += weightDecay * Double(theta[i])  // Adam's L2 penalty, as torch
                        }
                        let m = beta1 * Double(firstMoments[index][i]) + (1 - beta1) * gradientWithDecay
                        let v = beta2 * Double(secondMoments[index][i]) + (1 - beta2) * gradientWithDecay * gradientWithDecay
                        firstMoments[index][i] = Float(m)
                        secondMoments[index][i] = Float(v)
                        // torch: θ -= lr/c1 · m / (√v/√c2 + ε)
                        theta[i] = Float(Double(theta[i]) - learningRate / correction1 * m / (v.squareRoot() / correction2.squareRoot() + epsilon))
                    }
                }
            }
            parameter.value = value
        }
        return norm
    }
}

/// The learning rate at each step (transformers' `get_constant_schedule_with_warmup`,
/// `get_linear_schedule_with_warmup`, `get_cosine_schedule_with_warmup`).
public struct LearningRateSchedule: Sendable, Equatable {
    public let peak: Double
    public let kind: TrainingOptions.SchedulerKind
    public let warmupSteps: Int
    public let totalSteps: Int

    public init(peak: Double, kind: TrainingOptions.SchedulerKind, warmupSteps: Int, totalSteps: Int) {
        self.peak = peak
        self.kind = kind
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    public init(options: TrainingOptions) {
        self.init(peak: options.learningRate, kind: options.lrScheduler, warmupSteps: options.warmupSteps,
                  totalSteps: options.steps)
    }

    /// The rate for optimizer step `step` (0-based).
    public func rate(at step: Int) -> Double {
        if step < warmupSteps { return peak * Double(step) / Double(max(1, warmupSteps)) }
        let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        switch kind {
        case .constant: return peak
        case .linear: return peak * max(0, 1 - progress)
        case .cosine: return peak * max(0, 0.5 * (1 + cos(Double.pi * progress)))
        }
    }
}
