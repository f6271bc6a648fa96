/// A linear layer y = x·Wᵀ + b with a name (`model.layers.3.self_attn.q_proj`) by which adapters find it.
public struct Linear: Sendable {
    public let name: String
    public let weight: any WeightMatrix
    /// Qwen2's q/k/v projections carry a bias; most layers do not.
    public let bias: Tensor?

    public init(name: String, weight: any WeightMatrix, bias: Tensor? = nil) {
        self.name = name
        self.weight = weight
        self.bias = bias
    }

    /// y = x·Wᵀ + b, then the hook's contribution: the one place an adapter changes a layer's output.
    func callAsFunction(_ x: Tensor, hook: (any LinearHook)?) -> Tensor {
        var y = PhaseTimer.time("weight products") { weight.multiply(batch: x) }
        if let bias {
            let out = weight.rows
            y.withMutableBaseAddress { yp in
                bias.withBaseAddress { bp in
                    for r in 0..<x.shape[0] { Kernels.addInPlace(yp + r * out, bp, count: out) }
                }
            }
        }
        if let hook { PhaseTimer.time("adapter") { hook.adjust(module: name, input: x, output: &y) } }
        return y
    }
}

/// Where adapters plug into a model: called after every linear layer with its input and output. The model knows
/// nothing about adapter families; an adapter adds ΔW·x (and later records what its backward needs).
public protocol LinearHook: Sendable {
    /// `input` is (n, in), `output` is (n, out) and already holds x·Wᵀ + b.
    func adjust(module: String, input: Tensor, output: inout Tensor)
}
