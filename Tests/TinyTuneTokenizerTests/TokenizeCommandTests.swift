import Foundation
import Testing
@testable import TinyTuneCLI
@testable import TinyTunePlugins

/// `tinytune tokenize` on the real Gemma 3 vocabulary, through `TokenizeRunner` (the command minus stdin/stdout).
@Suite("tinytune tokenize")
struct TokenizeCommandTests {
    func runner(parseSpecial: Bool = true, addSpecial: Bool = false) throws -> TokenizeRunner {
        TokenizeRunner(tokenizer: try TokenizerFixtures.gemma(), parseSpecial: parseSpecial, addSpecial: addSpecial)
    }

    @Test func plainAndJSON() throws {
        #expect(try runner().run(input: Data("Hello world".utf8), json: false, jsonl: false, decode: false)
                == "9259 1902\n")
        #expect(try runner(addSpecial: true).run(input: Data("Hello world".utf8), json: true, jsonl: false,
                                                 decode: false) == "{\"ids\": [2, 9259, 1902]}\n")
    }

    @Test func specialTextIsParsedUnlessTurnedOff() throws {
        let text = Data("<start_of_turn>user".utf8)
        #expect(try runner().run(input: text, json: false, jsonl: false, decode: false) == "105 2364\n")
        let plain = try runner(parseSpecial: false).run(input: text, json: false, jsonl: false, decode: false)
        #expect(!plain.hasPrefix("105 "))
    }

    @Test func jsonLines() throws {
        let input = Data("{\"text\": \"Hello world\"}\n\n{\"text\": \"Hello\"}\n".utf8)
        #expect(try runner().run(input: input, json: false, jsonl: true, decode: false)
                == "{\"ids\": [9259, 1902]}\n{\"ids\": [9259]}\n")
        let bad = Data("{\"txt\": 1}\n".utf8)
        #expect(throws: (any Error).self) { try runner().run(input: bad, json: false, jsonl: true, decode: false) }
    }

    @Test(arguments: ["9259 1902", "9259,1902\n", "[9259, 1902]", "{\"ids\": [9259, 1902]}"])
    func decodeAcceptsIDLists(input: String) throws {
        #expect(try runner().run(input: Data(input.utf8), json: false, jsonl: false, decode: true) == "Hello world")
    }

    @Test func badInputIsAClearError() throws {
        let invalid = Data([0x61, 0x62, 0xFF, 0x63])
        #expect {
            try runner().run(input: invalid, json: false, jsonl: false, decode: false)
        } throws: { "\($0)".contains("offset 2") }
        #expect {
            try runner().run(input: Data("1 262144".utf8), json: false, jsonl: false, decode: true)
        } throws: { "\($0)".contains("262144") }
        #expect {
            try runner().run(input: Data("1 x".utf8), json: false, jsonl: false, decode: true)
        } throws: { "\($0)".contains("\"x\"") }
    }

    @Test func loadingNamesTheFileAndProblem() throws {
        #expect { try TokenizerFiles.load(path: "/no/such/model.gguf") } throws: { "\($0)".contains("/no/such") }
        let readme = TokenizerFixtures.packageRoot.appendingPathComponent("README.md").path
        #expect { try TokenizerFiles.load(path: readme) } throws: { "\($0)".contains("not a GGUF file") }
    }
}
