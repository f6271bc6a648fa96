import TinyTune

/// SentencePiece-style BPE as in Llama 2, Gemma and Phi-3: `▁` for spaces, merges by score, byte fallback to
/// `<0xXX>` tokens (`TokenizerPipeline`). The vocabulary is read on first use.
///
///     "tokenizer": {"type": "sentencepiece_bpe", "path": "../models/gemma-3-270m-q4_k_m.gguf"}
public struct SentencePieceBPETokenizer: Plugin, Tokenizer {
    public static let typeName = "sentencepiece_bpe"
    public static let summary = "SentencePiece-style BPE (Gemma, Llama 2, Phi-3) from a GGUF file"

    public let path: String
    private let lazy: LazyTokenizer

    public init(options: TokenizerFileOptions, context: PluginContext) throws {
        path = context.resolve(options.path)
        lazy = LazyTokenizer(path: path, expected: .llama, pluginName: Self.typeName)
    }

    /// The loaded tokenizer (reads the file the first time).
    public func pipeline() throws -> TokenizerPipeline { try lazy.get() }

    public func encode(_ text: String, addSpecialTokens: Bool) throws -> [Int] {
        try lazy.get().encode(text, addSpecialTokens: addSpecialTokens, parseSpecial: true)
    }

    public func decode(_ ids: [Int]) throws -> String {
        try lazy.get().decode(ids)
    }
}
