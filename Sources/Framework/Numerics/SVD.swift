// Singular value decompositions: exact (LAPACK sgesdd) and randomized (Halko, Martinsson & Tropp).
//
// References:
// - LAPACK Users' Guide, 3rd ed. (1999), xGESDD (divide and conquer SVD), xGEQRF / xORGQR (Householder QR).
// - N. Halko, P.-G. Martinsson and J. A. Tropp, "Finding Structure with Randomness: Probabilistic Algorithms
//   for Constructing Approximate Matrix Decompositions", SIAM Review 53(2), 2011 — Alg. 4.4 (randomized
//   subspace iteration) and Alg. 5.1 (direct SVD of the small projected matrix).
//
// Layout: LAPACK is column-major and our tensors are row-major, so the buffer of a row-major m×n matrix A is
// the column-major n×m matrix Aᵀ. We therefore hand LAPACK Aᵀ and read its factors back transposed, which
// costs no copies: if Aᵀ = U' Σ V'ᵀ then A = V' Σ U'ᵀ, and LAPACK's column-major U' (n×k) read row-major is
// exactly U'ᵀ = Vᵀ (k×n), its column-major V'ᵀ (k×m) read row-major is V' = U (m×k).
//
// Sign convention: singular vectors are defined up to a sign per pair (u_i, v_i). Every result here is made
// deterministic by flipping each pair so that the largest-magnitude entry of u_i (first one on ties) is positive.

import COpenBLAS

/// `A ≈ U · diag(s) · Vᵀ` with `u` `[m, k]` (orthonormal columns), `s` descending, `vt` `[k, n]` (orthonormal rows).
public struct SVDResult: Sendable {
    /// Left singular vectors as columns, shape `[m, k]`.
    public var u: Tensor
    /// Singular values, `k` of them, descending and non-negative.
    public var s: [Float]
    /// Right singular vectors as rows, shape `[k, n]`.
    public var vt: Tensor

    public init(u: Tensor, s: [Float], vt: Tensor) {
        self.u = u
        self.s = s
        self.vt = vt
    }

    /// The rank-k reconstruction `U · diag(s) · Vᵀ`, shape `[m, n]`.
    public func reconstructed() -> Tensor {
        var scaledU = u
        let (m, k) = (u.rows, u.cols)
        scaledU.withUnsafeMutableBufferPointer { p in
            for i in 0..<m { for j in 0..<k { p[i * k + j] *= s[j] } }
        }
        return matmul(scaledU, vt)
    }
}

/// Failures reported by LAPACK or caused by the input.
public enum NumericsError: Error, Equatable, Sendable {
    /// A LAPACK routine returned `info != 0` (negative: bad argument number; positive: did not converge).
    case lapack(routine: String, info: Int)
    /// The input holds NaN or infinity, which LAPACK's SVD cannot handle.
    case nonFiniteInput(String)
}

/// Exact thin SVD of a 2-D tensor through LAPACK `sgesdd` (jobz = "S"), optionally truncated to the top `rank`
/// (clamped to `min(m, n)`). Throws `NumericsError` if the input is not finite or LAPACK fails.
///
///     let f = try svd(w)                    // w: [m, n] → u [m, k], s [k], vt [k, n], k = min(m, n)
///     let top = try svd(w, rank: 8)         // u [m, 8], s [8], vt [8, n]
public func svd(_ a: Tensor, rank: Int? = nil) throws -> SVDResult {
    precondition(a.rank == 2, "svd: needs a 2-D tensor, got shape \(a.shape)")
    precondition(rank.map { $0 >= 0 } ?? true, "svd: rank must be non-negative")
    let (m, n) = (a.rows, a.cols)
    let k = Swift.min(m, n)
    let keep = Swift.min(rank ?? k, k)
    if k == 0 { return SVDResult(u: Tensor(zeros: [m, 0]), s: [], vt: Tensor(zeros: [0, n])) }
    try requireFinite(a, "svd")
    precondition(m <= Int(Int32.max) && n <= Int(Int32.max), "svd: sizes exceed the 32-bit LAPACK interface")

    // LAPACK factors Aᵀ (column-major n×m, which is our row-major buffer): M' = n, N' = m.
    var work = a                     // sgesdd overwrites its input
    var s = [Float](repeating: 0, count: k)
    var leftT = Tensor(zeros: [n * k])   // U' (n×k column-major) = Vᵀ (k×n row-major)
    var rightT = Tensor(zeros: [k * m])  // V'ᵀ (k×m column-major) = U (m×k row-major)
    var jobz = CChar(UInt8(ascii: "S"))
    var rowsT = Int32(n), colsT = Int32(m)
    var lda = Int32(n), ldu = Int32(n), ldvt = Int32(k)
    var iwork = [Int32](repeating: 0, count: 8 * k)
    var info: Int32 = 0

    try work.withMutableBaseAddress { pa in
        try leftT.withMutableBaseAddress { pu in
            try rightT.withMutableBaseAddress { pvt in
                var query: Float = 0
                var lwork: Int32 = -1
                sgesdd_(&jobz, &rowsT, &colsT, pa, &lda, &s, pu, &ldu, pvt, &ldvt, &query, &lwork, &iwork, &info)
                guard info == 0 else { throw NumericsError.lapack(routine: "sgesdd", info: Int(info)) }
                lwork = try workspaceSize(query, routine: "sgesdd")
                var scratch = [Float](repeating: 0, count: Int(lwork))
                sgesdd_(&jobz, &rowsT, &colsT, pa, &lda, &s, pu, &ldu, pvt, &ldvt, &scratch, &lwork, &iwork, &info)
                guard info == 0 else { throw NumericsError.lapack(routine: "sgesdd", info: Int(info)) }
            }
        }
    }

    var result = SVDResult(u: rightT.reshaped([m, k]), s: s, vt: leftT.reshaped([k, n]))
    if keep < k { result = truncated(result, to: keep) }
    canonicalizeSigns(&result)
    return result
}

