import TinyTune

/// Group-relative advantages, as TRL's GRPOTrainer computes them (`_generate_and_score_completions`):
///
///     A_i = r_i − mean(r of i's group)                               (groups are consecutive runs of G completions)
///     A_i /= std + 1e-4   with std the group's (`group`) or the whole batch's (`batch`) unbiased standard deviation
///                         (torch.std, Bessel-corrected); `none` leaves A_i unscaled (Dr. GRPO)
///
/// A group whose rewards are all equal (|std_group| < 1e-8, TRL's `is_std_zero`) has zero advantages; those groups
/// are listed so the trainer can count, drop or resample them.
///
///     let a = GRPOAdvantages(rewards: [1, 0, 0, 1, 1, 1], groupSize: 3, scaling: .group)
///     a.values               // [1.1546, -0.5773, -0.5773, 0, 0, 0] (approximately)
///     a.zeroVarianceGroups   // [1]
public struct GRPOAdvantages: Sendable, Equatable {
    public let values: [Double]
    /// Indices of the groups whose rewards are all equal.
    public let zeroVarianceGroups: [Int]

    public init(rewards: [Double], groupSize: Int, scaling: GRPOOptions.RewardScaling) {
        precondition(groupSize >= 1 && rewards.count % groupSize == 0,
                     "GRPOAdvantages: \(rewards.count) rewards do not split into groups of \(groupSize)")
        let groups = rewards.count / groupSize
        var values = [Double](repeating: 0, count: rewards.count)
        var groupStd = [Double](repeating: 0, count: groups)
        for g in 0..<groups {
            let slice = Array(rewards[(g * groupSize)..<((g + 1) * groupSize)])
            let mean = slice.reduce(0, +) / Double(groupSize)
            for (k, r) in slice.enumerated() { values[g * groupSize + k] = r - mean }
            groupStd[g] = Self.unbiasedStd(slice)
        }
        zeroVarianceGroups = (0..<groups).filter { abs(groupStd[$0]) < 1e-8 }
        switch scaling {
        case .none:
            break
        case .group:
            for i in values.indices { values[i] /= groupStd[i / groupSize] + 1e-4 }
        case .batch:
            let std = Self.unbiasedStd(rewards)
            for i in values.indices { values[i] /= std + 1e-4 }
        }
        self.values = values
    }

    /// √(Σ(x − x̄)² / (n − 1)); NaN for a single value, as torch.std.
    static func unbiasedStd(_ x: [Double]) -> Double {
        guard x.count > 1 else { return .nan }
        let mean = x.reduce(0, +) / Double(x.count)
        return (x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count - 1)).squareRoot()
    }
}
