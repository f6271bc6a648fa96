// One canonical tensor naming: Hugging Face's (`model.layers.N.self_attn.q_proj.weight`). GGUF names
// (`blk.N.attn_q.weight`) map onto it per family (llama.cpp `gguf-py/gguf/tensor_mapping.py`), together with the
// value conventions llama.cpp's converter (`convert_hf_to_gguf.py`) changed, so model loading can undo them:
//   llama:  attn_q / attn_k rows permuted for llama.cpp's RoPE layout (`LlamaModel.permute`);
//   gemma3: every *norm.weight stored as 1 + w (`Gemma3Model.modify_tensors`, norm_shift = 1).
// `tinytune inspect` shows stored names and values; only model loading applies these.

import TinyTune

/// What model loading must do to a GGUF tensor to get the Hugging Face tensor of the same name.
public enum GGUFTensorConversion: Sendable, Equatable {
    case none
    /// Undo llama.cpp's Q/K permutation: per head, rows are stored as (pairs, 2) and Hugging Face keeps (2, pairs).
    case undoRoPEPermutation(heads: Int)
    /// Subtract 1 (Gemma RMSNorm weights: llama.cpp stores 1 + w, Hugging Face stores w).
    case subtractOne

    /// Applies the conversion to a row-major tensor ([out, in] weights, [n] norms).
    ///
    /// Permutation (transformers `reverse_permute_weights`): view rows as [heads, dim/heads/2, 2], swap the last
    /// two axes → [heads, 2, dim/heads/2], flatten back; columns are untouched.
    public func apply(to tensor: Tensor) throws -> Tensor {
        switch self {
        case .none:
            return tensor
        case .subtractOne:
            var result = tensor
            result.withUnsafeMutableBufferPointer { values in
                for i in values.indices { values[i] -= 1 }
            }
            return result
        case let .undoRoPEPermutation(heads):
            let rows = tensor.shape.first ?? 0
            let columns = tensor.count / max(rows, 1)
            guard heads > 0, rows % (2 * heads) == 0 else {
                throw TinyTuneError.unsupported("cannot undo the RoPE permutation: \(rows) rows are not \(heads) heads × an even head size")
            }
            let half = rows / heads / 2
            var result = tensor
            tensor.withUnsafeBufferPointer { source in
                result.withUnsafeMutableBufferPointer { target in
                    for h in 0..<heads {
                        for i in 0..<half {
                            for j in 0..<2 {
                                // Stored row (h, i, j) → Hugging Face row (h, j, i).
                                let from = (h * half + i) * 2 + j
                                let to = (h * 2 + j) * half + i
                                for c in 0..<columns { target[to * columns + c] = source[from * columns + c] }
                            }
                        }
                    }
                }
            }
            return result
        }
    }
}

/// Maps tensor names between GGUF and Hugging Face for one family.
///
///     let naming = TensorNaming(family: .gemma3)
///     naming.huggingFaceName(forGGUF: "blk.3.ffn_norm.weight")   // "model.layers.3.pre_feedforward_layernorm.weight"
///     naming.ggufName(forHuggingFace: "model.layers.3.self_attn.q_proj.weight")   // "blk.3.attn_q.weight"
public struct TensorNaming: Sendable {
    public let family: ArchitectureFamily

    public init(family: ArchitectureFamily) { self.family = family }

    /// Whole-model tensors.
    static let global: [(gguf: String, hf: String)] = [
        ("token_embd", "model.embed_tokens"), ("output_norm", "model.norm"), ("output", "lm_head"),
    ]

    /// Per-layer tensors, `blk.N.<gguf>` ↔ `model.layers.N.<hf>`.
    var layer: [(gguf: String, hf: String)] {
        var pairs: [(String, String)] = [
            ("attn_norm", "input_layernorm"), ("attn_q", "self_attn.q_proj"), ("attn_k", "self_attn.k_proj"),
            ("attn_v", "self_attn.v_proj"), ("attn_output", "self_attn.o_proj"), ("ffn_gate", "mlp.gate_proj"),
            ("ffn_up", "mlp.up_proj"), ("ffn_down", "mlp.down_proj"),
        ]
        switch family {
        case .gemma3:
            pairs += [("attn_q_norm", "self_attn.q_norm"), ("attn_k_norm", "self_attn.k_norm"),
                      ("post_attention_norm", "post_attention_layernorm"), ("ffn_norm", "pre_feedforward_layernorm"),
                      ("post_ffw_norm", "post_feedforward_layernorm")]
        case .llama, .qwen2:
            pairs += [("ffn_norm", "post_attention_layernorm")]
        }
        return pairs
    }

    /// The Hugging Face name of a GGUF tensor name (suffix `.weight`/`.bias` kept), or nil if unknown.
    public func huggingFaceName(forGGUF name: String) -> String? {
        let (stem, suffix) = split(name)
        if let pair = Self.global.first(where: { $0.gguf == stem }) { return pair.hf + suffix }
        let parts = stem.split(separator: ".", maxSplits: 2)
        guard parts.count == 3, parts[0] == "blk", let index = Int(parts[1]),
              let pair = layer.first(where: { $0.gguf == parts[2] }) else { return nil }
        return "model.layers.\(index).\(pair.hf)\(suffix)"
    }

    /// The GGUF name of a Hugging Face tensor name, or nil if unknown.
    public func ggufName(forHuggingFace name: String) -> String? {
        let (stem, suffix) = split(name)
        if let pair = Self.global.first(where: { $0.hf == stem }) { return pair.gguf + suffix }
        let prefix = "model.layers."
        guard stem.hasPrefix(prefix) else { return nil }
        let rest = stem.dropFirst(prefix.count)
        guard let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]) else { return nil }
        let module = String(rest[rest.index(after: dot)...])
        guard let pair = layer.first(where: { $0.hf == module }) else { return nil }
        return "blk.\(index).\(pair.gguf)\(suffix)"
    }

    /// What loading GGUF tensor `name` must apply to match Hugging Face's values.
    public func conversion(forGGUF name: String, configuration: DecoderConfiguration) -> GGUFTensorConversion {
        let (stem, suffix) = split(name)
        switch family {
        case .llama:
            if stem.hasSuffix(".attn_q") { return .undoRoPEPermutation(heads: configuration.shape.attentionHeads) }
            if stem.hasSuffix(".attn_k") { return .undoRoPEPermutation(heads: configuration.shape.keyValueHeads) }
            return .none
        case .gemma3:
            return suffix == ".weight" && stem.hasSuffix("norm") ? .subtractOne : .none
        case .qwen2:
            return .none
        }
    }

    private func split(_ name: String) -> (String, String) {
        for suffix in [".weight", ".bias"] where name.hasSuffix(suffix) {
            return (String(name.dropLast(suffix.count)), suffix)
        }
        return (name, "")
    }
}
