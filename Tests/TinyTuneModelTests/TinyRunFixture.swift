import Foundation
import TinyTune
import TinyTuneLoaders

/// A model folder small enough for whole training runs in a fraction of a second: a random Llama (hidden 16,
/// 2 layers, seeded weights) whose vocabulary is the committed 1200-token byte-level BPE tokenizer
/// (Tests/TinyTuneTokenizerTests/Fixtures/bpe_qwen2_style.json, made by scripts/reference/make_tokenizer_fixtures.py),
/// so `tinytune train` runs end to end on it: tokenizer, sampling, rewards on text, checkpoints.
enum TinyRunFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Writes the folder (config.json, model.safetensors, tokenizer.json) under `parent` and returns its path.
    static func makeModel(in parent: URL) throws -> String {
        let folder = parent.appendingPathComponent("tiny-llama-bpe")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let (hidden, intermediate, layers, heads, kvHeads, headDim, vocab) = (16, 32, 2, 2, 1, 8, 1201)
        let config = """
            {"model_type": "llama", "hidden_size": \(hidden), "intermediate_size": \(intermediate),
             "num_hidden_layers": \(layers), "num_attention_heads": \(heads), "num_key_value_heads": \(kvHeads),
             "head_dim": \(headDim), "vocab_size": \(vocab), "rms_norm_eps": 1e-05, "max_position_embeddings": 256,
             "rope_theta": 10000.0, "tie_word_embeddings": false, "hidden_act": "silu", "attention_bias": false}
            """
        try config.write(to: folder.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        var rng = SeededGenerator(seed: 20_261_129)
        func normal(_ shape: [Int], std: Float) -> Tensor {
            var t = Tensor(zeros: shape)
            rng.fillNormal(&t, mean: 0, std: std)
            return t
        }
        var tensors: [(name: String, tensor: Tensor)] = [
            ("model.embed_tokens.weight", normal([vocab, hidden], std: 1)),
            ("lm_head.weight", normal([vocab, hidden], std: 0.5)),
            ("model.norm.weight", Tensor(filled: 1, shape: [hidden])),
        ]
        for l in 0..<layers {
            let p = "model.layers.\(l)."
            tensors += [
                (p + "input_layernorm.weight", Tensor(filled: 1, shape: [hidden])),
                (p + "post_attention_layernorm.weight", Tensor(filled: 1, shape: [hidden])),
                (p + "self_attn.q_proj.weight", normal([heads * headDim, hidden], std: 0.3)),
                (p + "self_attn.k_proj.weight", normal([kvHeads * headDim, hidden], std: 0.3)),
                (p + "self_attn.v_proj.weight", normal([kvHeads * headDim, hidden], std: 0.3)),
                (p + "self_attn.o_proj.weight", normal([hidden, heads * headDim], std: 0.3)),
                (p + "mlp.gate_proj.weight", normal([intermediate, hidden], std: 0.3)),
                (p + "mlp.up_proj.weight", normal([intermediate, hidden], std: 0.3)),
                (p + "mlp.down_proj.weight", normal([hidden, intermediate], std: 0.3)),
            ]
        }
        try SafetensorsWriter.write(tensors, to: folder.appendingPathComponent("model.safetensors").path)
        let tokenizer = root.appendingPathComponent("Tests/TinyTuneTokenizerTests/Fixtures/bpe_qwen2_style.json")
        try? FileManager.default.removeItem(at: folder.appendingPathComponent("tokenizer.json"))
        try FileManager.default.copyItem(at: tokenizer, to: folder.appendingPathComponent("tokenizer.json"))
        return folder.path
    }

    /// A fresh temporary folder.
    static func temporaryFolder(_ label: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tinytune-\(label)-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
