import CJSONC
import Foundation

/// A parsed JSON document. Object keys keep their order in the file, so messages and output follow it.
///
///     let value = try JSONValue.parse(contentsOf: "Examples/quickstart.json")
///     print(value["adapter"]?["u"] ?? .null)
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The member named `key` of an object (the last one if the file repeats it), else nil.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.key == key })?.value
    }

    /// A short name of the value's kind for error messages ("a string", "an integer", ...).
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .double: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "an object"
        }
    }

    /// The value as it would appear in JSON, shortened for error messages.
    public var excerpt: String {
        let text = serialized()
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }
}

// MARK: - Parsing through json-c

/// A JSON text that could not be parsed; names the file, line and column.
public struct JSONParseError: Error, CustomStringConvertible, Sendable {
    public let source: String
    public let line: Int
    public let column: Int
    public let reason: String
    public var description: String { "\(source):\(line):\(column): malformed JSON: \(reason)" }
}

extension JSONValue {
    /// Parses a whole file. Errors name the file, the line and the column.
    public static func parse(contentsOf path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TinyTuneError.io(path: path, reason: "cannot read the file (missing or not readable)")
        }
        return try parse(data, source: path)
    }

    /// Parses one JSON document; `source` names it in errors (a path, "stdin", "line 3 of data.jsonl").
    public static func parse(_ text: String, source: String = "<text>") throws -> JSONValue {
        try parse(Data(text.utf8), source: source)
    }

    public static func parse(_ data: Data, source: String) throws -> JSONValue {
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw JSONParseError(source: source, line: 1, column: 1, reason: "the input is empty")
        }
        guard String(data: data, encoding: .utf8) != nil else {
            throw JSONParseError(source: source, line: 1, column: 1, reason: "the input is not valid UTF-8")
        }
        guard let tokener = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH) else {
            throw TinyTuneError.io(path: source, reason: "json-c could not allocate a parser")
        }
        defer { json_tokener_free(tokener) }
        json_tokener_set_flags(tokener, Int32(JSON_TOKENER_STRICT))
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> JSONValue in
            let base = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
            let object = json_tokener_parse_ex(tokener, base, Int32(clamping: raw.count))
            let error = json_tokener_get_error(tokener)
            let end = Int(json_tokener_get_parse_end(tokener))
            func fail(_ reason: String, at offset: Int) -> JSONParseError {
                let (line, column) = Self.lineAndColumn(of: offset, in: raw)
                return JSONParseError(source: source, line: line, column: column, reason: reason)
            }
            if error == json_tokener_continue {
                json_object_put(object)
                throw fail("the document ends early (an unclosed bracket, brace or string?)", at: raw.count)
            }
            guard error == json_tokener_success else {
                let reason = String(cString: json_tokener_error_desc(error))
                throw fail(reason, at: end)
            }
            defer { json_object_put(object) }
            // json-c stops after the first value; anything but whitespace after it is an error.
            if let extra = raw[end...].firstIndex(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) {
                throw fail("unexpected text after the JSON value", at: extra)
            }
            return convert(object)
        }
    }

    private static func lineAndColumn(of offset: Int, in bytes: UnsafeRawBufferPointer) -> (Int, Int) {
        var line = 1, column = 1
        for byte in bytes.prefix(min(offset, bytes.count)) {
            if byte == 0x0A { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
        }
        return (line, column)
    }

    private static func convert(_ object: OpaquePointer?) -> JSONValue {
        guard let object else { return .null }
        switch json_object_get_type(object) {
        case json_type_null: return .null
        case json_type_boolean: return .bool(json_object_get_boolean(object) != 0)
        case json_type_int: return .int(json_object_get_int64(object))
        case json_type_double: return .double(json_object_get_double(object))
        case json_type_string:
            let length = Int(json_object_get_string_len(object))
            guard let pointer = json_object_get_string(object) else { return .string("") }
            // Strings may hold \u0000, so read by length rather than up to the first NUL.
            let buffer = UnsafeRawBufferPointer(start: pointer, count: length)
            return .string(String(decoding: buffer, as: UTF8.self))
        case json_type_array:
            let count = json_object_array_length(object)
            return .array((0..<count).map { convert(json_object_array_get_idx(object, $0)) })
        case json_type_object:
            var members: [(key: String, value: JSONValue)] = []
            var iterator = json_object_iter_begin(object)
            var end = json_object_iter_end(object)
            while json_object_iter_equal(&iterator, &end) == 0 {
                let key = String(cString: json_object_iter_peek_name(&iterator))
                members.append((key, convert(json_object_iter_peek_value(&iterator))))
                json_object_iter_next(&iterator)
            }
            return .object(members)
        default: return .null
        }
    }
}

// MARK: - Writing

extension JSONValue {
    /// Compact JSON text (keys in stored order). Non-finite numbers become null, as JSON has no spelling for them.
    public func serialized(pretty: Bool = false) -> String {
        var out = ""
        write(into: &out, pretty: pretty, indent: 0)
        return out
    }

    private func write(into out: inout String, pretty: Bool, indent: Int) {
        let newline = pretty ? "\n" + String(repeating: "  ", count: indent + 1) : ""
        let closing = pretty ? "\n" + String(repeating: "  ", count: indent) : ""
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += JSONValue.format(d)
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                out += newline
                item.write(into: &out, pretty: pretty, indent: indent + 1)
            }
            out += closing + "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { out += "," }
                out += newline
                JSONValue.writeString(member.key, into: &out)
                out += pretty ? ": " : ":"
                member.value.write(into: &out, pretty: pretty, indent: indent + 1)
            }
            out += closing + "}"
        }
    }

    /// Shortest text that reads back to the same Double; integral values keep a ".0" so they stay numbers.
    static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        return "\(d)"
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

// MARK: - Building values for output

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements.map { ($0.0, $0.1) }) }
    public init(nilLiteral: ()) { self = .null }
}
