// Elementwise, row-wise and reduction kernels over Float32 buffers, with a Tensor API on top.
//
// Raw-pointer versions take element counts (or rows × cols for last-dim ops, row-major, contiguous rows) and
// allow `out` to be the same buffer as an input (in place). Large inputs are split across cores with
// `parallelFor`; each chunk writes only its own indices, which is why capturing the raw pointers in the
// @Sendable chunk closures through `nonisolated(unsafe)` is safe (the call is synchronous, so the buffers
// outlive every chunk).

import Foundation

/// Numerics kernels. Tensor versions check shapes (no broadcasting: operands have identical shapes).
///
///     let p = Kernels.softmax(logits)                         // over the last dimension
///     let h = Kernels.rmsNorm(x, weight: w, eps: 1e-6)         // Llama form; `unitOffset: true` for Gemma
///     Kernels.axpy(-learningRate, grad, &param)                // param -= lr · grad
public enum Kernels {
    /// Elementwise loops go parallel from two chunks of this many elements on.
    static let elementwiseChunk = 1 << 15
    /// Row loops go parallel when a chunk of rows holds at least this many elements.
    static let rowChunkElements = 1 << 14

    static func rowChunk(cols: Int) -> Int { Swift.max(1, rowChunkElements / Swift.max(cols, 1)) }

    // MARK: Elementwise, raw

