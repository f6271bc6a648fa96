import Foundation
import Testing
@testable import TinyTunePlugins

/// tokenizer.json loading: small BPE tokenizers (two byte-level, one SentencePiece style with byte fallback) trained
/// and saved by Hugging Face `tokenizers` (`scripts/reference/make_tokenizer_fixtures.py`), with the ids Hugging Face
/// gives over the mixed corpus.
@Suite("tokenizer.json against Hugging Face")
struct TokenizerJSONTests {
    @Test(arguments: ["bpe_qwen2_style", "bpe_gpt2_style", "bpe_sentencepiece_style"])
    func idsEqualHuggingFace(name: String) throws {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json") else {
            Issue.record("Fixtures/\(name).json is missing"); return
        }
        let tokenizer = try TokenizerFiles.load(path: url.path)
        let fixture = try HuggingFaceReferenceTests.fixture(name)
        #expect(fixture.cases.count > 800)
        var mismatches = 0
        for c in fixture.cases {
            let ids = tokenizer.encode(c.text, addSpecialTokens: false, parseSpecial: true)
            if ids != c.ids { mismatches += 1 }
            #expect(ids == c.ids, "\(name): \(c.text.debugDescription)")
            #expect(tokenizer.encode(c.text, addSpecialTokens: true, parseSpecial: true) == c.ids_with_special)
            #expect(try tokenizer.decode(ids) == c.text)
        }
        #expect(mismatches == 0, "\(name): \(mismatches) of \(fixture.cases.count) differ")
    }

    @Test func unsupportedPartsAreNamed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tt-tokjson-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("tokenizer.json").path
        try #"{"model": {"type": "Unigram", "vocab": []}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try TokenizerFiles.load(path: folder.path) } throws: { "\($0)".contains("Unigram") }
        try #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Metaspace"}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try TokenizerFiles.load(path: path) } throws: { "\($0)".contains("Metaspace") }
        try "{\"model\": ".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try TokenizerFiles.load(path: path) } throws: { "\($0)".contains("tokenizer.json") }
    }
}
