// What every adapter family shares: the per-module math protocol, the attached adapter that routes the model's
// hook calls to it (with seeded input dropout), merging into base weights and bf16 storage of trainable values.

import Foundation
import TinyTune

/// One wrapped linear module's adapter math. Shapes: x (n, in), ΔW·x (n, out).
public protocol AdapterLayer: AnyObject, Sendable {
    var inFeatures: Int { get }
    var outFeatures: Int { get }
    /// ΔW·x for every row of x: (n, out).
    func delta(_ x: Tensor) -> Tensor
    /// Adds ∂L/∂θ to the parameters' gradients given x (n, in) and ∂L/∂(ΔW·x) (n, out); returns ∂L/∂x (n, in).
    func backward(input x: Tensor, outputGradient dy: Tensor) -> Tensor
    /// ΔW itself (out, in), for merging and exporting.
    func deltaWeight() -> Tensor
    /// ΔW = b·a as a plain rank-r LoRA pair: a (r, in), b (out, r). Exports any family as a PEFT LoRA.
    func lowRankFactors() -> (a: Tensor, b: Tensor)
    /// output += ΔW·x. Low-rank families add their last product straight into `output` (gemm with β = 1), so no
    /// (n, out) temporary is made and added; the default adds `delta(x)`.
    func addDelta(_ x: Tensor, to output: inout Tensor)
    /// `backward(input:outputGradient:)` with ∂L/∂x added into `inputGradient` (n, in) instead of returned.
    func backward(input x: Tensor, outputGradient dy: Tensor, addingInputGradientTo inputGradient: inout Tensor)
}

extension AdapterLayer {
    public func addDelta(_ x: Tensor, to output: inout Tensor) { Kernels.addInPlace(&output, delta(x)) }

    public func backward(input x: Tensor, outputGradient dy: Tensor, addingInputGradientTo inputGradient: inout Tensor) {
        Kernels.addInPlace(&inputGradient, backward(input: x, outputGradient: dy))
    }
}

/// An adapter attached to a model: a table from module name to its `AdapterLayer`, the trainable parameters
/// (shared objects: a tied vector appears once), and the input dropout of LoRA and VeRA.
///
///     let adapter = try family.attach(to: model)
///     let logits = try model.forward([(ids, model.makeCache())], logits: .all, hook: adapter)
public final class AttachedAdapterLayers: AttachedAdapter, @unchecked Sendable {
    public let modules: [String]
    public let parameters: [Parameter]
    public let layers: [String: any AdapterLayer]
    /// Dropout probability on the adapter's input (applied only while `training` is true).
    public let dropout: Double
    /// Turns dropout on; evaluation and generation leave it off (the default).
    public var training = false
    /// How trainable values are stored: bf16 rounds them after every change (`storeParameters()`).
    public let parameterDType: AdapterParameterDType
    /// Frozen tensors a saved file carries beside the parameters, under PEFT's names (VeRA's shared bases,
    /// TinyLoRA's A, B and P per module).
    public let buffers: [(name: String, tensor: Tensor)]
    /// The adapter_config.json this adapter was loaded from, if any (saving writes it back).
    public var peftConfig: JSONValue?
    private let dropoutGenerator: SeededGenerator
    private let lock = NSLock()
    private var masks: [String: Tensor] = [:]
    private var dropoutCalls: UInt64 = 0

    public init(layers: [(name: String, layer: any AdapterLayer)], parameters: [Parameter], dropout: Double = 0,
                dropoutSeed: UInt64 = 0, parameterDType: AdapterParameterDType = .float32,
                buffers: [(name: String, tensor: Tensor)] = []) {
        self.buffers = buffers
        modules = layers.map(\.name)
        self.layers = Dictionary(layers.map { ($0.name, $0.layer) }, uniquingKeysWith: { first, _ in first })
        self.parameters = parameters
        self.dropout = dropout
        dropoutGenerator = SeededGenerator(seed: dropoutSeed)
        self.parameterDType = parameterDType
        storeParameters()
    }

    public func adjust(module: String, input: Tensor, output: inout Tensor) {
        guard let layer = layers[module] else { return }
        let x = training && dropout > 0 ? dropped(input, module: module) : input
        layer.addDelta(x, to: &output)
    }

    public func backward(module: String, input: Tensor, outputGradient: Tensor, addingInputGradientTo inputGradient: inout Tensor) -> Bool {
        guard let layer = layers[module] else { return false }
        guard training && dropout > 0, lock.withLock({ masks[module] }) != nil else {
            layer.backward(input: input, outputGradient: outputGradient, addingInputGradientTo: &inputGradient)
            return true
        }
        if let dx = backward(module: module, input: input, outputGradient: outputGradient) {
            Kernels.addInPlace(&inputGradient, dx)
        }
        return true
    }

    public func backward(module: String, input: Tensor, outputGradient: Tensor) -> Tensor? {
        guard let layer = layers[module] else { return nil }
        guard training && dropout > 0, let mask = lock.withLock({ masks[module] }) else {
            return layer.backward(input: input, outputGradient: outputGradient)
        }
        // Forward used x̃ = x ⊙ m with m ∈ {0, 1/(1 − p)}, so ∂L/∂x = ∂L/∂x̃ ⊙ m.
        return Kernels.multiply(layer.backward(input: Kernels.multiply(input, mask), outputGradient: outputGradient), mask)
    }

