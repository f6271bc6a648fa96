import TinyTune

/// LoRA (Hu et al. 2021, arXiv 2106.09685): ΔW = (α / r) · B·A, with A: (r, in) and B: (out, r), B = 0 at start.
/// Option names follow PEFT's LoraConfig.
public struct LoRAOptions: PluginOptions {
    /// Rank of the update. PEFT default 8.
    public let r: Int
    /// Scale numerator: ΔW = (lora_alpha / r)·BA, or (lora_alpha / √r)·BA with `use_rslora`. PEFT default 8.
    public let loraAlpha: Double
    /// Dropout on the adapter's input during training. Default 0.
    public let loraDropout: Double
    /// rsLoRA scaling α/√r (Kalajdzievski 2023). Default false.
    public let useRSLoRA: Bool
    /// How A starts: `kaiming` (uniform, PEFT's default) or `gaussian` (N(0, 1/r)). B always starts at zero.
    public let initLoraWeights: Initialization
    public let targetModules: TargetModules
    /// Seed for A's initialization and dropout masks. Default 0.
    public let seed: UInt64
    public let parameterDType: AdapterParameterDType

    public enum Initialization: String, OptionEnum { case kaiming, gaussian }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case r, loraAlpha = "lora_alpha", loraDropout = "lora_dropout", useRSLoRA = "use_rslora"
        case initLoraWeights = "init_lora_weights", targetModules = "target_modules", seed
        case parameterDType = "parameter_dtype"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        r = try c.value(.r, default: 8, .atLeast(1))
        loraAlpha = try c.value(.loraAlpha, default: 8, .greaterThan(0))
        loraDropout = try c.value(.loraDropout, default: 0, .from(0, below: 1))
        useRSLoRA = try c.value(.useRSLoRA, default: false)
        initLoraWeights = try c.value(.initLoraWeights, default: .kaiming)
        targetModules = try c.value(.targetModules, default: .allLinear)
        seed = try c.value(.seed, default: 0)
        parameterDType = try c.value(.parameterDType, default: .float32)
    }
}

public struct LoRA: Plugin, AdapterFamily {
    public static let typeName = "lora"
    public static let summary = "LoRA: trainable low-rank B·A per module, scaled by lora_alpha / r"
    public let options: LoRAOptions
    public var targetModules: TargetModules { options.targetModules }

    public init(options: LoRAOptions, context: PluginContext) throws { self.options = options }

    /// r·(in + out) per module: A is (r, in), B is (out, r).
    public func trainableParameterCount(for modules: [LinearModule]) -> Int {
        modules.reduce(0) { $0 + options.r * ($1.inFeatures + $1.outFeatures) }
    }
}
