/// Every plugin table in one place. Built-ins come from `TinyTunePlugins.BuiltinPlugins.registry()`;
/// programs add their own plugins with one `register` line each.
///
///     let registry = try BuiltinPlugins.registry()
///     try registry.rewards.register(KeywordReward.self)
public final class PluginRegistry: Sendable {
    public let loaders = Registry<any WeightLoader>(kind: .loaders)
    public let tokenizers = Registry<any Tokenizer>(kind: .tokenizers)
    public let architectures = Registry<any ModelArchitecture>(kind: .architectures)
    public let adapters = Registry<any AdapterFamily>(kind: .adapters)
    public let objectives = Registry<any Objective>(kind: .objectives)
    public let rewards = Registry<any RewardFunction>(kind: .rewards)
    public let datasets = Registry<any Dataset>(kind: .datasets)

    public init() {}

    /// Registered names of one kind, alphabetically.
    public func names(of kind: PluginKind) -> [String] {
        switch kind {
        case .loaders: return loaders.names
        case .tokenizers: return tokenizers.names
        case .architectures: return architectures.names
        case .adapters: return adapters.names
        case .objectives: return objectives.names
        case .rewards: return rewards.names
        case .datasets: return datasets.names
        }
    }

    /// Name and summary of every plugin of one kind, alphabetically.
    public func summaries(of kind: PluginKind) -> [(name: String, summary: String)] {
        func list<P>(_ registry: Registry<P>) -> [(name: String, summary: String)] {
            registry.allEntries.map { ($0.name, $0.summary) }
        }
        switch kind {
        case .loaders: return list(loaders)
        case .tokenizers: return list(tokenizers)
        case .architectures: return list(architectures)
        case .adapters: return list(adapters)
        case .objectives: return list(objectives)
        case .rewards: return list(rewards)
        case .datasets: return list(datasets)
        }
    }
}

// One `register` per kind, so a plugin registers with a single line: `try registry.rewards.register(X.self)`.

extension Registry where Product == any WeightLoader {
    public func register<P: Plugin & WeightLoader>(_ type: P.Type) throws { try register(PluginEntry(type) { $0 }) }
}

extension Registry where Product == any Tokenizer {
    public func register<P: Plugin & Tokenizer>(_ type: P.Type) throws { try register(PluginEntry(type) { $0 }) }
}

extension Registry where Product == any ModelArchitecture {
    /// Architecture options are a Hugging Face `config.json`, which holds many keys we do not read.
    public func register<P: Plugin & ModelArchitecture>(_ type: P.Type, aliases: [String] = []) throws {
        try register(PluginEntry(type, aliases: aliases, strictOptions: false) { $0 })
    }
}

extension Registry where Product == any AdapterFamily {
    public func register<P: Plugin & AdapterFamily>(_ type: P.Type) throws { try register(PluginEntry(type) { $0 }) }
}

extension Registry where Product == any Objective {
    public func register<P: Plugin & Objective>(_ type: P.Type) throws { try register(PluginEntry(type) { $0 }) }
}

extension Registry where Product == any RewardFunction {
    public func register<P: Plugin & RewardFunction>(_ type: P.Type) throws { try register(PluginEntry(type) { $0 }) }
}

extension Registry where Product == any Dataset {
    public func register<P: Plugin & Dataset>(_ type: P.Type) throws { try register(PluginEntry(type) { $0 }) }
}
