import Foundation
import TinyTune
import TinyTuneLoaders

/// Builds a runnable `DecoderModel` from a GGUF file. Weights stored as Q8_0 stay in that form (Gemma 3's
/// 262,144 × 640 embedding and output head among them); every other matrix is dequantized to f32 once.
///
///     let model = try GGUFDecoder.load(GGUFFile(path: "models/gemma-3-270m-q4_k_m.gguf"))
public enum GGUFDecoder {
    public static func load(_ file: GGUFFile) throws -> DecoderModel {
        let m = file.metadata
        func fail(_ reason: String) -> TinyTuneError { .invalidFile(path: file.path, reason: reason) }
        guard let arch = m["general.architecture"]?.string else { throw fail("no general.architecture") }
        guard arch == "gemma3" else {
            throw TinyTuneError.notAvailableYet(feature: "running \(arch) models from GGUF (gemma3 works)", issue: 5)
        }
        func int(_ key: String) throws -> Int {
            guard let value = m["\(arch).\(key)"]?.int, value > 0 else { throw fail("missing or invalid \(arch).\(key)") }
            return value
        }
        func number(_ key: String, default fallback: Double? = nil) throws -> Double {
            if let value = m["\(arch).\(key)"]?.double { return value }
            guard let fallback else { throw fail("missing \(arch).\(key)") }
            return fallback
        }
        guard let embeddingInfo = file.tensor(named: "token_embd.weight"), embeddingInfo.shape.count == 2 else {
            throw fail("no 2-D token_embd.weight")
        }
        let heads = try int("attention.head_count")
        let shape = DecoderShape(hiddenSize: try int("embedding_length"), intermediateSize: try int("feed_forward_length"),
                                 layerCount: try int("block_count"), attentionHeads: heads,
                                 keyValueHeads: (try? int("attention.head_count_kv")) ?? heads,
                                 headDim: try int("attention.key_length"), vocabularySize: embeddingInfo.shape[0])
        // Gemma 3 (transformers Gemma3TextConfig): every 6th layer global with the file's RoPE base, the others
        // sliding with base 10,000; queries scaled by query_pre_attn_scalar^(−1/2) = head_dim^(−1/2) below 27B.
        let window = try int("attention.sliding_window")
        let global = RotaryEmbedding(theta: try number("rope.freq_base"))
        let local = RotaryEmbedding(theta: 10_000)
        let layers = (0..<shape.layerCount).map { i in
            (i + 1) % 6 == 0 ? LayerAttention(rope: global, slidingWindow: nil) : LayerAttention(rope: local, slidingWindow: window)
        }
        let spec = DecoderSpec(
            shape: shape, rmsNormEpsilon: Float(try number("attention.layer_norm_rms_epsilon")),
            normAddsOne: false,  // llama.cpp's converter stores Gemma's norms as 1 + w
            activation: .geluTanh, queryKeyNorm: true, sandwichNorms: true,
            embeddingScale: Float(Double(shape.hiddenSize).squareRoot()),
            attentionScale: 1 / Float(Double(shape.headDim).squareRoot()), layers: layers)

        func matrix(_ name: String) throws -> any WeightMatrix {
            guard let info = file.tensor(named: name), info.shape.count == 2 else { throw fail("no 2-D tensor \(name)") }
            if info.type == .q8_0 {
                return try file.withBytes(of: info) { try Q8_0Matrix(rows: info.shape[0], cols: info.shape[1], blocks: $0) }
            }
            return DenseMatrix(try file.dequantize(info))
        }
        func vector(_ name: String) throws -> Tensor {
            guard let info = file.tensor(named: name) else { throw fail("no tensor \(name)") }
            return try file.dequantize(info).reshaped([info.elementCount])
        }
        let embedding = try matrix("token_embd.weight")
        var layerWeights: [DecoderLayerWeights] = []
        for i in 0..<shape.layerCount {
            let blk = "blk.\(i).", hf = "model.layers.\(i)."
            func linear(_ gguf: String, _ name: String) throws -> Linear {
                Linear(name: hf + name, weight: try matrix(blk + gguf + ".weight"))
            }
            layerWeights.append(DecoderLayerWeights(
                attentionNorm: try vector(blk + "attn_norm.weight"),
                q: try linear("attn_q", "self_attn.q_proj"), k: try linear("attn_k", "self_attn.k_proj"),
                v: try linear("attn_v", "self_attn.v_proj"), o: try linear("attn_output", "self_attn.o_proj"),
                queryNorm: try vector(blk + "attn_q_norm.weight"), keyNorm: try vector(blk + "attn_k_norm.weight"),
                attentionOutputNorm: try vector(blk + "post_attention_norm.weight"),
                mlpNorm: try vector(blk + "ffn_norm.weight"),
                gate: try linear("ffn_gate", "mlp.gate_proj"), up: try linear("ffn_up", "mlp.up_proj"),
                down: try linear("ffn_down", "mlp.down_proj"),
                mlpOutputNorm: try vector(blk + "post_ffw_norm.weight")))
        }
        let head = file.tensor(named: "output.weight") != nil ? try matrix("output.weight") : embedding
        return try DecoderModel(spec: spec, weights: DecoderWeights(
            embedding: embedding, layers: layerWeights, finalNorm: try vector("output_norm.weight"), outputHead: head))
    }
}
