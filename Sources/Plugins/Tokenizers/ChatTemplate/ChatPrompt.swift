import TinyTune

/// A conversation as prompt text for a checkpoint: its own `chat_template` when it has one, else the built-in
/// format its control tokens point to (`ChatFormat`).
///
///     let text = try ChatPrompt.render([ChatMessage(role: "user", content: "2 + 2?")], vocabulary: tokenizer.vocabulary,
///                                      addGenerationPrompt: true)
///     let ids = tokenizer.encode(text, addSpecialTokens: false, parseSpecial: true)
public enum ChatPrompt {
    /// What was used, for messages.
    public enum Source: Equatable, Sendable {
        case template
        case builtIn(ChatFormat)
    }

    /// A template we cannot render is an error, unless `fallback` is set: then the built-in format is used and
    /// `warn` says so. A template that refuses the conversation (`raise_exception`) is always an error.
    public static func render(_ messages: [ChatMessage], vocabulary: TokenizerVocabulary, addGenerationPrompt: Bool,
                              fallback: Bool = false, warn: (String) -> Void = { _ in }) throws
        -> (text: String, source: Source) {
        let builtIn = ChatFormat.detect(vocabulary)
        if let source = vocabulary.chatTemplate {
            do {
                let template = try ChatTemplate(source, name: "\(vocabulary.source) chat_template")
                let text = try template.render(messages, addGenerationPrompt: addGenerationPrompt,
                                               specialTokens: vocabulary.chatTemplateTokens)
                return (text, .template)
            } catch let error as ChatTemplateError where error.kind != .raised {
                guard fallback, let builtIn else {
                    let hint = builtIn.map { "; --chat-fallback uses the built-in \($0.rawValue) format instead" } ?? ""
                    throw TinyTuneError.unsupported("cannot render the checkpoint's chat template: \(error)\(hint)")
                }
                warn("cannot render the checkpoint's chat template (\(error)); using the built-in "
                     + "\(builtIn.rawValue) format")
                return (builtIn.render(messages, addGenerationPrompt: addGenerationPrompt), .builtIn(builtIn))
            } catch let error as ChatTemplateError {
                throw TinyTuneError.unsupported("\(error)")
            }
        }
        guard let builtIn else {
            throw TinyTuneError.unsupported("the checkpoint has no chat_template and its vocabulary has no known chat "
                + "format's control tokens (ChatML, Llama 3, Gemma); this is probably a base model")
        }
        return (builtIn.render(messages, addGenerationPrompt: addGenerationPrompt), .builtIn(builtIn))
    }
}
