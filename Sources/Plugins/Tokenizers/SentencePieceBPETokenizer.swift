import TinyTune

/// SentencePiece-style BPE as in Llama 2, Gemma and Phi-3: `▁` for spaces, merges by score, byte fallback.
/// Encoding arrives with issue #4.
public struct SentencePieceBPETokenizer: Plugin, Tokenizer {
    public static let typeName = "sentencepiece_bpe"
    public static let summary = "SentencePiece-style BPE (Gemma, Llama 2, Phi-3) from tokenizer.json or GGUF"

    public let path: String

    public init(options: TokenizerFileOptions, context: PluginContext) throws {
        path = context.resolve(options.path)
    }

    public func encode(_ text: String, addSpecialTokens: Bool) throws -> [Int] {
        throw TinyTuneError.notAvailableYet(feature: "the sentencepiece_bpe tokenizer", issue: 4)
    }

    public func decode(_ ids: [Int]) throws -> String {
        throw TinyTuneError.notAvailableYet(feature: "the sentencepiece_bpe tokenizer", issue: 4)
    }
}
