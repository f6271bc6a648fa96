import Foundation
import Testing
import TinyTune
@testable import TinyTunePlugins

/// The Jinja-subset interpreter against transformers' own renderer (`render_jinja_template`, Jinja2 3.1.6):
/// the real templates of Qwen2.5, Llama 3.1/3.2 and Gemma 3 over several conversations (fixtures from
/// `scripts/reference/make_chat_template_fixtures.py`), small templates for each feature, and bad templates.
@Suite("Chat templates")
struct ChatTemplateTests {
    static let folder = TokenizerFixtures.packageRoot.appendingPathComponent("Tests/TinyTuneTokenizerTests/Fixtures/chat_templates")
    /// The fixtures' frozen `datetime.now()`: 2026-11-29 09:05:00, local time there, UTC here.
    static let now = Date(timeIntervalSince1970: 1_795_943_100)
    static let utc = TimeZone(identifier: "UTC")!

    static func fixture() throws -> JSONValue {
        try JSONValue.parse(contentsOf: folder.appendingPathComponent("cases.json").path)
    }

    static func template(_ name: String) throws -> ChatTemplate {
        let path = folder.appendingPathComponent("\(name).jinja").path
        return try ChatTemplate(String(contentsOfFile: path, encoding: .utf8), name: "\(name).jinja")
    }

    static func strings(_ value: JSONValue?) -> [String: String] {
        guard case .object(let members)? = value else { return [:] }
        var out: [String: String] = [:]
        for m in members { if case .string(let s) = m.value { out[m.key] = s } }
        return out
    }

    static func variables(_ value: JSONValue?) -> [String: JSONValue] {
        guard case .object(let members)? = value else { return [:] }
        return Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
    }

    @Test func realTemplatesRenderAsTransformers() throws {
        guard case .array(let cases)? = try Self.fixture()["cases"] else { Issue.record("no cases"); return }
        #expect(cases.count == 54)
        var templates: [String: ChatTemplate] = [:]
        for c in cases {
            guard case .string(let name)? = c["template"], case .array(let messages)? = c["messages"],
                  case .bool(let generation)? = c["add_generation_prompt"] else { Issue.record("bad case"); continue }
            let template = try templates[name] ?? Self.template(name)
            templates[name] = template
            var tools: [JSONValue]?
            if case .array(let t)? = c["tools"] { tools = t }
            let label = "\(name) \(c["conversation"]?.excerpt ?? "") generation=\(generation)"
            do {
                let text = try template.render(messages: messages, tools: tools, addGenerationPrompt: generation,
                                                specialTokens: Self.strings(c["special_tokens"]),
                                                variables: Self.variables(c["variables"]), now: Self.now,
                                                timeZone: Self.utc)
                #expect(c["expected"] == .string(text), "\(label)")
            } catch let error as ChatTemplateError {
                #expect(error.kind == .raised, "\(label): \(error)")
                #expect(c["error"] == .string(error.message), "\(label): \(error)")
            }
        }
    }

    @Test func featuresRenderAsJinja2() throws {
        let fixture = try Self.fixture()
        guard case .array(let snippets)? = fixture["snippets"] else { Issue.record("no snippets"); return }
        #expect(snippets.count == 24)
        let user: JSONValue = .object([("role", .string("user")), ("content", .string("What is 2 + 2?"))])
        for s in snippets {
            guard case .string(let source)? = s["template"] else { continue }
            do {
                let text = try ChatTemplate(source).render(messages: [user], addGenerationPrompt: true,
                                                           variables: Self.variables(fixture["snippet_variables"]))
                #expect(s["expected"] == .string(text), "\(source)")
            } catch let error as ChatTemplateError {
                #expect(s["error"] == .string(error.message), "\(source): \(error)")
            }
        }
    }

