/// Several rewards summed with weights, as TRL's GRPO does: a completion's reward is Σ wᵢ·rᵢ over the rewards that
/// apply to it; rewards that answer `nil` ("not applicable") are left out, and a completion for which none applies
/// gets `nil`.
public struct WeightedRewards: Sendable {
    public let functions: [(name: String, weight: Double, function: any RewardFunction)]

    public init(_ functions: [(name: String, weight: Double, function: any RewardFunction)]) {
        self.functions = functions
    }

    /// Each reward's own scores (for logging) and the weighted total per completion.
    public func score(_ input: RewardInput) throws -> (perFunction: [[Double?]], total: [Double?]) {
        let (perFunction, total) = try scoreWithReasons(input)
        return (perFunction.map { $0.map(\.reward) }, total)
    }

    /// Like `score`, with each reward's reasons (`RewardFunction.scores(for:)`).
    ///
    ///     let (perFunction, total) = try pipeline.rewards.scoreWithReasons(input)
    ///     perFunction[0][3].reason   // why the first reward gave completion 3 its score, if it says
    public func scoreWithReasons(_ input: RewardInput) throws -> (perFunction: [[RewardScore]], total: [Double?]) {
        var perFunction: [[RewardScore]] = []
        var total = [Double?](repeating: nil, count: input.completions.count)
        for (name, weight, function) in functions {
            let scores = try function.scores(for: input)
            guard scores.count == input.completions.count else {
                throw TinyTuneError.unsupported(
                    "reward \"\(name)\" returned \(scores.count) scores for \(input.completions.count) completions")
            }
            perFunction.append(scores)
            for (i, score) in scores.enumerated() {
                guard let reward = score.reward else { continue }
                total[i] = (total[i] ?? 0) + weight * reward
            }
        }
        return (perFunction, total)
    }
}
