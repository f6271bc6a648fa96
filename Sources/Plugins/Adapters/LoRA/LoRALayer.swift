// LoRA's layer math (PEFT src/peft/tuners/lora/layer.py `Linear.forward`): y += s · B·(A·dropout(x)).

import TinyTune

/// One module's LoRA: ΔW = s·B·A with s = lora_alpha / r (or lora_alpha / √r with rsLoRA).
/// // A: (r, in), B: (out, r)
public final class LoRALayer: AdapterLayer, @unchecked Sendable {
    public let a: Parameter
    public let b: Parameter
    public let scaling: Float
    public var inFeatures: Int { a.value.cols }
    public var outFeatures: Int { b.value.rows }

    public init(a: Parameter, b: Parameter, scaling: Float) {
        self.a = a
        self.b = b
        self.scaling = scaling
    }

    /// t = x·Aᵀ (n, r); y = s·t·Bᵀ (n, out).
    public func delta(_ x: Tensor) -> Tensor {
        matmul(matmul(x, a.value, transposeB: true), b.value, transposeB: true, alpha: scaling)
    }

    /// Forward was t = x·Aᵀ, y = s·t·Bᵀ, so dB = s·dyᵀ·t, dt = s·dy·B, dA = dtᵀ·x, dx = dt·A.
    public func backward(input x: Tensor, outputGradient dy: Tensor) -> Tensor {
        var dx = Tensor(zeros: x.shape)
        backward(input: x, outputGradient: dy, addingInputGradientTo: &dx)
        return dx
    }

    public func addDelta(_ x: Tensor, to output: inout Tensor) {
        gemm(matmul(x, a.value, transposeB: true), b.value, into: &output, transposeB: true, alpha: scaling, beta: 1)
    }

    /// The same with dx added into `inputGradient`.
    public func backward(input x: Tensor, outputGradient dy: Tensor, addingInputGradientTo inputGradient: inout Tensor) {
        let t = matmul(x, a.value, transposeB: true)                                   // (n, r)
        gemm(dy, t, into: &b.gradient, transposeA: true, alpha: scaling, beta: 1)       // (out, r)
        let dt = matmul(dy, b.value, alpha: scaling)                                   // (n, r)
        gemm(dt, x, into: &a.gradient, transposeA: true, beta: 1)                      // (r, in)
        gemm(dt, a.value, into: &inputGradient, beta: 1)                               // (n, in)
    }

    public func deltaWeight() -> Tensor { matmul(b.value, a.value, alpha: scaling) }

    public func lowRankFactors() -> (a: Tensor, b: Tensor) {
        var scaled = b.value
        Kernels.scale(&scaled, by: scaling)
        return (a.value, scaled)
    }
}

extension LoRA {
    /// s = lora_alpha / r, or lora_alpha / √r with `use_rslora` (PEFT `LoraLayer.update_layer`).
    public var scaling: Float {
        Float(options.useRSLoRA ? options.loraAlpha / Double(options.r).squareRoot() : options.loraAlpha / Double(options.r))
    }

    /// B = 0 and A Kaiming-uniform (a = √5, PEFT's default) or Gaussian with std 1/r (PEFT's `init_lora_weights =
    /// "gaussian"`), drawn per module from `seed` forked by the module name.
    public func attach(to model: DecoderModel) throws -> any AttachedAdapter {
        let root = SeededGenerator(seed: options.seed)
        var layers: [(name: String, layer: any AdapterLayer)] = []
        var parameters: [Parameter] = []
        for linear in try targetedLayers(of: model) {
            let (out, inp, r) = (linear.weight.rows, linear.weight.cols, options.r)
            var generator = root.forked(linear.name + ".lora_A")
            var a: Tensor
            switch options.initLoraWeights {
            case .kaiming: a = AdapterMath.kaimingUniform(shape: [r, inp], generator: &generator)
            case .gaussian:
                a = Tensor(zeros: [r, inp])
                generator.fillNormal(&a, std: 1 / Float(r))
            }
            let pa = Parameter(name: "base_model.model.\(linear.name).lora_A.weight", value: a)
            let pb = Parameter(name: "base_model.model.\(linear.name).lora_B.weight", value: Tensor(zeros: [out, r]))
            layers.append((linear.name, LoRALayer(a: pa, b: pb, scaling: scaling)))
            parameters += [pa, pb]
        }
        return AttachedAdapterLayers(layers: layers, parameters: parameters, dropout: options.loraDropout,
                                     dropoutSeed: options.seed, parameterDType: options.parameterDType)
    }
}
