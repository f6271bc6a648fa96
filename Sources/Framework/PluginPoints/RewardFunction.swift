/// What a reward sees: each completion with its prompt and the dataset's other columns for that row
/// (the gold `answer`, for example), as TRL passes them.
public struct RewardInput: Sendable {
    public var prompts: [String]
    public var completions: [String]
    /// Column name → one value per completion.
    public var columns: [String: [JSONValue]]

    public init(prompts: [String], completions: [String], columns: [String: [JSONValue]] = [:]) {
        self.prompts = prompts
        self.completions = completions
        self.columns = columns
    }
}

/// Scores completions. `nil` means "not applicable to this row" and is left out of the weighted sum, as in TRL.
/// Registered under `rewards`; the config's `rewards` list names several, each with a `weight`.
public protocol RewardFunction: Sendable {
    func rewards(for input: RewardInput) throws -> [Double?]
    /// The rewards with a reason for each one that needs explaining (no answer found, a wrong answer, ...), for
    /// `tinytune reward` and logs. Default: `rewards(for:)` without reasons.
    func scores(for input: RewardInput) throws -> [RewardScore]
}

/// A reward and, when there is something to say, why it is what it is.
///
///     RewardScore(reward: 0, reason: "no answer found in the completion")
public struct RewardScore: Sendable, Equatable {
    /// nil: not applicable to this completion.
    public var reward: Double?
    public var reason: String?

    public init(reward: Double?, reason: String? = nil) {
        self.reward = reward
        self.reason = reason
    }
}

extension RewardFunction {
    public func scores(for input: RewardInput) throws -> [RewardScore] {
        try rewards(for: input).map { RewardScore(reward: $0) }
    }
}
