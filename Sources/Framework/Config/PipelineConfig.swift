import Foundation

/// One plugin named in a config: its kind, its type name, its decoded options and where it sat in the file.
public struct PluginSpec: Sendable {
    public let kind: PluginKind
    public let type: String
    public let options: any PluginOptions
    public let path: ConfigPath
}

/// A reward in the `rewards` list with its weight in the sum.
public struct RewardSpec: Sendable {
    public let plugin: PluginSpec
    /// Multiplies this reward in the weighted sum. Default 1.0.
    public let weight: Double
}

/// A whole config file, checked: every plugin exists and every option is typed and in range.
///
/// ```json
/// {"model":     {"type": "gguf", "path": "../models/gemma-3-270m-q4_k_m.gguf"},
///  "adapter":   {"type": "tinylora", "r": 2, "u": 13, "weight_tying": 1.0, "target_modules": "all-linear"},
///  "objective": {"type": "grpo", "num_generations": 8, "loss_type": "dr_grpo", "beta": 0.0},
///  "rewards":   [{"type": "math_answer", "weight": 1.0}],
///  "dataset":   {"type": "arithmetic", "seed": 0},
///  "training":  {"steps": 50, "learning_rate": 0.005, "prompts_per_step": 4}}
/// ```
public struct PipelineConfig: Sendable {
    /// The checkpoint: a `loaders` plugin (`gguf`, `safetensors`). Required.
    public var model: PluginSpec
    /// Overrides the checkpoint's own tokenizer. Optional.
    public var tokenizer: PluginSpec?
    /// The adapter family to train or apply. Optional (no adapter: the base model).
    public var adapter: PluginSpec?
    /// What training optimizes (`grpo`, `sft`). Needed for `train`.
    public var objective: PluginSpec?
    /// Weighted rewards (GRPO, and accuracy in `eval`).
    public var rewards: [RewardSpec]
    /// Where problems come from. Needed for `train` and `eval`.
    public var dataset: PluginSpec?
    public var training: TrainingOptions
    public var generation: GenerationOptions
    public var evaluation: EvaluationOptions
    public var output: OutputOptions
    /// The config file, when read from one.
    public var file: String?
    /// The folder relative paths start from.
    public var baseDirectory: URL

    /// Top-level keys, in the order documented above.
    enum Section: String, CaseIterable {
        case model, tokenizer, adapter, objective, rewards, dataset, training, generation, evaluation, output
    }
}

/// Reads and checks config files. Every error found is reported at once, each naming its path.
///
///     let config = try ConfigLoader(registry: registry).load(path: "Examples/quickstart.json")
public struct ConfigLoader: Sendable {
    public let registry: PluginRegistry

    public init(registry: PluginRegistry) { self.registry = registry }

