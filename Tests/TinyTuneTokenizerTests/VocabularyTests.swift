import Foundation
import Testing
import TinyTune
@testable import TinyTunePlugins

/// Small hand-made vocabularies: the rules of `TokenizerVocabulary`, special-token splitting and byte fallback,
/// and the errors for bad metadata.
@Suite("Vocabulary rules and bad metadata")
struct VocabularyTests {
    /// A SentencePiece vocabulary: <unk> <s> </s>, the 256 byte tokens, then a few pieces.
    static func spm(addSpacePrefix: Bool = true) throws -> TokenizerVocabulary {
        var tokens = ["<unk>", "<s>", "</s>"], types: [TokenizerVocabulary.TokenType] = [.unknown, .control, .control]
        var scores: [Float] = [0, 0, 0]
        for b in 0..<256 {
            let hex = String(b, radix: 16, uppercase: true)
            tokens.append("<0x\(hex.count == 1 ? "0" + hex : hex)>"); types.append(.byte); scores.append(0)
        }
        let pieces: [(String, Float)] = [("▁", -1), ("h", -2), ("i", -2), ("hi", -1.5), ("▁hi", -0.5), ("<tag>", 0)]
        for (p, s) in pieces {
            tokens.append(p); types.append(p == "<tag>" ? .userDefined : .normal); scores.append(s)
        }
        return try TokenizerVocabulary(model: .llama, tokens: tokens, scores: scores, tokenTypes: types,
                                       addSpacePrefix: addSpacePrefix, source: "test.gguf")
    }

    @Test func sentencePieceMergesByScoreAndFallsBackToBytes() throws {
        let t = try TokenizerPipeline(vocabulary: Self.spm())
        let spaceHi = 263, tag = 264   // after <unk> <s> </s>, 256 bytes, "▁" "h" "i" "hi"
        #expect(t.encode("hi", addSpecialTokens: false, parseSpecial: false) == [spaceHi])   // "▁hi"
        #expect(t.encode("hi", addSpecialTokens: true, parseSpecial: false) == [1, spaceHi])
        // "é" is not a piece: its two UTF-8 bytes become <0xC3> <0xA9>.
        #expect(t.encode("é", addSpecialTokens: false, parseSpecial: false) == [259, 3 + 0xC3, 3 + 0xA9])
        // Added (user-defined) tokens are cut out even without parse-special (and the text after a special token
        // gets the space prefix again, as in llama.cpp); control ones only with parse-special.
        #expect(t.encode("<tag>hi", addSpecialTokens: false, parseSpecial: false) == [tag, spaceHi])
        #expect(t.encode("<s>", addSpecialTokens: false, parseSpecial: true) == [1])
        #expect(t.encode("<s>", addSpecialTokens: false, parseSpecial: false).first != 1)
        #expect(try t.decode([1, spaceHi, 259, 3 + 0xC3, 3 + 0xA9]) == "<s>hi é")
        #expect(try t.decoder.decode([1, spaceHi], skipSpecialTokens: true) == "hi")
    }

    @Test func streamingHoldsBackSplitCharacters() throws {
        let t = try TokenizerPipeline(vocabulary: Self.spm(addSpacePrefix: false))
        var stream = StreamingDecoder(decoder: t.decoder)
        #expect(try stream.append(3 + 0xC3) == "")      // first byte of "é": nothing yet
        #expect(try stream.append(3 + 0xA9) == "é")
        #expect(try stream.append(3 + 0xE2) == "")
        #expect(stream.finish() == "\u{FFFD}")            // an unfinished character at the end
    }

