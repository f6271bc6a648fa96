import Foundation

/// Backward formulas of the decoder's pieces. Each function quotes the forward it differentiates, as llm.c does.
enum Gradients {
    /// forward:  y = x · r · g,  r = 1/√(mean(x²) + eps),  g = w (or 1 + w), over rows of width n
    /// backward: dx = r · (dy∘g) − x · (r³/n) · Σⱼ (dy∘g∘x)ⱼ
    static func rmsNorm(x: Tensor, weight: Tensor, eps: Float, addsOne: Bool, dy: Tensor) -> Tensor {
        let n = x.shape.last ?? 1
        let rows = x.count / max(n, 1)
        var dx = Tensor(zeros: x.shape)
        let offset: Float = addsOne ? 1 : 0
        x.withBaseAddress { xp in
            dy.withBaseAddress { dyp in
                weight.withBaseAddress { wp in
                    dx.withMutableBaseAddress { dxp in
                        nonisolated(unsafe) let xp = xp, dyp = dyp, wp = wp, dxp = dxp
                        parallelFor(rows, minimumChunk: max(1, 16_384 / max(n, 1))) { range in
                        for r in range {
                            let xr = xp + r * n, dyr = dyp + r * n, dxr = dxp + r * n
                            var squares = 0.0, projection = 0.0
                            for j in 0..<n {
                                squares += Double(xr[j]) * Double(xr[j])
                                projection += Double(dyr[j]) * Double(offset + wp[j]) * Double(xr[j])
                            }
                            let inverse = 1 / (squares / Double(n) + Double(eps)).squareRoot()
                            let correction = Float(inverse * inverse * inverse * projection / Double(n))
                            let rf = Float(inverse)
                            for j in 0..<n { dxr[j] = rf * dyr[j] * (offset + wp[j]) - xr[j] * correction }
                        }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// forward:  a = act(g) ∘ u   (the gated MLP's product, act = silu or gelu_tanh)
    /// backward: dg = (da ∘ u) ∘ act'(g),  du = da ∘ act(g)
    /// silu:      a = g·σ(g)                     a' = σ(g)·(1 + g·(1 − σ(g)))
    /// gelu_tanh: a = ½g(1 + tanh(k(g + c·g³)))  a' = ½(1 + t) + ½g(1 − t²)·k(1 + 3c·g²),  k = √(2/π), c = 0.044715
    /// One pass on both cores, act(g) computed as `Kernels.silu`/`gelu` compute it.
    static func gatedActivation(gate: Tensor, up: Tensor, outputGradient da: Tensor,
                                _ activation: DecoderSpec.Activation) -> (dGate: Tensor, dUp: Tensor) {
        precondition(gate.shape == up.shape && gate.shape == da.shape, "gated activation: shapes differ")
        var dGate = Tensor(uninitializedShape: gate.shape), dUp = Tensor(uninitializedShape: gate.shape)
        gate.withBaseAddress { gp in up.withBaseAddress { up in da.withBaseAddress { dap in
            dGate.withMutableBaseAddress { dgp in dUp.withMutableBaseAddress { dup in
                nonisolated(unsafe) let gp = gp, up = up, dap = dap, dgp = dgp, dup = dup
                parallelFor(gate.count, minimumChunk: 1 << 14) { range in
                    for i in range {
                        let x = gp[i]
                        let value: Float, derivative: Float
                        switch activation {
                        case .silu:
                            value = x / (1 + Foundation.exp(-x))
                            let s = 1 / (1 + expf(-x))
                            derivative = s * (1 + x * (1 - s))
                        case .geluTanh:
                            let k: Float = 0.797_884_560_802_865_4, c: Float = 0.044_715
                            value = 0.5 * x * (1 + Foundation.tanh(k * (x + c * x * x * x)))
                            let t = tanhf(k * (x + c * x * x * x))
                            derivative = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x * x)
                        }
                        dgp[i] = (dap[i] * up[i]) * derivative
                        dup[i] = dap[i] * value
                    }
                }
            } }
        } } }
        return (dGate, dUp)
    }
}
