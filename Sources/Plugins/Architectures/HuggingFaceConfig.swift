// config.json → DecoderConfiguration, for qwen2, llama, gemma3_text and the text part of gemma3
// (transformers `Qwen2Config`, `LlamaConfig`, `Gemma3TextConfig`). Both spellings of RoPE settings:
//   transformers ≤ 4: top-level rope_theta, rope_scaling, (Gemma 3) rope_local_base_freq, sliding_window_pattern;
//   transformers 5:   rope_parameters, for Gemma 3 one dict per layer type ("full_attention", "sliding_attention").
// `layer_types`, when present, decides each layer's attention.

import TinyTune

/// Reads fields of a JSON object with errors that name the field's path.
struct ConfigFields {
    let object: JSONValue
    let path: ConfigPath

    func has(_ key: String) -> Bool {
        guard let value = object[key] else { return false }
        return value != .null
    }

    func number(_ key: String) throws -> Double? {
        switch object[key] {
        case nil, .null?: return nil
        case let .int(i)?: return Double(i)
        case let .double(d)?: return d
        case let other?: throw ConfigError.wrongType(path.appending(key), expected: "a number", found: other)
        }
    }

    func requiredNumber(_ key: String, positive: Bool = true) throws -> Double {
        guard let value = try number(key) else { throw ConfigError.missing(path.appending(key), expected: "a number") }
        if positive && !(value > 0) { throw ConfigError.outOfRange(path.appending(key), value: "\(value)", allowed: "> 0") }
        return value
    }

    func integer(_ key: String) throws -> Int? {
        switch object[key] {
        case nil, .null?: return nil
        case let .int(i)?:
            guard i >= 1, let value = Int(exactly: i) else {
                throw ConfigError.outOfRange(path.appending(key), value: "\(i)", allowed: "≥ 1")
            }
            return value
        case let other?: throw ConfigError.wrongType(path.appending(key), expected: "an integer", found: other)
        }
    }

    func requiredInteger(_ key: String) throws -> Int {
        guard let value = try integer(key) else { throw ConfigError.missing(path.appending(key), expected: "an integer") }
        return value
    }

    func bool(_ key: String) throws -> Bool? {
        switch object[key] {
        case nil, .null?: return nil
        case let .bool(b)?: return b
        case let other?: throw ConfigError.wrongType(path.appending(key), expected: "true or false", found: other)
        }
    }

    func string(_ key: String) throws -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case let .string(s)?: return s
        case let other?: throw ConfigError.wrongType(path.appending(key), expected: "a string", found: other)
        }
    }

    func nested(_ key: String) -> ConfigFields? {
        guard case .object? = object[key] else { return nil }
        return ConfigFields(object: object[key] ?? .null, path: path.appending(key))
    }
}

extension DecoderConfiguration {
    /// Reads a Hugging Face `config.json` object. `gemma3` (multimodal) configs are read from `text_config`.
    public init(huggingFace json: JSONValue, at path: ConfigPath = .root) throws {
        var fields = ConfigFields(object: json, path: path)
        guard let modelType = try fields.string("model_type") else {
            throw ConfigError.missing(path.appending("model_type"), expected: "\"qwen2\", \"llama\", \"gemma3_text\" or \"gemma3\"")
        }
        let family: ArchitectureFamily
        switch modelType {
        case "qwen2": family = .qwen2
        case "llama": family = .llama
        case "gemma3_text": family = .gemma3
        case "gemma3":
            guard let text = fields.nested("text_config") else {
                throw ConfigError.missing(path.appending("text_config"), expected: "the text model's config (model_type gemma3)")
            }
            fields = text
            family = .gemma3
        default:
            throw ConfigError.invalid(path.appending("model_type"), "\"\(modelType)\" is not supported (qwen2, llama, gemma3_text, gemma3)")
        }
        self = try Self.read(fields, family: family)
    }

