/// A place in a chat template's text, 1-based, counted in Unicode scalars.
public struct TemplatePosition: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var description: String { "line \(line), column \(column)" }
}

/// A chat template that cannot be parsed or rendered. Names the template, the place and what went wrong; a
/// template's own `raise_exception("...")` is reported with its message.
///
///     catch let error as ChatTemplateError { print(error) }
///     // tokenizer_config.json chat_template, line 3, column 12: unknown filter 'shout'
public struct ChatTemplateError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The text is not a template we can parse (or uses a Jinja feature outside our subset).
        case syntax
        /// Rendering failed: a type error, an undefined value used in arithmetic, a limit reached.
        case render
        /// The template called `raise_exception(message)`: the conversation is one it refuses.
        case raised
    }
    public var kind: Kind
    public var message: String
    public var position: TemplatePosition?
    /// Where the template came from ("tokenizer_config.json chat_template", a GGUF path, ...).
    public var source: String = "chat template"

    public var description: String {
        let place = position.map { ", \($0)" } ?? ""
        switch kind {
        case .raised: return "\(source)\(place): the template refused the conversation: \(message)"
        case .syntax, .render: return "\(source)\(place): \(message)"
        }
    }
}
