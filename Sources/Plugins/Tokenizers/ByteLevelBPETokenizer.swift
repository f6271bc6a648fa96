import TinyTune

/// Byte-level BPE as in GPT-2, Qwen2, Llama 3, DeepSeek, StarCoder and Falcon: the pre-tokenizer regexes that the
/// vocabulary's `tokenizer.ggml.pre` names, bytes written in GPT-2's alphabet, merges by rank
/// (`TokenizerPipeline`). The vocabulary is read on first use.
///
///     "tokenizer": {"type": "byte_level_bpe", "path": "../models/qwen2.5-0.5b.gguf"}
public struct ByteLevelBPETokenizer: Plugin, Tokenizer {
    public static let typeName = "byte_level_bpe"
    public static let summary = "byte-level BPE (GPT-2, Qwen2, Llama 3, DeepSeek, StarCoder) from a GGUF file"

    public let path: String
    private let lazy: LazyTokenizer

    public init(options: TokenizerFileOptions, context: PluginContext) throws {
        path = context.resolve(options.path)
        lazy = LazyTokenizer(path: path, expected: .gpt2, pluginName: Self.typeName)
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
