import TinyTune

/// Byte-level BPE as in GPT-2, Qwen2 and Llama 3: a split regex, bytes mapped to printable characters, merges by
/// rank. Encoding arrives with issue #4.
public struct ByteLevelBPETokenizer: Plugin, Tokenizer {
    public static let typeName = "byte_level_bpe"
    public static let summary = "byte-level BPE (GPT-2, Qwen2, Llama 3) from tokenizer.json or GGUF"

    public let path: String

    public init(options: TokenizerFileOptions, context: PluginContext) throws {
        path = context.resolve(options.path)
    }

    public func encode(_ text: String, addSpecialTokens: Bool) throws -> [Int] {
        throw TinyTuneError.notAvailableYet(feature: "the byte_level_bpe tokenizer", issue: 4)
    }

    public func decode(_ ids: [Int]) throws -> String {
        throw TinyTuneError.notAvailableYet(feature: "the byte_level_bpe tokenizer", issue: 4)
    }
}
