import TinyTune

/// LoRA-XS (Bałazy et al. 2024, arXiv 2405.17604): ΔW = U_r Σ_r · R · V_rᵀ with the frozen factors of a truncated
/// SVD of W and a trainable r × r matrix R.
public struct LoRAXSOptions: PluginOptions {
    /// SVD rank; R is r × r. Default 2.
    public let r: Int
    public let targetModules: TargetModules
    /// How R starts: `zeros` (default, the model is unchanged at step 0) or `gaussian` with `init_r_std`.
    public let initR: Initialization
    public let initRStd: Double
    /// Seed of R's initialization and of the randomized SVD. Default 0.
    public let seed: UInt64
    public let parameterDType: AdapterParameterDType
    /// Folder of the on-disk SVD cache, relative to the config's folder. Default `$TINYTUNE_SVD_CACHE`, else
    /// `~/.cache/tinytune/svd`.
    public let svdCacheDirectory: String?

    public enum Initialization: String, OptionEnum { case zeros, gaussian }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case r, targetModules = "target_modules", initR = "init_r", initRStd = "init_r_std", seed
        case parameterDType = "parameter_dtype", svdCacheDirectory = "svd_cache_dir"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        r = try c.value(.r, default: 2, .atLeast(1))
        targetModules = try c.value(.targetModules, default: .allLinear)
        initR = try c.value(.initR, default: .zeros)
        initRStd = try c.value(.initRStd, default: 1e-5, .greaterThan(0))
        seed = try c.value(.seed, default: 0)
        parameterDType = try c.value(.parameterDType, default: .float32)
        svdCacheDirectory = try c.optional(.svdCacheDirectory)
    }
}

public struct LoRAXS: Plugin, AdapterFamily {
    public static let typeName = "loraxs"
    public static let summary = "LoRA-XS: frozen truncated-SVD factors of W with a trainable r × r matrix"
    public let options: LoRAXSOptions
    public var targetModules: TargetModules { options.targetModules }

    /// `svd_cache_dir` resolved against the config's folder (nil: the default cache).
    public let svdCacheDirectory: String?

    public init(options: LoRAXSOptions, context: PluginContext) throws {
        self.options = options
        svdCacheDirectory = options.svdCacheDirectory.map { context.resolve($0) }
    }

    /// r² per module.
    public func trainableParameterCount(for modules: [LinearModule]) -> Int { modules.count * options.r * options.r }
}
