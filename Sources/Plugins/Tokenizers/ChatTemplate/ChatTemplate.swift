import Foundation
import TinyTune

/// A checkpoint's Jinja chat template (tokenizer_config.json `chat_template`, GGUF `tokenizer.chat_template`),
/// parsed once and rendered as transformers' `apply_chat_template(..., tokenize=False)` renders it: Jinja2 with
/// trim_blocks and lstrip_blocks, `raise_exception`, `strftime_now` and transformers' `tojson`. The subset covers
/// the real templates of Qwen2.5 (with tools), Llama 3.1/3.2/3.3 and Gemma 3; anything outside it is a
/// `ChatTemplateError` naming the line and column, never a crash, and every render is bounded (`TemplateLimits`).
///
///     let template = try ChatTemplate(folder.chatTemplate!, name: "tokenizer_config.json chat_template")
///     let prompt = try template.render([ChatMessage(role: "user", content: "2 + 2?")], addGenerationPrompt: true,
///                                      specialTokens: ["bos_token": "<bos>", "eos_token": "<eos>"])
///     let ids = tokenizer.encode(prompt, addSpecialTokens: false, parseSpecial: true)
public struct ChatTemplate: Sendable {
    public let source: String
    /// Where the template came from, for error messages.
    public let name: String
    let nodes: [TemplateNode]

    public init(_ source: String, name: String = "chat template") throws {
        self.source = source
        self.name = name
        do {
            nodes = try TemplateParser.parse(source)
        } catch var error as ChatTemplateError {
            error.source = name
            throw error
        }
    }

    /// Renders a conversation given as JSON messages (`{"role", "content", "tool_calls", ...}`), as transformers'
    /// `render_jinja_template` does: the variables `messages`, `tools` (none when not given), `documents` (none),
    /// `add_generation_prompt`, the special tokens (`bos_token`, `eos_token`, ...) and any extra variables
    /// (`date_string`, `enable_thinking`, ...). `now` and `timeZone` feed `strftime_now` (Python's local
    /// `datetime.now()`).
    public func render(messages: [JSONValue], tools: [JSONValue]? = nil, addGenerationPrompt: Bool,
                       specialTokens: [String: String] = [:], variables: [String: JSONValue] = [:],
                       now: Date = Date(), timeZone: TimeZone = .current,
                       limits: TemplateLimits = TemplateLimits()) throws -> String {
        var scope: [String: TemplateValue] = [:]
        for (k, v) in specialTokens { scope[k] = .string(v) }
        for (k, v) in variables { scope[k] = TemplateValue(v) }
        scope["messages"] = .list(messages.map(TemplateValue.init))
        scope["tools"] = tools.map { .list($0.map(TemplateValue.init)) } ?? TemplateValue.none
        scope["documents"] = TemplateValue.none
        scope["add_generation_prompt"] = .bool(addGenerationPrompt)
        let renderer = TemplateRenderer(variables: scope, limits: limits, now: now, timeZone: timeZone)
        do {
            _ = try renderer.render(nodes)
        } catch var error as ChatTemplateError {
            error.source = name
            throw error
        }
        return renderer.output
    }

    /// Renders plain role/content messages.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool, specialTokens: [String: String] = [:],
                       now: Date = Date(), timeZone: TimeZone = .current) throws -> String {
        try render(messages: messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) },
                   addGenerationPrompt: addGenerationPrompt, specialTokens: specialTokens, now: now,
                   timeZone: timeZone)
    }
}
