// TinyLoRA's layer math ("Learning to Reason in 13 Parameters", eq. for W'; PEFT src/peft/tuners/tinylora/layer.py):
// ΔW = B·R·A with R = Σᵢ vᵢ Pᵢ, v shared by every module of its group.

import TinyTune

/// One module's TinyLoRA. // B: (out, r), R = Σᵢ vᵢPᵢ: (r, r), A: (r, in), P: (u, r, r), v: (u)
///
/// Where Σ goes is a choice made when the factors are built (`sigma_placement`): `full` gives the paper's
/// UΣ(Σᵢ vᵢPᵢ)Vᵀ (B = UΣ, A = Vᵀ); `split` gives PEFT 0.21.2's U√Σ(Σᵢ vᵢPᵢ)√ΣVᵀ (B = U√Σ, A = √ΣVᵀ).
public final class TinyLoRALayer: AdapterLayer, @unchecked Sendable {
    public let v: Parameter
    /// (u, r, r)
    public let projections: Tensor
    let factors: ProjectedLowRank
    public var inFeatures: Int { factors.a.cols }
    public var outFeatures: Int { factors.b.rows }
    public var a: Tensor { factors.a }
    public var b: Tensor { factors.b }

    init(factors: ProjectedLowRank, projections: Tensor, v: Parameter) {
        precondition(projections.rank == 3 && projections.shape[0] == v.value.count
                     && projections.shape[1] == factors.rank && projections.shape[2] == factors.rank,
                     "TinyLoRA: P is \(projections.shape), v has \(v.value.count) entries, rank \(factors.rank)")
        self.factors = factors
        self.projections = projections
        self.v = v
    }

    /// From explicit factors (loading PEFT files, tests): A (r, in), B (out, r), P (u, r, r).
    public convenience init(a: Tensor, b: Tensor, projections: Tensor, v: Parameter) {
        self.init(factors: ProjectedLowRank(a: a, b: b), projections: projections, v: v)
    }

    /// R = Σᵢ vᵢPᵢ as one product: vec(R) = P_flatᵀ·v with P_flat (u, r²). PEFT: einsum("i,ijk->jk", v, P).
    func r() -> Tensor {
        let k = factors.rank
        let flat = projections.reshaped([projections.shape[0], k * k])
        return gemv(flat, v.value, transpose: true).reshaped([k, k])
    }

    public func delta(_ x: Tensor) -> Tensor { factors.delta(x, r: r()) }

    public func addDelta(_ x: Tensor, to output: inout Tensor) { factors.addDelta(x, r: r(), to: &output) }

    public func backward(input x: Tensor, outputGradient dy: Tensor) -> Tensor {
        var dx = Tensor(zeros: x.shape)
        backward(input: x, outputGradient: dy, addingInputGradientTo: &dx)
        return dx
    }

    /// dvᵢ = Σ_jk dR_jk·Pᵢ_jk = (P_flat·vec(dR))ᵢ, added to the shared v's gradient (every module of the group adds).
    public func backward(input x: Tensor, outputGradient dy: Tensor, addingInputGradientTo inputGradient: inout Tensor) {
        let dR = factors.backward(x, dy, r: r(), addingInputGradientTo: &inputGradient)
        let k = factors.rank
        let dv = gemv(projections.reshaped([projections.shape[0], k * k]), dR.reshaped([k * k]))
        Kernels.addInPlace(&v.gradient, dv)
    }

    public func deltaWeight() -> Tensor { factors.deltaWeight(r: r()) }

    public func lowRankFactors() -> (a: Tensor, b: Tensor) { (factors.a, matmul(factors.b, r())) }
}

extension TinyLoRA {
    /// Fixed random P ∈ ℝ^{u×r×r} with entries N(0, 1/r) (std 1/√r, as PEFT's `_init_projection`), from our generator
    /// seeded with projection_seed + the module's index among the targeted modules (PEFT: base_seed + layer_idx).
    /// PEFT draws from PyTorch's generator, which we do not reproduce: PEFT files carry P and we read it from there.
    public func projections(moduleIndex: Int, rank: Int) -> Tensor {
        var generator = SeededGenerator(seed: options.projectionSeed &+ UInt64(moduleIndex))
        var p = Tensor(zeros: [options.u, rank, rank])
        generator.fillNormal(&p, std: 1 / Float(Double(rank).squareRoot()))
        return p
    }

    /// Rank-r SVD of every targeted W (randomized or exact per `svd_method`, cached under `svd_cache_dir`), one v
    /// per tying group (zeros, or uniform in ±init_v_bound), and P per module.
    public func attach(to model: DecoderModel) throws -> any AttachedAdapter {
        let targeted = try targetedLayers(of: model)
        let modules = targeted.enumerated().map { i, linear in
            LinearModule(name: linear.name, inFeatures: linear.weight.cols, outFeatures: linear.weight.rows,
                         layer: model.linearModules.first { $0.name == linear.name }?.layer ?? i)
        }
        let cache = SVDCache(directory: svdCacheDirectory ?? SVDCache.defaultDirectory)
        var groupOf = [Int](repeating: 0, count: targeted.count)
        var vectors: [Parameter] = []
        for (g, members) in tyingGroups(for: modules).enumerated() {
            for m in members { groupOf[m] = g }
            var v = Tensor(zeros: [options.u])
            if options.initWeights == .uniform {
                var generator = SeededGenerator(seed: options.projectionSeed).forked("tinylora_v.\(g)")
                generator.fillUniform(&v, low: -Float(options.initVBound), high: Float(options.initVBound))
            }
            vectors.append(Parameter(name: "base_model.tinylora_v.\(g)", value: v))
        }
        var layers: [(name: String, layer: any AdapterLayer)] = []
        var buffers: [(name: String, tensor: Tensor)] = []
        for (i, linear) in targeted.enumerated() {
            let f = try cache.truncatedSVD(linear.weight.dense(), rank: options.r, method: options.svdMethod,
                                           seed: options.svdSeed)
            let factors = ProjectedLowRank(svd: f, placement: options.sigmaPlacement)
            let p = projections(moduleIndex: i, rank: factors.rank)
            layers.append((linear.name, TinyLoRALayer(factors: factors, projections: p, v: vectors[groupOf[i]])))
            let prefix = "base_model.model.\(linear.name).tinylora_"
            buffers += [(prefix + "A", factors.a), (prefix + "B", factors.b), (prefix + "P", p)]
        }
        return AttachedAdapterLayers(layers: layers, parameters: vectors, parameterDType: options.parameterDType,
                                     buffers: buffers)
    }
}

extension TinyLoRALayer {
    /// The frozen factors (A (r, in), B (out, r)) of a truncated SVD with Σ placed as `placement` says.
    public static func factors(svd f: SVDResult, placement: TinyLoRAOptions.SigmaPlacement) -> (a: Tensor, b: Tensor) {
        let p = ProjectedLowRank(svd: f, placement: placement)
        return (p.a, p.b)
    }
}
