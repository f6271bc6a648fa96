// The 32-value block quants: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0. Layouts from llama.cpp `ggml/src/ggml-common.h`
// (`block_q4_0`, ...); decoding as gguf-py `gguf/quants.py` `dequantize_blocks`. In every 4-bit layout, value j
// (0..<16) is the low nibble of qs[j] and value j + 16 its high nibble.

/// Q4_0, 18 bytes: d (f16) | qs[16]. x = d · (q − 8).
enum Q4_0Block: BlockDecoder {
    static let elements = 32, bytes = 18
    @inline(__always) static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = block.f16(0)
        for j in 0..<16 {
            let q = block.byte(2 + j)
            out[j] = d * Float(Int(q & 0x0F) - 8)
            out[j + 16] = d * Float(Int(q >> 4) - 8)
        }
    }
}

/// Q4_1, 20 bytes: d (f16) | m (f16) | qs[16]. x = d · q + m.
enum Q4_1Block: BlockDecoder {
    static let elements = 32, bytes = 20
    @inline(__always) static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = block.f16(0), m = block.f16(2)
        for j in 0..<16 {
            let q = block.byte(4 + j)
            out[j] = d * Float(q & 0x0F) + m
            out[j + 16] = d * Float(q >> 4) + m
        }
    }
}

/// Q5_0, 22 bytes: d (f16) | qh (u32, bit j = 5th bit of value j) | qs[16]. x = d · (q − 16).
enum Q5_0Block: BlockDecoder {
    static let elements = 32, bytes = 22
    @inline(__always) static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = block.f16(0)
        let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        for j in 0..<16 {
            let q = block.byte(6 + j)
            let low = Int(q & 0x0F) | Int((qh >> UInt32(j)) & 1) << 4
            let high = Int(q >> 4) | Int((qh >> UInt32(j + 16)) & 1) << 4
            out[j] = d * Float(low - 16)
            out[j + 16] = d * Float(high - 16)
        }
    }
}

/// Q5_1, 24 bytes: d (f16) | m (f16) | qh (u32) | qs[16]. x = d · q + m.
enum Q5_1Block: BlockDecoder {
    static let elements = 32, bytes = 24
    @inline(__always) static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = block.f16(0), m = block.f16(2)
        let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        for j in 0..<16 {
            let q = block.byte(8 + j)
            let low = UInt32(q & 0x0F) | ((qh >> UInt32(j)) & 1) << 4
            let high = UInt32(q >> 4) | ((qh >> UInt32(j + 16)) & 1) << 4
            out[j] = d * Float(low) + m
            out[j + 16] = d * Float(high) + m
        }
    }
}

/// Q8_0, 34 bytes: d (f16) | qs (int8)[32]. x = q · d.
enum Q8_0Block: BlockDecoder {
    static let elements = 32, bytes = 34
    @inline(__always) static func decode(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = block.f16(0)
        for j in 0..<32 {
            out[j] = Float(Int8(bitPattern: block.byte(2 + j))) * d
        }
    }
}
