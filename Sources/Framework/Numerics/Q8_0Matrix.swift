import CKernels
import COpenBLAS
import Foundation

/// A row-major weight matrix kept in llama.cpp's Q8_0 form: each run of 32 values in a row is one 34-byte block,
/// an f16 scale d followed by 32 signed bytes q, and the value is d·q (ggml `block_q8_0`; gguf-py `quants.Q8_0`).
///
/// Gemma 3's tied 262,144 × 640 embedding is 671 MB in f32 but 178 MB in Q8_0; the output head reads it once per
/// decoded token, so the fused product below is what bounds decoding speed.
///
///     let head = try Q8_0Matrix(quantizing: embedding)        // or Q8_0Matrix(rows:cols:blocks:) from a GGUF file
///     head.row(tokenID, into: hidden)                         // embedding lookup
///     head.multiply(hidden, into: logits)                     // logits = E·h, both cores
public struct Q8_0Matrix: @unchecked Sendable {
    public static let blockValues = 32
    public static let blockBytes = 34
    /// Batches up to this many vectors use the fused product (decoding, group decoding); larger ones sgemm.
    public static let fusedVectors = 16

    public let rows: Int
    public let cols: Int
    private let storage: Storage

    /// Bytes of one row: cols / 32 blocks.
    public var rowBytes: Int { cols / Self.blockValues * Self.blockBytes }

    final class Storage: @unchecked Sendable {
        let bytes: UnsafeMutableRawBufferPointer
        init(count: Int) {
            bytes = .allocate(byteCount: max(count, 1), alignment: 64)
        }
        deinit { bytes.deallocate() }
    }

    public enum ShapeError: Error, CustomStringConvertible, Equatable {
        case columnsNotMultipleOf32(cols: Int)
        case byteCount(expected: Int, found: Int)
        case notAMatrix(shape: [Int])

        public var description: String {
            switch self {
            case let .columnsNotMultipleOf32(cols): return "Q8_0 needs a column count divisible by 32, got \(cols)"
            case let .byteCount(expected, found): return "Q8_0 data should be \(expected) bytes, found \(found)"
            case let .notAMatrix(shape): return "Q8_0 holds a 2-D matrix, got shape \(shape)"
            }
        }
    }

    /// Copies raw Q8_0 blocks (as a GGUF file stores them, row after row).
    public init(rows: Int, cols: Int, blocks: UnsafeRawBufferPointer) throws {
        guard rows >= 0, cols >= 0, cols % Self.blockValues == 0 else { throw ShapeError.columnsNotMultipleOf32(cols: cols) }
        let (expected, overflow) = rows.multipliedReportingOverflow(by: cols / Self.blockValues * Self.blockBytes)
        guard !overflow, blocks.count == expected else {
            throw ShapeError.byteCount(expected: overflow ? Int.max : expected, found: blocks.count)
        }
        self.rows = rows
        self.cols = cols
        storage = Storage(count: expected)
        if expected > 0, let source = blocks.baseAddress {
            storage.bytes.baseAddress!.copyMemory(from: source, byteCount: expected)
        }
    }

    /// Quantizes an f32 matrix as ggml's `quantize_row_q8_0_ref` does: d = max|x| / 127, q = round(x / d) (half away
    /// from zero), d stored as f16, 1/d taken from the f32 d.
    public init(quantizing matrix: Tensor) throws {
        guard matrix.rank == 2 else { throw ShapeError.notAMatrix(shape: matrix.shape) }
        let rows = matrix.shape[0], cols = matrix.shape[1]
        guard cols % Self.blockValues == 0 else { throw ShapeError.columnsNotMultipleOf32(cols: cols) }
        self.rows = rows
        self.cols = cols
        let blocksPerRow = cols / Self.blockValues
        storage = Storage(count: rows * blocksPerRow * Self.blockBytes)
        // Blocks are written by disjoint ranges of the parallel loop, so sharing the pointer is safe.
        nonisolated(unsafe) let out = storage.bytes.baseAddress!
        matrix.withBaseAddress { source in
            nonisolated(unsafe) let source = source
            parallelFor(rows * blocksPerRow, minimumChunk: 1024) { range in
                for block in range {
                    let x = source + block * Self.blockValues
                    var amax: Float = 0
                    for k in 0..<Self.blockValues { amax = Swift.max(amax, abs(x[k])) }
                    let d = amax / 127
                    let inverse: Float = d != 0 ? 1 / d : 0
                    let target = out + block * Self.blockBytes
                    target.storeBytes(of: HalfPrecision.floatToF16(d).littleEndian, as: UInt16.self)
                    let q = (target + 2).assumingMemoryBound(to: Int8.self)
                    for k in 0..<Self.blockValues { q[k] = Int8((x[k] * inverse).rounded()) }
                }
            }
        }
    }

