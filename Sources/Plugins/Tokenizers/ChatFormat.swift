/// One message of a conversation.
public struct ChatMessage: Sendable, Equatable {
    /// "system", "user" or "assistant".
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Built-in chat formats, the fallback for checkpoints without a `chat_template` (`ChatPrompt` renders the template
/// with `ChatTemplate` when there is one). Each follows its model family's official template:
/// - `chatml` (Qwen2/Qwen2.5): `<|im_start|>role\ncontent<|im_end|>\n`; no default system message is added.
/// - `llama3`: `<|begin_of_text|>` then `<|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>`, content
///   trimmed.
/// - `gemma` (Gemma 2/3): BOS, then `<start_of_turn>role\ncontent<end_of_turn>\n` with "assistant" written
///   "model", content trimmed, and a system message put before the first user message (Gemma has no system role).
///
///     let prompt = ChatFormat.gemma.render([ChatMessage(role: "user", content: "2 + 2?")], addGenerationPrompt: true)
///     // "<bos><start_of_turn>user\n2 + 2?<end_of_turn>\n<start_of_turn>model\n"
///     let ids = tokenizer.encode(prompt, addSpecialTokens: false, parseSpecial: true)
public enum ChatFormat: String, Sendable, CaseIterable {
    case chatml, llama3, gemma

    /// The format a vocabulary's control tokens point to, if any.
    public static func detect(_ vocabulary: TokenizerVocabulary) -> ChatFormat? {
        let tokens = Set(vocabulary.tokens)
        if tokens.contains("<start_of_turn>") && tokens.contains("<end_of_turn>") { return .gemma }
        if tokens.contains("<|start_header_id|>") && tokens.contains("<|eot_id|>") { return .llama3 }
        if tokens.contains("<|im_start|>") && tokens.contains("<|im_end|>") { return .chatml }
        return nil
    }

    /// The prompt text; special tokens are written as text, so encode it with `parseSpecial: true` and without
    /// adding special tokens again.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var out = ""
        switch self {
        case .chatml:
            for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        case .llama3:
            out = "<|begin_of_text|>"
            for m in messages {
                out += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n\(Self.trim(m.content))<|eot_id|>"
            }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        case .gemma:
            out = "<bos>"
            var rest = messages[...]
            var systemPrefix = ""
            if let first = rest.first, first.role == "system" {
                systemPrefix = first.content + "\n\n"
                rest = rest.dropFirst()
            }
            for (i, m) in rest.enumerated() {
                let role = m.role == "assistant" ? "model" : m.role
                // Gemma 3's template: the system prefix as it is, then the message trimmed.
                out += "<start_of_turn>\(role)\n" + (i == 0 ? systemPrefix : "") + Self.trim(m.content) + "<end_of_turn>\n"
            }
            if addGenerationPrompt { out += "<start_of_turn>model\n" }
        }
        return out
    }

    /// Jinja's `trim`: whitespace off both ends.
    private static func trim(_ s: String) -> String {
        var scalars = Substring(s)
        while let c = scalars.first, c.isWhitespace { scalars.removeFirst() }
        while let c = scalars.last, c.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
