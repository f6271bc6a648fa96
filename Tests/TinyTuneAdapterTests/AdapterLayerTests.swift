// Each family's forward delta and hand-written backward against PEFT 0.21.2's layers (lora, vera, tinylora split)
// and PyTorch float64 autograd (LoRA-XS, TinyLoRA with the paper's full Σ). Fixture: adapter_layers.json from
// scripts/reference/make_adapter_fixtures.py. L = Σ y ⊙ G, so ∂L/∂y = G.
//
// Tolerance: 2e-5 relative to the largest reference entry (f32 against PEFT's f32 and PyTorch's f64; the matrices
// are 3 × 7 at most, so rounding stays near f32 epsilon).

import Foundation
import Testing
import TinyTune
import TinyTunePlugins

private let tolerance: Float = 2e-5

@Suite struct AdapterLayerTests {
    let fixture: JSONValue
    init() throws { fixture = try JSONValue.parse(contentsOf: fixturePath("adapter_layers.json")) }

    func section(_ name: String) throws -> JSONValue { try #require(fixture[name]) }

    /// Runs both modules (proj1, proj2) forward and backward and compares deltas and ∂L/∂x.
    func checkTwoModules(_ c: JSONValue, _ layers: [any AdapterLayer], _ family: String) throws {
        for (i, layer) in layers.enumerated() {
            let x = try c.tensor("x\(i + 1)"), g = try c.tensor("G\(i + 1)")
            expectClose(layer.delta(x), try c.tensor("delta\(i + 1)"), tolerance: tolerance, "\(family) delta\(i + 1)")
            expectClose(layer.backward(input: x, outputGradient: g), try c.tensor("dx\(i + 1)"), tolerance: tolerance,
                        "\(family) dx\(i + 1)")
            // ΔW·x from the merged matrix equals the factored forward.
            expectClose(matmul(x, layer.deltaWeight(), transposeB: true), try c.tensor("delta\(i + 1)"),
                        tolerance: tolerance, "\(family) ΔW\(i + 1)")
        }
    }

    @Test func loraMatchesPEFT() throws {
        let c = try section("lora")
        var parameters: [Parameter] = []
        let layers = try ["proj1", "proj2"].map { m -> LoRALayer in
            let a = Parameter(name: "A", value: try c.tensor("param:\(m).lora_A.weight"))
            let b = Parameter(name: "B", value: try c.tensor("param:\(m).lora_B.weight"))
            parameters += [a, b]
            return LoRALayer(a: a, b: b, scaling: Float(try #require(c["scaling"]).number("scaling")))
        }
        try checkTwoModules(c, layers, "lora")
        for (i, m) in ["proj1", "proj2"].enumerated() {
            expectClose(layers[i].a.gradient, try c.tensor("grad:\(m).lora_A.weight"), tolerance: tolerance, "lora dA \(m)")
            expectClose(layers[i].b.gradient, try c.tensor("grad:\(m).lora_B.weight"), tolerance: tolerance, "lora dB \(m)")
        }
    }

    @Test func veraMatchesPEFTWithSlicedSharedBases() throws {
        let c = try section("vera")
        let sharedA = try c.tensor("vera_A"), sharedB = try c.tensor("vera_B")
        #expect(sharedA.shape == [3, 7] && sharedB.shape == [6, 3])  // sized for the largest in (7) and out (6)
        let layers = try [("proj1", 5), ("proj2", 7)].map { m, inFeatures in
            VeRALayer(sharedA: sharedA, sharedB: sharedB, inFeatures: inFeatures,
                      lambdaB: Parameter(name: "b", value: try c.tensor("param:\(m).vera_lambda_b")),
                      lambdaD: Parameter(name: "d", value: try c.tensor("param:\(m).vera_lambda_d")))
        }
        try checkTwoModules(c, layers, "vera")
        for (i, m) in ["proj1", "proj2"].enumerated() {
            expectClose(layers[i].lambdaB.gradient, try c.tensor("grad:\(m).vera_lambda_b"), tolerance: tolerance, "dλ_b \(m)")
            expectClose(layers[i].lambdaD.gradient, try c.tensor("grad:\(m).vera_lambda_d"), tolerance: tolerance, "dλ_d \(m)")
        }
    }

    @Test func tinyLoRASplitMatchesPEFTAndTiedGradientsAccumulate() throws {
        let c = try section("tinylora_split")
        let v = Parameter(name: "base_model.tinylora_v.0", value: try c.tensor("param:proj1.tinylora_v.0"))
        let layers = try ["proj1", "proj2"].map { m in
            TinyLoRALayer(a: try c.tensor("\(m).A"), b: try c.tensor("\(m).B"), projections: try c.tensor("\(m).P"), v: v)
        }
        try checkTwoModules(c, layers, "tinylora split")
        // One v for both modules (weight_tying 1.0): its gradient is the sum of both modules' contributions.
        expectClose(v.gradient, try c.tensor("grad:proj1.tinylora_v.0"), tolerance: tolerance, "tinylora dv")
    }

    @Test func tinyLoRAFullMatchesPaperFormulaFromOurSVD() throws {
        let c = try section("tinylora_full")
        let w = try c.tensor("W"), x = try c.tensor("x"), g = try c.tensor("G")
        let f = try svd(w, rank: 2)
        let v = Parameter(name: "v", value: try c.tensor("v"))
        let full = ProjectedLowRankProbe.tinyLoRA(svd: f, placement: .full, projections: try c.tensor("P"), v: v)
        expectClose(full.delta(x), try c.tensor("delta"), tolerance: tolerance, "full delta")
        expectClose(full.deltaWeight(), try c.tensor("deltaWeight"), tolerance: tolerance, "full ΔW")
        expectClose(full.backward(input: x, outputGradient: g), try c.tensor("dx"), tolerance: tolerance, "full dx")
        expectClose(v.gradient, try c.tensor("grad"), tolerance: tolerance, "full dv")
    }

    /// Pins where Σ goes: the paper's UΣRVᵀ and PEFT's U√ΣR√ΣVᵀ agree for diagonal R and differ otherwise.
    @Test func sigmaPlacementFullAndSplitDifferUnlessRIsDiagonal() throws {
        let c = try section("tinylora_full")
        let f = try svd(try c.tensor("W"), rank: 2)
        let v = Parameter(name: "v", value: Tensor([1, -2], shape: [2]))
        let diagonal = Tensor([0.5, 0, 0, 1.5, /* P₂ */ 1, 0, 0, -1], shape: [2, 2, 2])
        let mixed = Tensor([0.5, 0.3, -0.7, 1.5, 1, 0.2, 0.4, -1], shape: [2, 2, 2])
        func delta(_ placement: TinyLoRAOptions.SigmaPlacement, _ p: Tensor) -> Tensor {
            ProjectedLowRankProbe.tinyLoRA(svd: f, placement: placement, projections: p, v: v).deltaWeight()
        }
        expectClose(delta(.full, diagonal), delta(.split, diagonal), tolerance: 1e-5, "diagonal R")
        #expect(relativeError(delta(.full, mixed), delta(.split, mixed)) > 1e-2)
        // With R = I both are the rank-2 reconstruction U_rΣ_rV_rᵀ: the SVD reconstructs W to rank r.
        let identity = Parameter(name: "v", value: Tensor([1], shape: [1]))
        let i2 = Tensor([1, 0, 0, 1], shape: [1, 2, 2])
        expectClose(ProjectedLowRankProbe.tinyLoRA(svd: f, placement: .split, projections: i2, v: identity).deltaWeight(),
                    f.reconstructed(), tolerance: 1e-5, "rank-r reconstruction")
    }

    @Test func loraXSMatchesAutograd() throws {
        let c = try section("loraxs")
        let f = try svd(try c.tensor("W"), rank: 2)
        let r = Parameter(name: "R", value: try c.tensor("R"))
        let layer = LoRAXSLayer(a: f.vt, b: AdapterMathProbe.scaleColumns(f.u, f.s), r: r)
        let x = try c.tensor("x")
        expectClose(layer.delta(x), try c.tensor("delta"), tolerance: tolerance, "loraxs delta")
        expectClose(layer.backward(input: x, outputGradient: try c.tensor("G")), try c.tensor("dx"), tolerance: tolerance, "loraxs dx")
        expectClose(r.gradient, try c.tensor("grad"), tolerance: tolerance, "loraxs dR")
    }

    /// Central finite differences of L = Σ (ΔW·x) ⊙ G in f64-free f32: a check independent of any reference.
    @Test func tinyLoRAGradientMatchesFiniteDifferences() throws {
        let c = try section("tinylora_split")
        let v = Parameter(name: "v", value: try c.tensor("param:proj1.tinylora_v.0"))
        let layer = TinyLoRALayer(a: try c.tensor("proj1.A"), b: try c.tensor("proj1.B"), projections: try c.tensor("proj1.P"), v: v)
        let x = try c.tensor("x1"), g = try c.tensor("G1")
        _ = layer.backward(input: x, outputGradient: g)
        let analytic = v.gradient
        let h: Float = 1e-2
        for i in 0..<v.value.count {
            let original = v.value
            var plus = original, minus = original
            plus.withUnsafeMutableBufferPointer { $0[i] += h }
            minus.withUnsafeMutableBufferPointer { $0[i] -= h }
            v.value = plus
            let lp = Kernels.dot(layer.delta(x), g)
            v.value = minus
            let lm = Kernels.dot(layer.delta(x), g)
            v.value = original
            // L is linear in v, so the central difference is exact up to rounding.
            #expect(abs((lp - lm) / (2 * h) - analytic.array[i]) <= 1e-3 * max(1, abs(analytic.array[i])))
        }
    }
}

/// Builders the tests need from the families' internals.
enum ProjectedLowRankProbe {
    static func tinyLoRA(svd f: SVDResult, placement: TinyLoRAOptions.SigmaPlacement, projections: Tensor,
                         v: Parameter) -> TinyLoRALayer {
        let (a, b) = TinyLoRALayer.factors(svd: f, placement: placement)
        return TinyLoRALayer(a: a, b: b, projections: projections, v: v)
    }
}

enum AdapterMathProbe {
    static func scaleColumns(_ x: Tensor, _ s: [Float]) -> Tensor {
        var y = x
        let c = x.cols
        y.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] *= s[i % c] } }
        return y
    }
}
