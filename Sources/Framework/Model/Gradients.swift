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
                        for r in 0..<rows {
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
        return dx
    }

    /// The derivative of the MLP activation at each element of g.
    /// silu:      a = g·σ(g)                     a' = σ(g)·(1 + g·(1 − σ(g)))
    /// gelu_tanh: a = ½g(1 + tanh(k(g + c·g³)))  a' = ½(1 + t) + ½g(1 − t²)·k(1 + 3c·g²),  k = √(2/π), c = 0.044715
    static func activationDerivative(_ g: Tensor, _ activation: DecoderSpec.Activation) -> Tensor {
        var out = Tensor(zeros: g.shape)
        g.withBaseAddress { gp in
            out.withMutableBaseAddress { op in
                for i in 0..<g.count {
                    let x = gp[i]
                    switch activation {
                    case .silu:
                        let s = 1 / (1 + expf(-x))
                        op[i] = s * (1 + x * (1 - s))
                    case .geluTanh:
                        let k: Float = 0.797_884_560_802_865_4, c: Float = 0.044_715
                        let t = tanhf(k * (x + c * x * x * x))
                        op[i] = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x * x)
                    }
                }
            }
        }
        return out
    }
}
