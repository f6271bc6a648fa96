import Foundation

/// Decodes `Decodable` option structs from a `JSONValue`, with errors that name the config path.
///
/// Strict by default: an object key that the struct's `CodingKeys` (declared `CaseIterable`) does not list is an
/// error with a "did you mean" hint, so a typo never falls back to a default silently. Hugging Face files such as
/// `config.json` carry many keys we do not need; decode those with `rejectUnknownKeys: false`.
///
///     struct Options: Decodable { let r: Int; enum CodingKeys: String, CodingKey, CaseIterable { case r } }
///     let options = try ConfigDecoder().decode(Options.self, from: json, at: ConfigPath().appending("adapter"))
public struct ConfigDecoder: Sendable {
    public var rejectUnknownKeys: Bool

    public init(rejectUnknownKeys: Bool = true) { self.rejectUnknownKeys = rejectUnknownKeys }

    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, at path: ConfigPath = .root) throws -> T {
        let decoder = ValueDecoder(value: value, codingPath: path.codingKeys, strict: rejectUnknownKeys)
        do {
            return try T(from: decoder)
        } catch let error as DecodingError {
            throw ConfigError(decodingError: error)
        }
    }
}

/// A coding key for paths: object keys and list indices.
struct PathKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) { self.stringValue = "Index \(intValue)"; self.intValue = intValue }
}

extension ConfigPath {
    var codingKeys: [any CodingKey] {
        components.map { component in
            switch component {
            case .key(let key): return PathKey(stringValue: key)
            case .index(let index): return PathKey(intValue: index)
            }
        }
    }
}

extension ConfigError {
    /// Errors thrown by Codable's own machinery (for example a synthesized enum init) keep their path.
    init(decodingError: DecodingError) {
        switch decodingError {
        case let .typeMismatch(_, context), let .dataCorrupted(context):
            self.init(.invalidValue, at: ConfigPath(codingPath: context.codingPath), context.debugDescription)
        case let .keyNotFound(key, context):
            self.init(.missingField, at: ConfigPath(codingPath: context.codingPath + [key]), "missing required field")
        case let .valueNotFound(_, context):
            self.init(.missingField, at: ConfigPath(codingPath: context.codingPath), "a value is required here")
        @unknown default:
            self.init(.invalidValue, at: .root, "\(decodingError)")
        }
    }
}

/// How a type is described to users in "expected ..." messages.
func expectedDescription(of type: Any.Type) -> String {
    switch type {
    case is Bool.Type: return "true or false"
    case is String.Type: return "a string"
    case is Int.Type, is Int64.Type, is Int32.Type, is UInt64.Type, is UInt32.Type, is UInt.Type: return "an integer"
    case is Double.Type, is Float.Type: return "a number"
    default:
        if let described = type as? any ConfigDescribable.Type { return described.expectedDescription }
        return "an object"
    }
}

/// A type that tells users what it expects ("one of grpo, dr_grpo", "a list of strings").
public protocol ConfigDescribable {
    static var expectedDescription: String { get }
}

extension Array: ConfigDescribable {
    public static var expectedDescription: String { "a list" }
}

