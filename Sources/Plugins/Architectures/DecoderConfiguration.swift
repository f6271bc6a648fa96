import TinyTune

/// The `config.json` fields every decoder here shares, read the way transformers reads them.
/// Fields that change the math have no silent default: a missing one is an error naming it.
public struct DecoderConfiguration: Sendable, Equatable {
    public var shape: DecoderShape
    /// RMSNorm epsilon (`rms_norm_eps`). Required.
    public var rmsNormEpsilon: Double
    /// RoPE base (`rope_theta`). Required.
    public var ropeTheta: Double
    /// Whether the output head reuses the embedding (`tie_word_embeddings`; transformers' default differs per model).
    public var tieWordEmbeddings: Bool
    public var maxPositionEmbeddings: Int

    enum Keys: String, CodingKey, CaseIterable {
        case hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case layerCount = "num_hidden_layers", heads = "num_attention_heads", kvHeads = "num_key_value_heads"
        case headDim = "head_dim", vocabularySize = "vocab_size", rmsNormEps = "rms_norm_eps"
        case ropeTheta = "rope_theta", tie = "tie_word_embeddings", maxPositions = "max_position_embeddings"
    }

    /// Reads the shared fields; `tieDefault` is the model's own default in transformers.
    init(from decoder: any Decoder, tieDefault: Bool) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let hidden: Int = try c.required(.hiddenSize, .atLeast(1))
        let heads: Int = try c.required(.heads, .atLeast(1))
        let kvHeads: Int = try c.value(.kvHeads, default: heads, .atLeast(1))
        guard heads % kvHeads == 0 else {
            throw ConfigError.invalid(c.path(.kvHeads), "\(kvHeads) does not divide num_attention_heads (\(heads))")
        }
        let headDim: Int
        if let explicit: Int = try c.optional(.headDim, .atLeast(1)) {
            headDim = explicit
        } else {
            guard hidden % heads == 0 else {
                throw ConfigError.missing(c.path(.headDim), expected: "an integer (hidden_size is not a multiple of num_attention_heads)")
            }
            headDim = hidden / heads
        }
        shape = DecoderShape(hiddenSize: hidden, intermediateSize: try c.required(.intermediateSize, .atLeast(1)),
                             layerCount: try c.required(.layerCount, .atLeast(1)), attentionHeads: heads,
                             keyValueHeads: kvHeads, headDim: headDim,
                             vocabularySize: try c.required(.vocabularySize, .atLeast(1)))
        rmsNormEpsilon = try c.required(.rmsNormEps, .greaterThan(0))
        ropeTheta = try c.required(.ropeTheta, .greaterThan(0))
        tieWordEmbeddings = try c.value(.tie, default: tieDefault)
        maxPositionEmbeddings = try c.value(.maxPositions, default: 32768, .atLeast(1))
    }
}

/// The architecture options: the checkpoint's `config.json` (or the same fields read from GGUF metadata).
public struct ArchitectureOptions: PluginOptions {
    public let configuration: DecoderConfiguration
    /// The whole object, for the fields one architecture adds (Gemma 3's sliding window, Llama's rope_scaling).
    public let raw: JSONValue

    public init(from decoder: any Decoder) throws {
        let tie = decoder.jsonValue?["model_type"] == .string("qwen2") ? false : true
        configuration = try DecoderConfiguration(from: decoder, tieDefault: tie)
        raw = decoder.jsonValue ?? .null
    }
}
