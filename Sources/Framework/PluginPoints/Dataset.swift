/// One problem: the prompt text, the gold answer when there is one, the reference completion SFT trains on, and
/// every other column of its row.
public struct Example: Sendable, Equatable {
    public var prompt: String
    public var answer: String?
    /// What the model should write right after the prompt (TRL's `completion`): the text SFT trains on, with the
    /// leading space and the end (a newline, say) that the prompt format implies. Nil means `answer` as it is.
    public var completion: String?
    public var columns: [String: JSONValue]

    public init(prompt: String, answer: String? = nil, completion: String? = nil, columns: [String: JSONValue] = [:]) {
        self.prompt = prompt
        self.answer = answer
        self.completion = completion
        self.columns = columns
    }
}

public enum DatasetSplit: String, Sendable, CaseIterable {
    case train, eval
}

/// A source of examples (`jsonl`, `arithmetic`). Registered under `datasets`; the config's `dataset` section.
public protocol Dataset: Sendable {
    func examples(_ split: DatasetSplit) throws -> [Example]
}
