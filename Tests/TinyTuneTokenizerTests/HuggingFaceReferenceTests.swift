import Foundation
import Testing
@testable import TinyTunePlugins

/// Our ids against Hugging Face (transformers + tokenizers loading the same GGUF) over the mixed corpus of
/// `scripts/reference/make_tokenizer_fixtures.py`: the real Gemma 3 vocabulary (SentencePiece BPE, from the model
/// file) and llama.cpp's Qwen2 vocabulary (byte-level BPE).
@Suite("Against Hugging Face")
struct HuggingFaceReferenceTests {
    struct Case: Decodable {
        let text: String
        let ids: [Int]
        let ids_with_special: [Int]
    }
    struct Fixture: Decodable {
        let reference: String
        let cases: [Case]
    }

    static func fixture(_ name: String) throws -> Fixture {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(name)_hf", withExtension: "json") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Fixtures/\(name)_hf.json"])
        }
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    static func tokenizer(_ name: String) throws -> TokenizerPipeline {
        name == "gemma3" ? try TokenizerFixtures.gemma() : try TokenizerFixtures.tokenizer(name)
    }

    @Test(arguments: ["gemma3", "qwen2"])
    func idsEqualHuggingFace(name: String) throws {
        let tokenizer = try Self.tokenizer(name)
        let fixture = try Self.fixture(name)
        #expect(fixture.cases.count > 800)
        var mismatches = 0
        for c in fixture.cases {
            let ids = tokenizer.encode(c.text, addSpecialTokens: false, parseSpecial: true)
            if ids != c.ids { mismatches += 1 }
            #expect(ids == c.ids, "\(name): \(c.text.debugDescription)")
            #expect(tokenizer.encode(c.text, addSpecialTokens: true, parseSpecial: true) == c.ids_with_special,
                    "\(name) with special tokens: \(c.text.debugDescription)")
        }
        #expect(mismatches == 0, "\(name): \(mismatches) of \(fixture.cases.count) cases differ")
    }

    @Test(arguments: ["gemma3", "qwen2"])
    func batchEqualsOneByOne(name: String) throws {
        let tokenizer = try Self.tokenizer(name)
        let cases = try Self.fixture(name).cases
        let batch = tokenizer.encodeBatch(cases.map(\.text), addSpecialTokens: false, parseSpecial: true)
        #expect(batch == cases.map(\.ids))
    }

    @Test(arguments: ["gemma3", "qwen2"])
    func decodesBackToTheText(name: String) throws {
        let tokenizer = try Self.tokenizer(name)
        for c in try Self.fixture(name).cases {
            #expect(try tokenizer.decode(c.ids) == c.text, "\(name): \(c.text.debugDescription)")
        }
    }
}