    /// The stored blocks, row after row (for saving).
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.bytes.baseAddress, count: rows * rowBytes))
    }

    /// Writes row `r` as f32 into `destination` (cols values): an embedding lookup.
    public func row(_ r: Int, into destination: UnsafeMutablePointer<Float>) {
        precondition(r >= 0 && r < rows, "row \(r) outside 0..<\(rows)")
        let base = UnsafeRawPointer(storage.bytes.baseAddress!) + r * rowBytes
        for block in 0..<(cols / Self.blockValues) {
            let pointer = base + block * Self.blockBytes
            let d = HalfPrecision.f16ToFloat(UInt16(littleEndian: pointer.loadUnaligned(as: UInt16.self)))
            let q = (pointer + 2).assumingMemoryBound(to: Int8.self)
            let out = destination + block * Self.blockValues
            for k in 0..<Self.blockValues { out[k] = d * Float(q[k]) }
        }
    }

    /// The whole matrix in f32 (for tests and for merging adapters).
    public func dequantized() -> Tensor {
        var result = Tensor(zeros: [rows, cols])
        result.withMutableBaseAddress { out in
            nonisolated(unsafe) let out = out
            parallelFor(rows, minimumChunk: 64) { range in
                for r in range { self.row(r, into: out + r * self.cols) }
            }
        }
        return result
    }

    /// y = W·x for one vector: x has `cols` values, y gets `rows`. The int8 values are widened and scaled in
    /// registers (C kernel, AVX2 + FMA when the CPU has them), so the matrix is read once and never expanded; rows
    /// are split across cores. `tinytune bench head` (262,144 × 640, 2 cores): 74 ms in Swift SIMD before, 24 ms now
    /// (f32 sgemv: 52 ms).
    public func multiply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        multiply(x, vectors: 1, into: y)
    }

    /// Y[i] = W·X[i] for `vectors` vectors of `cols` values (X row-major), Y row-major (vectors, rows): the matrix
    /// is read once for all of them, and each vector's result is the same as alone.
    func multiply(_ x: UnsafePointer<Float>, vectors: Int, into y: UnsafeMutablePointer<Float>) {
        nonisolated(unsafe) let x = x, y = y
        nonisolated(unsafe) let base = UnsafePointer<UInt8>(storage.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
        let rows = self.rows, cols = self.cols
        parallelFor(rows, minimumChunk: 256) { range in
            tt_q8_0_rows_dot(base, Int64(range.lowerBound), Int64(range.upperBound), Int64(cols), x, Int64(cols),
                             Int64(vectors), y, Int64(rows))
        }
    }

    /// Y = X·Wᵀ for a batch: X is (n, cols), Y is (n, rows), as a linear layer applies W to n tokens. Few vectors
    /// (up to `fusedVectors`) use the fused product; more dequantize W in tiles of rows and hand each tile to sgemm.
    public func multiply(batch x: Tensor) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == cols, "expected (n, \(cols)), got \(x.shape)")
        let n = x.shape[0]
        var y = Tensor(zeros: [n, rows])
        x.withBaseAddress { xs in
            y.withMutableBaseAddress { ys in
                if n <= Self.fusedVectors {
                    multiply(xs, vectors: n, into: ys)
                    return
                }
                forEachTile { start, count, tile in
                    // Y[:, start..<start+count] = X · tileᵀ  — X: (n, cols), tile: (count, cols)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(count), Int32(cols), 1,
                                xs, Int32(cols), tile, Int32(cols), 0, ys + start, Int32(rows))
                }
            }
        }
        return y
    }

    /// dX = dY·W for dY of shape (n, rows): dX is (n, cols), the backward of `multiply(batch:)`. W is dequantized
    /// in tiles of rows, each contributing dY[:, tile]·W_tile to dX through sgemm.
    public func multiplyTransposed(batch dy: Tensor) -> Tensor {
        precondition(dy.rank == 2 && dy.shape[1] == rows, "expected (n, \(rows)), got \(dy.shape)")
        let n = dy.shape[0]
        var dx = Tensor(zeros: [n, cols])
        guard n > 0 else { return dx }
        dy.withBaseAddress { dys in
            dx.withMutableBaseAddress { dxs in
                forEachTile { start, count, tile in
                    // dX += dY[:, start..<start+count] · tile  — dY: (n, rows) with row stride rows, tile: (count, cols)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(cols), Int32(count), 1,
                                dys + start, Int32(rows), tile, Int32(cols), 1, dxs, Int32(cols))
                }
            }
        }
        return dx
    }

    /// Dequantizes W 512 rows at a time and calls `body(first row, row count, tile)` for each tile, so products with
    /// many vectors go through sgemm without ever expanding the whole matrix.
    private func forEachTile(_ body: (Int, Int, UnsafeMutablePointer<Float>) -> Void) {
        let tileRows = 512
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * cols)
        defer { tile.deallocate() }
        var start = 0
        while start < rows {
            let count = Swift.min(tileRows, rows - start)
            for r in 0..<count { row(start + r, into: tile + r * cols) }
            body(start, count, tile)
            start += count
        }
    }
}
