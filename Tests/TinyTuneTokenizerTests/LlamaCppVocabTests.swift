import Testing
@testable import TinyTunePlugins

/// Every llama.cpp test vector whose vocabulary is in `../shared/fixtures/llamacpp-vocab`: no BOS, special-token
/// text not parsed (as `tests/test-tokenizer-0.cpp` runs them), and decoding gives the input back.
@Suite("llama.cpp vocabulary vectors")
struct LlamaCppVocabTests {
    static let vocabularies = ["gpt-2", "llama-spm", "phi-3", "qwen2", "deepseek-coder", "deepseek-llm", "falcon",
                               "mpt", "starcoder", "refact"]

    @Test(arguments: vocabularies)
    func encodesLikeLlamaCpp(name: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(name)
        for (text, expected) in try TokenizerFixtures.vectors(name) {
            let ids = tokenizer.encode(text, addSpecialTokens: false, parseSpecial: false)
            #expect(ids == expected, "\(name): \(text.debugDescription)")
            #expect(try tokenizer.decode(ids) == text, "\(name) decode: \(text.debugDescription)")
        }
    }

    /// The streaming decoder gives the same text as decoding at once, token by token.
    @Test(arguments: ["qwen2", "llama-spm"])
    func streamingMatchesWholeDecode(name: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(name)
        for (text, _) in try TokenizerFixtures.vectors(name) {
            let ids = tokenizer.encode(text, addSpecialTokens: false, parseSpecial: false)
            var stream = StreamingDecoder(decoder: tokenizer.decoder)
            var pieces: [String] = []
            for id in ids { pieces.append(try stream.append(id)) }
            pieces.append(stream.finish())
            #expect(pieces.joined() == text)
            #expect(!pieces.contains { $0.unicodeScalars.contains("\u{FFFD}") }, "a character was split: \(text)")
        }
    }
}
