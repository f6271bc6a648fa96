// The 256-value "K" super-block quants: Q2_K, Q3_K, Q4_K, Q5_K, Q6_K. Layouts from llama.cpp
// `ggml/src/ggml-common.h` (`block_q2_K`, ...); value order and arithmetic as gguf-py `gguf/quants.py`
// (`Q2_K.dequantize_blocks`, ...), which agrees with `dequantize_row_q*_K` in `ggml-quants.c`.
//
// Index maps used below, for value e in 0..<256:
//   2-bit planes (Q2_K, Q3_K low bits): byte qs[32·(e / 128) + e % 32], shifted by 2·((e % 128) / 32).
//   4-bit planes (Q4_K, Q5_K low bits): byte qs[32·(e / 64) + e % 32], shifted by 4·((e / 32) % 2).
//   bit planes (Q3_K hmask, Q5_K qh):    byte h[e % 32], bit e / 32.

/// Q2_K, 84 bytes: scales[16] (low nibble scale, high nibble min, per 16 values) | qs[64] | d (f16) | dmin (f16).
/// x = (d · sc) · q − (dmin · m).
enum Q2_KBlock: BlockDecoder {
    static let elements = 256, bytes = 84
    @inline(__always) static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = block.f16(80), dmin = block.f16(82)
        for s in 0..<16 {
            let packed = block.byte(s)
            let dl = d * Float(packed & 0x0F)
            let ml = dmin * Float(packed >> 4)
            for i in 0..<16 {
                let e = 16 * s + i
                let q = (block.byte(16 + 32 * (e >> 7) + (e & 31)) >> UInt8(2 * ((e & 127) >> 5))) & 3
                out[e] = dl * Float(q) - ml
            }
        }
    }
}

/// Q3_K, 110 bytes: hmask[32] | qs[64] | scales[12] (16 six-bit scales) | d (f16).
/// q = low 2 bits − 4 when the hmask bit is 0; x = (d · (scale − 32)) · q.
enum Q3_KBlock: BlockDecoder {
    static let elements = 256, bytes = 110
    @inline(__always) static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = block.f16(108)
        for s in 0..<16 {
            // Low 4 bits: nibble s % 8 of bytes 0..<8 (low nibbles first); high 2 bits: bytes 8..<12.
            let low = (block.byte(96 + (s & 7)) >> UInt8(4 * (s >> 3))) & 0x0F
            let high = (block.byte(96 + 8 + (s & 3)) >> UInt8(2 * (s >> 2))) & 0x03
            let scale = Int(low | high << 4) - 32
            let dl = d * Float(scale)
            for i in 0..<16 {
                let e = 16 * s + i
                let ql = Int((block.byte(32 + 32 * (e >> 7) + (e & 31)) >> UInt8(2 * ((e & 127) >> 5))) & 3)
                let hbit = Int((block.byte(e & 31) >> UInt8(e >> 5)) & 1)
                out[e] = dl * Float(ql - ((hbit ^ 1) << 2))
            }
        }
    }
}

/// The eight 6-bit (scale, min) pairs of Q4_K and Q5_K, packed in 12 bytes (`get_scale_min_k4`).
@inline(__always)
func kQuantScaleMin(_ scales: UnsafeRawPointer, _ j: Int) -> (scale: UInt8, min: UInt8) {
    if j < 4 {
        return (scales.byte(j) & 0x3F, scales.byte(j + 4) & 0x3F)
    }
    let packed = scales.byte(j + 4)
    return ((packed & 0x0F) | ((scales.byte(j - 4) >> 2) & 0x30),
            (packed >> 4) | ((scales.byte(j) >> 2) & 0x30))
}

/// Q4_K, 144 bytes: d (f16) | dmin (f16) | scales[12] | qs[128]. x = (d · sc) · q − (dmin · m), per 32 values.
enum Q4_KBlock: BlockDecoder {
    static let elements = 256, bytes = 144
    @inline(__always) static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = block.f16(0), dmin = block.f16(2)
        for j in 0..<8 {
            let (sc, m) = kQuantScaleMin(block + 4, j)
            let dl = d * Float(sc), ml = dmin * Float(m)
            let shift = UInt8(4 * (j & 1))
            for l in 0..<32 {
                let q = (block.byte(16 + 32 * (j >> 1) + l) >> shift) & 0x0F
                out[32 * j + l] = dl * Float(q) - ml
            }
        }
    }
}

/// Q5_K, 176 bytes: d (f16) | dmin (f16) | scales[12] | qh[32] | qs[128]. Like Q4_K with a fifth bit from qh.
enum Q5_KBlock: BlockDecoder {
    static let elements = 256, bytes = 176
    @inline(__always) static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = block.f16(0), dmin = block.f16(2)
        for j in 0..<8 {
            let (sc, m) = kQuantScaleMin(block + 4, j)
            let dl = d * Float(sc), ml = dmin * Float(m)
            let shift = UInt8(4 * (j & 1))
            for l in 0..<32 {
                let low = (block.byte(48 + 32 * (j >> 1) + l) >> shift) & 0x0F
                let high = (block.byte(16 + l) >> UInt8(j)) & 1
                out[32 * j + l] = dl * Float(low | high << 4) - ml
            }
        }
    }
}

/// Q6_K, 210 bytes: ql[128] | qh[64] | scales (int8)[16] | d (f16). q = (4 low | 2 high bits) − 32;
/// x = (d · scale) · q, one scale per 16 values. For value e: half h = e / 128, r = e % 128;
/// low bits from ql[64·h + r % 64] shifted by 4·(r / 64); high bits from qh[32·h + r % 32] shifted by 2·(r / 32).
enum Q6_KBlock: BlockDecoder {
    static let elements = 256, bytes = 210
    @inline(__always) static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = block.f16(208)
        for s in 0..<16 {
            let dl = d * Float(Int8(bitPattern: block.byte(192 + s)))
            for i in 0..<16 {
                let e = 16 * s + i
                let h = e >> 7, r = e & 127
                let low = (block.byte(64 * h + (r & 63)) >> UInt8(4 * (r >> 6))) & 0x0F
                let high = (block.byte(128 + 32 * h + (r & 31)) >> UInt8(2 * (r >> 5))) & 0x03
                out[e] = dl * Float(Int(low | high << 4) - 32)
            }
        }
    }
}
