import Foundation
import TinyTune
import TinyTuneLoaders

/// Builds a runnable `DecoderModel` from a checkpoint (GGUF file or Hugging Face model folder) for every family
/// in `DecoderConfiguration`. Weights come in Hugging Face naming and conventions (`CheckpointWeights`), so Gemma
/// norms are w and get the (1 + w) of the math here, whichever file they came from.
///
/// Storage: an embedding the GGUF file stores as Q8_0 stays Q8_0 (Gemma 3's 262,144 × 640 table: 178 MB instead
/// of 671 MB), and so does the output head when it is tied to it; every other matrix is f32.
///
///     let model = try DecoderModel(checkpoint: CheckpointWeights(path: "models/gemma-3-270m-q4_k_m.gguf"))
extension DecoderModel {
    public convenience init(checkpoint: CheckpointWeights) throws {
        let config = checkpoint.configuration
        let s = config.shape
        if config.attentionLogitSoftcapping != nil {
            throw TinyTuneError.unsupported("attention logit soft-capping (Gemma 2) is not implemented")
        }
        func rope(_ parameters: RoPEParameters) throws -> RotaryEmbedding {
            switch parameters.scaling {
            case .none: return RotaryEmbedding(theta: parameters.theta)
            case .linear(let factor): return RotaryEmbedding(theta: parameters.theta, scaling: .linear(factor: factor))
            case let .llama3(factor, low, high, original):
                return RotaryEmbedding(theta: parameters.theta, scaling: .llama3(
                    factor: factor, lowFrequencyFactor: low, highFrequencyFactor: high, originalContext: original))
            case .storedFrequencyFactors:
                guard case .gguf(let file) = checkpoint.source else {
                    throw TinyTuneError.unsupported("stored RoPE frequency factors exist only in GGUF files")
                }
                return RotaryEmbedding(theta: parameters.theta,
                                       scaling: .frequencyDivisors(try file.dequantize(named: "rope_freqs.weight").array))
            }
        }
        let layers = try config.layerTypes.map { kind in
            LayerAttention(rope: try rope(config.rope(for: kind)), slidingWindow: kind == .sliding ? config.slidingWindow : nil)
        }
        let gemma = config.family == .gemma3
        let spec = DecoderSpec(
            shape: s, rmsNormEpsilon: Float(config.rmsNormEpsilon), normAddsOne: gemma,
            activation: config.hiddenActivation == .geluTanh ? .geluTanh : .silu,
            queryKeyNorm: gemma, sandwichNorms: gemma,
            // transformers keeps the √hidden normalizer in the weights' dtype: f32 here.
            embeddingScale: gemma ? Float(Double(s.hiddenSize).squareRoot()) : nil,
            attentionScale: 1 / Float((config.queryPreAttentionScalar ?? Double(s.headDim)).squareRoot()),
            layers: layers, finalLogitSoftcap: config.finalLogitSoftcapping.map { Float($0) })

        func dense(_ name: String) throws -> any WeightMatrix { DenseMatrix(try checkpoint.tensor(named: name)) }
        func vector(_ name: String) throws -> Tensor {
            let t = try checkpoint.tensor(named: name)
            return t.reshaped([t.count])
        }
        func linear(_ name: String, bias: Bool = false) throws -> Linear {
            Linear(name: name, weight: try dense(name + ".weight"), bias: bias ? try vector(name + ".bias") : nil)
        }
        let embedding = try Self.compactEmbedding(checkpoint) ?? dense("model.embed_tokens.weight")
        var layerWeights: [DecoderLayerWeights] = []
        for i in 0..<s.layerCount {
            let p = "model.layers.\(i)."
            let bias = config.attentionBias
            layerWeights.append(DecoderLayerWeights(
                attentionNorm: try vector(p + "input_layernorm.weight"),
                q: try linear(p + "self_attn.q_proj", bias: bias), k: try linear(p + "self_attn.k_proj", bias: bias),
                v: try linear(p + "self_attn.v_proj", bias: bias), o: try linear(p + "self_attn.o_proj"),
                queryNorm: gemma ? try vector(p + "self_attn.q_norm.weight") : nil,
                keyNorm: gemma ? try vector(p + "self_attn.k_norm.weight") : nil,
                attentionOutputNorm: gemma ? try vector(p + "post_attention_layernorm.weight") : nil,
                mlpNorm: try vector(p + (gemma ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight")),
                gate: try linear(p + "mlp.gate_proj"), up: try linear(p + "mlp.up_proj"), down: try linear(p + "mlp.down_proj"),
                mlpOutputNorm: gemma ? try vector(p + "post_feedforward_layernorm.weight") : nil))
        }
        let head = config.tieWordEmbeddings ? embedding : try dense("lm_head.weight")
        try self.init(spec: spec, weights: DecoderWeights(
            embedding: embedding, layers: layerWeights, finalNorm: try vector("model.norm.weight"), outputHead: head))
    }

    /// The embedding as stored, when a GGUF file keeps it in Q8_0 (no conversion applies to embeddings).
    private static func compactEmbedding(_ checkpoint: CheckpointWeights) throws -> (any WeightMatrix)? {
        guard case .gguf(let file) = checkpoint.source, let info = file.tensor(named: "token_embd.weight"),
              info.type == .q8_0, info.shape.count == 2 else { return nil }
        return try file.withBytes(of: info) { try Q8_0Matrix(rows: info.shape[0], cols: info.shape[1], blocks: $0) }
    }
}