/// Randomized truncated SVD (Halko, Martinsson & Tropp 2011, Alg. 4.4 + 5.1): top `rank` singular triplets
/// from a Gaussian sketch of width `rank + oversampling` (clamped to `min(m, n)`), refined by
/// `powerIterations` rounds of subspace iteration with a QR re-orthonormalization after every product
/// (`sgeqrf` + `sorgqr`), then an exact SVD of the small projected matrix `Qᵀ A`.
/// Deterministic for a given `seed` (the sketch comes from `SeededGenerator(seed:)`).
///
///     let top = try randomizedSVD(w, rank: 4, seed: 7)   // u [m, 4], s [4], vt [4, n]
///
/// Cost: about `(2q + 2) · m · n · l` flops for `l = rank + oversampling`, versus `O(m · n · min(m, n))` exact.
public func randomizedSVD(_ a: Tensor, rank: Int, oversampling: Int = 8, powerIterations: Int = 2,
                          seed: UInt64) throws -> SVDResult {
    precondition(a.rank == 2, "randomizedSVD: needs a 2-D tensor, got shape \(a.shape)")
    precondition(rank >= 0 && oversampling >= 0 && powerIterations >= 0,
                 "randomizedSVD: rank, oversampling and powerIterations must be non-negative")
    let (m, n) = (a.rows, a.cols)
    let keep = Swift.min(rank, m, n)
    let width = Swift.min(rank + oversampling, m, n)  // l
    if keep == 0 { return SVDResult(u: Tensor(zeros: [m, 0]), s: [], vt: Tensor(zeros: [0, n])) }
    try requireFinite(a, "randomizedSVD")

    // Every basis is kept transposed, row-major l×(rows): that buffer is the column-major (rows)×l matrix
    // LAPACK orthonormalizes in place, so no explicit transposes are needed.
    var generator = SeededGenerator(seed: seed)
    var omegaT = Tensor(zeros: [width, n])                  // Ωᵀ, Ω: n×l Gaussian test matrix
    generator.fillNormal(&omegaT)
    var qT = matmul(omegaT, a, transposeB: true)            // (A Ω)ᵀ = Ωᵀ Aᵀ: l×m
    try orthonormalizeColumns(ofTransposed: &qT)            // Q₀ = qr(A Ω)
    for _ in 0..<powerIterations {
        var qTildeT = matmul(qT, a)                         // (Aᵀ Q)ᵀ = Qᵀ A: l×n
        try orthonormalizeColumns(ofTransposed: &qTildeT)   // Q̃ = qr(Aᵀ Q)
        qT = matmul(qTildeT, a, transposeB: true)           // (A Q̃)ᵀ = Q̃ᵀ Aᵀ: l×m
        try orthonormalizeColumns(ofTransposed: &qT)        // Q = qr(A Q̃)
    }
    let b = matmul(qT, a)                                   // B = Qᵀ A: l×n
    let small = try svd(b, rank: keep)                      // B = Ũ Σ Vᵀ, Ũ: l×keep
    var result = SVDResult(u: matmul(qT, small.u, transposeA: true),  // U = Q Ũ: m×keep
                           s: small.s, vt: small.vt)
    canonicalizeSigns(&result)
    return result
}

