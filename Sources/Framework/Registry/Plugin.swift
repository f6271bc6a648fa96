import Foundation

/// The static side shared by every plugin: its type name (what users write in `"type"`), a one-line summary for
/// `tinytune plugins`, its typed options and how it is built from them.
///
/// A new plugin is one file with a type conforming to `Plugin` and to its kind's protocol (`RewardFunction`,
/// `AdapterFamily`, ...), one registration line in `BuiltinPlugins.swift` (or in your own program, see
/// `Examples/CustomReward`) and one test file.
public protocol Plugin: Sendable {
    associatedtype Options: PluginOptions
    /// Lowercase name users write in a config's `"type"` field: `tinylora`, `math_answer`, ...
    static var typeName: String { get }
    /// One line for `tinytune plugins`.
    static var summary: String { get }
    init(options: Options, context: PluginContext) throws
}

/// A plugin's options, decoded from its config object with `ConfigDecoder`. Declare `CodingKeys` as
/// `CaseIterable` so unknown keys are refused, check single values while decoding (`container.value(_:default:_:)`)
/// and rules that tie several fields together in `validate(at:)`.
public protocol PluginOptions: Decodable, Sendable {
    /// Checks that involve several fields; `path` is where the options sit (`adapter`, `rewards[1]`).
    func validate(at path: ConfigPath) throws
}

extension PluginOptions {
    public func validate(at path: ConfigPath) throws {}
}

/// Options of a plugin that takes none: `{"type": "sft"}` with nothing else.
public struct NoOptions: PluginOptions {
    public init() {}
    public init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: CodingKeys.self)
    }
    enum CodingKeys: String, CodingKey, CaseIterable { case none = "" }
}

/// What a plugin may need while it is built: where relative paths start, and the registry for nested plugins.
public struct PluginContext: Sendable {
    /// The folder of the config file; relative paths in options resolve from here.
    public let baseDirectory: URL
    public let registry: PluginRegistry

    public init(baseDirectory: URL, registry: PluginRegistry) {
        self.baseDirectory = baseDirectory
        self.registry = registry
    }

    /// An absolute path for a path written in a config: absolute stays, `~/` expands, relative joins the config's
    /// folder.
    public func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/") {
            return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(String(path.dropFirst(2))).path
        }
        return baseDirectory.appendingPathComponent(path).standardizedFileURL.path
    }
}
