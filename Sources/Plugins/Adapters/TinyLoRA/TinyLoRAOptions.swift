import TinyTune

/// Options of TinyLoRA ("Learning to Reason in 13 Parameters", Morris et al. 2026, arXiv 2602.04118).
/// Names follow PEFT's TinyLoraConfig where it has the option.
public struct TinyLoRAOptions: PluginOptions {
    /// Rank of the frozen truncated SVD of W. The paper found 2 best. Default 2.
    public let r: Int
    /// Length of each trainable vector v (the number of random r × r projections P). PEFT default 64.
    public let u: Int
    /// Fraction of tying, 0...1: 0 gives each module its own v, 1 one v for the whole model; in between,
    /// max(1, round(n·(1 − f))) groups for n modules, laid out as PEFT 0.21.2 does (so saved files agree). Default 0. Set at most one of `weight_tying`, `ntie`, `tie_groups`.
    public let weightTying: Double?
    /// Modules per group (PEFT's earlier `ntie`): ⌈n / ntie⌉ groups.
    public let ntie: Int?
    /// An explicit number of groups (at most the number of targeted modules).
    public let tieGroups: Int?
    /// `tiled` (default): neighbouring modules in model order share, which the paper found best; `structured`:
    /// modules are ordered by type (all q_proj, then all k_proj, ...) before tiling, so one type shares.
    public let tieOrder: TieOrder
    /// Seed of the fixed random projections P ~ N(0, 1/r). PEFT default 42.
    public let projectionSeed: UInt64
    /// Store P in saved files (PEFT's default; P cannot be regenerated bit-exactly outside PyTorch). Default true.
    public let saveProjection: Bool
    /// How v starts: `zeros` (default; the model is unchanged at step 0) or `uniform` in ±`init_v_bound`.
    public let initWeights: Initialization
    public let initVBound: Double
    /// Where Σ goes: `full` is the paper's U·Σ·R·Vᵀ; `split` is PEFT 0.21.2's U√Σ·R·√ΣVᵀ. They differ when R is
    /// not diagonal. Default `full`.
    public let sigmaPlacement: SigmaPlacement
    /// `randomized` top-r SVD (Halko et al. 2011, fast on large W, default) or `exact` (LAPACK sgesdd).
    public let svdMethod: SVDMethod
    /// Seed of the randomized SVD's sketch. Default 0.
    public let svdSeed: UInt64
    /// Folder of the on-disk SVD cache (keyed by a hash of each weight). Default `$TINYTUNE_SVD_CACHE`, else
    /// `~/.cache/tinytune/svd`.
    public let svdCacheDirectory: String?
    public let targetModules: TargetModules
    public let parameterDType: AdapterParameterDType

    public enum TieOrder: String, OptionEnum { case tiled, structured }
    public enum Initialization: String, OptionEnum { case zeros, uniform }
    public enum SigmaPlacement: String, OptionEnum { case full, split }
    public enum SVDMethod: String, OptionEnum { case randomized, exact }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case r, u, weightTying = "weight_tying", ntie, tieGroups = "tie_groups", tieOrder = "tie_order"
        case projectionSeed = "projection_seed", saveProjection = "save_projection", initWeights = "init_weights"
        case initVBound = "init_v_bound", sigmaPlacement = "sigma_placement", svdMethod = "svd_method"
        case svdSeed = "svd_seed", svdCacheDirectory = "svd_cache_dir", targetModules = "target_modules", parameterDType = "parameter_dtype"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        r = try c.value(.r, default: 2, .atLeast(1))
        u = try c.value(.u, default: 64, .atLeast(1))
        weightTying = try c.optional(.weightTying, .between(0, 1))
        ntie = try c.optional(.ntie, .atLeast(1))
        tieGroups = try c.optional(.tieGroups, .atLeast(1))
        tieOrder = try c.value(.tieOrder, default: .tiled)
        projectionSeed = try c.value(.projectionSeed, default: 42)
        saveProjection = try c.value(.saveProjection, default: true)
        initWeights = try c.value(.initWeights, default: .zeros)
        initVBound = try c.value(.initVBound, default: 0.02, .greaterThan(0))
        sigmaPlacement = try c.value(.sigmaPlacement, default: .full)
        svdMethod = try c.value(.svdMethod, default: .randomized)
        svdSeed = try c.value(.svdSeed, default: 0)
        svdCacheDirectory = try c.optional(.svdCacheDirectory)
        targetModules = try c.value(.targetModules, default: .allLinear)
        parameterDType = try c.value(.parameterDType, default: .float32)
        let set = [weightTying.map { _ in "weight_tying" }, ntie.map { _ in "ntie" }, tieGroups.map { _ in "tie_groups" }]
            .compactMap { $0 }
        if set.count > 1 {
            throw ConfigError.invalid(c.path(.weightTying).parent,
                                      "set only one of weight_tying, ntie and tie_groups (found \(set.joined(separator: ", ")))")
        }
    }
}

extension ConfigPath {
    /// The path without its last component.
    public var parent: ConfigPath { ConfigPath(Array(components.dropLast())) }
}