    @Test func badMetadataIsNamed() throws {
        #expect { try TokenizerVocabulary(model: .llama, tokens: [], source: "a.gguf") }
            throws: { "\($0)".contains("a.gguf") && "\($0)".contains("empty") }
        #expect { try TokenizerVocabulary(model: .llama, tokens: ["a", "b"], scores: [0], source: "a.gguf") }
            throws: { "\($0)".contains("scores has 1 entries for 2 tokens") }
        #expect { try TokenizerVocabulary(model: .llama, tokens: ["a"], bosID: 7, source: "a.gguf") }
            throws: { "\($0)".contains("bos_token_id 7") }
        #expect { try TokenizerVocabulary(model: .gpt2, tokens: ["a"], source: "a.gguf") }
            throws: { "\($0)".contains("merges") }
        let unknownPre = try TokenizerVocabulary(model: .gpt2, pre: "no-such-pre", tokens: ["a", "b", "ab"],
                                                 merges: ["a b"], source: "a.gguf")
        #expect { try TokenizerPipeline(vocabulary: unknownPre) }
            throws: { "\($0)".contains("no-such-pre") && "\($0)".contains("qwen2") }
        let badMerge = try TokenizerVocabulary(model: .gpt2, pre: "gpt-2", tokens: ["a", "b"], merges: ["ab"],
                                               source: "a.gguf")
        #expect { try TokenizerPipeline(vocabulary: badMerge) } throws: { "\($0)".contains("merges[0]") }
        #expect(throws: (any Error).self) { try TokenizerPipeline(vocabulary: Self.spm()).decode([-1]) }
    }

    @Test func everyPreTokenizerKindCompiles() throws {
        for kind in PreTokenizerKind.allCases {
            _ = try RegexPreTokenizer(kind: kind)
        }
        #expect(PreTokenizerKind(name: "llama-bpe") == .llama3)
        #expect(PreTokenizerKind(name: nil) == .default)
    }

    /// Qwen3.5 keeps combining marks inside words (llama.cpp `LLAMA_VOCAB_PRE_TYPE_QWEN35`). Expected: Python's
    /// `regex.findall` with the tokenizer.json original. (The sdist's ggml-vocab-qwen35.gguf passes all 50 of
    /// llama.cpp's vectors; that file is not among the shared fixtures.)
    @Test func qwen35KeepsCombiningMarks() throws {
        let pre = try RegexPreTokenizer(kind: try PreTokenizerKind(validating: "qwen35"))
        #expect(pre.split("na\u{EF}ve cafe\u{301} \u{926}\u{947}\u{935}\u{928}\u{93E}\u{917}\u{930}\u{940} 123")
                == ["na\u{EF}ve", " cafe\u{301}", " \u{926}\u{947}\u{935}\u{928}\u{93E}\u{917}\u{930}\u{940}", " ", "1",
                    "2", "3"])
        #expect(pre.split("He\u{300}llo!! x\u{308}y\n\n  z") == ["He\u{300}llo", "!!", " x\u{308}y", "\n\n", " ", " z"])
        // Qwen2's regex cuts the marks off.
        #expect(try RegexPreTokenizer(kind: .qwen2).split("He\u{300}llo").count > 1)
    }

    @Test func pluginRefusesTheOtherModelKind() throws {
        let registry = try BuiltinPlugins.registry()
        let entry = try registry.tokenizers.entry(named: "sentencepiece_bpe")
        let path = try TokenizerFixtures.vocabPath("qwen2")
        let options = try entry.options(from: .object([("path", .string(path))]), at: .root)
        let plugin = try entry.make(options, context: PluginContext(baseDirectory: URL(fileURLWithPath: "/"),
                                                                    registry: registry))
        #expect { try plugin.encode("hi", addSpecialTokens: false) } throws: { "\($0)".contains("\"gpt2\"") }
        let byteLevel = try registry.tokenizers.entry(named: "byte_level_bpe")
        let qwen = try byteLevel.make(byteLevel.options(from: .object([("path", .string(path))]), at: .root),
                                      context: PluginContext(baseDirectory: URL(fileURLWithPath: "/"), registry: registry))
        #expect(try qwen.encode("Hello world", addSpecialTokens: false) == [9707, 1879])
        #expect(try qwen.decode([9707, 1879]) == "Hello world")
    }
}
