// PEFT's adapter folders (`adapter_config.json` + `adapter_model.safetensors`) for lora, vera and tinylora, and
// the export of any family as a plain rank-r PEFT LoRA. Key names as PEFT 0.21.2 saves them:
//   lora:     base_model.model.<module>.lora_A.weight (r, in), .lora_B.weight (out, r)
//   vera:     base_model.model.<module>.vera_lambda_b (out), .vera_lambda_d (r); base_model.vera_A (r, max_in),
//             base_model.vera_B (max_out, r)
//   tinylora: base_model.model.<module>.tinylora_A (r, in), _B (out, r), _P (u, r, r); base_model.tinylora_v.<g> (u)
// Every field of adapter_config.json is honoured, or refused with an error naming the file, the field and the value:
// a field ignored in silence could give wrong logits.

import Foundation
import TinyTune
import TinyTuneLoaders

/// Reads and writes PEFT adapter folders.
///
///     let adapter = try PEFTAdapterFiles.load(folder: "runs/adapter", model: model)
///     let logits = try model.forward([(ids, model.makeCache())], logits: .all, hook: adapter)
///     try PEFTAdapterFiles.save(adapter, to: "runs/copy")
public enum PEFTAdapterFiles {
    /// The PEFT methods we read and write.
    public enum Method: String, Sendable { case lora = "LORA", vera = "VERA", tinylora = "TINYLORA" }

    /// Fields that describe where the adapter came from and do not change the math.
    static let informational: Set<String> = [
        "auto_mapping", "base_model_name_or_path", "revision", "task_type", "inference_mode", "peft_version",
        "megatron_core", "qalora_group_size",
    ]
    /// Fields that only choose how a fresh adapter starts; a saved adapter carries its values. (`init_lora_weights`
    /// is read apart: some of its values change the base weights.)
    static let initializationOnly: Set<String> = [
        "init_weights", "loftq_config", "eva_config", "corda_config", "lora_ga_config", "d_initial", "init_v_bound",
        "projection_seed", "projection_prng_key",
    ]
    /// Fields whose only supported value is PEFT's default (null, false, {}, [] or "none"); anything else is refused.
    /// Among them PEFT 0.21.2's LoRA variants (lora/layer.py `lora_variants`: DoRA, Arrow, BD-LoRA, aLoRA, VeLoRA,
    /// MonteCLoRA, KaSA), whose forward or backward is not plain LoRA's.
    static let defaultsOnly: Set<String> = [
        "use_dora", "modules_to_save", "layer_replication", "lora_bias", "use_qalora", "use_bdlora",
        "trainable_token_indices", "target_parameters", "alora_invocation_tokens", "megatron_config",
        "ensure_weight_tying", "arrow_config", "velora_config", "monteclora_config", "kasa_config",
    ]
    /// `init_lora_weights` values after which the saved A and B alone give PEFT's model. PiSSA, CorDA, OLoRA, LoftQ and
    /// LoRA-GA subtract their initial ΔW from (or quantize) the base weights, so their adapters only fit that changed
    /// base; MiCA freezes lora_B, which we would train.
    static let plainInitializations: Set<String> = ["gaussian", "eva", "orthogonal"]

    // MARK: Loading

    /// Loads a PEFT adapter folder for `model` as a forward hook with trainable parameters.
    public static func load(folder: String, model: DecoderModel) throws -> AttachedAdapterLayers {
        let configPath = (folder as NSString).appendingPathComponent("adapter_config.json")
        let weightsPath = (folder as NSString).appendingPathComponent("adapter_model.safetensors")
        let config = try JSONValue.parse(contentsOf: configPath)
        let file = try SafetensorsFile(path: weightsPath)
        var reader = ConfigReader(path: configPath, config: config)
        let adapter = try load(&reader, file: file, model: model)
        try reader.finish()
        adapter.peftConfig = config
        return adapter
    }

