/// Where a value sits in a config file: `adapter.u`, `rewards[1].weight`.
public struct ConfigPath: Sendable, Hashable, CustomStringConvertible {
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }
    public var components: [Component]

    public init(_ components: [Component] = []) { self.components = components }

    public static let root = ConfigPath()

    public func appending(_ key: String) -> ConfigPath { ConfigPath(components + [.key(key)]) }
    public func appending(index: Int) -> ConfigPath { ConfigPath(components + [.index(index)]) }

    public var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key): text += text.isEmpty ? key : "." + key
            case .index(let index): text += "[\(index)]"
            }
        }
        return text.isEmpty ? "(top level)" : text
    }

    /// Builds a path from a Codable coding path (array indices arrive as int-valued keys).
    init(codingPath: [any CodingKey]) {
        components = codingPath.map { key in
            if let index = key.intValue, key.stringValue == "Index \(index)" || key.stringValue.isEmpty {
                return .index(index)
            }
            return .key(key.stringValue)
        }
    }
}

/// A config value that is wrong. The message always names the path and, where there is one, the bad value and
/// what is allowed, so a user can fix the file without reading our sources.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case malformedFile
        case unknownKey
        case missingField
        case wrongType
        case outOfRange
        case unknownPlugin
        case invalidValue
    }

    public let kind: Kind
    public let path: ConfigPath
    public let message: String
    /// The file the value came from, when known.
    public var file: String?

    public init(_ kind: Kind, at path: ConfigPath, _ message: String, file: String? = nil) {
        self.kind = kind
        self.path = path
        self.message = message
        self.file = file
    }

    public var description: String {
        let location = file.map { "\($0): " } ?? ""
        return kind == .malformedFile ? "\(location)\(message)" : "\(location)\(path): \(message)"
    }

    // MARK: Common messages

    public static func missing(_ path: ConfigPath, expected: String) -> ConfigError {
        ConfigError(.missingField, at: path, "missing required field (expected \(expected))")
    }

    public static func wrongType(_ path: ConfigPath, expected: String, found: JSONValue) -> ConfigError {
        ConfigError(.wrongType, at: path, "expected \(expected), found \(found.kindDescription) \(found.excerpt)")
    }

    public static func outOfRange(_ path: ConfigPath, value: String, allowed: String) -> ConfigError {
        ConfigError(.outOfRange, at: path, "\(value) is out of range; allowed: \(allowed)")
    }

    public static func invalid(_ path: ConfigPath, _ message: String) -> ConfigError {
        ConfigError(.invalidValue, at: path, message)
    }
}

/// Several config errors found in one pass, so a user fixes them all at once.
public struct ConfigErrors: Error, CustomStringConvertible, Sendable {
    public let errors: [ConfigError]
    public init(_ errors: [ConfigError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Suggests the allowed word closest to a typo ("did you mean `u`?"), by edit distance.
func closestMatch(to word: String, in candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1]
            for (j, cb) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
    let target = Array(word.lowercased())
    let scored = candidates.map { ($0, distance(target, Array($0.lowercased()))) }
    guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, target.count / 3) else { return nil }
    return best.0
}
