/// The hyperparameters every decoder-only architecture shares, in Hugging Face's `config.json` words.
public struct DecoderShape: Sendable, Equatable {
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layerCount: Int
    public var attentionHeads: Int
    public var keyValueHeads: Int
    public var headDim: Int
    public var vocabularySize: Int

    public init(hiddenSize: Int, intermediateSize: Int, layerCount: Int, attentionHeads: Int, keyValueHeads: Int,
                headDim: Int, vocabularySize: Int)
    {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layerCount = layerCount
        self.attentionHeads = attentionHeads
        self.keyValueHeads = keyValueHeads
        self.headDim = headDim
        self.vocabularySize = vocabularySize
    }
}

/// A linear layer an adapter may wrap: its Hugging Face name and its shape (W is out × in).
public struct LinearModule: Sendable, Equatable {
    public let name: String
    public let inFeatures: Int
    public let outFeatures: Int
    /// The decoder layer index, for tiling tied parameters in model order.
    public let layer: Int

    public init(name: String, inFeatures: Int, outFeatures: Int, layer: Int) {
        self.name = name
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.layer = layer
    }
}

/// A model architecture (`qwen2`, `llama`, `gemma3`) configured with its hyperparameters.
/// Registered under `architectures`, with Hugging Face `model_type` spellings as aliases.
public protocol ModelArchitecture: Sendable {
    var shape: DecoderShape { get }
}

extension ModelArchitecture {
    /// The seven projections of every layer, in model order (q, k, v, o, gate, up, down), as PEFT names them.
    public var linearModules: [LinearModule] {
        let s = shape
        var modules: [LinearModule] = []
        for layer in 0..<s.layerCount {
            let prefix = "model.layers.\(layer)."
            let attention = [("q_proj", s.hiddenSize, s.attentionHeads * s.headDim),
                             ("k_proj", s.hiddenSize, s.keyValueHeads * s.headDim),
                             ("v_proj", s.hiddenSize, s.keyValueHeads * s.headDim),
                             ("o_proj", s.attentionHeads * s.headDim, s.hiddenSize)]
            for (name, inFeatures, outFeatures) in attention {
                modules.append(LinearModule(name: prefix + "self_attn." + name, inFeatures: inFeatures,
                                            outFeatures: outFeatures, layer: layer))
            }
            for (name, inFeatures, outFeatures) in [("gate_proj", s.hiddenSize, s.intermediateSize),
                                                    ("up_proj", s.hiddenSize, s.intermediateSize),
                                                    ("down_proj", s.intermediateSize, s.hiddenSize)] {
                modules.append(LinearModule(name: prefix + "mlp." + name, inFeatures: inFeatures,
                                            outFeatures: outFeatures, layer: layer))
            }
        }
        return modules
    }
}
