/// One problem: the prompt text, the gold answer when there is one, and every other column of its row.
public struct Example: Sendable, Equatable {
    public var prompt: String
    public var answer: String?
    public var columns: [String: JSONValue]

    public init(prompt: String, answer: String? = nil, columns: [String: JSONValue] = [:]) {
        self.prompt = prompt
        self.answer = answer
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
