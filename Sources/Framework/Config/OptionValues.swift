import Foundation

/// A rule a single option value must follow, with the words used in the error when it does not.
///
///     let u = try container.value(.u, default: 64, .atLeast(1))   // "adapter.u: -7 is out of range; allowed: ≥ 1"
public struct Allowed<T>: Sendable {
    public let description: String
    let test: @Sendable (T) -> Bool

    public init(_ description: String, _ test: @escaping @Sendable (T) -> Bool) {
        self.description = description
        self.test = test
    }
}

extension Allowed where T: Comparable & Sendable {
    public static func atLeast(_ low: T) -> Allowed { Allowed("≥ \(low)") { $0 >= low } }
    public static func greaterThan(_ low: T) -> Allowed { Allowed("> \(low)") { $0 > low } }
    public static func between(_ low: T, _ high: T) -> Allowed { Allowed("\(low) to \(high)") { $0 >= low && $0 <= high } }
    /// low ≤ value < high.
    public static func from(_ low: T, below high: T) -> Allowed {
        Allowed("\(low) ≤ value < \(high)") { $0 >= low && $0 < high }
    }
}

extension Allowed where T == String {
    public static var nonEmpty: Allowed { Allowed("a non-empty string") { !$0.isEmpty } }
}

extension Allowed where T: Collection & SendableMetatype {
    public static var nonEmpty: Allowed { Allowed("a non-empty list") { !$0.isEmpty } }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or `defaultValue` when the key is absent or null; checked against `allowed`.
    public func value<T: Decodable>(_ key: Key, default defaultValue: T, _ allowed: Allowed<T>) throws -> T {
        let found = try decodeIfPresent(T.self, forKey: key) ?? defaultValue
        try check(found, key, allowed)
        return found
    }

    /// The value at `key`, or `defaultValue` when the key is absent or null.
    public func value<T: Decodable>(_ key: Key, default defaultValue: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? defaultValue
    }

    /// The value at `key`, which must be present; checked against `allowed`.
    public func required<T: Decodable>(_ key: Key, _ allowed: Allowed<T>) throws -> T {
        let found = try decode(T.self, forKey: key)
        try check(found, key, allowed)
        return found
    }

    /// The value at `key`, which must be present.
    public func required<T: Decodable>(_ key: Key) throws -> T { try decode(T.self, forKey: key) }

    /// The value at `key` if present (nil otherwise); checked against `allowed`.
    public func optional<T: Decodable>(_ key: Key, _ allowed: Allowed<T>) throws -> T? {
        guard let found = try decodeIfPresent(T.self, forKey: key) else { return nil }
        try check(found, key, allowed)
        return found
    }

    /// The value at `key` if present, nil otherwise.
    public func optional<T: Decodable>(_ key: Key) throws -> T? { try decodeIfPresent(T.self, forKey: key) }

    /// The config path of `key` inside this container, for errors raised after decoding.
    public func path(_ key: Key) -> ConfigPath { ConfigPath(codingPath: codingPath + [key]) }

    private func check<T>(_ value: T, _ key: Key, _ allowed: Allowed<T>) throws {
        guard !allowed.test(value) else { return }
        let shown = value is String ? "\"\(value)\"" : "\(value)"
        throw ConfigError.outOfRange(path(key), value: shown, allowed: allowed.description)
    }
}

/// A closed set of option words (`loss_type`, `scale_rewards`, ...). Decoding an unknown word fails with the list
/// of allowed words; switches over these enums are exhaustive, never string chains.
public protocol OptionEnum: RawRepresentable<String>, CaseIterable, Codable, Sendable, ConfigDescribable {}

extension OptionEnum {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let word: String
        do {
            word = try container.decode(String.self)
        } catch is ConfigError {
            let found = decoder.jsonValue ?? .null
            throw ConfigError.wrongType(decoder.configPath, expected: Self.expectedDescription, found: found)
        }
        guard let value = Self(rawValue: word) else {
            var message = "\"\(word)\" is not allowed; expected \(Self.expectedDescription)"
            if let hint = closestMatch(to: word, in: Self.allCases.map(\.rawValue)) {
                message += " (did you mean \"\(hint)\"?)"
            }
            throw ConfigError.invalid(decoder.configPath, message)
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static var expectedDescription: String {
        "one of " + allCases.map(\.rawValue).joined(separator: ", ")
    }
}

/// Which linear modules an adapter wraps, with PEFT's meaning of `target_modules`: the word `all-linear`, a regular
/// expression that must match the whole module name, or a list of names each matching the end of a module name.
///
///     "target_modules": "all-linear"
///     "target_modules": ["q_proj", "v_proj"]
///     "target_modules": ".*\\.(q|v)_proj"
public enum TargetModules: Sendable, Equatable, Decodable, ConfigDescribable {
    case allLinear
    case names([String])
    case pattern(String)

    public static var expectedDescription: String { "\"all-linear\", a regular expression or a list of module names" }

    public init(from decoder: any Decoder) throws {
        let path = decoder.configPath
        switch decoder.jsonValue {
        case .string("all-linear"):
            self = .allLinear
        case .string(let pattern):
            guard !pattern.isEmpty else { throw ConfigError.invalid(path, "the pattern is empty") }
            do {
                _ = try NSRegularExpression(pattern: pattern)
            } catch {
                throw ConfigError.invalid(path, "\"\(pattern)\" is not a valid regular expression")
            }
            self = .pattern(pattern)
        case .array(let items):
            var names: [String] = []
            for (index, item) in items.enumerated() {
                guard case .string(let name) = item, !name.isEmpty else {
                    throw ConfigError.wrongType(path.appending(index: index), expected: "a module name", found: item)
                }
                names.append(name)
            }
            guard !names.isEmpty else { throw ConfigError.invalid(path, "the list of modules is empty") }
            self = .names(names)
        case let other?:
            throw ConfigError.wrongType(path, expected: Self.expectedDescription, found: other)
        case nil:
            throw ConfigError.invalid(path, "target_modules can only be read from a TinyTune config")
        }
    }

    /// Whether a module (full dotted name such as `model.layers.0.self_attn.q_proj`) is targeted.
    /// `all-linear` excludes the output head, as PEFT does.
    public func matches(_ moduleName: String) -> Bool {
        switch self {
        case .allLinear:
            return !(moduleName.hasSuffix("lm_head") || moduleName.hasSuffix("output"))
        case .names(let names):
            return names.contains { moduleName == $0 || moduleName.hasSuffix("." + $0) }
        case .pattern(let pattern):
            guard let regex = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$") else { return false }
            let range = NSRange(moduleName.startIndex..., in: moduleName)
            return regex.firstMatch(in: moduleName, range: range) != nil
        }
    }
}