private struct ValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let strict: Bool
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    var path: ConfigPath { ConfigPath(codingPath: codingPath) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else {
            throw ConfigError.wrongType(path, expected: "an object", found: value)
        }
        var byKey: [String: JSONValue] = [:]
        for member in members { byKey[member.key] = member.value }
        if strict, let allowed = allowedKeys(Key.self) {
            for member in members where !allowed.contains(member.key) {
                var message = "unknown key \"\(member.key)\""
                if let hint = closestMatch(to: member.key, in: allowed) { message += " (did you mean \"\(hint)\"?)" }
                message += "; allowed keys: " + allowed.joined(separator: ", ")
                throw ConfigError(.unknownKey, at: path.appending(member.key), message)
            }
        }
        return KeyedDecodingContainer(KeyedContainer<Key>(members: byKey, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else {
            throw ConfigError.wrongType(path, expected: "a list", found: value)
        }
        return UnkeyedContainer(items: items, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleContainer(decoder: self) }

    func child(_ value: JSONValue, key: any CodingKey) -> ValueDecoder {
        ValueDecoder(value: value, codingPath: codingPath + [key], strict: strict)
    }

    // MARK: Scalars

    func decodeScalar<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is Bool.Type:
            guard case .bool(let b) = value else { throw mismatch(type) }
            return b as! T
        case is String.Type:
            guard case .string(let s) = value else { throw mismatch(type) }
            return s as! T
        case is Double.Type:
            return try number() as! T
        case is Float.Type:
            return Float(try number()) as! T
        case is Int.Type:
            return try integer(Int.self) as! T
        case is Int64.Type:
            return try integer(Int64.self) as! T
        case is Int32.Type:
            return try integer(Int32.self) as! T
        case is UInt64.Type:
            return try integer(UInt64.self) as! T
        case is UInt32.Type:
            return try integer(UInt32.self) as! T
        case is UInt.Type:
            return try integer(UInt.self) as! T
        default:
            return try T(from: self)
        }
    }

    func mismatch(_ type: Any.Type) -> ConfigError {
        ConfigError.wrongType(path, expected: expectedDescription(of: type), found: value)
    }

    func number() throws -> Double {
        switch value {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: throw mismatch(Double.self)
        }
    }

    func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        switch value {
        case .int(let i):
            guard let exact = I(exactly: i) else {
                throw ConfigError.outOfRange(path, value: "\(i)", allowed: "\(I.min)...\(I.max)")
            }
            return exact
        case .double(let d) where d.rounded() == d && d.isFinite:
            // 2.0 where an integer is expected is what the user meant.
            guard let exact = I(exactly: d) else {
                throw ConfigError.outOfRange(path, value: "\(d)", allowed: "\(I.min)...\(I.max)")
            }
            return exact
        default:
            throw mismatch(type)
        }
    }
}

/// The allowed keys of a struct whose `CodingKeys` are `CaseIterable`; nil when the type does not list them.
private func allowedKeys<Key: CodingKey>(_ type: Key.Type) -> [String]? {
    guard let iterable = type as? any (CodingKey & CaseIterable).Type else { return nil }
    return keyNames(of: iterable)
}

private func keyNames<Key: CodingKey & CaseIterable>(of type: Key.Type) -> [String] {
    type.allCases.map(\.stringValue)
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let value = members[key.stringValue] else { return true }
        return value == .null
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let value = members[key.stringValue], value != .null else {
            throw ConfigError.missing(decoder.path.appending(key.stringValue), expected: expectedDescription(of: type))
        }
        return try decoder.child(value, key: key).decodeScalar(type)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = members[key.stringValue], value != .null else { return nil }
        return try decoder.child(value, key: key).decodeScalar(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        guard let value = members[key.stringValue] else {
            throw ConfigError.missing(decoder.path.appending(key.stringValue), expected: "an object")
        }
        return try decoder.child(value, key: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        guard let value = members[key.stringValue] else {
            throw ConfigError.missing(decoder.path.appending(key.stringValue), expected: "a list")
        }
        return try decoder.child(value, key: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        decoder.child(members[key.stringValue] ?? .null, key: key)
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let decoder: ValueDecoder
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(items: [JSONValue], decoder: ValueDecoder) {
        self.items = items
        self.decoder = decoder
    }

    private mutating func next() throws -> ValueDecoder {
        guard !isAtEnd else {
            throw ConfigError.invalid(decoder.path.appending(index: currentIndex), "the list has too few items")
        }
        defer { currentIndex += 1 }
        return decoder.child(items[currentIndex], key: PathKey(intValue: currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        if !isAtEnd, items[currentIndex] == .null { currentIndex += 1; return true }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeScalar(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    { try next().container(keyedBy: type) }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct SingleContainer: SingleValueDecodingContainer {
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    func decodeNil() -> Bool { decoder.value == .null }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeScalar(type) }
}

extension Decoder {
    /// The config path of the value being decoded, for messages from custom `init(from:)` code.
    public var configPath: ConfigPath { ConfigPath(codingPath: codingPath) }

    /// The raw JSON of the value being decoded, when the decoder is TinyTune's (for union-typed options).
    public var jsonValue: JSONValue? { (self as? ValueDecoder)?.value }
}
