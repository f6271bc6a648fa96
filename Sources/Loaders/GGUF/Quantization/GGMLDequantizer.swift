// Dequantization of ggml blocks to f32, split across cores. Each quant type decodes one block at a time
// (`BlockDecoder`); the driver walks the blocks in parallel. Reference: gguf-py `gguf/quants.py`
// (`dequantize_blocks` of each class) and llama.cpp `ggml/src/ggml-quants.c` (`dequantize_row_*`).

import TinyTune

/// One quant type's block layout and decoding.
protocol BlockDecoder: SendableMetatype {
    /// Values per block.
    static var elements: Int { get }
    /// Bytes per block.
    static var bytes: Int { get }
    /// Decodes the block at `block` (`bytes` bytes, any alignment) into `elements` floats at `out`.
    static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>)
}

extension UnsafeRawPointer {
    /// The byte at `offset`.
    @inline(__always) func byte(_ offset: Int) -> UInt8 { load(fromByteOffset: offset, as: UInt8.self) }
    /// A little-endian binary16 at `offset` (any alignment), widened to f32 exactly.
    @inline(__always) func f16(_ offset: Int) -> Float {
        HalfPrecision.f16ToFloat(UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }
}

/// Turns the stored bytes of a ggml tensor into f32 values.
///
///     try GGMLDequantizer.dequantize(bytes, type: .q4_K, into: output, path: path, name: "blk.0.ffn_up.weight")
///
/// Results equal gguf-py's `gguf.quants.dequantize` bit for bit: every value is the same f32 products and
/// differences in the same order (scale·q, then − min), and Swift does not fuse multiply-adds unless asked.
public enum GGMLDequantizer {
    /// The types this reader can turn into f32.
    public static let supported: [GGMLType] = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0,
                                               .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    /// Decodes `bytes` (whole blocks of `type`) into `out`, which must hold exactly the values they encode.
    public static func dequantize(_ bytes: UnsafeRawBufferPointer, type: GGMLType,
                                  into out: UnsafeMutableBufferPointer<Float>, path: String, name: String) throws {
        guard bytes.count % type.blockBytes == 0,
              bytes.count / type.blockBytes * type.blockElements == out.count else {
            throw TinyTuneError.invalidFile(path: path, reason: "tensor \"\(name)\": \(bytes.count) bytes of \(type) do not hold \(out.count) values")
        }
        if out.isEmpty { return }
        switch type {
        case .f32: run(F32Block.self, bytes, out)
        case .f16: run(F16Block.self, bytes, out)
        case .bf16: run(BF16Block.self, bytes, out)
        case .q4_0: run(Q4_0Block.self, bytes, out)
        case .q4_1: run(Q4_1Block.self, bytes, out)
        case .q5_0: run(Q5_0Block.self, bytes, out)
        case .q5_1: run(Q5_1Block.self, bytes, out)
        case .q8_0: run(Q8_0Block.self, bytes, out)
        case .q2_K: run(Q2_KBlock.self, bytes, out)
        case .q3_K: run(Q3_KBlock.self, bytes, out)
        case .q4_K: run(Q4_KBlock.self, bytes, out)
        case .q5_K: run(Q5_KBlock.self, bytes, out)
        case .q6_K: run(Q6_KBlock.self, bytes, out)
        default:
            throw TinyTuneError.unsupported("\(path): tensor \"\(name)\" has type \(type), which TinyTune cannot dequantize yet (supported: \(supported.map(\.name).joined(separator: ", ")))")
        }
    }

    /// Decodes every block, in parallel chunks of at least 64 Ki values.
    private static func run<D: BlockDecoder>(_: D.Type, _ bytes: UnsafeRawBufferPointer,
                                             _ out: UnsafeMutableBufferPointer<Float>) {
        // Raw pointers are not Sendable; each chunk reads its own blocks and writes its own values.
        guard let source = bytes.baseAddress, let target = out.baseAddress else { return }
        nonisolated(unsafe) let src = source
        nonisolated(unsafe) let dst = target
        let blocks = bytes.count / D.bytes
        parallelFor(blocks, minimumChunk: max(1, (1 << 16) / D.elements)) { range in
            for b in range {
                D.decode(src + b * D.bytes, into: dst + b * D.elements)
            }
        }
    }
}

/// F32: the stored little-endian floats.
enum F32Block: BlockDecoder {
    static let elements = 1, bytes = 4
    @inline(__always) static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        out.pointee = Float(bitPattern: UInt32(littleEndian: block.loadUnaligned(as: UInt32.self)))
    }
}

/// F16: binary16 widened exactly (numpy's `astype(np.float32)`).
enum F16Block: BlockDecoder {
    static let elements = 1, bytes = 2
    @inline(__always) static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        out.pointee = block.f16(0)
    }
}

/// BF16: the 16 bits become the top half of an f32.
enum BF16Block: BlockDecoder {
    static let elements = 1, bytes = 2
    @inline(__always) static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        out.pointee = HalfPrecision.bf16ToFloat(UInt16(littleEndian: block.loadUnaligned(as: UInt16.self)))
    }
}
