/// One tensor of a GGUF file, as its tensor info describes it (checked against the file when read).
///
///     let info = try #require(file.tensor(named: "blk.0.attn_q.weight"))
///     info.dimensions   // [640, 1024]: ggml order, innermost (contiguous) first, as stored
///     info.shape        // [1024, 640]: row-major, outermost first, the shape of `file.dequantize(info)`
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The name as stored (`blk.0.attn_q.weight`).
    public let name: String
    /// The stored type.
    public let type: GGMLType
    /// ggml's `ne`: the innermost (contiguous) dimension first.
    public let dimensions: [Int]
    /// Offset of the first byte from the start of the data section, as stored.
    public let offset: Int
    /// Offset of the first byte from the start of the file.
    public let fileOffset: Int
    /// Bytes the tensor takes (whole blocks).
    public let byteCount: Int
    /// Number of values (product of the dimensions).
    public let elementCount: Int

    /// Row-major shape (outermost first): `dimensions` reversed, as numpy and transformers see the tensor.
    public var shape: [Int] { dimensions.reversed() }
}
