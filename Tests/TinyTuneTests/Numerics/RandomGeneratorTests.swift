import Foundation
import Testing
@testable import TinyTune

@Suite("SeededGenerator")
struct RandomGeneratorTests {
    @Test func streamsMatchIndependentPythonImplementation() throws {
        let cases = try NumericsFixture.load().generator
        #expect(cases.count == 3)
        for c in cases {
            let seed = try hexUInt64(c.seed)
            var g = SeededGenerator(seed: seed)
            #expect(try c.uint64.map(hexUInt64) == (0..<8).map { _ in g.next() }, "seed \(c.seed)")
            g = SeededGenerator(seed: seed)
            #expect(c.uniformF32Bits == (0..<8).map { _ in g.nextUniform().bitPattern }, "seed \(c.seed)")
            g = SeededGenerator(seed: seed)
            for (expected, expectedBits) in zip(c.normals, c.normalF32Bits) {
                let z = g.nextNormal()
                // Same formula in Double on both sides; allow one Float ulp for libm differences.
                #expect(abs(Double(z) - expected) <= Double(z.ulp), "seed \(c.seed): \(z) vs \(expected)")
                #expect(abs(Int64(z.bitPattern) - Int64(expectedBits)) <= 1)
            }
        }
    }

    @Test func deterministicPerSeedAndDistinctAcrossSeeds() {
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9), c = SeededGenerator(seed: 10)
        let sa = (0..<100).map { _ in a.next() }, sb = (0..<100).map { _ in b.next() }, sc = (0..<100).map { _ in c.next() }
        #expect(sa == sb)
        #expect(zip(sa, sc).allSatisfy { $0 != $1 })
        var t1 = Tensor(zeros: [5, 7]), t2 = Tensor(zeros: [5, 7])
        var g1 = SeededGenerator(seed: 3), g2 = SeededGenerator(seed: 3)
        g1.fillNormal(&t1, mean: 1, std: 2)
        g2.fillNormal(&t2, mean: 1, std: 2)
        #expect(t1 == t2)
        // fillNormal is exactly mean + std · nextNormal() in order.
        var g3 = SeededGenerator(seed: 3)
        #expect(t1.array == (0..<35).map { _ in 1 + 2 * g3.nextNormal() })
    }

    @Test func normalMomentsAreSensible() {
        var g = SeededGenerator(seed: 2024)
        let n = 100_000
        var sum = 0.0, sumSquares = 0.0
        for _ in 0..<n {
            let z = Double(g.nextNormal())
            sum += z
            sumSquares += z * z
        }
        let mean = sum / Double(n), variance = sumSquares / Double(n) - mean * mean
        // Standard errors: mean 0.0032, variance 0.0045; bounds are about 6 of them.
        #expect(abs(mean) < 0.02, "mean \(mean)")
        #expect(abs(variance - 1) < 0.03, "variance \(variance)")
    }

    @Test func uniformRangesAndIntegers() {
        var g = SeededGenerator(seed: 5)
        var t = Tensor(zeros: [10_000])
        g.fillUniform(&t, low: -2, high: 3)
        let values = t.array
        #expect(values.allSatisfy { $0 >= -2 && $0 < 3 })
        #expect(abs(values.reduce(0.0) { $0 + Double($1) } / 10_000 - 0.5) < 0.1)
        #expect((0..<10_000).allSatisfy { _ in let d = g.nextUniformDouble(); return d >= 0 && d < 1 })

        // int(in:): every value of a small range appears about equally often (chi-square, 6 dof).
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[g.int(in: 3..<10) - 3] += 1 }
        let chiSquare = counts.reduce(0.0) { $0 + pow(Double($1) - 10_000, 2) / 10_000 }
        #expect(chiSquare < 30, "counts \(counts)")  // p ≈ 4e-5 under uniformity
        #expect((0..<1000).allSatisfy { _ in (-5...5).contains(g.int(in: -5...5)) })
        #expect(g.int(in: 7..<8) == 7 && g.int(in: 7...7) == 7)
        _ = g.int(in: Int.min...Int.max)  // whole range: no overflow trap
        let huge = g.int(in: Int.min..<Int.max)
        #expect(huge < Int.max)
    }

    @Test func childGeneratorsAreDeterministicAndIndependent() {
        let parent = SeededGenerator(seed: 77)
        var copy = parent
        let first = copy.next()
        var a1 = parent.split(stream: 1), a2 = parent.split(stream: 1), b = parent.split(stream: 2)
        var f1 = parent.forked("layers.0.lora_a"), f2 = parent.forked("layers.0.lora_a"), f3 = parent.forked("layers.0.lora_b")
        let sa1 = (0..<16).map { _ in a1.next() }, sa2 = (0..<16).map { _ in a2.next() }, sb = (0..<16).map { _ in b.next() }
        let sf1 = (0..<16).map { _ in f1.next() }, sf2 = (0..<16).map { _ in f2.next() }, sf3 = (0..<16).map { _ in f3.next() }
        #expect(sa1 == sa2 && sf1 == sf2)
        #expect(Set(sa1).isDisjoint(with: sb) && Set(sf1).isDisjoint(with: sf3) && Set(sa1).isDisjoint(with: sf1))
        #expect(!sa1.contains(first))
        var untouched = parent
        #expect(untouched.next() == first)  // splitting does not advance the parent
    }
}
