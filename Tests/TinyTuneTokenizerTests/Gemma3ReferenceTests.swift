import Foundation
import Testing
@testable import TinyTunePlugins

/// The real Gemma 3 vocabulary (from the model's GGUF) against Hugging Face: ids from transformers/tokenizers over
/// the mixed corpus of `scripts/reference/make_tokenizer_fixtures.py` (Fixtures/gemma3_hf.json).
@Suite("Gemma 3 against Hugging Face")
struct Gemma3ReferenceTests {
    struct Case: Decodable {
        let text: String
        let ids: [Int]
        let ids_with_special: [Int]
    }
    struct Fixture: Decodable {
        let reference: String
        let cases: [Case]
    }

    static func fixture() throws -> Fixture {
        guard let url = Bundle.module.url(forResource: "Fixtures/gemma3_hf", withExtension: "json") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Fixtures/gemma3_hf.json"])
        }
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    @Test func idsEqualHuggingFace() throws {
        let tokenizer = try TokenizerFixtures.gemma()
        let fixture = try Self.fixture()
        #expect(fixture.cases.count > 800)
        var mismatches = 0
        for c in fixture.cases {
            let ids = tokenizer.encode(c.text, addSpecialTokens: false, parseSpecial: true)
            if ids != c.ids { mismatches += 1 }
            #expect(ids == c.ids, "\(c.text.debugDescription)")
            #expect(tokenizer.encode(c.text, addSpecialTokens: true, parseSpecial: true) == c.ids_with_special)
        }
        #expect(mismatches == 0, "\(mismatches) of \(fixture.cases.count) cases differ")
    }

    @Test func batchEqualsOneByOne() throws {
        let tokenizer = try TokenizerFixtures.gemma()
        let cases = try Self.fixture().cases
        let batch = tokenizer.encodeBatch(cases.map(\.text), addSpecialTokens: false, parseSpecial: true)
        #expect(batch == cases.map(\.ids))
    }

    @Test func decodesBackToTheText() throws {
        let tokenizer = try TokenizerFixtures.gemma()
        for c in try Self.fixture().cases {
            #expect(try tokenizer.decode(c.ids) == c.text, "\(c.text.debugDescription)")
        }
    }
}
