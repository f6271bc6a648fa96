// Matrix products through OpenBLAS's CBLAS interface (row-major calls).
// Reference: BLAS level 2/3 semantics as in Dongarra et al., "A Set of Level 3 Basic Linear Algebra
// Subprograms", ACM TOMS 16(1), 1990; CBLAS row-major convention from the BLAS Technical Forum standard (2001).

import COpenBLAS

/// Whether a matrix operand is used as stored or transposed (`op(X) = X` or `Xᵀ`).
public enum Transpose: Sendable {
    case none
    case transposed

    init(_ flag: Bool) { self = flag ? .transposed : .none }

    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// Returns `alpha · op(A) · op(B)` for 2-D tensors.
///
///     let c = matmul(a, b)                          // [m,k] · [k,n] -> [m,n]
///     let g = matmul(x, dy, transposeA: true)       // [k,m]ᵀ · [k,n] -> [m,n]
///     let s = matmul(q, k, transposeB: true)        // [m,k] · [n,k]ᵀ -> [m,n]
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false,
                   alpha: Float = 1) -> Tensor {
    let (m, _, n) = productShape(a, b, transposeA: transposeA, transposeB: transposeB, caller: "matmul")
    // β = 0: sgemm writes every element of C without reading it, so C need not be zeroed first.
    var c = Tensor(uninitializedShape: [m, n])
    gemm(a, b, into: &c, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: 0)
    return c
}

/// In place: `C = alpha · op(A) · op(B) + beta · C`, with `C` of shape `[m, n]`.
///
///     gemm(x, dy, into: &gradW, transposeA: true, beta: 1)   // gradW += xᵀ · dy
public func gemm(_ a: Tensor, _ b: Tensor, into c: inout Tensor, transposeA: Bool = false,
                 transposeB: Bool = false, alpha: Float = 1, beta: Float = 0) {
    let (m, k, n) = productShape(a, b, transposeA: transposeA, transposeB: transposeB, caller: "gemm")
    precondition(c.shape == [m, n], "gemm: C has shape \(c.shape), op(A)·op(B) is [\(m), \(n)]")
    a.withBaseAddress { pa in
        b.withBaseAddress { pb in
            c.withMutableBaseAddress { pc in
                gemm(m: m, n: n, k: k, a: pa, lda: Swift.max(a.cols, 1), transA: Transpose(transposeA),
                     b: pb, ldb: Swift.max(b.cols, 1), transB: Transpose(transposeB),
                     c: pc, ldc: Swift.max(n, 1), alpha: alpha, beta: beta)
            }
        }
    }
}

/// Raw row-major SGEMM: `C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C`.
///
/// Leading dimensions are row strides: `A` is stored `m×k` (`lda ≥ k`) or, when transposed, `k×m` (`lda ≥ m`);
/// likewise `B` is `k×n` (`ldb ≥ n`) or `n×k` (`ldb ≥ k`); `ldc ≥ n`. With `beta == 0`, `C` is not read.
public func gemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, transA: Transpose,
                 b: UnsafePointer<Float>, ldb: Int, transB: Transpose,
                 c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float = 1, beta: Float = 0) {
    precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative size m=\(m) n=\(n) k=\(k)")
    precondition(lda >= Swift.max(1, transA == .none ? k : m), "gemm: lda=\(lda) too small for m=\(m) k=\(k) \(transA)")
    precondition(ldb >= Swift.max(1, transB == .none ? n : k), "gemm: ldb=\(ldb) too small for k=\(k) n=\(n) \(transB)")
    precondition(ldc >= Swift.max(1, n), "gemm: ldc=\(ldc) too small for n=\(n)")
    precondition(m <= Int(Int32.max) && n <= Int(Int32.max) && k <= Int(Int32.max)
                 && lda <= Int(Int32.max) && ldb <= Int(Int32.max) && ldc <= Int(Int32.max),
                 "gemm: sizes exceed the 32-bit BLAS interface")
    if m == 0 || n == 0 { return }
    if k == 0 {
        // op(A)·op(B) is an empty sum: C = beta·C (BLAS implementations disagree on k = 0, so do it here).
        for i in 0..<m {
            let row = c + i * ldc
            for j in 0..<n { row[j] = beta == 0 ? 0 : beta * row[j] }
        }
        return
    }
    cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k), alpha,
                a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Returns `alpha · op(A) · x` for a 2-D `A` and a 1-D `x`.
///
///     let y = gemv(w, x)                       // [m,n] · [n] -> [m]
///     let g = gemv(w, dy, transpose: true)     // [m,n]ᵀ · [m] -> [n]
public func gemv(_ a: Tensor, _ x: Tensor, transpose: Bool = false, alpha: Float = 1) -> Tensor {
    precondition(a.rank == 2 && x.rank == 1, "gemv: needs a 2-D matrix and a 1-D vector, got \(a.shape) and \(x.shape)")
    let (inner, outer) = transpose ? (a.rows, a.cols) : (a.cols, a.rows)
    precondition(x.count == inner,
                 "gemv: op(A) is [\(outer), \(inner)] but x has \(x.count) elements (A \(a.shape), transpose \(transpose))")
    var y = Tensor(zeros: [outer])
    a.withBaseAddress { pa in
        x.withBaseAddress { px in
            y.withMutableBaseAddress { py in
                gemv(m: a.rows, n: a.cols, a: pa, lda: Swift.max(a.cols, 1), trans: Transpose(transpose),
                     x: px, y: py, alpha: alpha, beta: 0)
            }
        }
    }
    return y
}

/// Raw row-major SGEMV: `y = alpha · op(A) · x + beta · y`, `A` stored `m×n` with row stride `lda ≥ n`.
/// `x` has `n` elements (`m` if transposed), `y` has `m` (`n` if transposed); both contiguous.
public func gemv(m: Int, n: Int, a: UnsafePointer<Float>, lda: Int, trans: Transpose,
                 x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 0) {
    precondition(m >= 0 && n >= 0, "gemv: negative size m=\(m) n=\(n)")
    precondition(lda >= Swift.max(1, n), "gemv: lda=\(lda) too small for n=\(n)")
    precondition(m <= Int(Int32.max) && n <= Int(Int32.max) && lda <= Int(Int32.max),
                 "gemv: sizes exceed the 32-bit BLAS interface")
    let outputs = trans == .none ? m : n
    if outputs == 0 { return }
    if m == 0 || n == 0 {
        for i in 0..<outputs { y[i] = beta == 0 ? 0 : beta * y[i] }
        return
    }
    cblas_sgemv(CblasRowMajor, trans.cblas, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
}

/// `(m, k, n)` of `op(A)·op(B)`, checking ranks and the inner dimension.
private func productShape(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool,
                          caller: String) -> (m: Int, k: Int, n: Int) {
    precondition(a.rank == 2 && b.rank == 2, "\(caller): needs 2-D tensors, got \(a.shape) and \(b.shape)")
    let (m, ka) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let (kb, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
    precondition(ka == kb, "\(caller): inner dimensions differ: op(A) is [\(m), \(ka)], op(B) is [\(kb), \(n)] "
                 + "(A \(a.shape) transposeA \(transposeA), B \(b.shape) transposeB \(transposeB))")
    return (m, ka, n)
}
