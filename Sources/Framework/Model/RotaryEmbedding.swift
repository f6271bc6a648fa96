import Foundation

/// Rotary position embedding (Su et al. 2021) in Hugging Face's "rotate half" layout: element i of a head pairs
/// with element i + d/2, rotated by the angle position · θ^(−2i/d).
/// The inverse frequencies and angles are computed in f32, as transformers does, so rounding matches it.
public struct RotaryEmbedding: Sendable, Equatable {
    public var theta: Double
    public var scaling: Scaling?

    /// How long-context models stretch the frequencies.
    public enum Scaling: Sendable, Equatable {
        /// Divide every frequency by `factor` (Gemma 3's global layers in larger models).
        case linear(factor: Double)
        /// Llama 3.1's piecewise rule (transformers `_compute_llama3_parameters`).
        case llama3(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalContext: Int)
        /// Divide frequency i by factors[i] (llama.cpp stores Llama 3.1's rule as the tensor `rope_freqs.weight`).
        case frequencyDivisors([Float])
    }

    public init(theta: Double, scaling: Scaling? = nil) {
        self.theta = theta
        self.scaling = scaling
    }

    /// θ^(−2i/d) for i < d/2, after scaling.
    public func inverseFrequencies(headDim: Int) -> [Float] {
        let base = Float(theta)
        var frequencies = (0..<(headDim / 2)).map { i in 1 / powf(base, Float(2 * i) / Float(headDim)) }
        switch scaling {
        case nil:
            break
        case .linear(let factor):
            frequencies = frequencies.map { $0 / Float(factor) }
        case let .llama3(factor, low, high, original):
            let lowWavelength = Double(original) / low
            let highWavelength = Double(original) / high
            frequencies = frequencies.map { frequency in
                let wavelength = 2 * Double.pi / Double(frequency)
                if wavelength < highWavelength { return frequency }
                if wavelength > lowWavelength { return frequency / Float(factor) }
                let smooth = (Double(original) / wavelength - low) / (high - low)
                return Float((1 - smooth) * Double(frequency) / factor + smooth * Double(frequency))
            }
        case .frequencyDivisors(let divisors):
            frequencies = zip(frequencies, divisors).map { $0 / $1 }
        }
        return frequencies
    }

    /// Rotates `count` rows of heads in place: `x` holds, for each row, `heads` vectors of `headDim` values, and row
    /// r sits at position `positions[r]`.
    static func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, heads: Int, headDim: Int, positions: [Int],
                      inverseFrequencies: [Float])
    {
        let half = headDim / 2
        var cosines = [Float](repeating: 0, count: half)
        var sines = [Float](repeating: 0, count: half)
        for r in 0..<rows {
            for i in 0..<half {
                let angle = Float(positions[r]) * inverseFrequencies[i]
                cosines[i] = cosf(angle)
                sines[i] = sinf(angle)
            }
            for h in 0..<heads {
                let v = x + (r * heads + h) * headDim
                for i in 0..<half {
                    let a = v[i], b = v[i + half]
                    v[i] = a * cosines[i] - b * sines[i]
                    v[i + half] = b * cosines[i] + a * sines[i]
                }
            }
        }
    }
}