/// Replaces the columns of the column-major matrix `Y` (rows × l), stored as the row-major `[l, rows]` tensor
/// `yT`, with an orthonormal basis of their span: `Y = QR` by Householder QR, then `Y ← Q` (needs rows ≥ l).
func orthonormalizeColumns(ofTransposed yT: inout Tensor) throws {
    let (columns, rows) = (yT.rows, yT.cols)
    precondition(rows >= columns, "orthonormalizeColumns: \(rows) rows cannot hold \(columns) orthonormal columns")
    if columns == 0 { return }
    var m = Int32(rows), n = Int32(columns), k = Int32(columns), lda = Int32(rows)
    var tau = [Float](repeating: 0, count: columns)
    var info: Int32 = 0
    try yT.withMutableBaseAddress { py in
        var query: Float = 0
        var lwork: Int32 = -1
        sgeqrf_(&m, &n, py, &lda, &tau, &query, &lwork, &info)
        guard info == 0 else { throw NumericsError.lapack(routine: "sgeqrf", info: Int(info)) }
        lwork = try workspaceSize(query, routine: "sgeqrf")
        var scratch = [Float](repeating: 0, count: Int(lwork))
        sgeqrf_(&m, &n, py, &lda, &tau, &scratch, &lwork, &info)
        guard info == 0 else { throw NumericsError.lapack(routine: "sgeqrf", info: Int(info)) }

        lwork = -1
        sorgqr_(&m, &n, &k, py, &lda, &tau, &query, &lwork, &info)
        guard info == 0 else { throw NumericsError.lapack(routine: "sorgqr", info: Int(info)) }
        lwork = try workspaceSize(query, routine: "sorgqr")
        scratch = [Float](repeating: 0, count: Int(lwork))
        sorgqr_(&m, &n, &k, py, &lda, &tau, &scratch, &lwork, &info)
        guard info == 0 else { throw NumericsError.lapack(routine: "sorgqr", info: Int(info)) }
    }
}

/// Workspace length from a LAPACK `lwork = -1` query. LAPACK reports it as a Float, which may have been
/// rounded down for large values, so step to the next representable value before rounding up.
private func workspaceSize(_ query: Float, routine: String) throws -> Int32 {
    let size = Swift.max(1, Double(query.nextUp).rounded(.up))
    guard size <= Double(Int32.max) else { throw NumericsError.lapack(routine: routine, info: Int(Int32.min)) }
    return Int32(size)
}

private func requireFinite(_ a: Tensor, _ caller: String) throws {
    let finite = a.withUnsafeBufferPointer { buffer in buffer.allSatisfy { $0.isFinite } }
    if !finite { throw NumericsError.nonFiniteInput("\(caller): input \(a.shape) holds NaN or infinity") }
}

/// The first `keep` singular triplets.
private func truncated(_ full: SVDResult, to keep: Int) -> SVDResult {
    let (m, k, n) = (full.u.rows, full.u.cols, full.vt.cols)
    var u = Tensor(zeros: [m, keep])
    full.u.withUnsafeBufferPointer { source in
        u.withUnsafeMutableBufferPointer { target in
            for i in 0..<m { for j in 0..<keep { target[i * keep + j] = source[i * k + j] } }
        }
    }
    let vt = Tensor(Array(full.vt.array.prefix(keep * n)), shape: [keep, n])
    return SVDResult(u: u, s: Array(full.s.prefix(keep)), vt: vt)
}

/// Flips each pair (u_j, v_j) so that the largest-magnitude entry of column u_j (first on ties) is positive.
private func canonicalizeSigns(_ result: inout SVDResult) {
    let (m, k, n) = (result.u.rows, result.u.cols, result.vt.cols)
    var flips = [Bool](repeating: false, count: k)
    result.u.withUnsafeBufferPointer { u in
        for j in 0..<k {
            var best: Float = -1
            var bestValue: Float = 0
            for i in 0..<m where abs(u[i * k + j]) > best {
                best = abs(u[i * k + j])
                bestValue = u[i * k + j]
            }
            flips[j] = bestValue < 0
        }
    }
    guard flips.contains(true) else { return }
    result.u.withUnsafeMutableBufferPointer { u in
        for i in 0..<m { for j in 0..<k where flips[j] { u[i * k + j] = -u[i * k + j] } }
    }
    result.vt.withUnsafeMutableBufferPointer { vt in
        for j in 0..<k where flips[j] { for c in 0..<n { vt[j * n + c] = -vt[j * n + c] } }
    }
}
