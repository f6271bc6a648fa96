import Foundation

/// What `tinytune` can do with an assembled pipeline.
public enum RunMode: String, Sendable, CaseIterable {
    case train, eval, generate
}

/// A config turned into plugin instances, ready to run. Assembly builds the plugins but does no heavy work
/// (no weights are read), so it is cheap and every config mistake surfaces before anything long starts.
///
///     let config = try ConfigLoader(registry: registry).load(path: "Examples/quickstart.json")
///     let pipeline = try Pipeline.assemble(config, registry: registry)
///     try pipeline.checkRequirements(for: .train)
public struct Pipeline: Sendable {
    public let config: PipelineConfig
    public let loader: any WeightLoader
    public let tokenizer: (any Tokenizer)?
    public let adapter: (any AdapterFamily)?
    public let objective: (any Objective)?
    public let rewards: WeightedRewards
    public let dataset: (any Dataset)?

    public static func assemble(_ config: PipelineConfig, registry: PluginRegistry) throws -> Pipeline {
        let context = PluginContext(baseDirectory: config.baseDirectory, registry: registry)
        func build<P>(_ spec: PluginSpec?, _ table: Registry<P>) throws -> P? {
            guard let spec else { return nil }
            return try table.entry(named: spec.type).make(spec.options, context: context)
        }
        guard let loader = try build(config.model, registry.loaders) else {
            throw ConfigError.missing(ConfigPath().appending("model"), expected: "a loader")
        }
        var rewards: [(name: String, weight: Double, function: any RewardFunction)] = []
        for spec in config.rewards {
            if let function = try build(spec.plugin, registry.rewards) {
                rewards.append((spec.plugin.type, spec.weight, function))
            }
        }
        return Pipeline(config: config, loader: loader,
                        tokenizer: try build(config.tokenizer, registry.tokenizers),
                        adapter: try build(config.adapter, registry.adapters),
                        objective: try build(config.objective, registry.objectives),
                        rewards: WeightedRewards(rewards),
                        dataset: try build(config.dataset, registry.datasets))
    }

    /// Checks that the config has the sections `mode` needs; the error names the missing section.
    public func checkRequirements(for mode: RunMode) throws {
        var errors: [ConfigError] = []
        func need(_ present: Bool, _ section: String, _ why: String) {
            if !present { errors.append(ConfigError(.missingField, at: ConfigPath().appending(section), why)) }
        }
        switch mode {
        case .train:
            need(adapter != nil, "adapter", "training needs an adapter to train")
            need(objective != nil, "objective", "training needs an objective such as {\"type\": \"grpo\"}")
            need(dataset != nil, "dataset", "training needs a dataset")
            if let objective, objective.needsRewards {
                need(!rewards.functions.isEmpty, "rewards", "the objective \(config.objective?.type ?? "") scores completions with rewards; list at least one")
            }
        case .eval:
            need(dataset != nil, "dataset", "evaluation needs a dataset")
            need(!rewards.functions.isEmpty, "rewards", "evaluation scores completions with rewards; list at least one")
        case .generate:
            break
        }
        if !errors.isEmpty { throw ConfigErrors(errors.map { var e = $0; e.file = config.file; return e }) }
    }

    /// Checks that the files the config names exist and their headers are sound, without loading them.
    public func checkFiles() throws {
        try loader.checkFiles()
    }
}