    private static func load(_ c: inout ConfigReader, file: SafetensorsFile, model: DecoderModel) throws -> AttachedAdapterLayers {
        guard case .object(let members) = c.config else { throw c.error("the file", "is not a JSON object") }
        let methodName = try c.string("peft_type")
        guard let method = Method(rawValue: methodName) else {
            throw c.error("peft_type", "\"\(methodName)\" is not supported; supported: LORA, VERA, TINYLORA")
        }
        for member in members where informational.contains(member.key) || initializationOnly.contains(member.key) {
            c.consume(member.key)
        }
        for key in defaultsOnly where c.config[key] != nil {
            let value = try require(c.config[key], key)
            let isDefault: Bool
            switch value {
            case .null, .bool(false): isDefault = true
            case .object(let o): isDefault = o.isEmpty
            case .array(let a): isDefault = a.isEmpty
            default: isDefault = false
            }
            if !isDefault { throw c.error(key, "\(value.excerpt) is not supported (only PEFT's default is)") }
            c.consume(key)
        }
        if let initial = c.config["init_lora_weights"] {
            switch initial {
            case .null, .bool: break
            case .string(let name) where plainInitializations.contains(name): break
            default:
                throw c.error("init_lora_weights", "\(initial.excerpt) is not supported: PiSSA, CorDA, OLoRA, LoftQ and "
                              + "LoRA-GA adapters fit a base model their initialization changed, and MiCA freezes lora_B "
                              + "(supported: true, false, \"gaussian\", \"eva\", \"orthogonal\")")
            }
            c.consume("init_lora_weights")
        }
        // PEFT sets fan_in_fan_out to false for torch.nn.Linear (lora/layer.py `dispatch_default`, vera and tinylora
        // `_create_new_module`), and every module we wrap is one: either value gives the same math.
        _ = try c.bool("fan_in_fan_out", default: false)
        if let bias = c.config["bias"] {
            guard bias == .string("none") else { throw c.error("bias", "\(bias.excerpt) is not supported; only \"none\"") }
            c.consume("bias")
        }
        let targets = try c.targetModules()
        let excluded = try c.excludeModules()
        let layersToTransform = try c.layersToTransform()
        // PEFT applies layers_to_transform only to a list of names (tuners_utils.py `check_target_module_exists`):
        // LoraConfig refuses it beside a regular expression, VeRA and TinyLoRA silently ignore it. We refuse.
        if case .pattern = targets, layersToTransform != nil {
            throw c.error("layers_to_transform", "cannot be used when target_modules is a regular expression")
        }
        if let pattern = c.config["layers_pattern"] {
            switch pattern {
            case .null, .string("layers"), .string(""): c.consume("layers_pattern")
            case .array(let items) where items == [.string("layers")] || items.isEmpty: c.consume("layers_pattern")
            default: throw c.error("layers_pattern", "\(pattern.excerpt) is not supported; our modules live under \"layers\"")
            }
        }
        let layerOf = Dictionary(model.linearModules.map { ($0.name, $0.layer) }, uniquingKeysWith: { a, _ in a })
        let targeted = model.linearLayers.filter { linear in
            !(excluded?.matches(linear.name) ?? false) && targets.matches(linear.name)
                && (layersToTransform.map { $0.contains(layerOf[linear.name] ?? -1) } ?? true)
        }
        guard !targeted.isEmpty else { throw c.error("target_modules", "matches none of the model's linear modules") }
        var used = Set<String>()
        func tensor(_ name: String, _ shape: [Int]? = nil) throws -> Tensor {
            guard file.info(named: name) != nil else {
                throw TinyTuneError.invalidFile(path: file.path, reason: "no tensor \"\(name)\"")
            }
            let t = try file.tensor(named: name)
            if let shape, t.shape != shape {
                throw TinyTuneError.invalidFile(path: file.path, reason: "\"\(name)\" is \(t.shape), expected \(shape)")
            }
            used.insert(name)
            return t
        }
        let adapter: AttachedAdapterLayers
        switch method {
        case .lora: adapter = try loadLoRA(&c, targeted, tensor)
        case .vera: adapter = try loadVeRA(&c, targeted, tensor)
        case .tinylora: adapter = try loadTinyLoRA(&c, targeted, tensor)
        }
        let unused = file.tensors.map(\.name).filter { !used.contains($0) }
        if !unused.isEmpty {
            throw TinyTuneError.invalidFile(path: file.path, reason: "tensors for modules the config does not target: "
                                            + unused.prefix(3).joined(separator: ", ") + (unused.count > 3 ? ", ..." : ""))
        }
        return adapter
    }