    /// The Gemma 3 template and the built-in Gemma format agree on plain conversations.
    @Test func gemma3TemplateEqualsBuiltInFormat() throws {
        let template = try Self.template("gemma3")
        let conversations = [
            [ChatMessage(role: "user", content: "What is 2 + 2?")],
            [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: " What is 2 + 2? "),
             ChatMessage(role: "assistant", content: "4"), ChatMessage(role: "user", content: "And 3 + 3?")],
        ]
        for messages in conversations {
            for generation in [true, false] {
                #expect(try template.render(messages, addGenerationPrompt: generation, specialTokens: ["bos_token": "<bos>"])
                        == ChatFormat.gemma.render(messages, addGenerationPrompt: generation))
            }
        }
    }

    /// Bad templates: an error naming the place, never a crash or a hang.
    @Test(arguments: [
        ("{% if x %}never closed", ChatTemplateError.Kind.syntax, "'endif'", nil as TemplatePosition?),
        ("ok\n  {{ x + }}", .syntax, "expected an expression", TemplatePosition(line: 2, column: 3)),
        ("{{ 'abc' | shout }}", .render, "unknown filter 'shout'", TemplatePosition(line: 1, column: 10)),
        ("{% include 'x.j2' %}", .syntax, "'include' tag is not supported", TemplatePosition(line: 1, column: 1)),
        ("line 1\n{{ messages[0].content.nope.deeper }}", .render, "has no attribute", TemplatePosition(line: 2, column: 28)),
        ("{{ 'a' + 1 }}", .render, "unsupported operand types for +: 'str' and 'int'", TemplatePosition(line: 1, column: 8)),
        ("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}", .render,
         "loop iterations", TemplatePosition(line: 1, column: 29)),
        ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", .render, "nests deeper", TemplatePosition(line: 1, column: 1)),
        ("{{ 'x' * 100000000 }}", .render, "grew past", TemplatePosition(line: 1, column: 8)),
        ("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}", .render,
         "grew past", TemplatePosition(line: 1, column: 76)),
        ("{{ range(1000000) }}", .render, "too large", TemplatePosition(line: 1, column: 9)),
        ("{% endfor %}", .syntax, "unexpected 'endfor'", TemplatePosition(line: 1, column: 1)),
        ("{{ \"unterminated }}", .syntax, "never closed", TemplatePosition(line: 1, column: 4)),
        ("{{ raise_exception('no system role') }}", .raised, "no system role", TemplatePosition(line: 1, column: 19)),
    ])
    func badTemplates(source: String, kind: ChatTemplateError.Kind, message: String, position: TemplatePosition?) {
        let user: JSONValue = .object([("role", .string("user")), ("content", .string("hi"))])
        do {
            let template = try ChatTemplate(source, name: "bad.jinja")
            _ = try template.render(messages: [user], addGenerationPrompt: false)
            Issue.record("\(source) rendered")
        } catch let error as ChatTemplateError {
            #expect(error.kind == kind, "\(error)")
            #expect(error.message.contains(message), "\(error)")
            #expect(error.position == position, "\(error)")
            #expect(error.description.hasPrefix("bad.jinja"), "\(error)")
        } catch {
            Issue.record("\(source): \(error)")
        }
    }

    // MARK: Wiring: the checkpoint's template first, the built-in formats as the fallback

    /// A template from GGUF metadata (llama.cpp's Qwen2 vocabulary), rendered as transformers renders it.
    @Test func ggufTemplate() throws {
        guard case .array(let cases)? = try Self.fixture()["gguf_cases"] else { Issue.record("no cases"); return }
        let vocabulary = try TokenizerVocabulary(ggufPath: TokenizerFixtures.vocabPath("qwen2"))
        #expect(vocabulary.chatTemplate?.hasPrefix("{% for message in messages %}") == true)
        #expect(cases.count == 3)
        for c in cases {
            guard case .array(let messages)? = c["messages"] else { continue }
            let chat = messages.compactMap { m -> ChatMessage? in
                guard case .string(let role)? = m["role"], case .string(let content)? = m["content"] else { return nil }
                return ChatMessage(role: role, content: content)
            }
            let (text, source) = try ChatPrompt.render(chat, vocabulary: vocabulary, addGenerationPrompt: true)
            #expect(source == .template)
            #expect(c["expected"] == .string(text))
        }
    }

    /// The real Gemma 3 270M GGUF is the base model: no template, so the built-in Gemma format, which equals the
    /// Gemma 3 instruct template's rendering.
    @Test func realGemmaFallsBackToBuiltInFormat() throws {
        let vocabulary = try TokenizerFixtures.gemma().vocabulary
        #expect(vocabulary.chatTemplate == nil)
        #expect(vocabulary.chatTemplateTokens["bos_token"] == "<bos>")
        #expect(vocabulary.chatTemplateTokens["eos_token"] == "<eos>")
        let messages = [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "2 + 2?")]
        let (text, source) = try ChatPrompt.render(messages, vocabulary: vocabulary, addGenerationPrompt: true)
        #expect(source == .builtIn(.gemma))
        #expect(text == (try Self.template("gemma3").render(messages, addGenerationPrompt: true,
                                                            specialTokens: vocabulary.chatTemplateTokens)))
    }

    /// A model folder's tokenizer_config.json `chat_template` (a string or named list), or chat_template.jinja.
    @Test func modelFolderTemplate() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tinytune-chat-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(
            at: TokenizerFixtures.packageRoot.appendingPathComponent("Tests/TinyTuneTokenizerTests/Fixtures/bpe_qwen2_style.json"),
            to: folder.appendingPathComponent("tokenizer.json"))
        let qwen = try String(contentsOf: Self.folder.appendingPathComponent("qwen2.5.jinja"), encoding: .utf8)
        let configs: [JSONValue] = [
            .object([("eos_token", .object([("content", .string("<|im_end|>"))])), ("chat_template", .string(qwen))]),
            .object([("eos_token", .string("<|im_end|>")), ("chat_template", .array([
                .object([("name", .string("tool_use")), ("template", .string("{{ 'tools' }}"))]),
                .object([("name", .string("default")), ("template", .string(qwen))])]))]),
        ]
        for config in configs {
            try config.serialized().write(to: folder.appendingPathComponent("tokenizer_config.json"), atomically: true,
                                          encoding: .utf8)
            let vocabulary = try TokenizerFiles.vocabulary(path: folder.path)
            #expect(vocabulary.chatTemplate == qwen)
            #expect(vocabulary.chatTemplateTokens == ["eos_token": "<|im_end|>"])
        }
        try JSONValue.object([]).serialized().write(to: folder.appendingPathComponent("tokenizer_config.json"),
                                                    atomically: true, encoding: .utf8)
        try qwen.write(to: folder.appendingPathComponent("chat_template.jinja"), atomically: true, encoding: .utf8)
        #expect(try TokenizerFiles.vocabulary(path: folder.path).chatTemplate == qwen)
    }

    /// A template we cannot render: an error that says so, or with `fallback` the built-in format and a warning.
    @Test func unrenderableTemplate() throws {
        var vocabulary = try TokenizerVocabulary(ggufPath: TokenizerFixtures.vocabPath("qwen2"))
        vocabulary.chatTemplate = "{% for m in messages %}{{ m.content | shout }}{% endfor %}"
        let messages = [ChatMessage(role: "user", content: "hi")]
        do {
            _ = try ChatPrompt.render(messages, vocabulary: vocabulary, addGenerationPrompt: true)
            Issue.record("rendered")
        } catch {
            #expect("\(error)".contains("unknown filter 'shout'"))
            #expect("\(error)".contains("line 1, column 37"))
            #expect("\(error)".contains("--chat-fallback uses the built-in chatml format"))
        }
        var warnings: [String] = []
        let (text, source) = try ChatPrompt.render(messages, vocabulary: vocabulary, addGenerationPrompt: true,
                                                   fallback: true) { warnings.append($0) }
        #expect(source == .builtIn(.chatml))
        #expect(text == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
        #expect(warnings.count == 1 && warnings[0].contains("using the built-in chatml format"))
        // A refusal is never papered over.
        vocabulary.chatTemplate = "{{ raise_exception('no') }}"
        #expect(throws: TinyTuneError.self) {
            try ChatPrompt.render(messages, vocabulary: vocabulary, addGenerationPrompt: true, fallback: true)
        }
    }
}
