import Foundation
import Testing
@testable import TinyTune

@Suite("SVD")
struct SVDTests {
    /// Checks shapes, A ≈ U diag(s) Vᵀ, orthonormal columns of U and rows of Vᵀ (all in Double), descending s.
    static func checkFactorization(_ a: Tensor, _ f: SVDResult, tolerance: Double = 1e-4) {
        let k = Swift.min(a.rows, a.cols)
        #expect(f.u.shape == [a.rows, k] && f.vt.shape == [k, a.cols] && f.s.count == k)
        #expect(zip(f.s, f.s.dropFirst()).allSatisfy { $0 >= $1 } && (f.s.last ?? 0) >= 0)
        let (u, vt) = (f.u.array, f.vt.array)
        var worst = 0.0
        for i in 0..<a.rows {
            for j in 0..<a.cols {
                var value = 0.0
                for t in 0..<k { value += Double(u[i * k + t]) * Double(f.s[t]) * Double(vt[t * a.cols + j]) }
                worst = Swift.max(worst, abs(value - Double(a[i, j])))
            }
        }
        #expect(worst <= tolerance, "reconstruction error \(worst)")
        let v = transposed(f.vt)
        for (name, gram) in [("UᵀU", gramDouble(f.u, f.u)), ("VᵀV", gramDouble(v, v))] {
            for i in 0..<k { for j in 0..<k {
                #expect(abs(gram[i][j] - (i == j ? 1 : 0)) <= tolerance, "\(name)[\(i), \(j)] = \(gram[i][j])")
            } }
        }
        // Sign convention: the largest-magnitude entry of each u column is positive.
        for t in 0..<k {
            let column = (0..<a.rows).map { u[$0 * k + t] }
            let largest = column.max { abs($0) < abs($1) } ?? 0
            #expect(largest > 0)
        }
    }

    @Test(arguments: [(40, 25), (25, 40)])
    func reconstructsRandomMatrices(rows: Int, cols: Int) throws {
        let a = randomMatrix(rows, cols, seed: 71)
        Self.checkFactorization(a, try svd(a))
    }

    @Test func singularValuesMatchNumpy() throws {
        let fixture = try NumericsFixture.load().svd
        let a = Tensor(fixture.f32Bits.map { Float(bitPattern: $0) }, shape: [fixture.rows, fixture.cols])
        let top = fixture.singularValues[0]
        for matrix in [a, transposed(a)] {
            let f = try svd(matrix)
            #expect(f.s.count == fixture.singularValues.count)
            for (ours, reference) in zip(f.s, fixture.singularValues) {
                #expect(abs(Double(ours) - reference) <= 2e-6 * top, "\(ours) vs \(reference)")
            }
            Self.checkFactorization(matrix, f)
        }
    }

    @Test func truncationKeepsLeadingTriplets() throws {
        let a = randomMatrix(12, 9, seed: 72)
        let full = try svd(a)
        let top = try svd(a, rank: 3)
        #expect(top.u.shape == [12, 3] && top.vt.shape == [3, 9] && top.s == Array(full.s.prefix(3)))
        for i in 0..<12 { for j in 0..<3 { #expect(top.u[i, j] == full.u[i, j]) } }
        for i in 0..<3 { for j in 0..<9 { #expect(top.vt[i, j] == full.vt[i, j]) } }
        #expect(try svd(a, rank: 50).s.count == 9)
        #expect(try svd(Tensor(zeros: [0, 4])).s.isEmpty)
    }

    @Test func nonFiniteInputThrows() {
        var a = randomMatrix(4, 3, seed: 73)
        a[1, 2] = .nan
        #expect(throws: NumericsError.self) { try svd(a) }
        #expect(throws: NumericsError.self) { try randomizedSVD(a, rank: 2, seed: 1) }
    }

    /// A 300×200 matrix Σ_t 0.6^t x_t y_tᵀ (t < 30, x_t and y_t random unit-norm-ish vectors) plus 1e-4 noise:
    /// a decaying spectrum, so rank-4 randomized SVD with two power iterations should be near exact.
    static func decayingMatrix() -> Tensor {
        let (m, n, terms) = (300, 200, 30)
        var generator = SeededGenerator(seed: 74)
        var a = [Float](repeating: 0, count: m * n)
        for t in 0..<terms {
            let weight = Float(pow(0.6, Double(t)))
            let x = (0..<m).map { _ in generator.nextNormal() / Float(m).squareRoot() }
            let y = (0..<n).map { _ in generator.nextNormal() / Float(n).squareRoot() }
            for i in 0..<m { for j in 0..<n { a[i * n + j] += weight * x[i] * y[j] } }
        }
        for i in a.indices { a[i] += 1e-4 * generator.nextNormal() }
        return Tensor(a, shape: [m, n])
    }

    @Test func randomizedMatchesExactOnDecayingSpectrum() throws {
        let a = Self.decayingMatrix()
        let exact = try svd(a, rank: 4)
        let approx = try randomizedSVD(a, rank: 4, seed: 75)
        #expect(approx.u.shape == [300, 4] && approx.vt.shape == [4, 200] && approx.s.count == 4)
        for (r, e) in zip(approx.s, exact.s) {
            #expect(abs(r - e) <= 1e-3 * e, "\(r) vs \(e)")
        }
        // Subspaces: |U_randᵀ U_exact| and |V_randᵀ V_exact| ≈ I (each vector matched up to sign).
        let uGram = gramDouble(approx.u, exact.u)
        let vGram = gramDouble(transposed(approx.vt), transposed(exact.vt))
        for i in 0..<4 { for j in 0..<4 {
            #expect(abs(abs(uGram[i][j]) - (i == j ? 1 : 0)) <= 1e-2, "U[\(i), \(j)] = \(uGram[i][j])")
            #expect(abs(abs(vGram[i][j]) - (i == j ? 1 : 0)) <= 1e-2, "V[\(i), \(j)] = \(vGram[i][j])")
        } }
        // With the shared sign convention the vectors agree including sign.
        for i in 0..<4 { #expect(uGram[i][i] > 0.99) }
        // Same seed, same result.
        let again = try randomizedSVD(a, rank: 4, seed: 75)
        #expect(again.u == approx.u && again.s == approx.s && again.vt == approx.vt)
    }

    @Test func randomizedOnWideMatrixAndFullWidthSketch() throws {
        // Wide input, and a sketch clamped to min(m, n): then the result equals the exact SVD.
        let a = randomMatrix(10, 30, seed: 76)
        let exact = try svd(a)
        let approx = try randomizedSVD(a, rank: 10, oversampling: 8, powerIterations: 1, seed: 77)
        for (r, e) in zip(approx.s, exact.s) { #expect(abs(r - e) <= 1e-4 * exact.s[0]) }
        Self.checkFactorization(a, approx)
    }
}