    /// Rounds every trainable value to the storage dtype (bf16: to nearest, ties to even). Call after each update.
    public func storeParameters() {
        guard parameterDType == .bfloat16 else { return }
        for p in parameters {
            p.value.withUnsafeMutableBufferPointer { b in
                for i in b.indices { b[i] = HalfPrecision.bf16ToFloat(HalfPrecision.floatToBF16(b[i])) }
            }
        }
    }

    public func zeroGradients() { parameters.forEach { $0.zeroGradient() } }

    /// True when every wrapped module's ΔW is exactly zero (LoRA's B = 0, TinyLoRA's v = 0, ...), so the adapted
    /// model computes what the base model does: its accuracy before training is the base model's.
    public var startsAsIdentity: Bool {
        layers.values.allSatisfy { layer in layer.deltaWeight().withBaseAddress { w in
            (0..<layer.outFeatures * layer.inFeatures).allSatisfy { w[$0] == 0 }
        } }
    }

    /// Dropout masks drawn so far (each mask's seed includes its number); a training checkpoint stores it so a
    /// resumed run draws the masks an uninterrupted run would.
    public var dropoutCallCount: UInt64 {
        get { lock.withLock { dropoutCalls } }
        set { lock.withLock { dropoutCalls = newValue } }
    }

    public func parametersDidChange() { storeParameters() }

    /// The mask m ∈ {0, 1/(1 − p)} of this call, drawn from the dropout seed, the module name and a call counter,
    /// and kept for the backward pass of the same module.
    private func dropped(_ x: Tensor, module: String) -> Tensor {
        let call = lock.withLock { () -> UInt64 in dropoutCalls += 1; return dropoutCalls }
        var generator = dropoutGenerator.forked(module).split(stream: call)
        var mask = Tensor(zeros: x.shape)
        let keep = Float(1 / (1 - dropout))
        mask.withUnsafeMutableBufferPointer { m in
            for i in m.indices { m[i] = Double(generator.nextUniform()) < dropout ? 0 : keep }
        }
        lock.withLock { masks[module] = mask }
        return Kernels.multiply(x, mask)
    }

    /// A model whose targeted weights are W + ΔW (f32 `DenseMatrix`), giving the same logits without a hook.
    public func merged(into model: DecoderModel) throws -> DecoderModel { try rebuilt(model, sign: 1) }

    /// The inverse of `merged(into:)`: W − ΔW, for a model this adapter was merged into.
    public func unmerged(from model: DecoderModel) throws -> DecoderModel { try rebuilt(model, sign: -1) }

    private func rebuilt(_ model: DecoderModel, sign: Float) throws -> DecoderModel {
        func apply(_ linear: Linear) -> Linear {
            guard let layer = layers[linear.name] else { return linear }
            var w = linear.weight.dense()
            Kernels.axpy(sign, layer.deltaWeight(), &w)
            return Linear(name: linear.name, weight: DenseMatrix(w), bias: linear.bias)
        }
        let layerWeights = model.weights.layers.map { l in
            var copy = l
            copy.q = apply(l.q); copy.k = apply(l.k); copy.v = apply(l.v); copy.o = apply(l.o)
            copy.gate = apply(l.gate); copy.up = apply(l.up); copy.down = apply(l.down)
            return copy
        }
        let w = model.weights
        return try DecoderModel(spec: model.spec, weights: DecoderWeights(
            embedding: w.embedding, layers: layerWeights, finalNorm: w.finalNorm, outputHead: w.outputHead))
    }
}

extension AdapterFamily {
    /// The model's linear layers this family targets, in model order.
    public func targetedLayers(of model: DecoderModel) throws -> [Linear] {
        let targeted = model.linearLayers.filter { targetModules.matches($0.name) }
        guard !targeted.isEmpty else {
            throw TinyTuneError.unsupported("adapter.target_modules: \(targetModules) matches none of the model's "
                                            + "linear modules (e.g. \(model.linearLayers.first?.name ?? "none"))")
        }
        return targeted
    }
}

/// Small tensor helpers for the adapter math.
enum AdapterMath {
    /// Column j of x (n, c) times scale[j].
    static func scaleColumns(_ x: Tensor, _ scale: Tensor) -> Tensor {
        var y = x
        let c = x.cols
        scale.withBaseAddress { s in
            y.withUnsafeMutableBufferPointer { b in
                for i in b.indices { b[i] *= s[i % c] }
            }
        }
        return y
    }

    /// Σ over rows of x ⊙ y, both (n, c): (c).
    static func columnSumsOfProduct(_ x: Tensor, _ y: Tensor) -> Tensor {
        let c = x.cols
        var out = [Float](repeating: 0, count: c)
        x.withUnsafeBufferPointer { a in
            y.withUnsafeBufferPointer { b in
                for i in a.indices { out[i % c] += a[i] * b[i] }
            }
        }
        return Tensor(out, shape: [c])
    }

    /// Kaiming-uniform with a = √5 as torch.nn.init.kaiming_uniform_ (PEFT's default for lora_A and VeRA's
    /// bases): U(−b, b) with b = gain·√(3 / fan_in), gain = √(2 / (1 + a²)), so b = 1/√fan_in.
    static func kaimingUniform(shape: [Int], generator: inout SeededGenerator) -> Tensor {
        var t = Tensor(zeros: shape)
        let bound = 1 / Float(Double(shape[1]).squareRoot())
        generator.fillUniform(&t, low: -bound, high: bound)
        return t
    }
}
