// Typed architecture configs: Gemma 3 270M's config.json in both RoPE spellings, its multimodal wrapper and its
// GGUF metadata all give the same configuration (values from REFERENCES.md and the model card); missing
// math-changing fields are errors naming them; tensor names map both ways; llama.cpp's conventions undo.

import Foundation
import Testing
import TinyTune
import TinyTuneLoaders
@testable import TinyTunePlugins

/// google/gemma-3-270m config.json (transformers 4.55 spelling), as published.
private let gemmaConfigV4: JSONValue = [
    "architectures": ["Gemma3ForCausalLM"], "attention_bias": false, "attn_logit_softcapping": nil,
    "final_logit_softcapping": nil, "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 640,
    "intermediate_size": 2048,
    "layer_types": .array((0..<18).map { ($0 + 1) % 6 == 0 ? "full_attention" : "sliding_attention" }),
    "max_position_embeddings": 32768, "model_type": "gemma3_text", "num_attention_heads": 4, "num_hidden_layers": 18,
    "num_key_value_heads": 1, "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000.0,
    "rope_scaling": nil, "rope_theta": 1000000.0, "sliding_window": 512, "vocab_size": 262144,
    "_sliding_window_pattern": 6,
]

/// The same model as transformers 5 writes it: rope_parameters per layer type.
private func gemmaConfigV5() -> JSONValue {
    guard case .object(var members) = gemmaConfigV4 else { return .null }
    members.removeAll { ["rope_theta", "rope_scaling", "rope_local_base_freq", "_sliding_window_pattern"].contains($0.key) }
    members.append(("rope_parameters", [
        "full_attention": ["rope_type": "default", "rope_theta": 1000000.0],
        "sliding_attention": ["rope_type": "default", "rope_theta": 10000.0],
    ]))
    return .object(members)
}

private func without(_ keys: [String], _ json: JSONValue = gemmaConfigV4) -> JSONValue {
    guard case .object(let members) = json else { return json }
    return .object(members.filter { !keys.contains($0.key) })
}

