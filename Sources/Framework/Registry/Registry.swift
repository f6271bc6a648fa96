import Foundation

/// The seven places plugins plug in. The raw values are the keys of `tinytune plugins --json`.
public enum PluginKind: String, CaseIterable, Sendable {
    case loaders, tokenizers, architectures, adapters, objectives, rewards, datasets

    /// The singular noun for messages: "unknown adapter type".
    public var noun: String {
        switch self {
        case .loaders: return "loader"
        case .tokenizers: return "tokenizer"
        case .architectures: return "architecture"
        case .adapters: return "adapter"
        case .objectives: return "objective"
        case .rewards: return "reward"
        case .datasets: return "dataset"
        }
    }
}

public enum RegistryError: Error, CustomStringConvertible, Sendable, Equatable {
    case duplicate(kind: PluginKind, name: String)
    case unknown(kind: PluginKind, name: String, known: [String])
    case invalidName(kind: PluginKind, name: String)

    public var description: String {
        switch self {
        case let .duplicate(kind, name):
            return "a \(kind.noun) named \"\(name)\" is already registered"
        case let .unknown(kind, name, known):
            var text = "unknown \(kind.noun) type \"\(name)\""
            if let hint = closestMatch(to: name, in: known) { text += " (did you mean \"\(hint)\"?)" }
            return text + "; known \(kind.rawValue): " + (known.isEmpty ? "none" : known.joined(separator: ", "))
        case let .invalidName(kind, name):
            return "\"\(name)\" cannot name a \(kind.noun): use lowercase letters, digits and underscores"
        }
    }
}

/// One registered plugin, with its type erased so plugins of one kind sit in one table.
public struct PluginEntry<Product>: Sendable {
    public let name: String
    public let summary: String
    /// Other names that find this entry (Hugging Face `model_type` spellings such as `gemma3_text`).
    public let aliases: [String]
    /// Hugging Face files carry keys we do not read; those plugins decode leniently.
    let strictOptions: Bool
    let decodeOptions: @Sendable (JSONValue, ConfigPath, Bool) throws -> any PluginOptions
    let build: @Sendable (any PluginOptions, PluginContext) throws -> Product

    /// Wraps a `Plugin` type; `erase` turns the built plugin into the kind's existential (usually `{ $0 }`).
    public init<P: Plugin>(_ pluginType: P.Type, aliases: [String] = [], strictOptions: Bool = true,
                           erase: @escaping @Sendable (P) -> Product)
    {
        name = P.typeName
        summary = P.summary
        self.aliases = aliases
        self.strictOptions = strictOptions
        decodeOptions = { json, path, strict in
            let options = try ConfigDecoder(rejectUnknownKeys: strict).decode(P.Options.self, from: json, at: path)
            try options.validate(at: path)
            return options
        }
        build = { options, context in
            guard let typed = options as? P.Options else {
                throw TinyTuneError.unsupported("options of type \(type(of: options)) do not belong to \(P.typeName)")
            }
            return erase(try P(options: typed, context: context))
        }
    }

    /// Decodes and checks this plugin's options from its config object (without the `type` key).
    public func options(from json: JSONValue, at path: ConfigPath) throws -> any PluginOptions {
        try decodeOptions(json, path, strictOptions)
    }

    /// Builds the plugin from options that `options(from:at:)` produced.
    public func make(_ options: any PluginOptions, context: PluginContext) throws -> Product {
        try build(options, context)
    }
}

/// A table of plugins of one kind, keyed by lowercase type name. Safe to read and extend from any thread.
///
///     try registry.rewards.register(MyReward.self)
///     let entry = try registry.rewards.entry(named: "my_reward")
public final class Registry<Product>: @unchecked Sendable {
    public let kind: PluginKind
    private let lock = NSLock()
    private var entries: [String: PluginEntry<Product>] = [:]
    private var aliasTable: [String: String] = [:]

    public init(kind: PluginKind) { self.kind = kind }

    /// Adds a plugin. A name already taken (as a name or an alias) is an error, so a plugin never replaces another
    /// silently.
    public func register(_ entry: PluginEntry<Product>) throws {
        for name in [entry.name] + entry.aliases {
            guard Self.isValidName(name) else { throw RegistryError.invalidName(kind: kind, name: name) }
        }
        try lock.withLock {
            for name in [entry.name] + entry.aliases where entries[name] != nil || aliasTable[name] != nil {
                throw RegistryError.duplicate(kind: kind, name: name)
            }
            entries[entry.name] = entry
            for alias in entry.aliases { aliasTable[alias] = entry.name }
        }
    }

    /// The plugin registered as `name` (or with `name` as an alias); unknown names list the known ones.
    public func entry(named name: String) throws -> PluginEntry<Product> {
        try lock.withLock {
            if let entry = entries[name] ?? aliasTable[name].flatMap({ entries[$0] }) { return entry }
            throw RegistryError.unknown(kind: kind, name: name, known: entries.keys.sorted())
        }
    }

    /// Registered names in alphabetical order (aliases not included).
    public var names: [String] { lock.withLock { entries.keys.sorted() } }

    /// Registered entries in alphabetical order.
    public var allEntries: [PluginEntry<Product>] { lock.withLock { entries.values.sorted { $0.name < $1.name } } }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}
