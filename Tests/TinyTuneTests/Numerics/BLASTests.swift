import Testing
@testable import TinyTune

/// Products against triple loops in Double. Tolerance: |C - ref| ≤ 1e-5 · (1 + Σ_p |a_ip b_pj|), far above
/// Float32 rounding (≈ k · 6e-8 · scale) and far below any indexing or transposition mistake (O(1) errors).
@Suite("BLAS wrappers")
struct BLASTests {
    static let shapes: [(m: Int, k: Int, n: Int)] = [(7, 5, 3), (33, 17, 9), (1, 4, 1), (65, 130, 47)]

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmulAllTransposeCombinations(transposeA: Bool, transposeB: Bool) {
        for (index, shape) in Self.shapes.enumerated() {
            let a = randomMatrix(transposeA ? shape.k : shape.m, transposeA ? shape.m : shape.k, seed: UInt64(10 + index))
            let b = randomMatrix(transposeB ? shape.n : shape.k, transposeB ? shape.k : shape.n, seed: UInt64(20 + index))
            let c = matmul(a, b, transposeA: transposeA, transposeB: transposeB, alpha: 1.5)
            let ref = naiveGemm(a, b, transposeA: transposeA, transposeB: transposeB, alpha: 1.5)
            #expect(c.shape == [shape.m, shape.n])
            let values = c.array
            for i in 0..<ref.value.count {
                #expect(abs(Double(values[i]) - ref.value[i]) <= 1e-5 * (1 + ref.scale[i]),
                        "shape \(shape) tA \(transposeA) tB \(transposeB) index \(i)")
            }
        }
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func gemmAccumulatesWithAlphaAndBeta(transposeA: Bool, transposeB: Bool) {
        let (m, k, n) = (33, 17, 9)
        let a = randomMatrix(transposeA ? k : m, transposeA ? m : k, seed: 1)
        let b = randomMatrix(transposeB ? n : k, transposeB ? k : n, seed: 2)
        let c0 = randomMatrix(m, n, seed: 3)
        var c = c0
        gemm(a, b, into: &c, transposeA: transposeA, transposeB: transposeB, alpha: -0.75, beta: 0.5)
        let ref = naiveGemm(a, b, transposeA: transposeA, transposeB: transposeB, alpha: -0.75, beta: 0.5, c: c0)
        let worst = zip(zip(c.array, ref.value), ref.scale).map { abs(Double($0.0) - $0.1) / (1 + $1) }.max() ?? 0
        #expect(worst <= 1e-5)
        #expect(c0 != c)  // the input copy was not written through
    }

    @Test func rawGemmHonoursLeadingDimensions() {
        // A 3×4 block inside a 3×6 buffer times a 4×2 block inside a 4×5 buffer, into a 3×2 block of a 3×3 buffer.
        let a = randomMatrix(3, 6, seed: 4), b = randomMatrix(4, 5, seed: 5)
        var c = Tensor(filled: 9, shape: [3, 3])
        a.withBaseAddress { pa in
            b.withBaseAddress { pb in
                c.withMutableBaseAddress { pc in
                    gemm(m: 3, n: 2, k: 4, a: pa, lda: 6, transA: .none, b: pb, ldb: 5, transB: .none,
                         c: pc, ldc: 3, alpha: 1, beta: 0)
                }
            }
        }
        for i in 0..<3 {
            for j in 0..<2 {
                let expected = (0..<4).reduce(0.0) { $0 + Double(a[i, $1]) * Double(b[$1, j]) }
                #expect(abs(Double(c[i, j]) - expected) <= 1e-5)
            }
            #expect(c[i, 2] == 9)  // outside the block: untouched
        }
    }

    @Test func emptyInnerDimensionScalesC() {
        var c = Tensor(filled: 2, shape: [2, 3])
        gemm(Tensor(zeros: [2, 0]), Tensor(zeros: [0, 3]), into: &c, beta: 0.5)
        #expect(c.array == [1, 1, 1, 1, 1, 1])
        #expect(matmul(Tensor(zeros: [2, 0]), Tensor(zeros: [0, 3])).array == [0, 0, 0, 0, 0, 0])
    }

    @Test func gemvBothOrientations() {
        let a = randomMatrix(7, 5, seed: 6)
        let x = Tensor(randomMatrix(1, 5, seed: 7).array, shape: [5])
        let y = Tensor(randomMatrix(1, 7, seed: 8).array, shape: [7])
        let ax = gemv(a, x, alpha: 2)
        let aty = gemv(a, y, transpose: true)
        #expect(ax.shape == [7] && aty.shape == [5])
        for i in 0..<7 {
            let expected = 2 * (0..<5).reduce(0.0) { $0 + Double(a[i, $1]) * Double(x.array[$1]) }
            #expect(abs(Double(ax.array[i]) - expected) <= 1e-5)
        }
        for j in 0..<5 {
            let expected = (0..<7).reduce(0.0) { $0 + Double(a[$1, j]) * Double(y.array[$1]) }
            #expect(abs(Double(aty.array[j]) - expected) <= 1e-5)
        }
    }
}
