import Foundation
import Testing
@testable import TinyTunePlugins

/// The hand-written splitters cut every test text exactly where the ICU regexes they replace do.
@Suite("Hand-written pre-tokenizers equal the regexes")
struct HandWrittenSplitterTests {
    static func texts() throws -> [String] {
        var texts = try TokenizerFixtures.vectors("qwen2").map(\.text)
        texts += try HuggingFaceReferenceTests.fixture("gemma3").cases.map(\.text)
        texts += ["'S 'LL 'Re", "a'sb", "x'", "'", " ", "  ", "a  ", " \n \n", "\r\n\r\n  x", "1234567", "a1b22c333",
                  "\u{00a0}\u{00a0}a", "\u{0b}\u{85}x", "!!!\n\n", " !?", "  !?", "\t\tword"]
        return texts
    }

    @Test(arguments: [PreTokenizerKind.gpt2, .llama3, .qwen2])
    func sameCutsAsTheRegex(kind: PreTokenizerKind) throws {
        let regex = try RegexPreTokenizer(kind: kind)
        guard let fast = HandWrittenSplitter(kind: kind) else { Issue.record("no hand-written \(kind)"); return }
        for text in try Self.texts() {
            let bytes = Array(text.utf8)
            let expected = regex.split(text).map(String.init)
            let got = fast.split(bytes[...]).map { String(decoding: bytes[$0], as: UTF8.self) }
            #expect(got == expected, "\(kind): \(text.debugDescription)")
        }
    }
}
