// Conversions between Float32 and the 16-bit formats checkpoints are stored in, by bit manipulation
// (no dependence on Swift's Float16, which is unavailable or emulated on some platforms).
//
// Formats (IEEE 754-2008 binary16; bfloat16 as in Google's TPU/TensorFlow and PyTorch's c10::BFloat16):
//   binary16: sign 1 | exponent 5 (bias 15) | mantissa 10
//   bfloat16: sign 1 | exponent 8 (bias 127) | mantissa 7   — the top half of a Float32
// Narrowing rounds to nearest, ties to even, like numpy's float16 casts and PyTorch's
// `round_to_nearest_even` for bfloat16; overflow goes to ±inf.

/// 16-bit float conversions, one value at a time or over buffers (bulk versions run in parallel).
///
///     let x = HalfPrecision.bf16ToFloat(0x3F80)        // 1.0
///     let h = HalfPrecision.floatToF16(65520)          // 0x7C00 (+inf: 65520 rounds up past 65504)
///     HalfPrecision.bf16ToFloat(bytes: rawTensorBytes, into: tensorBuffer)  // little-endian, any alignment
public enum HalfPrecision {
    // MARK: Scalars

    /// bfloat16 bits → Float: the bits become the upper half of a Float32 (exact; NaN payloads kept).
    @inline(__always)
    public static func bf16ToFloat(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// binary16 bits → Float (exact, including subnormals, ±0, ±inf; NaN payloads kept, not quieted).
    @inline(__always)
    public static func f16ToFloat(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x03FF)
        if exponent == 0x1F {  // inf / NaN
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent != 0 {  // normal: rebias 15 → 127
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
        if mantissa == 0 { return Float(bitPattern: sign) }  // ±0
        // Subnormal, mantissa · 2⁻²⁴: shift the leading 1 up to the implicit-bit position (bit 10).
        let shift = UInt32(mantissa.leadingZeroBitCount) - 21  // 1...10
        let normalized = (mantissa << shift) & 0x03FF
        return Float(bitPattern: sign | ((113 - shift) << 23) | (normalized << 13))
    }

    /// Float → bfloat16 bits, round to nearest even (PyTorch's rule: add `0x7FFF + lsb`, keep the top 16 bits).
    /// Every NaN becomes the canonical quiet NaN `0x7FC0`, as in PyTorch.
    @inline(__always)
    public static func floatToBF16(_ value: Float) -> UInt16 {
        if value.isNaN { return 0x7FC0 }
        let bits = value.bitPattern
        let leastSignificantKept = (bits >> 16) & 1
        return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ leastSignificantKept) >> 16)
    }

    /// Float → binary16 bits, round to nearest even, with subnormal results and overflow to ±inf.
    /// NaN stays NaN with its sign and top payload bits, quiet bit set.
    @inline(__always)
    public static func floatToF16(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x007F_FFFF
        if exponent == 0xFF {
            return mantissa == 0 ? sign | 0x7C00 : sign | 0x7E00 | UInt16(truncatingIfNeeded: mantissa >> 13)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }  // ≥ 2¹⁶: overflow
        if halfExponent <= 0 {
            // Result is subnormal (or zero): value = significand · 2^(halfExponent - 1 - 23 + 24) units of 2⁻²⁴.
            if halfExponent < -10 { return sign }  // below 2⁻²⁵: rounds to ±0
            let significand = mantissa | 0x0080_0000
            let shift = UInt32(14 - halfExponent)  // 14...24
            var half = significand >> shift
            let remainder = significand & ((1 << shift) - 1)
            let halfway: UInt32 = 1 << (shift - 1)
            if remainder > halfway || (remainder == halfway && half & 1 == 1) { half += 1 }
            return sign | UInt16(truncatingIfNeeded: half)  // a carry to 0x400 is the smallest normal: correct
        }
        var half = (UInt32(halfExponent) << 10) | (mantissa >> 13)
        let remainder = mantissa & 0x1FFF
        if remainder > 0x1000 || (remainder == 0x1000 && half & 1 == 1) { half += 1 }  // carry may reach inf: correct
        return sign | UInt16(truncatingIfNeeded: half)
    }

    // MARK: Buffers

    /// Minimum conversions per parallel chunk.
    static let bulkChunk = 1 << 16

    /// Converts `source` (bfloat16 bits) into `destination` (same count).
    public static func bf16ToFloat(_ source: UnsafeBufferPointer<UInt16>, into destination: UnsafeMutableBufferPointer<Float>) {
        convert(source, into: destination, bf16ToFloat)
    }

    /// Converts `source` (binary16 bits) into `destination` (same count).
    public static func f16ToFloat(_ source: UnsafeBufferPointer<UInt16>, into destination: UnsafeMutableBufferPointer<Float>) {
        convert(source, into: destination, f16ToFloat)
    }

    /// Converts `source` into bfloat16 bits in `destination` (same count).
    public static func floatToBF16(_ source: UnsafeBufferPointer<Float>, into destination: UnsafeMutableBufferPointer<UInt16>) {
        convert(source, into: destination, floatToBF16)
    }

    /// Converts `source` into binary16 bits in `destination` (same count).
    public static func floatToF16(_ source: UnsafeBufferPointer<Float>, into destination: UnsafeMutableBufferPointer<UInt16>) {
        convert(source, into: destination, floatToF16)
    }

    /// Converts little-endian bfloat16 bytes (e.g. a safetensors slice, any alignment) into `destination`;
    /// `bytes.count` must be `2 · destination.count`.
    public static func bf16ToFloat(bytes: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>) {
        convert(bytes: bytes, into: destination, bf16ToFloat)
    }

    /// Converts little-endian binary16 bytes (any alignment) into `destination`; `bytes.count == 2 · destination.count`.
    public static func f16ToFloat(bytes: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>) {
        convert(bytes: bytes, into: destination, f16ToFloat)
    }

    private static func convert<Source, Target>(_ source: UnsafeBufferPointer<Source>,
                                                into destination: UnsafeMutableBufferPointer<Target>,
                                                _ scalar: @Sendable (Source) -> Target) {
        precondition(source.count == destination.count,
                     "HalfPrecision: source has \(source.count) elements, destination \(destination.count)")
        // Raw buffers are not Sendable; each chunk reads and writes only its own index range.
        nonisolated(unsafe) let source = source
        nonisolated(unsafe) let destination = destination
        parallelFor(source.count, minimumChunk: bulkChunk) { range in
            for i in range { destination[i] = scalar(source[i]) }
        }
    }

    private static func convert(bytes: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>,
                                _ scalar: @Sendable (UInt16) -> Float) {
        precondition(bytes.count == 2 * destination.count,
                     "HalfPrecision: \(bytes.count) bytes for \(destination.count) 16-bit values")
        // Raw buffers are not Sendable; each chunk reads and writes only its own index range.
        nonisolated(unsafe) let bytes = bytes
        nonisolated(unsafe) let destination = destination
        parallelFor(destination.count, minimumChunk: bulkChunk) { range in
            for i in range {
                let bits = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                destination[i] = scalar(bits)
            }
        }
    }
}
