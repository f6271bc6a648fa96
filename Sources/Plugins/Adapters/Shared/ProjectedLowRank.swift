// The math LoRA-XS and TinyLoRA share: ΔW = B·R·A with frozen B (out, r) and A (r, in) from a truncated SVD of W
// and a small r × r matrix R that is trained directly (LoRA-XS) or built from a tied vector (TinyLoRA).

import TinyTune

/// ΔW·x and its backward for ΔW = B·R·A.  // B: (out, r), R: (r, r), A: (r, in)
struct ProjectedLowRank: Sendable {
    let a: Tensor
    let b: Tensor

    var rank: Int { a.rows }

    /// y = ((x·Aᵀ)·Rᵀ)·Bᵀ, as PEFT's F.linear chain (tinylora/layer.py `forward`).
    func delta(_ x: Tensor, r: Tensor) -> Tensor {
        let t = matmul(x, a, transposeB: true)          // (n, r)
        let w = matmul(t, r, transposeB: true)          // (n, r)
        return matmul(w, b, transposeB: true)           // (n, out)
    }

    /// output += ((x·Aᵀ)·Rᵀ)·Bᵀ, the last product accumulated in place.
    func addDelta(_ x: Tensor, r: Tensor, to output: inout Tensor) {
        let w = matmul(matmul(x, a, transposeB: true), r, transposeB: true)
        gemm(w, b, into: &output, transposeB: true, beta: 1)
    }

    /// Forward was t = x·Aᵀ, w = t·Rᵀ, y = w·Bᵀ, so dw = dy·B, dR = dwᵀ·t, dt = dw·R, dx = dt·A.
    func backward(_ x: Tensor, _ dy: Tensor, r: Tensor) -> (dR: Tensor, dx: Tensor) {
        var dx = Tensor(zeros: x.shape)
        return (backward(x, dy, r: r, addingInputGradientTo: &dx), dx)
    }

    /// The same with dx added into `inputGradient`; returns dR.
    func backward(_ x: Tensor, _ dy: Tensor, r: Tensor, addingInputGradientTo inputGradient: inout Tensor) -> Tensor {
        let t = matmul(x, a, transposeB: true)          // (n, r)
        let dw = matmul(dy, b)                          // (n, r)
        let dR = matmul(dw, t, transposeA: true)        // (r, r)
        let dt = matmul(dw, r)                          // (n, r)
        gemm(dt, a, into: &inputGradient, beta: 1)      // (n, in)
        return dR
    }

    /// B·R·A: (out, in).
    func deltaWeight(r: Tensor) -> Tensor { matmul(matmul(b, r), a) }

    /// Frozen factors from a truncated SVD W ≈ U diag(s) Vᵀ. `.full` puts Σ on B (B = UΣ, A = Vᵀ: the paper's and
    /// LoRA-XS's UΣRVᵀ); `.split` puts √Σ on both (B = U√Σ, A = √ΣVᵀ: PEFT 0.21.2's tinylora `_init_svd`). The two
    /// agree when R is diagonal and differ otherwise.
    init(svd f: SVDResult, placement: TinyLoRAOptions.SigmaPlacement) {
        let root = f.s.map { $0.squareRoot() }
        let left = placement == .full ? f.s : root
        let right = placement == .full ? f.s.map { _ in Float(1) } : root
        b = AdapterMath.scaleColumns(f.u, Tensor(left, shape: [left.count]))
        var scaledVt = f.vt
        let n = f.vt.cols
        scaledVt.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] *= right[i / n] }
        }
        a = scaledVt
    }

    init(a: Tensor, b: Tensor) {
        self.a = a
        self.b = b
    }
}