@Suite("Architecture configs and tensor naming")
struct ArchitectureConfigTests {
    @Test("Gemma 3 270M: config.json (both spellings), the gemma3 wrapper and the GGUF metadata agree")
    func gemmaAgrees() throws {
        let v4 = try DecoderConfiguration(huggingFace: gemmaConfigV4)
        #expect(v4.family == .gemma3)
        #expect(v4.shape == DecoderShape(hiddenSize: 640, intermediateSize: 2048, layerCount: 18, attentionHeads: 4,
                                         keyValueHeads: 1, headDim: 256, vocabularySize: 262_144))
        #expect(v4.layerTypes.enumerated().filter { $0.element == .full }.map(\.offset) == [5, 11, 17])
        #expect(v4.ropeFull == RoPEParameters(theta: 1e6))
        #expect(v4.rope(for: .sliding) == RoPEParameters(theta: 1e4))
        #expect(v4.slidingWindow == 512)
        #expect(v4.rmsNormEpsilon == 1e-6)
        #expect(v4.tieWordEmbeddings)
        #expect(v4.hiddenActivation == .geluTanh)
        #expect(v4.queryPreAttentionScalar == 256)
        #expect(v4.finalLogitSoftcapping == nil)
        #expect(!v4.attentionBias)

        #expect(try DecoderConfiguration(huggingFace: gemmaConfigV5()) == v4)
        #expect(try DecoderConfiguration(huggingFace: without(["layer_types"])) == v4)  // from _sliding_window_pattern
        #expect(try DecoderConfiguration(huggingFace: ["model_type": "gemma3", "text_config": gemmaConfigV4]) == v4)

        let gguf = try DecoderConfiguration(gguf: GGUFFile(path: realModelPath()))
        #expect(gguf == v4)
    }

    @Test("missing math-changing fields are errors that name them",
          arguments: [(["rope_local_base_freq"], "rope_local_base_freq"), (["head_dim"], "head_dim"),
                      (["layer_types", "_sliding_window_pattern"], "layer_types"), (["rms_norm_eps"], "rms_norm_eps"),
                      (["query_pre_attn_scalar"], "query_pre_attn_scalar"), (["sliding_window"], "sliding_window"),
                      (["hidden_activation"], "hidden_act"), (["rope_theta"], "rope_theta")])
    func missingFields(removed: [String], named: String) {
        do {
            _ = try DecoderConfiguration(huggingFace: without(removed))
            Issue.record("removing \(removed) should fail")
        } catch let error as ConfigError {
            #expect(error.path.description.contains(named), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("transformers 5 per-type rope_parameters: a missing sliding entry is named")
    func v5Missing() throws {
        guard case .object(var members) = gemmaConfigV5() else { return }
        members.removeAll { $0.key == "rope_parameters" }
        members.append(("rope_parameters", ["full_attention": ["rope_type": "linear", "factor": 8.0, "rope_theta": 1e6]]))
        #expect { try DecoderConfiguration(huggingFace: .object(members)) } throws: { error in
            (error as? ConfigError)?.path.description == "rope_parameters.sliding_attention"
        }
    }

    @Test("llama with llama3 rope scaling in both spellings; qwen2 with sliding layers")
    func llamaAndQwen() throws {
        let base: [(key: String, value: JSONValue)] = [
            ("model_type", "llama"), ("hidden_size", 64), ("intermediate_size", 128), ("num_hidden_layers", 2),
            ("num_attention_heads", 4), ("num_key_value_heads", 2), ("vocab_size", 100), ("rms_norm_eps", 1e-5),
            ("hidden_act", "silu"),
        ]
        let scaling: JSONValue = ["rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                  "original_max_position_embeddings": 8192]
        let v4 = try DecoderConfiguration(huggingFace: .object(base + [("rope_theta", 500000.0), ("rope_scaling", scaling)]))
        guard case .object(var parameters) = scaling else { return }
        parameters.append(("rope_theta", 500000.0))
        let v5 = try DecoderConfiguration(huggingFace: .object(base + [("rope_parameters", .object(parameters))]))
        #expect(v4 == v5)
        #expect(v4.ropeFull == RoPEParameters(theta: 500000, scaling: .llama3(factor: 8, lowFrequencyFactor: 1,
                                                                               highFrequencyFactor: 4, originalMaxPositions: 8192)))
        #expect(v4.shape.headDim == 16)
        #expect(!v4.tieWordEmbeddings)  // LlamaConfig's default
        #expect(v4.layerTypes == [.full, .full])

        var qwen = base
        qwen[0] = ("model_type", "qwen2")
        let q = try DecoderConfiguration(huggingFace: .object(qwen + [("rope_theta", 1e6), ("use_sliding_window", true),
                                                                      ("max_window_layers", 1), ("sliding_window", 4096)]))
        #expect(q.layerTypes == [.full, .sliding])
        #expect(q.attentionBias)
        #expect(q.rope(for: .sliding) == RoPEParameters(theta: 1e6))
        #expect(throws: ConfigError.self) {
            try DecoderConfiguration(huggingFace: .object(base + [("rope_theta", 1e4), ("rope_scaling", ["rope_type": "yarn", "factor": 4.0])]))
        }
    }

    @Test("every Gemma GGUF tensor name maps to a Hugging Face name and back")
    func naming() throws {
        let file = try RealModel.file()
        let naming = TensorNaming(family: .gemma3)
        for tensor in file.tensors {
            let hf = try #require(naming.huggingFaceName(forGGUF: tensor.name), "\(tensor.name)")
            #expect(naming.ggufName(forHuggingFace: hf) == tensor.name)
        }
        #expect(naming.huggingFaceName(forGGUF: "blk.3.ffn_norm.weight") == "model.layers.3.pre_feedforward_layernorm.weight")
        #expect(TensorNaming(family: .llama).huggingFaceName(forGGUF: "blk.3.ffn_norm.weight") == "model.layers.3.post_attention_layernorm.weight")
        #expect(TensorNaming(family: .qwen2).huggingFaceName(forGGUF: "blk.0.attn_q.bias") == "model.layers.0.self_attn.q_proj.bias")
        #expect(naming.huggingFaceName(forGGUF: "token_embd.weight") == "model.embed_tokens.weight")
        #expect(naming.huggingFaceName(forGGUF: "blk.x.attn_q.weight") == nil)
        // The Hugging Face names of the linear modules adapters target map to GGUF names.
        let config = try DecoderConfiguration(gguf: file)
        for module in Gemma3Architecture(configuration: config).linearModules {
            let name = try #require(naming.ggufName(forHuggingFace: module.name + ".weight"))
            let info = try #require(file.tensor(named: name))
            #expect(info.shape == [module.outFeatures, module.inFeatures], "\(name)")
        }
    }

    @Test("llama.cpp conventions: which tensors convert, and the conversions' values")
    func conventions() throws {
        let gemma = try DecoderConfiguration(huggingFace: gemmaConfigV4)
        let naming = TensorNaming(family: .gemma3)
        #expect(naming.conversion(forGGUF: "blk.0.attn_q_norm.weight", configuration: gemma) == .subtractOne)
        #expect(naming.conversion(forGGUF: "output_norm.weight", configuration: gemma) == .subtractOne)
        #expect(naming.conversion(forGGUF: "blk.0.attn_q.weight", configuration: gemma) == .none)
        #expect(try GGUFTensorConversion.subtractOne.apply(to: Tensor([1, 2.5, 0], shape: [3])).array == [0, 1.5, -1])

        let llama = try DecoderConfiguration(huggingFace: ["model_type": "llama", "hidden_size": 8, "intermediate_size": 8,
            "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": 4,
            "rms_norm_eps": 1e-5, "rope_theta": 1e4, "hidden_act": "silu"])
        let llamaNaming = TensorNaming(family: .llama)
        #expect(llamaNaming.conversion(forGGUF: "blk.0.attn_q.weight", configuration: llama) == .undoRoPEPermutation(heads: 2))
        #expect(llamaNaming.conversion(forGGUF: "blk.0.attn_k.weight", configuration: llama) == .undoRoPEPermutation(heads: 1))
        #expect(llamaNaming.conversion(forGGUF: "blk.0.attn_v.weight", configuration: llama) == .none)
        // llama.cpp's permute (convert_hf_to_gguf.py): reshape(heads, 2, rows/heads/2, cols).swapaxes(1, 2).
        // For 2 heads of 4 rows, Hugging Face rows 0..7 are stored in the order 0, 2, 1, 3, 4, 6, 5, 7.
        let hfRows: [[Float]] = (0..<8).map { [Float($0), Float($0) + 0.5] }
        let storedOrder = [0, 2, 1, 3, 4, 6, 5, 7]
        let stored = Tensor(storedOrder.flatMap { hfRows[$0] }, shape: [8, 2])
        let undone = try GGUFTensorConversion.undoRoPEPermutation(heads: 2).apply(to: stored)
        #expect(undone.array == hfRows.flatMap { $0 })
        #expect(throws: TinyTuneError.self) { try GGUFTensorConversion.undoRoPEPermutation(heads: 3).apply(to: stored) }

        // Against llama.cpp's own permute, run by numpy (Fixtures/conventions_expected.json): 4 heads, 2 KV heads.
        let fixture = try fixtureJSON("conventions_expected.json")
        let config = try DecoderConfiguration(huggingFace: ["model_type": "llama", "hidden_size": 32, "intermediate_size": 8,
            "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 4,
            "rms_norm_eps": 1e-5, "rope_theta": 1e4, "hidden_act": "silu"])
        for (key, name) in [("q", "blk.0.attn_q.weight"), ("k", "blk.0.attn_k.weight")] {
            let entry = try #require(fixture[key])
            let shape = try #require(entry["shape"]?.arrayValue?.compactMap { $0.intValue })
            let storedBits = try #require(entry["stored"]?.bitPatterns)
            let stored = Tensor(storedBits.map { Float(bitPattern: $0) }, shape: shape)
            let conversion = llamaNaming.conversion(forGGUF: name, configuration: config)
            #expect(try conversion.apply(to: stored).array.map(\.bitPattern) == entry["hf"]?.bitPatterns, "\(name)")
        }
    }
}

@Suite("Hugging Face model folder")
struct ModelFolderTests {
    @Test("config.json, sharded weights, generation and tokenizer configs")
    func folder() throws {
        let folder = try ModelFolder(path: fixturePath("sharded"))
        #expect(folder.configuration.family == .llama)
        #expect(folder.configuration.shape == DecoderShape(hiddenSize: 4, intermediateSize: 8, layerCount: 1, attentionHeads: 2,
                                                           keyValueHeads: 1, headDim: 2, vocabularySize: 8))
        #expect(!folder.configuration.tieWordEmbeddings)
        #expect(folder.eosTokenIDs == [2, 3])
        #expect(folder.chatTemplate == "{{ messages[0]['content'] }}")
        #expect(folder.tokenizerPath == nil)
        #expect(folder.weights.tensorNames.contains("lm_head.weight"))
    }
}
