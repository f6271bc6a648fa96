import Foundation
import Testing
@testable import TinyTune

@Suite struct JSONValueTests {
    @Test func keepsKeyOrderAndNumberKinds() throws {
        let value = try JSONValue.parse(#"{"b": 1, "a": 2.5, "c": [true, null, "x"], "d": -9007199254740993}"#)
        guard case .object(let members) = value else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ["b", "a", "c", "d"])
        #expect(value["b"] == .int(1))
        #expect(value["a"] == .double(2.5))
        #expect(value["c"] == .array([.bool(true), .null, .string("x")]))
        // Integers beyond 2^53 stay exact (a Double would round this one).
        #expect(value["d"] == .int(-9_007_199_254_740_993))
    }

    @Test func readsEscapesAndEmbeddedNul() throws {
        let value = try JSONValue.parse(#"{"s": "tab\t quote\" nul\u0000 é \ud83d\ude00"}"#)
        #expect(value["s"] == .string("tab\t quote\" nul\u{0} é 😀"))
    }

    @Test(arguments: [
        // (text, line, column): where the first wrong character is
        ("{\"a\": 1,,}", 1, 9),
        ("{\n  \"a\": 1\n  \"b\": 2\n}", 3, 3),
        ("{\"a\": 1} trailing", 1, 10),
        ("[1, 2", 1, 6),
    ])
    func malformedTextNamesLineAndColumn(text: String, line: Int, column: Int) {
        do {
            _ = try JSONValue.parse(text, source: "config.json")
            Issue.record("parsed malformed JSON: \(text)")
        } catch let error as JSONParseError {
            #expect(error.source == "config.json")
            #expect(error.line == line)
            #expect(error.column == column)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func emptyAndInvalidUTF8AreErrors() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse("  \n ") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Data([0x7B, 0xFF, 0x7D]), source: "x") }
    }

    @Test func serializationRoundTrips() throws {
        let value: JSONValue = ["name": "a\"b\n\u{1}", "list": [1, 2.5, true, nil], "nested": ["x": -3]]
        #expect(value.serialized() == #"{"name":"a\"b\n\u0001","list":[1,2.5,true,null],"nested":{"x":-3}}"#)
        #expect(try JSONValue.parse(value.serialized()) == value)
        #expect(try JSONValue.parse(value.serialized(pretty: true)) == value)
        #expect(JSONValue.double(.nan).serialized() == "null")
    }
}

@Suite struct YAMLValueTests {
    @Test func yamlGivesTheSameValuesAsJSON() throws {
        let yaml = """
            model: {type: gguf, path: m.gguf}
            adapter:
              type: tinylora
              u: 13
              weight_tying: 1.0
              target_modules: [q_proj, v_proj]
            note: "13"
            empty: null
            flag: true
            """
        let value = try JSONValue.parseYAML(yaml, source: "c.yaml")
        #expect(value == [
            "model": ["type": "gguf", "path": "m.gguf"],
            "adapter": ["type": "tinylora", "u": 13, "weight_tying": 1.0, "target_modules": ["q_proj", "v_proj"]],
            "note": "13", "empty": nil, "flag": true,
        ])
    }

    @Test func malformedYAMLNamesTheLine() {
        do {
            _ = try JSONValue.parseYAML("a: 1\nb: [1, 2\nc: 3\n", source: "c.yaml")
            Issue.record("malformed YAML accepted")
        } catch let error as JSONParseError {
            #expect(error.source == "c.yaml")
            #expect(error.line >= 2)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func duplicateKeysAreRefused() {
        #expect(throws: (any Error).self) { try JSONValue.parseYAML("a: 1\na: 2\n", source: "c.yaml") }
    }
}
