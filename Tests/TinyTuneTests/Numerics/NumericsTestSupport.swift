// Shared helpers for the numerics tests: the numpy/Python fixture and Double-precision references.

import Foundation
import Testing
@testable import TinyTune

/// `Fixtures/numerics_reference.json`, written by scripts/reference/make_numerics_fixtures.py.
struct NumericsFixture: Decodable {
    struct HalfCase: Decodable {
        let bits: UInt16
        let f32Bits: UInt32
        let isNaN: Bool
        let note: String
    }

    struct SVDCase: Decodable {
        let rows: Int
        let cols: Int
        let f32Bits: [UInt32]
        let singularValues: [Double]
    }

    struct GeneratorCase: Decodable {
        let seed: String
        let uint64: [String]
        let uniformF32Bits: [UInt32]
        let normalF32Bits: [UInt32]
        let normals: [Double]
    }

    let f16ToF32: [HalfCase]
    let bf16ToF32: [HalfCase]
    let f32ToF16: [HalfCase]
    let f32ToBF16: [HalfCase]
    let svd: SVDCase
    let generator: [GeneratorCase]

    static func load() throws -> NumericsFixture {
        let url = try #require(Bundle.module.url(forResource: "numerics_reference", withExtension: "json",
                                                 subdirectory: "Fixtures"))
        return try JSONDecoder().decode(NumericsFixture.self, from: Data(contentsOf: url))
    }
}

/// Parses "0x…" hexadecimal.
func hexUInt64(_ text: String) throws -> UInt64 {
    try #require(UInt64(text.dropFirst(2), radix: 16), "bad hex \(text)")
}

/// A `[rows, cols]` tensor of uniform values in [-1, 1) from a fixed seed.
func randomMatrix(_ rows: Int, _ cols: Int, seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    var t = Tensor(zeros: [rows, cols])
    generator.fillUniform(&t, low: -1, high: 1)
    return t
}

/// Reference `alpha · op(A) · op(B) + beta · C` by triple loops in Double; also returns Σ|a||b| per entry
/// (the scale that bounds Float rounding error).
func naiveGemm(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool, alpha: Double = 1,
               beta: Double = 0, c: Tensor? = nil) -> (value: [Double], scale: [Double], m: Int, n: Int) {
    let (m, k) = transposeA ? (a.cols, a.rows) : (a.rows, a.cols)
    let n = transposeB ? b.rows : b.cols
    let av = a.array, bv = b.array, cv = c?.array
    func opA(_ i: Int, _ p: Int) -> Double { Double(transposeA ? av[p * a.cols + i] : av[i * a.cols + p]) }
    func opB(_ p: Int, _ j: Int) -> Double { Double(transposeB ? bv[j * b.cols + p] : bv[p * b.cols + j]) }
    var value = [Double](repeating: 0, count: m * n)
    var scale = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var total = 0.0, magnitude = 0.0
            for p in 0..<k {
                total += opA(i, p) * opB(p, j)
                magnitude += abs(opA(i, p) * opB(p, j))
            }
            let old = cv.map { Double($0[i * n + j]) } ?? 0
            value[i * n + j] = alpha * total + beta * old
            scale[i * n + j] = abs(alpha) * magnitude + abs(beta * old)
        }
    }
    return (value, scale, m, n)
}

/// Largest |x[i] - y[i]|.
func maxAbsDifference(_ x: [Float], _ y: [Double]) -> Double {
    precondition(x.count == y.count)
    return zip(x, y).map { abs(Double($0) - $1) }.max() ?? 0
}

/// `XᵀY` in Double for row-major `[r, a]` and `[r, b]` matrices: `[a, b]` (as nested arrays).
func gramDouble(_ x: Tensor, _ y: Tensor) -> [[Double]] {
    let (r, a, b) = (x.rows, x.cols, y.cols)
    let xv = x.array, yv = y.array
    var g = [[Double]](repeating: [Double](repeating: 0, count: b), count: a)
    for i in 0..<a { for j in 0..<b { for t in 0..<r { g[i][j] += Double(xv[t * a + i]) * Double(yv[t * b + j]) } } }
    return g
}

/// Transpose of a 2-D tensor (test helper, plain loops).
func transposed(_ x: Tensor) -> Tensor {
    var t = Tensor(zeros: [x.cols, x.rows])
    for i in 0..<x.rows { for j in 0..<x.cols { t[j, i] = x[i, j] } }
    return t
}