    private static func loadLoRA(_ c: inout ConfigReader, _ targeted: [Linear],
                                 _ tensor: (String, [Int]?) throws -> Tensor) throws -> AttachedAdapterLayers {
        let r = try c.int("r"), alpha = try c.number("lora_alpha")
        let rslora = try c.bool("use_rslora", default: false)
        let dropout = try c.number("lora_dropout", default: 0)
        let rankPattern = try c.numberPattern("rank_pattern"), alphaPattern = try c.numberPattern("alpha_pattern")
        var layers: [(name: String, layer: any AdapterLayer)] = []
        var parameters: [Parameter] = []
        for linear in targeted {
            // PEFT `get_pattern_key`: the first key k with re.match(rf"(.*\.)?({k})$", module).
            let rm = Int(patternValue(rankPattern, linear.name) ?? Double(r))
            let am = patternValue(alphaPattern, linear.name) ?? alpha
            let prefix = "base_model.model.\(linear.name)."
            let a = Parameter(name: prefix + "lora_A.weight", value: try tensor(prefix + "lora_A.weight", [rm, linear.weight.cols]))
            let b = Parameter(name: prefix + "lora_B.weight", value: try tensor(prefix + "lora_B.weight", [linear.weight.rows, rm]))
            let scaling = Float(rslora ? am / Double(rm).squareRoot() : am / Double(rm))
            layers.append((linear.name, LoRALayer(a: a, b: b, scaling: scaling)))
            parameters += [a, b]
        }
        return AttachedAdapterLayers(layers: layers, parameters: parameters, dropout: dropout)
    }

    private static func loadVeRA(_ c: inout ConfigReader, _ targeted: [Linear],
                                 _ tensor: (String, [Int]?) throws -> Tensor) throws -> AttachedAdapterLayers {
        let r = try c.int("r")
        let dropout = try c.number("vera_dropout", default: 0)
        guard try c.bool("save_projection", default: true) else {
            throw c.error("save_projection", "false: the shared bases come from PyTorch's generator, which we do not "
                          + "reproduce; save the adapter with save_projection=true")
        }
        let maxIn = targeted.map(\.weight.cols).max() ?? 0, maxOut = targeted.map(\.weight.rows).max() ?? 0
        let sharedA = try tensor("base_model.vera_A", [r, maxIn]), sharedB = try tensor("base_model.vera_B", [maxOut, r])
        var layers: [(name: String, layer: any AdapterLayer)] = []
        var parameters: [Parameter] = []
        for linear in targeted {
            let prefix = "base_model.model.\(linear.name)."
            let b = Parameter(name: prefix + "vera_lambda_b", value: try tensor(prefix + "vera_lambda_b", [linear.weight.rows]))
            let d = Parameter(name: prefix + "vera_lambda_d", value: try tensor(prefix + "vera_lambda_d", [r]))
            layers.append((linear.name, VeRALayer(sharedA: sharedA, sharedB: sharedB, inFeatures: linear.weight.cols,
                                                  lambdaB: b, lambdaD: d)))
            parameters += [b, d]
        }
        return AttachedAdapterLayers(layers: layers, parameters: parameters, dropout: dropout,
                                     buffers: [("base_model.vera_A", sharedA), ("base_model.vera_B", sharedB)])
    }

    private static func loadTinyLoRA(_ c: inout ConfigReader, _ targeted: [Linear],
                                     _ tensor: (String, [Int]?) throws -> Tensor) throws -> AttachedAdapterLayers {
        let r = try c.int("r"), u = try c.int("u")
        let tying = try c.number("weight_tying", default: 0)
        let dropout = try c.number("tinylora_dropout", default: 0)
        guard try c.bool("save_projection", default: true) else {
            throw c.error("save_projection", "false: P comes from PyTorch's generator, which we do not reproduce; "
                          + "save the adapter with save_projection=true")
        }
        let groupOf = pefTinyLoRAGroups(moduleCount: targeted.count, weightTying: tying)
        let groupCount = (groupOf.max() ?? -1) + 1
        let vectors = try (0..<groupCount).map { g in
            Parameter(name: "base_model.tinylora_v.\(g)", value: try tensor("base_model.tinylora_v.\(g)", [u]))
        }
        var layers: [(name: String, layer: any AdapterLayer)] = []
        var buffers: [(name: String, tensor: Tensor)] = []
        for (i, linear) in targeted.enumerated() {
            let prefix = "base_model.model.\(linear.name).tinylora_"
            // PEFT clamps r to min(r, out, in) (`_init_svd`'s actual_r).
            let k = min(r, linear.weight.rows, linear.weight.cols)
            let a = try tensor(prefix + "A", [k, linear.weight.cols]), b = try tensor(prefix + "B", [linear.weight.rows, k])
            let p = try tensor(prefix + "P", [u, k, k])
            layers.append((linear.name, TinyLoRALayer(a: a, b: b, projections: p, v: vectors[groupOf[i]])))
            buffers += [(prefix + "A", a), (prefix + "B", b), (prefix + "P", p)]
        }
        return AttachedAdapterLayers(layers: layers, parameters: vectors, dropout: dropout, buffers: buffers)
    }