    /// Parses and checks a config file (JSON, or YAML for `.yaml`/`.yml`); throws `ConfigErrors` listing every problem.
    public func load(path: String) throws -> PipelineConfig {
        let json: JSONValue
        do {
            if path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw TinyTuneError.io(path: path, reason: "cannot read the file (missing or not readable)")
                }
                guard let text = String(data: data, encoding: .utf8) else {
                    throw JSONParseError(source: path, line: 1, column: 1, reason: "the file is not valid UTF-8")
                }
                json = try JSONValue.parseYAML(text, source: path)
            } else {
                json = try JSONValue.parse(contentsOf: path)
            }
        } catch let error as JSONParseError {
            throw ConfigErrors([ConfigError(.malformedFile, at: .root, error.description)])
        } catch {
            throw ConfigErrors([ConfigError(.malformedFile, at: .root, "\(error)")])
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL
        do {
            return try load(json: json, baseDirectory: directory, file: path)
        } catch let errors as ConfigErrors {
            throw ConfigErrors(errors.errors.map { var e = $0; e.file = path; return e })
        }
    }

    /// Checks an already parsed config. Relative paths will resolve from `baseDirectory`.
    public func load(json: JSONValue, baseDirectory: URL, file: String? = nil) throws -> PipelineConfig {
        guard case .object(let members) = json else {
            throw ConfigErrors([ConfigError.wrongType(.root, expected: "an object with a \"model\" section", found: json)])
        }
        var errors: [ConfigError] = []
        let allowed = PipelineConfig.Section.allCases.map(\.rawValue)
        for member in members where PipelineConfig.Section(rawValue: member.key) == nil {
            var message = "unknown section \"\(member.key)\""
            if let hint = closestMatch(to: member.key, in: allowed) { message += " (did you mean \"\(hint)\"?)" }
            errors.append(ConfigError(.unknownKey, at: ConfigPath().appending(member.key),
                                      message + "; allowed sections: " + allowed.joined(separator: ", ")))
        }

        // Each section is checked on its own, so one mistake does not hide the next.
        func attempt<T>(_ body: () throws -> T) -> T? {
            do {
                return try body()
            } catch let error as ConfigError {
                errors.append(error)
            } catch let error as ConfigErrors {
                errors.append(contentsOf: error.errors)
            } catch {
                errors.append(ConfigError(.invalidValue, at: .root, "\(error)"))
            }
            return nil
        }
        func section(_ name: PipelineConfig.Section) -> JSONValue? { json[name.rawValue].flatMap { $0 == .null ? nil : $0 } }
        func plugin<P>(_ name: PipelineConfig.Section, _ table: Registry<P>) -> PluginSpec? {
            guard let value = section(name) else { return nil }
            return attempt { try pluginSpec(value, at: ConfigPath().appending(name.rawValue), table) }
        }
        func options<T: Decodable>(_ name: PipelineConfig.Section, _ type: T.Type) -> T? {
            attempt { try ConfigDecoder().decode(type, from: section(name) ?? .object([]), at: ConfigPath().appending(name.rawValue)) }
        }

        var model: PluginSpec?
        if let value = section(.model) {
            model = attempt { try pluginSpec(value, at: ConfigPath().appending("model"), registry.loaders) }
        } else {
            errors.append(.missing(ConfigPath().appending("model"), expected: "an object such as {\"type\": \"gguf\", \"path\": \"model.gguf\"}"))
        }
        let tokenizer = plugin(.tokenizer, registry.tokenizers)
        let adapter = plugin(.adapter, registry.adapters)
        let objective = plugin(.objective, registry.objectives)
        let dataset = plugin(.dataset, registry.datasets)
        let rewards = attempt { try rewardSpecs(section(.rewards)) } ?? []
        let training = options(.training, TrainingOptions.self)
        let generation = options(.generation, GenerationOptions.self)
        let evaluation = options(.evaluation, EvaluationOptions.self)
        let output = options(.output, OutputOptions.self)

        guard errors.isEmpty, let model, let training, let generation, let evaluation, let output else {
            throw ConfigErrors(errors)
        }
        return PipelineConfig(model: model, tokenizer: tokenizer, adapter: adapter, objective: objective,
                              rewards: rewards, dataset: dataset, training: training, generation: generation,
                              evaluation: evaluation, output: output, file: file, baseDirectory: baseDirectory)
    }

    /// Reads `type` first, finds the plugin, then decodes the rest of the object as that plugin's options.
    func pluginSpec<P>(_ value: JSONValue, at path: ConfigPath, _ table: Registry<P>,
                       envelope: Set<String> = []) throws -> PluginSpec
    {
        guard case .object(let members) = value else {
            throw ConfigError.wrongType(path, expected: "an object with a \"type\" field", found: value)
        }
        guard let typeValue = value["type"] else {
            throw ConfigError.missing(path.appending("type"), expected: "one of " + table.names.joined(separator: ", "))
        }
        guard case .string(let type) = typeValue else {
            throw ConfigError.wrongType(path.appending("type"), expected: "a \(table.kind.noun) name", found: typeValue)
        }
        let entry: PluginEntry<P>
        do {
            entry = try table.entry(named: type)
        } catch let error as RegistryError {
            throw ConfigError(.unknownPlugin, at: path.appending("type"), error.description)
        }
        let rest = JSONValue.object(members.filter { $0.key != "type" && !envelope.contains($0.key) })
        let options = try entry.options(from: rest, at: path)
        return PluginSpec(kind: table.kind, type: entry.name, options: options, path: path)
    }

    func rewardSpecs(_ value: JSONValue?) throws -> [RewardSpec] {
        guard let value else { return [] }
        let path = ConfigPath().appending("rewards")
        guard case .array(let items) = value else {
            throw ConfigError.wrongType(path, expected: "a list of rewards such as [{\"type\": \"math_answer\"}]", found: value)
        }
        var specs: [RewardSpec] = []
        var errors: [ConfigError] = []
        for (index, item) in items.enumerated() {
            let itemPath = path.appending(index: index)
            do {
                let plugin = try pluginSpec(item, at: itemPath, registry.rewards, envelope: ["weight"])
                var weight = 1.0
                if let raw = item["weight"] {
                    switch raw {
                    case .int(let i): weight = Double(i)
                    case .double(let d) where d.isFinite: weight = d
                    default: throw ConfigError.wrongType(itemPath.appending("weight"), expected: "a number", found: raw)
                    }
                }
                specs.append(RewardSpec(plugin: plugin, weight: weight))
            } catch let error as ConfigError {
                errors.append(error)
            }
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
        return specs
    }
}
