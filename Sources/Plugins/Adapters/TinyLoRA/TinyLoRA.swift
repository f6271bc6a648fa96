import TinyTune

/// TinyLoRA: W' = W + U Σ (Σᵢ vᵢ Pᵢ) Vᵀ, with U: (out, r), Σ: (r, r), V: (in, r) from a truncated SVD of the frozen
/// W, fixed random Pᵢ: (r, r), and only v: (u) trainable, shared across a group of modules.
public struct TinyLoRA: Plugin, AdapterFamily {
    public static let typeName = "tinylora"
    public static let summary = "TinyLoRA: frozen SVD factors, fixed random projections, a tiny tied vector v"
    public let options: TinyLoRAOptions
    public var targetModules: TargetModules { options.targetModules }

    /// `svd_cache_dir` resolved against the config's folder (nil: the default cache).
    public let svdCacheDirectory: String?

    public init(options: TinyLoRAOptions, context: PluginContext) throws {
        self.options = options
        svdCacheDirectory = options.svdCacheDirectory.map { context.resolve($0) }
    }

    /// Number of tied vectors for `moduleCount` targeted modules.
    public func groupCount(moduleCount n: Int) -> Int {
        guard n > 0 else { return 0 }
        if let fraction = options.weightTying {
            // PEFT 0.21.2 (tinylora/model.py): max(1, round(n·(1 − f))), Python's round (half to even).
            return max(1, Int((Double(n) * (1 - fraction)).rounded(.toNearestOrEven)))
        }
        if let ntie = options.ntie { return (n + ntie - 1) / ntie }
        if let groups = options.tieGroups { return min(groups, n) }
        return n
    }

    /// The group of each module (indices into `modules`), in model order. With `weight_tying`, PEFT's blocks (⌊n / G⌋
    /// modules each, the remainder in the last); with `ntie` or `tie_groups`, blocks whose sizes differ by at most
    /// one. Tiled: contiguous blocks of neighbours;
    /// structured: the same, after ordering modules by type (q, k, v, o, gate, up, down) and then by layer.
    public func tyingGroups(for modules: [LinearModule]) -> [[Int]] {
        let n = modules.count
        let groups = groupCount(moduleCount: n)
        guard groups > 0 else { return [] }
        var order = Array(0..<n)
        if options.tieOrder == .structured {
            func kind(_ name: Substring) -> Substring { name.split(separator: ".").last ?? name }
            let kinds = modules.map { kind(Substring($0.name)) }
            var firstSeen: [Substring: Int] = [:]
            for k in kinds where firstSeen[k] == nil { firstSeen[k] = firstSeen.count }
            order.sort { (firstSeen[kinds[$0], default: 0], modules[$0].layer, $0) < (firstSeen[kinds[$1], default: 0], modules[$1].layer, $1) }
        }
        if options.weightTying != nil {
            // PEFT's layout, so a saved adapter means the same in PEFT: blocks of ⌊n / G⌋, the last takes the rest.
            let size = max(1, n / groups)
            var result = [[Int]](repeating: [], count: groups)
            for (position, module) in order.enumerated() { result[min(position / size, groups - 1)].append(module) }
            return result
        }
        // Split n modules into `groups` contiguous blocks whose sizes differ by at most one.
        var result: [[Int]] = []
        var start = 0
        for g in 0..<groups {
            let size = n / groups + (g < n % groups ? 1 : 0)
            result.append(Array(order[start..<(start + size)]))
            start += size
        }
        return result
    }

    /// u per group.
    public func trainableParameterCount(for modules: [LinearModule]) -> Int {
        groupCount(moduleCount: modules.count) * options.u
    }
}