    /// PEFT 0.21.2's module → group assignment (tinylora/model.py `_create_and_replace`): G = max(1, round(n·(1 − f)))
    /// with Python's round (half to even), group size ⌊n / G⌋, group = min(i / size, G − 1): the last group takes the
    /// remainder. (Our `TinyLoRA.tyingGroups` spreads the remainder instead; see `save`.)
    public static func pefTinyLoRAGroups(moduleCount n: Int, weightTying f: Double) -> [Int] {
        let groups = max(1, Int((Double(n) * (1 - f)).rounded(.toNearestOrEven)))
        let size = max(1, n / groups)
        return (0..<n).map { min($0 / size, groups - 1) }
    }

    private static func patternValue(_ pattern: [(key: String, value: Double)], _ module: String) -> Double? {
        for (key, value) in pattern {
            guard let regex = try? NSRegularExpression(pattern: "^(.*\\.)?(" + key + ")$") else { continue }
            if regex.firstMatch(in: module, range: NSRange(module.startIndex..., in: module)) != nil { return value }
        }
        return nil
    }

    // MARK: Saving

    /// Writes `adapter` as a PEFT folder. `family` gives the adapter_config.json (unless the adapter was loaded from
    /// one, which is written back); LoRA-XS has no PEFT method and is refused here: use `exportLoRA`.
    public static func save(_ adapter: AttachedAdapterLayers, family: (any AdapterFamily)? = nil, to folder: String) throws {
        let config: JSONValue
        if let family {
            config = try peftConfig(for: family, adapter: adapter)
        } else if let loaded = adapter.peftConfig {
            config = loaded
        } else {
            throw TinyTuneError.unsupported("saving an adapter needs its family (or an adapter loaded from a PEFT folder)")
        }
        let tensors = adapter.parameters.map { ($0.name, $0.value) } + adapter.buffers.map { ($0.name, $0.tensor) }
        try write(config: config, tensors: tensors, to: folder)
    }

    /// Writes `adapter` in its family's PEFT format, or, for a family PEFT has no method for (LoRA-XS), as the plain
    /// LoRA `exportLoRA` writes, which gives the same logits. Returns whether it was exported as LoRA.
    @discardableResult
    public static func saveOrExportLoRA(_ adapter: AttachedAdapterLayers, family: any AdapterFamily, to folder: String) throws -> Bool {
        if family is LoRAXS {
            try exportLoRA(adapter, to: folder)
            return true
        }
        try save(adapter, family: family, to: folder)
        return false
    }

    /// Writes any family's ΔW as a plain rank-r PEFT LoRA (scaling 1: lora_alpha = r), which PEFT and serving engines
    /// load. TinyLoRA, LoRA-XS and VeRA deltas are low rank: b·a with a (r, in), b (out, r).
    public static func exportLoRA(_ adapter: AttachedAdapterLayers, to folder: String) throws {
        var tensors: [(String, Tensor)] = []
        var rank = 0
        for name in adapter.modules {
            guard let layer = adapter.layers[name] else { continue }
            let (a, b) = layer.lowRankFactors()
            if rank != 0 && a.rows != rank {
                throw TinyTuneError.unsupported("modules have different ranks (\(rank), \(a.rows)); one rank per export")
            }
            rank = a.rows
            tensors += [("base_model.model.\(name).lora_A.weight", a), ("base_model.model.\(name).lora_B.weight", b)]
        }
        let config: JSONValue = .object([
            ("peft_type", .string("LORA")), ("r", .int(Int64(rank))), ("lora_alpha", .int(Int64(rank))),
            ("use_rslora", .bool(false)), ("lora_dropout", .double(0)),
            ("target_modules", .array(adapter.modules.map { .string($0) })),
            ("bias", .string("none")), ("fan_in_fan_out", .bool(false)), ("use_dora", .bool(false)),
            ("modules_to_save", .null), ("layers_to_transform", .null), ("layers_pattern", .null),
            ("rank_pattern", .object([])), ("alpha_pattern", .object([])), ("init_lora_weights", .bool(true)),
            ("inference_mode", .bool(true)), ("task_type", .null), ("base_model_name_or_path", .null),
        ])
        try write(config: config, tensors: tensors, to: folder)
    }

