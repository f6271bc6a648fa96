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
}
