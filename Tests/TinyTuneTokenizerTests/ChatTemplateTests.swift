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
}
