// LoRA-XS's layer math (Bałazy et al. 2024, arXiv 2405.17604, eq. 3): ΔW = U_r Σ_r · R · V_rᵀ.

import TinyTune

/// One module's LoRA-XS: frozen B = U_rΣ_r (out, r) and A = V_rᵀ (r, in), trainable R (r, r).
/// // B: (out, r), R: (r, r), A: (r, in)
public final class LoRAXSLayer: AdapterLayer, @unchecked Sendable {
    public let r: Parameter
    let factors: ProjectedLowRank
    public var inFeatures: Int { factors.a.cols }
    public var outFeatures: Int { factors.b.rows }

    init(factors: ProjectedLowRank, r: Parameter) {
        self.factors = factors
        self.r = r
    }

    /// From explicit factors (tests, loading).
    public convenience init(a: Tensor, b: Tensor, r: Parameter) { self.init(factors: ProjectedLowRank(a: a, b: b), r: r) }

    public func delta(_ x: Tensor) -> Tensor { factors.delta(x, r: r.value) }

    public func addDelta(_ x: Tensor, to output: inout Tensor) { factors.addDelta(x, r: r.value, to: &output) }

    public func backward(input x: Tensor, outputGradient dy: Tensor) -> Tensor {
        var dx = Tensor(zeros: x.shape)
        backward(input: x, outputGradient: dy, addingInputGradientTo: &dx)
        return dx
    }

    public func backward(input x: Tensor, outputGradient dy: Tensor, addingInputGradientTo inputGradient: inout Tensor) {
        Kernels.addInPlace(&r.gradient, factors.backward(x, dy, r: r.value, addingInputGradientTo: &inputGradient))
    }

    public func deltaWeight() -> Tensor { factors.deltaWeight(r: r.value) }

    public func lowRankFactors() -> (a: Tensor, b: Tensor) { (factors.a, matmul(factors.b, r.value)) }
}

extension LoRAXS {
    /// Factors from a randomized top-r SVD of each targeted W (seeded by `seed`, cached on disk); R = 0 or
    /// N(0, init_r_std²) drawn per module from `seed` forked by the module name.
    public func attach(to model: DecoderModel) throws -> any AttachedAdapter {
        let cache = SVDCache(directory: svdCacheDirectory ?? SVDCache.defaultDirectory)
        let root = SeededGenerator(seed: options.seed)
        var layers: [(name: String, layer: any AdapterLayer)] = []
        var parameters: [Parameter] = []
        for linear in try targetedLayers(of: model) {
            let f = try cache.truncatedSVD(linear.weight.dense(), rank: options.r, method: .randomized, seed: options.seed)
            let k = f.s.count
            var r = Tensor(zeros: [k, k])
            if options.initR == .gaussian {
                var generator = root.forked(linear.name + ".loraxs_R")
                generator.fillNormal(&r, std: Float(options.initRStd))
            }
            let p = Parameter(name: "base_model.model.\(linear.name).loraxs_R", value: r)
            layers.append((linear.name, LoRAXSLayer(factors: ProjectedLowRank(svd: f, placement: .full), r: p)))
            parameters.append(p)
        }
        return AttachedAdapterLayers(layers: layers, parameters: parameters, parameterDType: options.parameterDType)
    }
}