    static func peftConfig(for family: any AdapterFamily, adapter: AttachedAdapterLayers) throws -> JSONValue {
        let common: [(key: String, value: JSONValue)] = [
            ("target_modules", .array(adapter.modules.map { .string($0) })), ("bias", .string("none")),
            ("fan_in_fan_out", .bool(false)), ("modules_to_save", .null), ("layers_to_transform", .null),
            ("layers_pattern", .null), ("inference_mode", .bool(true)), ("task_type", .null),
            ("base_model_name_or_path", .null),
        ]
        switch family {
        case let lora as LoRA:
            let o = lora.options
            return .object([("peft_type", .string("LORA")), ("r", .int(Int64(o.r))), ("lora_alpha", .double(o.loraAlpha)),
                            ("use_rslora", .bool(o.useRSLoRA)), ("lora_dropout", .double(o.loraDropout)),
                            ("use_dora", .bool(false)), ("rank_pattern", .object([])), ("alpha_pattern", .object([])),
                            ("init_lora_weights", .bool(true))] + common)
        case let vera as VeRA:
            let o = vera.options
            return .object([("peft_type", .string("VERA")), ("r", .int(Int64(o.r))),
                            ("projection_prng_key", .int(Int64(bitPattern: o.projectionPRNGKey))),
                            ("save_projection", .bool(true)), ("vera_dropout", .double(o.veraDropout)),
                            ("d_initial", .double(o.dInitial)), ("init_weights", .bool(true))] + common)
        case let tiny as TinyLoRA:
            let o = tiny.options
            // PEFT rebuilds the module → group map from weight_tying alone, so ours must be one it can express.
            let n = adapter.modules.count, groups = adapter.parameters.count
            let fraction = n > 0 ? 1 - Double(groups) / Double(n) : 0
            let ours = adapter.modules.map { name -> Int in
                guard let layer = adapter.layers[name] as? TinyLoRALayer else { return -1 }
                return adapter.parameters.firstIndex { $0 === layer.v } ?? -1
            }
            guard ours == pefTinyLoRAGroups(moduleCount: n, weightTying: fraction) else {
                throw TinyTuneError.unsupported("\(groups) tying groups over \(n) modules cannot be written as PEFT's "
                    + "weight_tying (PEFT gives the remainder to the last group and ties in model order); choose a group "
                    + "count that divides \(n), tie_order \"tiled\", or export as LoRA")
            }
            return .object([("peft_type", .string("TINYLORA")), ("r", .int(Int64(o.r))), ("u", .int(Int64(o.u))),
                            ("weight_tying", .double(fraction)), ("projection_seed", .int(Int64(bitPattern: o.projectionSeed))),
                            ("save_projection", .bool(true)), ("tinylora_dropout", .double(0)),
                            ("init_weights", .bool(true)), ("init_v_bound", .double(o.initVBound))] + common)
        default:
            throw TinyTuneError.unsupported("\(type(of: family)) has no PEFT format; export it as a plain LoRA (exportLoRA)")
        }
    }

    private static func write(config: JSONValue, tensors: [(String, Tensor)], to folder: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try config.serialized(pretty: true).write(toFile: (folder as NSString).appendingPathComponent("adapter_config.json"),
                                                      atomically: true, encoding: .utf8)
        } catch {
            throw TinyTuneError.io(path: folder, reason: "cannot write adapter_config.json: \(error)")
        }
        try SafetensorsWriter.write(tensors.map { (name: $0.0, tensor: $0.1) }, dtype: .f32, metadata: ["format": "pt"],
                                    to: (folder as NSString).appendingPathComponent("adapter_model.safetensors"))
    }
}

/// Reads adapter_config.json fields, remembering which were consumed so that `finish()` refuses the rest.
struct ConfigReader {
    let path: String
    let config: JSONValue
    private(set) var consumed: Set<String> = []

    init(path: String, config: JSONValue) {
        self.path = path
        self.config = config
    }

    func error(_ field: String, _ problem: String) -> TinyTuneError {
        .invalidFile(path: path, reason: "\(field): \(problem)")
    }

    mutating func consume(_ key: String) { consumed.insert(key) }

    mutating func string(_ key: String) throws -> String {
        consume(key)
        guard case .string(let s)? = config[key] else { throw error(key, "missing or not a string") }
        return s
    }

    mutating func int(_ key: String) throws -> Int {
        consume(key)
        guard case .int(let n)? = config[key], n >= 1 else { throw error(key, "missing or not a positive integer") }
        return Int(n)
    }

