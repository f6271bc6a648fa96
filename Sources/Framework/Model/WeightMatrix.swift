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

/// W in f32, multiplied through sgemm.
public struct DenseMatrix: WeightMatrix {
    public let weight: Tensor
    public var rows: Int { weight.shape[0] }
    public var cols: Int { weight.shape[1] }

    public init(_ weight: Tensor) {
        precondition(weight.rank == 2, "a weight matrix is 2-D, got \(weight.shape)")
        self.weight = weight
    }

    public func multiply(batch x: Tensor) -> Tensor { matmul(x, weight, transposeB: true) }

    public func row(_ r: Int, into destination: UnsafeMutablePointer<Float>) {
        weight.withBaseAddress { destination.update(from: $0 + r * cols, count: cols) }
    }

    public func multiplyTransposed(batch dy: Tensor) -> Tensor { matmul(dy, weight) }

    public func dense() -> Tensor { weight }
}

extension Q8_0Matrix: WeightMatrix {
    public func dense() -> Tensor { dequantized() }
}
