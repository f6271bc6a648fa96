// GGUF metadata → DecoderConfiguration for qwen2, llama and gemma3, with llama.cpp's own conventions where the
// file is silent (llama.cpp `src/llama-model.cpp`, `load_hparams`): head_count_kv defaults to head_count,
// key_length to embedding_length / head_count, rope.freq_base to 10000; for gemma3 every 6th layer is global,
// sliding layers use base 10000, and queries are scaled by 1/√key_length (1/√(embedding/heads) for the 62-layer
// 27B), following gemma_pytorch's config.

import TinyTune
import TinyTuneLoaders

extension DecoderConfiguration {
    /// Reads `general.architecture` and the `{arch}.*` keys of a GGUF file.
    ///
    ///     let config = try DecoderConfiguration(gguf: GGUFFile(path: "models/gemma-3-270m-q4_k_m.gguf"))
    ///     config.shape.headDim   // 256
    public init(gguf file: GGUFFile) throws {
        let m = file.metadata
        func fail(_ reason: String) -> TinyTuneError { .invalidFile(path: file.path, reason: reason) }
        guard let archName = m["general.architecture"]?.string else { throw fail("no general.architecture string") }
        guard let family = ArchitectureFamily(rawValue: archName) else {
            throw fail("architecture \"\(archName)\" is not supported for models (qwen2, llama, gemma3)")
        }
        func int(_ key: String) throws -> Int? {
            guard let value = m["\(archName).\(key)"] else { return nil }
            guard let i = value.int, i >= 1 else { throw fail("\(archName).\(key) must be a positive integer, found \(value.json.excerpt)") }
            return i
        }
        func required(_ key: String) throws -> Int {
            guard let value = try int(key) else { throw fail("missing \(archName).\(key)") }
            return value
        }
        func number(_ key: String) throws -> Double? {
            guard let value = m["\(archName).\(key)"] else { return nil }
            guard let d = value.double, d > 0 else { throw fail("\(archName).\(key) must be a positive number, found \(value.json.excerpt)") }
            // An f32 stands for the decimal the converter wrote (1e-06 is stored as 9.99999997e-07): take the
            // shortest decimal that rounds to it, so GGUF and config.json give equal configurations.
            if case let .float32(f) = value, let decimal = Double("\(f)") { return decimal }
            return d
        }
        let layers = try required("block_count")
        let hidden = try required("embedding_length")
        let heads = try required("attention.head_count")
        let kvHeads = try int("attention.head_count_kv") ?? heads
        guard heads % kvHeads == 0 else { throw fail("\(archName).attention.head_count_kv \(kvHeads) does not divide head_count \(heads)") }
        let headDim = try int("attention.key_length") ?? hidden / heads
        let vocabulary: Int
        if let tokens = m["tokenizer.ggml.tokens"]?.array?.count {
            vocabulary = tokens
        } else if let stored = try int("vocab_size") {
            vocabulary = stored
        } else if let embedding = file.tensor(named: "token_embd.weight"), embedding.shape.count == 2 {
            vocabulary = embedding.shape[0]
        } else {
            throw fail("cannot tell the vocabulary size (no tokenizer.ggml.tokens, \(archName).vocab_size or token_embd.weight)")
        }
        guard let epsilon = try number("attention.layer_norm_rms_epsilon") else {
            throw fail("missing \(archName).attention.layer_norm_rms_epsilon")
        }
        let shape = DecoderShape(hiddenSize: hidden, intermediateSize: try required("feed_forward_length"), layerCount: layers,
                                 attentionHeads: heads, keyValueHeads: kvHeads, headDim: headDim, vocabularySize: vocabulary)

        var scaling = RoPEScaling.none
        if file.tensor(named: "rope_freqs.weight") != nil {
            scaling = .storedFrequencyFactors
        } else if let type = m["\(archName).rope.scaling.type"]?.string, type != "none" {
            guard type == "linear", let factor = try number("rope.scaling.factor") else {
                throw fail("\(archName).rope.scaling.type \"\(type)\" is not supported (none, linear with rope.scaling.factor)")
            }
            scaling = .linear(factor: factor)
        }
        let ropeFull = RoPEParameters(theta: try number("rope.freq_base") ?? 10000, scaling: scaling)

        var layerTypes = Array(repeating: AttentionKind.full, count: layers)
        var ropeSliding: RoPEParameters? = nil
        var slidingWindow: Int? = nil
        var queryScalar: Double? = nil
        if family == .gemma3 {
            layerTypes = Self.gemmaLayerTypes(layers: layers, pattern: try int("attention.sliding_window_pattern") ?? 6)
            guard let window = try int("attention.sliding_window") else { throw fail("missing gemma3.attention.sliding_window") }
            slidingWindow = window
            ropeSliding = RoPEParameters(theta: try number("rope.freq_base_swa") ?? 10000)
            queryScalar = Double(layers == 62 ? hidden / heads : headDim)
        }
        self.init(family: family, shape: shape, rmsNormEpsilon: epsilon,
                  tieWordEmbeddings: file.tensor(named: "output.weight") == nil,
                  maxPositionEmbeddings: try int("context_length") ?? 32768,
                  layerTypes: layerTypes, ropeFull: ropeFull, ropeSliding: ropeSliding, slidingWindow: slidingWindow,
                  attentionBias: file.tensor(named: "blk.0.attn_q.bias") != nil,
                  hiddenActivation: family == .gemma3 ? .geluTanh : .silu,
                  queryPreAttentionScalar: queryScalar,
                  finalLogitSoftcapping: family == .gemma3 ? try number("final_logit_softcapping") : nil,
                  attentionLogitSoftcapping: family == .gemma3 ? try number("attn_logit_softcapping") : nil)
    }
}