    private static func read(_ f: ConfigFields, family: ArchitectureFamily) throws -> DecoderConfiguration {
        let hidden = try f.requiredInteger("hidden_size")
        let heads = try f.requiredInteger("num_attention_heads")
        let kvHeads = try f.integer("num_key_value_heads") ?? heads
        guard heads % kvHeads == 0 else {
            throw ConfigError.invalid(f.path.appending("num_key_value_heads"), "\(kvHeads) does not divide num_attention_heads (\(heads))")
        }
        let layers = try f.requiredInteger("num_hidden_layers")
        let headDim: Int
        if let explicit = try f.integer("head_dim") {
            headDim = explicit
        } else if family == .gemma3 {
            // Gemma 3's head_dim (256) is not hidden_size / heads; transformers' default would be a guess.
            throw ConfigError.missing(f.path.appending("head_dim"), expected: "an integer (Gemma 3 sets it explicitly)")
        } else {
            guard hidden % heads == 0 else {
                throw ConfigError.missing(f.path.appending("head_dim"), expected: "an integer (hidden_size is not a multiple of num_attention_heads)")
            }
            headDim = hidden / heads
        }
        let shape = DecoderShape(hiddenSize: hidden, intermediateSize: try f.requiredInteger("intermediate_size"),
                                 layerCount: layers, attentionHeads: heads, keyValueHeads: kvHeads, headDim: headDim,
                                 vocabularySize: try f.requiredInteger("vocab_size"))

        // Activation: required, it changes the MLP.
        let activationKey = family == .gemma3 ? (f.has("hidden_activation") ? "hidden_activation" : "hidden_act") : "hidden_act"
        guard let activationName = try f.string(activationKey) else {
            throw ConfigError.missing(f.path.appending(activationKey), expected: family == .gemma3 ? "\"gelu_pytorch_tanh\"" : "\"silu\"")
        }
        guard let activation = HiddenActivation(rawValue: activationName) else {
            throw ConfigError.invalid(f.path.appending(activationKey), "\"\(activationName)\" is not supported (silu, gelu_pytorch_tanh)")
        }

        // Layer types: layer_types wins; else the family's rule.
        var layerTypes: [AttentionKind]
        if case .array(let items)? = f.object["layer_types"] {
            guard items.count == layers else {
                throw ConfigError.invalid(f.path.appending("layer_types"), "has \(items.count) entries for \(layers) layers")
            }
            layerTypes = try items.enumerated().map { index, item in
                guard case let .string(name) = item, let kind = AttentionKind(rawValue: name) else {
                    throw ConfigError.invalid(f.path.appending("layer_types").appending(index: index),
                                              "expected \"full_attention\" or \"sliding_attention\", found \(item.excerpt)")
                }
                return kind
            }
        } else {
            switch family {
            case .gemma3:
                let key = f.has("sliding_window_pattern") ? "sliding_window_pattern" : "_sliding_window_pattern"
                guard let pattern = try f.integer(key) else {
                    throw ConfigError.missing(f.path.appending("layer_types"), expected: "a list per layer (or sliding_window_pattern)")
                }
                layerTypes = gemmaLayerTypes(layers: layers, pattern: pattern)
            case .qwen2:
                // transformers Qwen2Config: with use_sliding_window, layers from max_window_layers on slide.
                if try f.bool("use_sliding_window") == true {
                    let first = try f.requiredInteger("max_window_layers")
                    layerTypes = (0..<layers).map { $0 >= first ? .sliding : .full }
                } else {
                    layerTypes = Array(repeating: .full, count: layers)
                }
            case .llama:
                layerTypes = Array(repeating: .full, count: layers)
            }
        }
        let hasSliding = layerTypes.contains(.sliding)
        let slidingWindow = hasSliding ? try f.requiredInteger("sliding_window") : nil

        // RoPE, both spellings.
        var ropeFull: RoPEParameters
        var ropeSliding: RoPEParameters? = nil
        if let parameters = f.nested("rope_parameters") {
            if family == .gemma3, parameters.has("full_attention") || parameters.has("sliding_attention") {
                guard let full = parameters.nested("full_attention") else {
                    throw ConfigError.missing(parameters.path.appending("full_attention"), expected: "RoPE parameters")
                }
                ropeFull = try ropeParameters(full, thetaKey: "rope_theta")
                if let sliding = parameters.nested("sliding_attention") {
                    ropeSliding = try ropeParameters(sliding, thetaKey: "rope_theta")
                } else if hasSliding {
                    throw ConfigError.missing(parameters.path.appending("sliding_attention"), expected: "RoPE parameters")
                }
            } else {
                ropeFull = try ropeParameters(parameters, thetaKey: "rope_theta")
                if hasSliding { ropeSliding = family == .gemma3 ? nil : ropeFull }
                if family == .gemma3, hasSliding {
                    // One dict for both kinds: the local base, when given, stays top-level.
                    ropeSliding = RoPEParameters(theta: try f.requiredNumber("rope_local_base_freq"))
                }
            }
        } else {
            let scaling = try f.nested("rope_scaling").map { try ropeScaling($0) } ?? RoPEScaling.none
            ropeFull = RoPEParameters(theta: try f.requiredNumber("rope_theta"), scaling: scaling)
            if hasSliding {
                // Gemma 3's sliding layers use their own base and no scaling (transformers `rotary_emb_local`).
                ropeSliding = family == .gemma3 ? RoPEParameters(theta: try f.requiredNumber("rope_local_base_freq")) : ropeFull
            }
        }

        let tieDefault = family == .gemma3  // transformers: Gemma3TextConfig True, LlamaConfig and Qwen2Config False
        return DecoderConfiguration(
            family: family, shape: shape, rmsNormEpsilon: try f.requiredNumber("rms_norm_eps"),
            tieWordEmbeddings: try f.bool("tie_word_embeddings") ?? tieDefault,
            maxPositionEmbeddings: try f.integer("max_position_embeddings") ?? 32768,
            layerTypes: layerTypes, ropeFull: ropeFull, ropeSliding: ropeSliding, slidingWindow: slidingWindow,
            attentionBias: family == .qwen2 ? true : (try f.bool("attention_bias") ?? false),
            hiddenActivation: activation,
            queryPreAttentionScalar: family == .gemma3 ? try f.requiredNumber("query_pre_attn_scalar") : nil,
            finalLogitSoftcapping: family == .gemma3 ? try f.number("final_logit_softcapping") : nil,
            attentionLogitSoftcapping: family == .gemma3 ? try f.number("attn_logit_softcapping") : nil)
    }

    /// `{"rope_type", "rope_theta", "factor", ...}` (transformers 5 `rope_parameters` entry).
    private static func ropeParameters(_ f: ConfigFields, thetaKey: String) throws -> RoPEParameters {
        RoPEParameters(theta: try f.requiredNumber(thetaKey), scaling: try ropeScaling(f))
    }

    /// `rope_scaling` / the scaling part of `rope_parameters`. Unknown types are refused: they change the math.
    private static func ropeScaling(_ f: ConfigFields) throws -> RoPEScaling {
        let typeKey = f.has("rope_type") ? "rope_type" : "type"
        switch try f.string(typeKey) ?? "default" {
        case "default": return .none
        case "linear": return .linear(factor: try f.requiredNumber("factor"))
        case "llama3":
            return .llama3(factor: try f.requiredNumber("factor"), lowFrequencyFactor: try f.requiredNumber("low_freq_factor"),
                           highFrequencyFactor: try f.requiredNumber("high_freq_factor"),
                           originalMaxPositions: try f.requiredInteger("original_max_position_embeddings"))
        case let other:
            throw ConfigError.invalid(f.path.appending(typeKey), "RoPE type \"\(other)\" is not supported (default, linear, llama3)")
        }
    }
}
