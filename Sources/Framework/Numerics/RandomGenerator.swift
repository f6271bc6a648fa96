// Seeded pseudo-random numbers: xoshiro256** seeded through SplitMix64.
//
// References:
// - D. Blackman and S. Vigna, "Scrambled Linear Pseudorandom Number Generators", ACM TOMS 47(4), 2021
//   (xoshiro256**; reference C code at prng.di.unimi.it).
// - SplitMix64: G. Steele, D. Lea and C. Flood, "Fast Splittable Pseudorandom Number Generators", OOPSLA 2014;
//   the 64-bit finalizer constants are the ones Vigna's splitmix64.c uses to seed xoshiro generators.
// - G. Box and M. Muller, "A Note on the Generation of Random Normal Deviates", Ann. Math. Stat. 29(2), 1958.
// - D. Lemire, "Fast Random Integer Generation in an Interval", ACM TOMACS 29(1), 2019.
//
// There is no global generator: every random draw in TinyTune goes through a generator built from an
// explicit seed, so runs are reproducible. The streams below are part of the format of saved experiments:
// changing any formula changes every seeded result (tests pin them to an independent Python implementation).

import Foundation

/// One SplitMix64 step: advances `state` by the golden-ratio increment and returns the mixed value.
@inline(__always)
func splitMix64(_ state: inout UInt64) -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// Deterministic xoshiro256** generator (period 2²⁵⁶ − 1), seeded from a `UInt64` through SplitMix64.
///
///     var rng = SeededGenerator(seed: 42)
///     let u = rng.nextUniform()                 // Float in [0, 1)
///     let z = rng.nextNormal()                  // standard normal
///     let k = rng.int(in: 0..<vocabularySize)   // unbiased
///     var w = Tensor(zeros: [64, 8]); rng.fillNormal(&w, mean: 0, std: 0.02)
///     var layerRNG = rng.forked("layers.3.lora_a")   // independent child stream, parent unchanged
///
/// Also usable with the standard library (`Int.random(in:using:)`, `shuffle(using:)`), though those
/// algorithms are not promised to stay the same across Swift versions; prefer the methods here for anything
/// that must reproduce.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// The state is four successive SplitMix64 outputs starting from `seed` (never all zero).
    public init(seed: UInt64) {
        var state = seed
        s0 = splitMix64(&state)
        s1 = splitMix64(&state)
        s2 = splitMix64(&state)
        s3 = splitMix64(&state)
    }

    /// Next 64 random bits (xoshiro256**: `rotl(s1 · 5, 7) · 9`, then the xor-shift-rotate state update).
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// Uniform `Float` in [0, 1): the top 24 bits of `next()` times 2⁻²⁴ (every value is exact).
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// Uniform `Double` in [0, 1): the top 53 bits of `next()` times 2⁻⁵³.
    public mutating func nextUniformDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Standard normal `Float` by the Box–Muller transform in Double:
    /// `u1 = 1 - nextUniformDouble()` ∈ (0, 1] (so `log u1` is finite), `u2 = nextUniformDouble()`,
    /// `z = √(-2 ln u1) · cos(2π u2)`, rounded to Float.
    /// The sine partner is not cached: every normal consumes exactly two `next()` outputs, which keeps the
    /// generator a plain value and makes `fillNormal` identical to repeated `nextNormal()` calls.
    public mutating func nextNormal() -> Float {
        let u1 = 1 - nextUniformDouble()
        let u2 = nextUniformDouble()
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }

    /// Uniform integer in `range` without modulo bias (Lemire's multiply-and-reject method).
    public mutating func int(in range: Range<Int>) -> Int {
        precondition(!range.isEmpty, "SeededGenerator.int(in:): empty range")
        let width = UInt64(bitPattern: Int64(range.upperBound &- range.lowerBound))
        return range.lowerBound &+ Int(bitPattern: UInt(below(width)))
    }

    /// Uniform integer in `range` without modulo bias.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let width = UInt64(bitPattern: Int64(range.upperBound &- range.lowerBound)) &+ 1
        if width == 0 { return Int(bitPattern: UInt(next())) }  // the whole Int range
        return range.lowerBound &+ Int(bitPattern: UInt(below(width)))
    }

    /// Uniform in [0, bound) for `bound > 0`: high word of `bound · next()`, rejecting the biased low slice.
    private mutating func below(_ bound: UInt64) -> UInt64 {
        var product = bound.multipliedFullWidth(by: next())
        if product.low < bound {
            let threshold = (0 &- bound) % bound  // 2⁶⁴ mod bound
            while product.low < threshold {
                product = bound.multipliedFullWidth(by: next())
            }
        }
        return product.high
    }

    /// Fills `buffer` with `low + (high - low) · nextUniform()`, in order; results stay below `high`.
    public mutating func fillUniform(_ buffer: UnsafeMutableBufferPointer<Float>, low: Float = 0, high: Float = 1) {
        precondition(low < high, "fillUniform: need low < high, got [\(low), \(high))")
        let width = high - low
        for i in buffer.indices {
            let value = low + width * nextUniform()
            buffer[i] = value < high ? value : high.nextDown
        }
    }

    /// Fills `buffer` with `mean + std · nextNormal()`, in order.
    public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>, mean: Float = 0, std: Float = 1) {
        for i in buffer.indices { buffer[i] = mean + std * nextNormal() }
    }

    /// Fills a tensor (row-major order) with uniform values in [low, high).
    public mutating func fillUniform(_ tensor: inout Tensor, low: Float = 0, high: Float = 1) {
        tensor.withUnsafeMutableBufferPointer { fillUniform($0, low: low, high: high) }
    }

    /// Fills a tensor (row-major order) with normal values.
    public mutating func fillNormal(_ tensor: inout Tensor, mean: Float = 0, std: Float = 1) {
        tensor.withUnsafeMutableBufferPointer { fillNormal($0, mean: mean, std: std) }
    }

    /// A child generator for stream number `stream`, derived from the current state without advancing it:
    /// the same parent state and stream always give the same child, different streams give unrelated ones.
    /// The child seed is a SplitMix64 hash of the four state words and the stream number. Independence is
    /// statistical (hashing), not the provable non-overlap of xoshiro's jump polynomials.
    public func split(stream: UInt64) -> SeededGenerator {
        var h = stream
        var mixed = splitMix64(&h)
        for word in [s0, s1, s2, s3] {
            var state = mixed ^ word
            mixed = splitMix64(&state)
        }
        return SeededGenerator(seed: mixed)
    }

    /// A child generator named by `label` (e.g. a parameter path): `split(stream: FNV-1a-64(label UTF-8))`.
    public func forked(_ label: String) -> SeededGenerator {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a 64-bit offset basis
        for byte in label.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3  // FNV prime
        }
        return split(stream: hash)
    }
}

@inline(__always)
private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
    (x << k) | (x >> (64 - k))
}
