import Foundation
import Testing
@testable import TinyTune

/// Against gguf-py (scripts/reference/make_q8_0_fixtures.py): its quantizer, its dequantizer, and W·x in float64.
@Suite struct Q8_0MatrixTests {
    struct Fixture: Decodable {
        let rows: Int
        let cols: Int
        let weights: [Float]
        let x: [Float]
        let q8_0_bytes_hex: String
        let dequantized: [Float]
        let product: [Double]
    }

    let fixture: Fixture
    let weights: Tensor

    init() throws {
        let url = try #require(Bundle.module.url(forResource: "q8_0_reference", withExtension: "json", subdirectory: "Fixtures"))
        fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        weights = Tensor(fixture.weights, shape: [fixture.rows, fixture.cols])
    }

    var expectedBytes: [UInt8] {
        var bytes: [UInt8] = []
        var iterator = fixture.q8_0_bytes_hex.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            bytes.append(UInt8(String([high, low]), radix: 16) ?? 0)
        }
        return bytes
    }

    @Test func quantizesBitForBitLikeGGUFPy() throws {
        let matrix = try Q8_0Matrix(quantizing: weights)
        let bytes = matrix.withUnsafeBytes { Array($0) }
        #expect(bytes.count == fixture.rows * fixture.cols / 32 * 34)
        #expect(bytes == expectedBytes)
    }

    @Test func dequantizesAndLooksUpRowsLikeGGUFPy() throws {
        let matrix = try expectedBytes.withUnsafeBytes {
            try Q8_0Matrix(rows: fixture.rows, cols: fixture.cols, blocks: $0)
        }
        #expect(matrix.dequantized().array == fixture.dequantized)  // exact: d·q in f32 both sides
        var row = [Float](repeating: 0, count: fixture.cols)
        row.withUnsafeMutableBufferPointer { matrix.row(5, into: $0.baseAddress!) }
        #expect(row == Array(fixture.dequantized[(5 * fixture.cols)..<(6 * fixture.cols)]))
    }

    @Test func fusedProductMatchesFloat64Reference() throws {
        let matrix = try Q8_0Matrix(quantizing: weights)
        var y = [Float](repeating: 0, count: fixture.rows)
        fixture.x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { matrix.multiply(x.baseAddress!, into: $0.baseAddress!) }
        }
        for (got, want) in zip(y, fixture.product) {
            #expect(abs(Double(got) - want) <= 1e-5 * max(1, abs(want)), "\(got) vs \(want)")
        }
    }

    @Test(arguments: [1, 3, 4, 9])
    func batchProductMatchesVectorProduct(n: Int) throws {
        let matrix = try Q8_0Matrix(quantizing: weights)
        var generator = SeededGenerator(seed: 7)
        var x = Tensor(zeros: [n, fixture.cols])
        generator.fillNormal(&x, mean: 0, std: 1)
        let y = matrix.multiply(batch: x)
        // Reference: the f32 dequantized matrix through sgemm.
        let expected = matmul(x, matrix.dequantized(), transposeB: true)
        #expect(y.shape == [n, fixture.rows])
        for (got, want) in zip(y.array, expected.array) {
            #expect(abs(got - want) <= 1e-4 * max(1, abs(want)))
        }
    }

    @Test func refusesBadShapes() {
        #expect(throws: Q8_0Matrix.ShapeError.columnsNotMultipleOf32(cols: 33)) {
            try Q8_0Matrix(quantizing: Tensor(zeros: [2, 33]))
        }
        #expect(throws: Q8_0Matrix.ShapeError.byteCount(expected: 68, found: 10)) {
            try [UInt8](repeating: 0, count: 10).withUnsafeBytes { try Q8_0Matrix(rows: 2, cols: 32, blocks: $0) }
        }
    }
}

@Suite struct Q8_0TransposedProductTests {
    @Test(arguments: [1, 5])
    func transposedProductMatchesDenseReference(n: Int) throws {
        var generator = SeededGenerator(seed: 3)
        var weights = Tensor(zeros: [700, 64])  // more rows than one 512-row tile
        generator.fillNormal(&weights, mean: 0, std: 1)
        let matrix = try Q8_0Matrix(quantizing: weights)
        var dy = Tensor(zeros: [n, 700])
        generator.fillNormal(&dy, mean: 0, std: 1)
        let expected = matmul(dy, matrix.dequantized())
        let got = matrix.multiplyTransposed(batch: dy)
        #expect(got.shape == [n, 64])
        for (a, b) in zip(got.array, expected.array) { #expect(abs(a - b) <= 1e-3 * max(1, abs(b))) }
    }
}
