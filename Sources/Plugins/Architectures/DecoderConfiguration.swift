// The typed configuration of a decoder-only model, the same whether it was read from a Hugging Face config.json
// (HuggingFaceConfig.swift) or from GGUF metadata (GGUFArchitectureConfig.swift).

import TinyTune

/// The architectures TinyTune builds; Hugging Face `model_type` and GGUF `general.architecture` spellings.
public enum ArchitectureFamily: String, Sendable, CaseIterable {
    case qwen2, llama, gemma3
}

/// Which attention a layer uses.
public enum AttentionKind: String, Sendable, CaseIterable {
    /// Every earlier position (`full_attention`).
    case full = "full_attention"
    /// The last `slidingWindow` positions only (`sliding_attention`).
    case sliding = "sliding_attention"
}

/// How RoPE frequencies are rescaled (transformers `ROPE_INIT_FUNCTIONS`, llama.cpp `rope_freqs.weight`).
public enum RoPEScaling: Sendable, Equatable {
    /// Plain RoPE: θ_i = base^(−2i/d).
    case none
    /// Position interpolation: every frequency divided by `factor` (`rope_type: "linear"`).
    case linear(factor: Double)
    /// Llama 3.1's band-wise rescaling (`rope_type: "llama3"`).
    case llama3(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalMaxPositions: Int)
    /// Per-dimension frequency divisors stored as the GGUF tensor `rope_freqs.weight` (llama.cpp's spelling of llama3).
    case storedFrequencyFactors
}

/// RoPE settings for one kind of layer.
public struct RoPEParameters: Sendable, Equatable {
    /// The base (`rope_theta`, `rope_local_base_freq`, GGUF `rope.freq_base`).
    public var theta: Double
    public var scaling: RoPEScaling

    public init(theta: Double, scaling: RoPEScaling = .none) {
        self.theta = theta
        self.scaling = scaling
    }
}

/// The MLP activation (`hidden_act`, Gemma's `hidden_activation`).
public enum HiddenActivation: String, Sendable, CaseIterable {
    /// SiLU (SwiGLU MLPs): Llama, Qwen2.
    case silu
    /// GELU with the tanh approximation (GeGLU MLPs): Gemma (`gelu_pytorch_tanh`).
    case geluTanh = "gelu_pytorch_tanh"
}

/// Everything about a decoder that changes its math. Fields that would change the result have no silent default:
/// a missing one is an error naming it.
///
///     let config = try DecoderConfiguration(huggingFace: JSONValue.parse(contentsOf: "model/config.json"))
///     config.layerTypes[5]            // .full (Gemma 3: every 6th layer is global)
///     config.rope(for: .sliding)      // RoPEParameters(theta: 10000, scaling: .none)
public struct DecoderConfiguration: Sendable, Equatable {
    public var family: ArchitectureFamily
    public var shape: DecoderShape
    /// RMSNorm epsilon (`rms_norm_eps`).
    public var rmsNormEpsilon: Double
    /// Whether the output head reuses the embedding (`tie_word_embeddings`, default per model as in transformers;
    /// GGUF: no `output.weight` tensor).
    public var tieWordEmbeddings: Bool
    public var maxPositionEmbeddings: Int
    /// One entry per layer; `layer_types` when the file has it.
    public var layerTypes: [AttentionKind]
    /// RoPE of full-attention layers.
    public var ropeFull: RoPEParameters
    /// RoPE of sliding-window layers (nil when there are none).
    public var ropeSliding: RoPEParameters?
    /// Window of sliding layers (nil when there are none).
    public var slidingWindow: Int?
    /// Bias on the q, k, v projections (Qwen2: yes; Llama: `attention_bias`; Gemma 3: no).
    public var attentionBias: Bool
    public var hiddenActivation: HiddenActivation
    /// Gemma 3: queries are scaled by 1/√query_pre_attn_scalar.
    public var queryPreAttentionScalar: Double?
    /// Gemma: logits → cap·tanh(logits / cap) (nil: off).
    public var finalLogitSoftcapping: Double?
    public var attentionLogitSoftcapping: Double?

    /// RoPE for a layer kind.
    public func rope(for kind: AttentionKind) -> RoPEParameters {
        kind == .sliding ? (ropeSliding ?? ropeFull) : ropeFull
    }

    /// The RoPE base of full-attention layers.
    public var ropeTheta: Double { ropeFull.theta }

    /// Gemma 3's layer pattern: layer i is global when (i + 1) is a multiple of `pattern`, else sliding
    /// (transformers `Gemma3TextConfig`, llama.cpp `set_swa_pattern`).
    public static func gemmaLayerTypes(layers: Int, pattern: Int) -> [AttentionKind] {
        (0..<layers).map { (($0 + 1) % pattern == 0) ? .full : .sliding }
    }
}

/// The architecture options: the checkpoint's `config.json` (or the same fields read from GGUF metadata).
public struct ArchitectureOptions: PluginOptions {
    public let configuration: DecoderConfiguration
    /// The whole object, for fields no architecture reads yet.
    public let raw: JSONValue

    public init(from decoder: any Decoder) throws {
        raw = decoder.jsonValue ?? .null
        configuration = try DecoderConfiguration(huggingFace: raw, at: ConfigPath(decoder.codingPath.map { .key($0.stringValue) }))
    }

    public init(configuration: DecoderConfiguration) {
        self.configuration = configuration
        raw = .null
    }
}
