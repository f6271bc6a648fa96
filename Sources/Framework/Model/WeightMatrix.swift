import CKernels

/// A linear layer's weight W (out × in) in whatever form it is stored: f32, or compact (Q8_0) and multiplied
/// without expanding. The model asks only for products and rows, so other storage forms plug in here.
public protocol WeightMatrix: Sendable {
    /// Rows of W (output features).
    var rows: Int { get }
    /// Columns of W (input features).
    var cols: Int { get }
    /// Y = X·Wᵀ for X of shape (n, cols): Y is (n, rows).
    func multiply(batch x: Tensor) -> Tensor
    /// Row r of W as f32 (an embedding lookup).
    func row(_ r: Int, into destination: UnsafeMutablePointer<Float>)
    /// dX = dY·W for dY of shape (n, rows): dX is (n, cols). The backward pass of `multiply(batch:)`.
    func multiplyTransposed(batch dy: Tensor) -> Tensor
    /// W in f32 (for SVD initialization and merging adapters).
    func dense() -> Tensor
}

/// W in f32, multiplied through sgemm, or for a few vectors (decoding) through a C kernel that reads W once
/// (sgemm packs all of W on every call, which costs more than the product when X has one row).
public struct DenseMatrix: WeightMatrix {
    public let weight: Tensor
    public var rows: Int { weight.shape[0] }
    public var cols: Int { weight.shape[1] }

    public init(_ weight: Tensor) {
        precondition(weight.rank == 2, "a weight matrix is 2-D, got \(weight.shape)")
        self.weight = weight
    }

    /// Batches up to this many vectors use the C kernel; larger ones sgemm.
    public static let fusedVectors = 16

    public func multiply(batch x: Tensor) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == cols, "expected (n, \(cols)), got \(x.shape)")
        let n = x.shape[0], rows = self.rows, cols = self.cols
        guard n <= Self.fusedVectors else { return matmul(x, weight, transposeB: true) }
        var y = Tensor(zeros: [n, rows])
        weight.withBaseAddress { w in
            x.withBaseAddress { xs in
                y.withMutableBaseAddress { ys in
                    nonisolated(unsafe) let w = w, xs = xs, ys = ys
                    parallelFor(rows, minimumChunk: max(16, 16_384 / max(cols, 1))) { range in
                        tt_f32_rows_dot(w, Int64(range.lowerBound), Int64(range.upperBound), Int64(cols), xs,
                                        Int64(cols), Int64(n), ys, Int64(rows))
                    }
                }
            }
        }
        return y
    }

    public func row(_ r: Int, into destination: UnsafeMutablePointer<Float>) {
        weight.withBaseAddress { destination.update(from: $0 + r * cols, count: cols) }
    }

    public func multiplyTransposed(batch dy: Tensor) -> Tensor { matmul(dy, weight) }

    public func dense() -> Tensor { weight }
}

extension Q8_0Matrix: WeightMatrix {
    public func dense() -> Tensor { dequantized() }
}
