import Testing
@testable import TinyTune

/// The C kernels behind `DenseMatrix` and `Q8_0Matrix` products for a few vectors (decoding): equal to sgemm on
/// the same (dequantized) matrix within f32 rounding, and each vector of a batch equal to its product alone.
@Suite struct FusedProductTests {
    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        var t = Tensor(zeros: shape)
        generator.fillNormal(&t, mean: 0, std: 1)
        return t
    }

    static func worst(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.array, b.array).map { abs($0 - $1) }.max() ?? 0
    }

    // cols 100 has a tail that is not a multiple of 8 (f32 only; Q8_0 needs multiples of 32).
    @Test(arguments: [(1, 96), (3, 100), (16, 64), (17, 640)]) func denseEqualsSgemm(n: Int, cols: Int) {
        let w = Self.random([300, cols], seed: 1), x = Self.random([n, cols], seed: 2)
        let fused = DenseMatrix(w).multiply(batch: x)
        let reference = matmul(x, w, transposeB: true)
        #expect(fused.shape == [n, 300])
        #expect(Self.worst(fused, reference) <= 1e-4 * Float(cols).squareRoot())
        let alone = DenseMatrix(w).multiply(batch: x.row(n - 1).reshaped([1, cols]))
        if n <= DenseMatrix.fusedVectors { #expect(alone.array == fused.row(n - 1).array) }
    }

    @Test(arguments: [1, 3, 16, 17]) func q8_0EqualsSgemmOnDequantized(n: Int) throws {
        let q = try Q8_0Matrix(quantizing: Self.random([300, 640], seed: 3))
        let x = Self.random([n, 640], seed: 4)
        let fused = q.multiply(batch: x)
        let reference = matmul(x, q.dequantized(), transposeB: true)
        #expect(Self.worst(fused, reference) <= 1e-4 * Float(640).squareRoot())
        let alone = q.multiply(batch: x.row(0).reshaped([1, 640]))
        if n <= Q8_0Matrix.fusedVectors { #expect(alone.array == fused.row(0).array) }
    }
}
