/// A family of adapters (`lora`, `vera`, `loraxs`, `tinylora`): which linear modules it wraps, how many
/// parameters it trains there, and how it attaches to a model. Registered under `adapters`; the config's
/// `adapter` section names one.
public protocol AdapterFamily: Sendable {
    var targetModules: TargetModules { get }
    /// Trainable parameters when wrapping `modules` (already filtered by `targetModules`).
    func trainableParameterCount(for modules: [LinearModule]) -> Int
    /// Builds this family's adapter for `model` (reading the targeted base weights where it needs them, e.g. for
    /// an SVD), ready to pass as the model's `hook`.
    func attach(to model: DecoderModel) throws -> any AttachedAdapter
}

extension AdapterFamily {
    public func attach(to model: DecoderModel) throws -> any AttachedAdapter {
        throw TinyTuneError.notAvailableYet(feature: "attaching \(type(of: self)) adapters", issue: 6)
    }
}

/// A trainable tensor with its gradient accumulator. Held by reference, so a tied parameter (TinyLoRA's v) is one
/// object that every module in its group reads and adds gradients to.
public final class Parameter: @unchecked Sendable {
    public let name: String
    public var value: Tensor
    public var gradient: Tensor

    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
        gradient = Tensor(zeros: value.shape)
    }

    public func zeroGradient() { gradient = Tensor(zeros: value.shape) }
}

/// An adapter attached to one model. Forward: as the model's `LinearHook` it adds ΔW·x to each wrapped layer.
/// Backward: the model calls `backward` for every wrapped layer, from the last layer to the first.
public protocol AttachedAdapter: LinearHook, AnyObject {
    /// Everything the optimizer updates.
    var parameters: [Parameter] { get }
    /// Names of the wrapped modules in model order (`model.layers.0.self_attn.q_proj`, ...).
    var modules: [String] { get }
    /// Given the input x (n, in) the module saw in forward and ∂L/∂y (n, out), adds ∂L/∂θ to the parameters'
    /// gradients and returns ∂L/∂x along the adapter's path (n, in); nil when the module is not wrapped.
    func backward(module: String, input: Tensor, outputGradient: Tensor) -> Tensor?
    /// The same, with ∂L/∂x added into `inputGradient` (n, in) rather than returned (no (n, in) temporary);
    /// false when the module is not wrapped. The default adds what `backward(module:input:outputGradient:)` returns.
    func backward(module: String, input: Tensor, outputGradient: Tensor, addingInputGradientTo inputGradient: inout Tensor) -> Bool
    /// Called after the optimizer changed the parameters (bf16 storage rounds them here).
    func parametersDidChange()
}

extension AttachedAdapter {
    public func parametersDidChange() {}

    public func backward(module: String, input: Tensor, outputGradient: Tensor, addingInputGradientTo inputGradient: inout Tensor) -> Bool {
        guard let dx = backward(module: module, input: input, outputGradient: outputGradient) else { return false }
        Kernels.addInPlace(&inputGradient, dx)
        return true
    }
}
