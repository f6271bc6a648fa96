/// The weights of one decoder layer, named by role so every architecture maps onto them.
public struct DecoderLayerWeights: Sendable {
    /// RMSNorm before attention (`input_layernorm`).
    public var attentionNorm: Tensor
    public var q: Linear, k: Linear, v: Linear, o: Linear
    /// Gemma 3's per-head norms of q and k (`q_norm`, `k_norm`).
    public var queryNorm: Tensor?
    public var keyNorm: Tensor?
    /// Gemma's norm after attention (`post_attention_layernorm` in Gemma; absent in Llama/Qwen2).
    public var attentionOutputNorm: Tensor?
    /// RMSNorm before the MLP (`post_attention_layernorm` in Llama/Qwen2, `pre_feedforward_layernorm` in Gemma).
    public var mlpNorm: Tensor
    public var gate: Linear, up: Linear, down: Linear
    /// Gemma's norm after the MLP (`post_feedforward_layernorm`).
    public var mlpOutputNorm: Tensor?

    public init(attentionNorm: Tensor, q: Linear, k: Linear, v: Linear, o: Linear, queryNorm: Tensor?,
                keyNorm: Tensor?, attentionOutputNorm: Tensor?, mlpNorm: Tensor, gate: Linear, up: Linear,
                down: Linear, mlpOutputNorm: Tensor?)
    {
        self.attentionNorm = attentionNorm
        self.q = q; self.k = k; self.v = v; self.o = o
        self.queryNorm = queryNorm
        self.keyNorm = keyNorm
        self.attentionOutputNorm = attentionOutputNorm
        self.mlpNorm = mlpNorm
        self.gate = gate; self.up = up; self.down = down
        self.mlpOutputNorm = mlpOutputNorm
    }
}

/// All weights of a decoder. With tied embeddings `outputHead` is the embedding matrix itself.
public struct DecoderWeights: Sendable {
    public var embedding: any WeightMatrix
    public var layers: [DecoderLayerWeights]
    public var finalNorm: Tensor
    public var outputHead: any WeightMatrix

    public init(embedding: any WeightMatrix, layers: [DecoderLayerWeights], finalNorm: Tensor,
                outputHead: any WeightMatrix)
    {
        self.embedding = embedding
        self.layers = layers
        self.finalNorm = finalNorm
        self.outputHead = outputHead
    }
}