    /// `out[i] = a[i] + b[i]` for `i < count`.
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                           into out: UnsafeMutablePointer<Float>, count: Int) {
        nonisolated(unsafe) let a = a
        nonisolated(unsafe) let b = b
        nonisolated(unsafe) let out = out
        parallelFor(count, minimumChunk: elementwiseChunk) { range in
            for i in range { out[i] = a[i] + b[i] }
        }
    }

    /// `a[i] += b[i]` for `i < count`.
    public static func addInPlace(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count: Int) {
        add(UnsafePointer(a), b, into: a, count: count)
    }

    /// `out[i] = a[i] · b[i]` for `i < count` (Hadamard product).
    public static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                into out: UnsafeMutablePointer<Float>, count: Int) {
        nonisolated(unsafe) let a = a
        nonisolated(unsafe) let b = b
        nonisolated(unsafe) let out = out
        parallelFor(count, minimumChunk: elementwiseChunk) { range in
            for i in range { out[i] = a[i] * b[i] }
        }
    }

    /// `x[i] *= factor` for `i < count`.
    public static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        nonisolated(unsafe) let x = x
        parallelFor(count, minimumChunk: elementwiseChunk) { range in
            for i in range { x[i] *= factor }
        }
    }

    /// `y[i] += alpha · x[i]` for `i < count` (BLAS axpy).
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        nonisolated(unsafe) let x = x
        nonisolated(unsafe) let y = y
        parallelFor(count, minimumChunk: elementwiseChunk) { range in
            for i in range { y[i] += alpha * x[i] }
        }
    }

    /// SiLU (swish): `out[i] = x[i] · σ(x[i]) = x / (1 + e^(-x))`.
    /// Ramachandran, Zoph & Le, "Searching for Activation Functions", 2017.
    public static func silu(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        nonisolated(unsafe) let x = x
        nonisolated(unsafe) let out = out
        parallelFor(count, minimumChunk: elementwiseChunk) { range in
            for i in range {
                let v = x[i]
                out[i] = v / (1 + Foundation.exp(-v))
            }
        }
    }

    /// GELU, tanh approximation (PyTorch `gelu(approximate='tanh')`):
    /// `0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))`. Hendrycks & Gimpel, "Gaussian Error Linear Units", 2016.
    public static func gelu(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        nonisolated(unsafe) let x = x
        nonisolated(unsafe) let out = out
        let sqrtTwoOverPi: Float = 0.797_884_560_802_865_4
        parallelFor(count, minimumChunk: elementwiseChunk) { range in
            for i in range {
                let v = x[i]
                out[i] = 0.5 * v * (1 + Foundation.tanh(sqrtTwoOverPi * (v + 0.044_715 * v * v * v)))
            }
        }
    }

    // MARK: Last-dimension ops, raw

    /// Softmax over each row of a `rows × cols` buffer, numerically stable:
    /// `out[r, j] = exp(x[r, j] - max_j x[r, ·]) / Σ_j exp(x[r, j] - max)`, sums accumulated in Double.
    /// A row that is all `-inf` (or holds `+inf`/NaN) gives NaN, as in PyTorch.
    public static func softmax(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        nonisolated(unsafe) let x = x
        nonisolated(unsafe) let out = out
        parallelFor(rows, minimumChunk: rowChunk(cols: cols)) { range in
            for r in range {
                let xr = x + r * cols
                let yr = out + r * cols
                let m = max(xr, count: cols)
                var total: Double = 0
                for j in 0..<cols {
                    let e = Foundation.exp(xr[j] - m)
                    yr[j] = e
                    total += Double(e)
                }
                let inverse = Float(1 / total)
                for j in 0..<cols { yr[j] *= inverse }
            }
        }
    }

    /// Log-softmax over each row: `out[r, j] = (x[r, j] - max) - log Σ_j exp(x[r, j] - max)`.
    public static func logSoftmax(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                  rows: Int, cols: Int) {
        nonisolated(unsafe) let x = x
        nonisolated(unsafe) let out = out
        parallelFor(rows, minimumChunk: rowChunk(cols: cols)) { range in
            for r in range {
                let xr = x + r * cols
                let yr = out + r * cols
                let m = max(xr, count: cols)
                var total: Double = 0
                for j in 0..<cols { total += Double(Foundation.exp(xr[j] - m)) }
                // (x - max) first: folding max into the log term would round at the scale of max.
                let logTotal = Float(Foundation.log(total))
                for j in 0..<cols { yr[j] = (xr[j] - m) - logTotal }
            }
        }
    }

    /// RMSNorm over each row (Zhang & Sennrich, "Root Mean Square Layer Normalization", 2019):
    /// `out[r, j] = x[r, j] / √(mean_j x[r, ·]² + eps) · g[j]` with `g = weight` (Llama) or
    /// `g = 1 + weight` when `unitOffset` (Gemma stores the weight as an offset from 1). `weight` has `cols` elements.
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               into out: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                               eps: Float, unitOffset: Bool = false) {
        nonisolated(unsafe) let x = x
        nonisolated(unsafe) let weight = weight
        nonisolated(unsafe) let out = out
        let offset: Float = unitOffset ? 1 : 0
        parallelFor(rows, minimumChunk: rowChunk(cols: cols)) { range in
            for r in range {
                let xr = x + r * cols
                let yr = out + r * cols
                let meanSquare = Double(dot(xr, xr, count: cols)) / Double(Swift.max(cols, 1))
                let inverseRMS = Float(1 / (meanSquare + Double(eps)).squareRoot())
                for j in 0..<cols { yr[j] = xr[j] * inverseRMS * (offset + weight[j]) }
            }
        }
    }

    // MARK: Reductions, raw (serial; 8-lane SIMD partial sums, blocks folded into a Double total)

    /// `Σ x[i]`; 0 for an empty buffer.
    public static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var total: Double = 0
        var i = 0
        while i < count {
            let end = Swift.min(i + reductionBlock, count)
            var lanes = SIMD8<Float>()
            while i + 8 <= end {
                lanes += load8(x + i)
                i += 8
            }
            var block = lanes.sum()
            while i < end {
                block += x[i]
                i += 1
            }
            total += Double(block)
        }
        return Float(total)
    }

    /// `Σ a[i] · b[i]`; 0 for empty buffers.
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var total: Double = 0
        var i = 0
        while i < count {
            let end = Swift.min(i + reductionBlock, count)
            var lanes = SIMD8<Float>()
            while i + 8 <= end {
                lanes += load8(a + i) * load8(b + i)
                i += 8
            }
            var block = lanes.sum()
            while i < end {
                block += a[i] * b[i]
                i += 1
            }
            total += Double(block)
        }
        return Float(total)
    }

    /// Largest element; `-inf` for an empty buffer. NaN elements are not guaranteed to propagate.
    public static func max(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var i = 0
        var best = -Float.infinity
        if count >= 8 {
            var lanes = SIMD8<Float>(repeating: -.infinity)
            while i + 8 <= count {
                lanes = pointwiseMax(lanes, load8(x + i))
                i += 8
            }
            best = lanes.max()
        }
        while i < count {
            if x[i] > best { best = x[i] }
            i += 1
        }
        return best
    }

    /// Index of the first largest element (`count > 0`); NaN elements are skipped (index 0 if all are NaN).
    public static func argmax(_ x: UnsafePointer<Float>, count: Int) -> Int {
        precondition(count > 0, "Kernels.argmax: empty input")
        var bestIndex = 0
        var best = x[0]
        for i in 1..<Swift.max(count, 1) where x[i] > best || (best.isNaN && !x[i].isNaN) {
            best = x[i]
            bestIndex = i
        }
        return bestIndex
    }

    private static let reductionBlock = 4096

    @inline(__always)
    private static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    // MARK: Tensor API

    /// `a + b` (same shapes).
    public static func add(_ a: Tensor, _ b: Tensor) -> Tensor {
        binary(a, b, "add") { pa, pb, out, n in add(pa, pb, into: out, count: n) }
    }

    /// `a += b` (same shapes).
    public static func addInPlace(_ a: inout Tensor, _ b: Tensor) {
        precondition(a.shape == b.shape, "Kernels.addInPlace: shapes differ: \(a.shape) vs \(b.shape)")
        let n = a.count
        b.withBaseAddress { pb in a.withMutableBaseAddress { pa in addInPlace(pa, pb, count: n) } }
    }

    /// `a ⊙ b`, elementwise product (same shapes).
    public static func multiply(_ a: Tensor, _ b: Tensor) -> Tensor {
        binary(a, b, "multiply") { pa, pb, out, n in multiply(pa, pb, into: out, count: n) }
    }

    /// `x *= factor`.
    public static func scale(_ x: inout Tensor, by factor: Float) {
        let n = x.count
        x.withMutableBaseAddress { px in scale(px, count: n, by: factor) }
    }

    /// `y += alpha · x` (same shapes).
    public static func axpy(_ alpha: Float, _ x: Tensor, _ y: inout Tensor) {
        precondition(x.shape == y.shape, "Kernels.axpy: shapes differ: \(x.shape) vs \(y.shape)")
        let n = x.count
        x.withBaseAddress { px in y.withMutableBaseAddress { py in axpy(alpha, px, py, count: n) } }
    }

    /// SiLU of every element.
    public static func silu(_ x: Tensor) -> Tensor {
        unary(x) { px, out, n in silu(px, into: out, count: n) }
    }

    /// Tanh-approximated GELU of every element.
    public static func gelu(_ x: Tensor) -> Tensor {
        unary(x) { px, out, n in gelu(px, into: out, count: n) }
    }

    /// Softmax over the last dimension.
    public static func softmax(_ x: Tensor) -> Tensor {
        let (rows, cols) = rowsAndCols(x)
        return unary(x) { px, out, _ in softmax(px, into: out, rows: rows, cols: cols) }
    }

    /// Log-softmax over the last dimension.
    public static func logSoftmax(_ x: Tensor) -> Tensor {
        let (rows, cols) = rowsAndCols(x)
        return unary(x) { px, out, _ in logSoftmax(px, into: out, rows: rows, cols: cols) }
    }

    /// RMSNorm over the last dimension; `weight` has shape `[lastDimension]`.
    public static func rmsNorm(_ x: Tensor, weight: Tensor, eps: Float, unitOffset: Bool = false) -> Tensor {
        let (rows, cols) = rowsAndCols(x)
        precondition(weight.shape == [cols], "Kernels.rmsNorm: weight shape \(weight.shape), expected [\(cols)]")
        return weight.withBaseAddress { pw in
            unary(x) { px, out, _ in
                rmsNorm(px, weight: pw, into: out, rows: rows, cols: cols, eps: eps, unitOffset: unitOffset)
            }
        }
    }

    /// Sum of all elements.
    public static func sum(_ x: Tensor) -> Float {
        x.withBaseAddress { sum($0, count: x.count) }
    }

    /// Largest element (`-inf` for an empty tensor).
    public static func max(_ x: Tensor) -> Float {
        x.withBaseAddress { max($0, count: x.count) }
    }

    /// Dot product of the flattened tensors (same element count).
    public static func dot(_ a: Tensor, _ b: Tensor) -> Float {
        precondition(a.count == b.count, "Kernels.dot: element counts differ: \(a.shape) vs \(b.shape)")
        return a.withBaseAddress { pa in b.withBaseAddress { pb in dot(pa, pb, count: a.count) } }
    }

    /// Flat row-major index of the first largest element (non-empty tensor).
    public static func argmax(_ x: Tensor) -> Int {
        x.withBaseAddress { argmax($0, count: x.count) }
    }

    private static func rowsAndCols(_ x: Tensor) -> (rows: Int, cols: Int) {
        let cols = x.lastDimension
        return (cols == 0 ? 0 : x.count / cols, cols)
    }

    private static func unary(_ x: Tensor,
                              _ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        var out = Tensor(uninitializedShape: x.shape)
        x.withBaseAddress { px in out.withMutableBaseAddress { po in kernel(px, po, x.count) } }
        return out
    }

    private static func binary(
        _ a: Tensor, _ b: Tensor, _ name: String,
        _ kernel: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    ) -> Tensor {
        precondition(a.shape == b.shape, "Kernels.\(name): shapes differ: \(a.shape) vs \(b.shape)")
        var out = Tensor(uninitializedShape: a.shape)
        a.withBaseAddress { pa in
            b.withBaseAddress { pb in out.withMutableBaseAddress { po in kernel(pa, pb, po, a.count) } }
        }
        return out
    }
}
