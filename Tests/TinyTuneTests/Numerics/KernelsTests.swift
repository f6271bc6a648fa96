import Foundation
import Testing
@testable import TinyTune

@Suite("Kernels")
struct KernelsTests {
    /// Softmax rows in Double with max subtraction (the reference).
    static func naiveSoftmax(_ row: [Float]) -> [Double] {
        let m = Double(row.max() ?? 0)
        let e = row.map { Foundation.exp(Double($0) - m) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }

    static func logits() -> Tensor {
        var t = randomMatrix(6, 13, seed: 31)
        Kernels.scale(&t, by: 8)
        t[2, 5] = 1000  // would overflow exp without max subtraction
        t[2, 6] = 999
        t[4, 0] = -Float.infinity  // masked entry
        return t
    }

    @Test func softmaxMatchesDoubleReferenceAndSumsToOne() {
        let x = Self.logits()
        let p = Kernels.softmax(x)
        #expect(p.shape == x.shape)
        for r in 0..<x.rows {
            let ref = Self.naiveSoftmax(x.row(r).array)
            let row = p.row(r).array
            #expect(maxAbsDifference(row, ref) <= 1e-6, "row \(r)")
            #expect(abs(row.reduce(0.0) { $0 + Double($1) } - 1) <= 1e-5)
        }
        #expect(p[4, 0] == 0)
        #expect(abs(Double(p[2, 5]) - 1 / (1 + Foundation.exp(-1.0))) <= 1e-6)
    }

    @Test func logSoftmaxMatchesDoubleReference() {
        let x = Self.logits()
        let lp = Kernels.logSoftmax(x)
        for r in 0..<x.rows {
            let row = x.row(r).array.map(Double.init)
            let m = row.max() ?? 0
            let logTotal = Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - m) })
            let ref = row.map { $0 - m - logTotal }
            for (ours, expected) in zip(lp.row(r).array, ref) {
                if expected == -.infinity {
                    #expect(ours == -.infinity)
                } else {
                    #expect(abs(Double(ours) - expected) <= 1e-5 * (1 + abs(expected)), "row \(r)")
                }
            }
        }
    }

    @Test func rmsNormLlamaAndGemmaForms() {
        let x = Tensor([1, 2, 3, 4, -2, 0, 0, 2], shape: [2, 4])
        let w = Tensor([0.5, 1, 1.5, 2], shape: [4])
        let eps: Float = 1e-6
        // Row 0: mean square (1+4+9+16)/4 = 7.5; row 1: (4+0+0+4)/4 = 2.
        let inv0 = 1 / (7.5 + Double(eps)).squareRoot(), inv1 = 1 / (2 + Double(eps)).squareRoot()
        let llama: [Double] = [1 * inv0 * 0.5, 2 * inv0 * 1, 3 * inv0 * 1.5, 4 * inv0 * 2,
                               -2 * inv1 * 0.5, 0, 0, 2 * inv1 * 2]
        let gemma: [Double] = [1 * inv0 * 1.5, 2 * inv0 * 2, 3 * inv0 * 2.5, 4 * inv0 * 3,
                               -2 * inv1 * 1.5, 0, 0, 2 * inv1 * 3]
        #expect(maxAbsDifference(Kernels.rmsNorm(x, weight: w, eps: eps).array, llama) <= 1e-6)
        #expect(maxAbsDifference(Kernels.rmsNorm(x, weight: w, eps: eps, unitOffset: true).array, gemma) <= 1e-6)
        // eps matters for a zero row: 0 / sqrt(eps) = 0, not NaN.
        #expect(Kernels.rmsNorm(Tensor(zeros: [1, 4]), weight: w, eps: eps).array == [0, 0, 0, 0])
    }

    @Test func activationsMatchHandComputedValues() {
        // Computed in Python double precision: gelu = 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))), silu = x/(1+e^-x).
        let x = Tensor([-3, -1, -0.5, 0, 0.5, 1, 2, 3], shape: [8])
        let gelu: [Double] = [-0.0036373920817729943, -0.15880800939172324, -0.15428599017485606, 0,
                              0.34571400982514394, 0.8411919906082768, 1.954597694087775, 2.996362607918227]
        let silu: [Double] = [-0.14227761953270035, -0.2689414213699951, -0.1887703343990727, 0,
                              0.3112296656009273, 0.7310585786300049, 1.7615941559557646, 2.8577223804672998]
        #expect(maxAbsDifference(Kernels.gelu(x).array, gelu) <= 2e-7)
        #expect(maxAbsDifference(Kernels.silu(x).array, silu) <= 2e-7)
        #expect(Kernels.silu(Tensor([-200], shape: [1])).array[0] == 0)  // e^200 overflows to inf: -200/inf = -0
    }

    @Test func elementwiseAndReductions() {
        let a = randomMatrix(1, 10_007, seed: 41).reshaped([10_007])
        let b = randomMatrix(1, 10_007, seed: 42).reshaped([10_007])
        let av = a.array, bv = b.array
        #expect(Kernels.add(a, b).array == zip(av, bv).map { $0 + $1 })
        #expect(Kernels.multiply(a, b).array == zip(av, bv).map { $0 * $1 })
        var y = b
        Kernels.axpy(-0.5, a, &y)
        #expect(y.array == zip(av, bv).map { $1 + -0.5 * $0 })
        var s = a
        Kernels.scale(&s, by: 3)
        #expect(s.array == av.map { $0 * 3 })
        var acc = a
        Kernels.addInPlace(&acc, b)
        #expect(acc == Kernels.add(a, b))

        let sum = av.reduce(0.0) { $0 + Double($1) }
        let dot = zip(av, bv).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(Double(Kernels.sum(a)) - sum) <= 1e-4)
        #expect(abs(Double(Kernels.dot(a, b)) - dot) <= 1e-4)
        #expect(Kernels.max(a) == av.max())
        #expect(Kernels.argmax(a) == av.firstIndex(of: av.max() ?? 0))
        let ties = Tensor([1, 5, -2, 5, 3], shape: [5])
        #expect(Kernels.argmax(ties) == 1 && Kernels.max(ties) == 5)
        #expect(Kernels.argmax(Tensor([.nan, -1, 2, .nan], shape: [4])) == 2)
        #expect(Kernels.sum(Tensor(zeros: [0])) == 0 && Kernels.max(Tensor(zeros: [0])) == -.infinity)
        // A million 0.1s: a sequential Float sum is off by ~958 (≈1%); SIMD lanes in blocks folded into Double
        // stay within 1e-5 relative.
        let exact = 1_000_000 * Double(Float(0.1))
        #expect(abs(Double(Kernels.sum(Tensor(filled: 0.1, shape: [1_000_000]))) - exact) <= 1e-5 * exact)
    }

    @Test func parallelPathEqualsSerialPath() {
        #expect(parallelChunkCount(1 << 18, minimumChunk: Kernels.elementwiseChunk, threads: 2) == 2)
        #expect(parallelChunkCount(1000, minimumChunk: Kernels.elementwiseChunk, threads: 2) == 1)
        // Elementwise: 2^18 elements go through parallelFor when there are ≥ 2 cores; the reference calls the
        // raw kernel on 1000-element slices, each below the parallel threshold (serial).
        let n = 1 << 18
        let x = randomMatrix(1, n, seed: 51).reshaped([n])
        for (name, whole) in [("gelu", Kernels.gelu(x)), ("silu", Kernels.silu(x))] {
            var serial = Tensor(zeros: [n])
            x.withBaseAddress { px in
                serial.withMutableBaseAddress { po in
                    for start in stride(from: 0, to: n, by: 1000) {
                        let len = Swift.min(1000, n - start)
                        if name == "gelu" { Kernels.gelu(px + start, into: po + start, count: len) }
                        else { Kernels.silu(px + start, into: po + start, count: len) }
                    }
                }
            }
            #expect(whole == serial, "\(name)")
        }
        // Rows: 256 × 1000 splits into chunks of 16 rows; the reference runs one row at a time.
        let logits = randomMatrix(256, 1000, seed: 52)
        let w = Tensor(randomMatrix(1, 1000, seed: 53).array, shape: [1000])
        let parallelSoftmax = Kernels.softmax(logits)
        let parallelNorm = Kernels.rmsNorm(logits, weight: w, eps: 1e-5)
        var serialSoftmax = Tensor(zeros: [256, 1000]), serialNorm = Tensor(zeros: [256, 1000])
        logits.withBaseAddress { px in
            w.withBaseAddress { pw in
                serialSoftmax.withMutableBaseAddress { ps in
                    serialNorm.withMutableBaseAddress { pn in
                        for r in 0..<256 {
                            Kernels.softmax(px + r * 1000, into: ps + r * 1000, rows: 1, cols: 1000)
                            Kernels.rmsNorm(px + r * 1000, weight: pw, into: pn + r * 1000, rows: 1, cols: 1000, eps: 1e-5)
                        }
                    }
                }
            }
        }
        #expect(parallelSoftmax == serialSoftmax)
        #expect(parallelNorm == serialNorm)
    }

    @Test func parallelForCoversEveryIndexOnce() {
        for (count, chunk) in [(0, 10), (1, 10), (999, 10), (100_003, 1000)] {
            let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: Swift.max(count, 1))
            defer { hits.deallocate() }
            hits.initialize(repeating: 0)
            // Chunks are disjoint, so concurrent increments never touch the same element.
            nonisolated(unsafe) let shared = hits
            parallelFor(count, minimumChunk: chunk) { range in
                for i in range { shared[i] += 1 }
            }
            #expect(hits.prefix(count).allSatisfy { $0 == 1 }, "count \(count)")
        }
        #expect((0..<3).map { chunkRange($0, of: 3, count: 10) } == [0..<4, 4..<7, 7..<10])
        #expect(ComputeThreads.count >= 1)
    }
}
