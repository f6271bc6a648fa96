/// SentencePiece's text normalization as llama.cpp applies it before `llm_tokenizer_spm_session`: an optional
/// leading space (`add_space_prefix`, SentencePiece's `add_dummy_prefix`), then every space written as `▁`
/// (U+2581, `llama_escape_whitespace`).
///
///     SentencePieceNormalizer.normalize(Array("Hi there".utf8)[...], addSpacePrefix: true)   // "▁Hi▁there"
enum SentencePieceNormalizer {
    private static let lowerBlock: [UInt8] = [0xE2, 0x96, 0x81]   // "▁"

    static func normalize(_ text: ArraySlice<UInt8>, addSpacePrefix: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count + text.count / 4 + 3)
        if addSpacePrefix { out += lowerBlock }
        for b in text {
            if b == 0x20 { out += lowerBlock } else { out.append(b) }
        }
        return out
    }
}
