import TinyTune

/// Options of a tokenizer named in a config: where its vocabulary lives.
public struct TokenizerFileOptions: PluginOptions {
    /// A `tokenizer.json`, a model folder or a GGUF file, relative to the config file. Required.
    public let path: String

    enum CodingKeys: String, CodingKey, CaseIterable { case path }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.required(.path, .nonEmpty)
    }
}
