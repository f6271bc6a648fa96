import TinyTune

/// VeRA (Kopiczko et al. 2024, arXiv 2310.11454): ΔW = Λ_b·B·Λ_d·A with frozen random A: (r, in) and B: (out, r)
/// shared by all modules (sized for the largest and sliced), and trainable vectors d (r) and b (out).
/// Option names follow PEFT's VeraConfig.
public struct VeRAOptions: PluginOptions {
    /// Rank of the shared random bases. PEFT default 256.
    public let r: Int
    public let targetModules: TargetModules
    /// Seed of the frozen shared A and B. PEFT default 0.
    public let projectionPRNGKey: UInt64
    /// Store A and B in saved files (else they are regenerated from the key). Default true.
    public let saveProjection: Bool
    public let veraDropout: Double
    /// Initial value of every entry of d. PEFT default 0.1.
    public let dInitial: Double
    public let parameterDType: AdapterParameterDType

    enum CodingKeys: String, CodingKey, CaseIterable {
        case r, targetModules = "target_modules", projectionPRNGKey = "projection_prng_key"
        case saveProjection = "save_projection", veraDropout = "vera_dropout", dInitial = "d_initial"
        case parameterDType = "parameter_dtype"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        r = try c.value(.r, default: 256, .atLeast(1))
        targetModules = try c.value(.targetModules, default: .allLinear)
        projectionPRNGKey = try c.value(.projectionPRNGKey, default: 0)
        saveProjection = try c.value(.saveProjection, default: true)
        veraDropout = try c.value(.veraDropout, default: 0, .from(0, below: 1))
        dInitial = try c.value(.dInitial, default: 0.1)
        parameterDType = try c.value(.parameterDType, default: .float32)
    }
}

public struct VeRA: Plugin, AdapterFamily {
    public static let typeName = "vera"
    public static let summary = "VeRA: frozen shared random A, B; trainable scaling vectors d (r) and b (out)"
    public let options: VeRAOptions
    public var targetModules: TargetModules { options.targetModules }

    public init(options: VeRAOptions, context: PluginContext) throws { self.options = options }

    /// out + r per module: λ_b has one entry per output row, λ_d one per rank.
    public func trainableParameterCount(for modules: [LinearModule]) -> Int {
        modules.reduce(0) { $0 + $1.outFeatures + options.r }
    }
}
