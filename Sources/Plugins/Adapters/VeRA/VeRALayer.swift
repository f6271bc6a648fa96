// VeRA's layer math (PEFT src/peft/tuners/vera/layer.py `Linear.forward`):
// y += λ_b ⊙ (B[:out, :] · (λ_d ⊙ (A[:, :in] · dropout(x)))).

import TinyTune

/// One module's VeRA: ΔW = diag(λ_b)·B_s·diag(λ_d)·A_s with the shared frozen bases sliced to this module.
/// // A_s: (r, in) = A[:, :in], B_s: (out, r) = B[:out, :], λ_d: (r), λ_b: (out)
public final class VeRALayer: AdapterLayer, @unchecked Sendable {
    public let lambdaB: Parameter
    public let lambdaD: Parameter
    let a: Tensor
    let b: Tensor
    public var inFeatures: Int { a.cols }
    public var outFeatures: Int { b.rows }

    /// `sharedA` (r, max_in) and `sharedB` (max_out, r) are sliced to (r, in) and (out, r).
    public init(sharedA: Tensor, sharedB: Tensor, inFeatures: Int, lambdaB: Parameter, lambdaD: Parameter) {
        let r = sharedA.rows
        var sliced = Tensor(zeros: [r, inFeatures])
        sharedA.withBaseAddress { s in
            sliced.withMutableBaseAddress { d in
                for i in 0..<r { d.advanced(by: i * inFeatures).update(from: s + i * sharedA.cols, count: inFeatures) }
            }
        }
        a = sliced
        let out = lambdaB.value.count
        b = Tensor(Array(sharedB.array.prefix(out * r)), shape: [out, r])
        self.lambdaB = lambdaB
        self.lambdaD = lambdaD
    }

    /// t = x·A_sᵀ (n, r); z = (t ⊙ λ_d)·B_sᵀ (n, out); y = z ⊙ λ_b.
    public func delta(_ x: Tensor) -> Tensor {
        let t = matmul(x, a, transposeB: true)
        let z = matmul(AdapterMath.scaleColumns(t, lambdaD.value), b, transposeB: true)
        return AdapterMath.scaleColumns(z, lambdaB.value)
    }

    /// dλ_b = Σₙ dy ⊙ z; dz = dy ⊙ λ_b; d(t⊙λ_d) = dz·B_s; dλ_d = Σₙ d(t⊙λ_d) ⊙ t; dt = d(t⊙λ_d) ⊙ λ_d; dx = dt·A_s.
    public func backward(input x: Tensor, outputGradient dy: Tensor) -> Tensor {
        let t = matmul(x, a, transposeB: true)                                         // (n, r)
        let z = matmul(AdapterMath.scaleColumns(t, lambdaD.value), b, transposeB: true) // (n, out)
        Kernels.addInPlace(&lambdaB.gradient, AdapterMath.columnSumsOfProduct(dy, z))
        let dtd = matmul(AdapterMath.scaleColumns(dy, lambdaB.value), b)               // (n, r)
        Kernels.addInPlace(&lambdaD.gradient, AdapterMath.columnSumsOfProduct(dtd, t))
        return matmul(AdapterMath.scaleColumns(dtd, lambdaD.value), a)                 // (n, in)
    }

    public func deltaWeight() -> Tensor {
        // diag(λ_b)·B_s·diag(λ_d)·A_s = ((B_s ⊙ λ_dᵀ)·A_s) with rows scaled by λ_b
        let w = matmul(AdapterMath.scaleColumns(b, lambdaD.value), a)
        var scaled = w
        let cols = w.cols
        lambdaB.value.withBaseAddress { lb in
            scaled.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= lb[i / cols] } }
        }
        return scaled
    }

    public func lowRankFactors() -> (a: Tensor, b: Tensor) {
        var scaled = AdapterMath.scaleColumns(b, lambdaD.value)                        // B_s·diag(λ_d)
        let r = scaled.cols
        lambdaB.value.withBaseAddress { lb in
            scaled.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= lb[i / r] } }
        }
        return (a, scaled)
    }
}

extension VeRA {
    /// The shared frozen bases for `modules`: A (r, max_in) and B (max_out, r), Kaiming-uniform (a = √5) as PEFT's
    /// `_kaiming_init`, drawn from `projection_prng_key` (our generator, not PyTorch's: PEFT files carry A and B).
    public func sharedBases(maxIn: Int, maxOut: Int) -> (a: Tensor, b: Tensor) {
        var generator = SeededGenerator(seed: options.projectionPRNGKey)
        let a = AdapterMath.kaimingUniform(shape: [options.r, maxIn], generator: &generator)
        let b = AdapterMath.kaimingUniform(shape: [maxOut, options.r], generator: &generator)
        return (a, b)
    }

    /// λ_b = 0 and λ_d = d_initial (PEFT `VeraLayer.reset_vera_parameters`), so the model is unchanged at start.
    public func attach(to model: DecoderModel) throws -> any AttachedAdapter {
        let targeted = try targetedLayers(of: model)
        let maxIn = targeted.map(\.weight.cols).max() ?? 0, maxOut = targeted.map(\.weight.rows).max() ?? 0
        let (sharedA, sharedB) = sharedBases(maxIn: maxIn, maxOut: maxOut)
        return attach(targeted, sharedA: sharedA, sharedB: sharedB) { linear in
            (Tensor(zeros: [linear.weight.rows]), Tensor(filled: Float(options.dInitial), shape: [options.r]))
        }
    }

    func attach(_ targeted: [Linear], sharedA: Tensor, sharedB: Tensor,
                initial: (Linear) throws -> (lambdaB: Tensor, lambdaD: Tensor)) rethrows -> AttachedAdapterLayers {
        var layers: [(name: String, layer: any AdapterLayer)] = []
        var parameters: [Parameter] = []
        for linear in targeted {
            let (lb, ld) = try initial(linear)
            let pb = Parameter(name: "base_model.model.\(linear.name).vera_lambda_b", value: lb)
            let pd = Parameter(name: "base_model.model.\(linear.name).vera_lambda_d", value: ld)
            layers.append((linear.name, VeRALayer(sharedA: sharedA, sharedB: sharedB, inFeatures: linear.weight.cols,
                                                  lambdaB: pb, lambdaD: pd)))
            parameters += [pb, pd]
        }
        return AttachedAdapterLayers(layers: layers, parameters: parameters, dropout: options.veraDropout,
                                     dropoutSeed: options.projectionPRNGKey, parameterDType: options.parameterDType,
                                     buffers: [("base_model.vera_A", sharedA), ("base_model.vera_B", sharedB)])
    }
}
