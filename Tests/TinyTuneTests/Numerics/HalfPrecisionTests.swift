import Testing
@testable import TinyTune

/// Against numpy (float16) and PyTorch-rule bf16 bits in the fixture (cross-checked with ml_dtypes when the
/// fixture was made). NaN payloads are not compared where numpy's hardware casts may quiet them; NaN-ness and
/// sign are.
@Suite("Half precision")
struct HalfPrecisionTests {
    static func sameNaNClass(_ ours: Float, _ bits: UInt32) -> Bool {
        ours.isNaN && (ours.bitPattern >> 31) == (bits >> 31)
    }

    @Test func f16ToFloatMatchesNumpy() throws {
        let fixture = try NumericsFixture.load()
        #expect(fixture.f16ToF32.count > 600)
        for c in fixture.f16ToF32 {
            let ours = HalfPrecision.f16ToFloat(c.bits)
            if c.isNaN {
                #expect(Self.sameNaNClass(ours, c.f32Bits), "0x\(String(c.bits, radix: 16)) \(c.note)")
            } else {
                #expect(ours.bitPattern == c.f32Bits, "0x\(String(c.bits, radix: 16)) \(c.note)")
            }
        }
        #expect(HalfPrecision.f16ToFloat(0x7E00).bitPattern == 0x7FC0_0000)
    }

    @Test func bf16ToFloatMatchesFixture() throws {
        for c in try NumericsFixture.load().bf16ToF32 {
            #expect(HalfPrecision.bf16ToFloat(c.bits).bitPattern == c.f32Bits, "0x\(String(c.bits, radix: 16)) \(c.note)")
        }
    }

    @Test func floatToF16RoundsLikeNumpy() throws {
        let cases = try NumericsFixture.load().f32ToF16
        #expect(cases.filter { $0.note.contains("tie") }.count > 50)
        for c in cases {
            let ours = HalfPrecision.floatToF16(Float(bitPattern: c.f32Bits))
            if c.isNaN {
                #expect(Self.sameNaNClass(HalfPrecision.f16ToFloat(ours), UInt32(c.bits) << 16))
            } else {
                #expect(ours == c.bits, "f32 0x\(String(c.f32Bits, radix: 16)) \(c.note)")
            }
        }
    }

    @Test func floatToBF16RoundsNearestEven() throws {
        let cases = try NumericsFixture.load().f32ToBF16
        #expect(cases.filter { $0.note.contains("bf16 tie") }.count > 50)
        for c in cases {
            #expect(HalfPrecision.floatToBF16(Float(bitPattern: c.f32Bits)) == c.bits,
                    "f32 0x\(String(c.f32Bits, radix: 16)) \(c.note)")
        }
        #expect(HalfPrecision.floatToBF16(-Float.nan) == 0x7FC0)  // PyTorch's canonical NaN
    }

    @Test func everyPatternRoundTrips() {
        for pattern in 0...UInt16.max {
            let h = HalfPrecision.f16ToFloat(pattern)
            let b = HalfPrecision.bf16ToFloat(pattern)
            if h.isNaN {
                #expect(HalfPrecision.f16ToFloat(HalfPrecision.floatToF16(h)).isNaN)
            } else if HalfPrecision.floatToF16(h) != pattern {
                Issue.record("f16 0x\(String(pattern, radix: 16)) does not round-trip")
            }
            if !b.isNaN && HalfPrecision.floatToBF16(b) != pattern {
                Issue.record("bf16 0x\(String(pattern, radix: 16)) does not round-trip")
            }
        }
    }

    @Test func bulkConversionsEqualScalarOnes() {
        // 200_001 values: above the parallel threshold, odd count.
        let count = 200_001
        var generator = SeededGenerator(seed: 61)
        let floats = (0..<count).map { _ in generator.nextNormal() * 1000 }
        let patterns = (0..<count).map { _ in UInt16(truncatingIfNeeded: generator.next()) }
        var out = [Float](repeating: 0, count: count)
        var bits = [UInt16](repeating: 0, count: count)

        patterns.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { HalfPrecision.f16ToFloat(src, into: $0) } }
        #expect(zip(out, patterns).allSatisfy { $0.bitPattern == HalfPrecision.f16ToFloat($1).bitPattern })
        patterns.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { HalfPrecision.bf16ToFloat(src, into: $0) } }
        #expect(zip(out, patterns).allSatisfy { $0.bitPattern == HalfPrecision.bf16ToFloat($1).bitPattern })
        floats.withUnsafeBufferPointer { src in bits.withUnsafeMutableBufferPointer { HalfPrecision.floatToF16(src, into: $0) } }
        #expect(zip(bits, floats).allSatisfy { $0 == HalfPrecision.floatToF16($1) })
        floats.withUnsafeBufferPointer { src in bits.withUnsafeMutableBufferPointer { HalfPrecision.floatToBF16(src, into: $0) } }
        #expect(zip(bits, floats).allSatisfy { $0 == HalfPrecision.floatToBF16($1) })

        // Little-endian bytes at an odd (unaligned) offset.
        var bytes = [UInt8](repeating: 0xAA, count: 1 + 2 * count)
        for (i, p) in patterns.enumerated() {
            bytes[1 + 2 * i] = UInt8(p & 0xFF)
            bytes[2 + 2 * i] = UInt8(p >> 8)
        }
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { HalfPrecision.bf16ToFloat(bytes: UnsafeRawBufferPointer(rebasing: raw.dropFirst()), into: $0) }
        }
        #expect(zip(out, patterns).allSatisfy { $0.bitPattern == HalfPrecision.bf16ToFloat($1).bitPattern })
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { HalfPrecision.f16ToFloat(bytes: UnsafeRawBufferPointer(rebasing: raw.dropFirst()), into: $0) }
        }
        #expect(zip(out, patterns).allSatisfy { $0.bitPattern == HalfPrecision.f16ToFloat($1).bitPattern })
    }
}