    mutating func number(_ key: String, default fallback: Double? = nil) throws -> Double {
        consume(key)
        switch config[key] {
        case .int(let n)?: return Double(n)
        case .double(let d)?: return d
        case nil, .null?:
            if let fallback { return fallback }
            throw error(key, "missing")
        case let other?: throw error(key, "\(other.excerpt) is not a number")
        }
    }

    mutating func bool(_ key: String, default fallback: Bool) throws -> Bool {
        consume(key)
        switch config[key] {
        case .bool(let b)?: return b
        case nil, .null?: return fallback
        case let other?: throw error(key, "\(other.excerpt) is not true or false")
        }
    }

    /// `{"pattern": number}` in file order (PEFT takes the first match).
    mutating func numberPattern(_ key: String) throws -> [(key: String, value: Double)] {
        consume(key)
        switch config[key] {
        case nil, .null?: return []
        case .object(let members)?:
            return try members.map { m in
                switch m.value {
                case .int(let n): return (m.key, Double(n))
                case .double(let d): return (m.key, d)
                default: throw error("\(key).\(m.key)", "\(m.value.excerpt) is not a number")
                }
            }
        case let other?: throw error(key, "\(other.excerpt) is not an object")
        }
    }

    /// PEFT's target_modules: a list of names (a module matches by name or `.name` suffix), a regular expression
    /// (re.fullmatch on the module name) or "all-linear".
    mutating func targetModules() throws -> TargetModules {
        consume("target_modules")
        switch config["target_modules"] {
        case .string("all-linear")?: return .allLinear
        case .string(let pattern)?:
            guard (try? NSRegularExpression(pattern: pattern)) != nil else {
                throw error("target_modules", "\"\(pattern)\" is not a regular expression we can read")
            }
            return .pattern(pattern)
        case .array(let items)?:
            let names = try items.map { item -> String in
                guard case .string(let s) = item else { throw error("target_modules", "\(item.excerpt) is not a name") }
                return s
            }
            guard !names.isEmpty else { throw error("target_modules", "is empty") }
            return .names(names)
        default: throw error("target_modules", "missing, or not a list of names or a regular expression")
        }
    }

    /// PEFT's exclude_modules: nil or empty (none), a regular expression (re.fullmatch) or a list of names (a module
    /// matches by name or `.name` suffix), as target_modules.
    mutating func excludeModules() throws -> TargetModules? {
        consume("exclude_modules")
        switch config["exclude_modules"] {
        case nil, .null?: return nil
        case .array(let items)? where items.isEmpty: return nil
        case .string(let pattern)?:
            guard (try? NSRegularExpression(pattern: pattern)) != nil else {
                throw error("exclude_modules", "\"\(pattern)\" is not a regular expression we can read")
            }
            return .pattern(pattern)
        case .array(let items)?:
            return .names(try items.map { item -> String in
                guard case .string(let s) = item else { throw error("exclude_modules", "\(item.excerpt) is not a name") }
                return s
            })
        case let other?: throw error("exclude_modules", "\(other.excerpt) is not a list of names or a regular expression")
        }
    }

    /// PEFT's layers_to_transform: nil or an empty list (every layer), one index or a list of indices.
    mutating func layersToTransform() throws -> Set<Int>? {
        consume("layers_to_transform")
        switch config["layers_to_transform"] {
        case nil, .null?: return nil
        case .int(let n)?: return [Int(n)]
        case .array(let items)? where items.isEmpty: return nil
        case .array(let items)?:
            return Set(try items.map { item -> Int in
                guard case .int(let n) = item else { throw error("layers_to_transform", "\(item.excerpt) is not a layer index") }
                return Int(n)
            })
        case let other?: throw error("layers_to_transform", "\(other.excerpt) is not a layer index or a list of them")
        }
    }

    /// Refuses every field nobody consumed: an unknown field could change the math.
    func finish() throws {
        guard case .object(let members) = config else { return }
        let unknown = members.map(\.key).filter { !consumed.contains($0) }
        if let first = unknown.first {
            throw error(first, "unknown field (value \(config[first]?.excerpt ?? "?")); TinyTune refuses what it cannot honour"
                        + (unknown.count > 1 ? " (also: \(unknown.dropFirst().joined(separator: ", ")))" : ""))
        }
    }
}

private func require(_ value: JSONValue?, _ key: String) throws -> JSONValue {
    guard let value else { throw TinyTuneError.unsupported("\(key): missing") }
    return value
}
