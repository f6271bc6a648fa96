/// Everything that changes the math of a decoder-only transformer, independent of where the weights came from.
/// Architectures (`Sources/Plugins/Architectures`) turn a `config.json` or GGUF metadata into one of these; the
/// forward pass (`DecoderModel`) reads nothing else.
public struct DecoderSpec: Sendable, Equatable {
    public var shape: DecoderShape
    public var rmsNormEpsilon: Float
    /// Gemma's RMSNorm multiplies by (1 + w); false when the stored weights already hold 1 + w (llama.cpp's GGUF
    /// files for Gemma) or for Llama/Qwen2 (multiply by w).
    public var normAddsOne: Bool
    /// The gated MLP: down(act(gate(x)) · up(x)).
    public var activation: Activation
    /// Gemma 3: RMSNorm over each head of q and k before RoPE.
    public var queryKeyNorm: Bool
    /// Gemma 2/3: norms after attention and after the MLP as well as before ("sandwich" norms).
    public var sandwichNorms: Bool
    /// Gemma multiplies embeddings by √hidden_size; nil for none.
    public var embeddingScale: Float?
    /// Multiplies q·k: 1/√head_dim, or query_pre_attn_scalar^(−1/2) for Gemma.
    public var attentionScale: Float
    /// Per layer: RoPE and the attention span.
    public var layers: [LayerAttention]
    /// Gemma 2's tanh soft-capping of the final logits; nil for none (Gemma 3, Llama, Qwen2).
    public var finalLogitSoftcap: Float?

    public enum Activation: Sendable, Equatable {
        /// SwiGLU (Llama, Qwen2): silu(x) = x·σ(x).
        case silu
        /// GeGLU with PyTorch's tanh approximation (Gemma).
        case geluTanh
    }

    public init(shape: DecoderShape, rmsNormEpsilon: Float, normAddsOne: Bool, activation: Activation,
                queryKeyNorm: Bool, sandwichNorms: Bool, embeddingScale: Float?, attentionScale: Float,
                layers: [LayerAttention], finalLogitSoftcap: Float? = nil)
    {
        self.shape = shape
        self.rmsNormEpsilon = rmsNormEpsilon
        self.normAddsOne = normAddsOne
        self.activation = activation
        self.queryKeyNorm = queryKeyNorm
        self.sandwichNorms = sandwichNorms
        self.embeddingScale = embeddingScale
        self.attentionScale = attentionScale
        self.layers = layers
        self.finalLogitSoftcap = finalLogitSoftcap
    }
}

/// One layer's attention: its rotary embedding and whether it sees every earlier token or a sliding window.
public struct LayerAttention: Sendable, Equatable {
    public var rope: RotaryEmbedding
    /// Keys further back than this many positions are masked (Gemma's sliding layers); nil sees everything.
    public var slidingWindow: Int?

    public init(rope: RotaryEmbedding, slidingWindow: Int?) {
        self.rope = rope
        self.slidingWindow = slidingWindow
    }
}
