import Foundation
import TinyTune

// Values while rendering, with Python's semantics where the output depends on them: `str()` of a value (what
// `{{ }}` prints), truthiness, equality, and `json.dumps` as transformers' `tojson` filter calls it.

/// A namespace() object: attributes that `{% set ns.x = ... %}` changes from inside loops.
final class TemplateNamespace {
    var attributes: [(key: String, value: TemplateValue)]
    init(_ attributes: [(key: String, value: TemplateValue)]) { self.attributes = attributes }
}

/// A callable: a macro, or a method bound to its receiver (`"a,b".split`), or a global function.
struct TemplateCallable {
    var name: String
    var call: ([TemplateValue], [(String, TemplateValue)]) throws -> TemplateValue
}

enum TemplateValue {
    /// A missing variable, attribute or key; carries a description for errors ("'messages' is undefined").
    case undefined(String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([TemplateValue])
    /// Prints as a Python tuple; otherwise a list.
    case tuple([TemplateValue])
    /// Keys keep their insertion order, as Python dicts do.
    case dict([(key: String, value: TemplateValue)])
    case namespace(TemplateNamespace)
    case callable(TemplateCallable)

    init(_ json: JSONValue) {
        switch json {
        case .null: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(Int(i))
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .list(a.map(TemplateValue.init))
        case .object(let members): self = .dict(members.map { ($0.key, TemplateValue($0.value)) })
        }
    }

    var isUndefined: Bool { if case .undefined = self { true } else { false } }

    /// Python truthiness; undefined is false.
    var truthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .list(let a), .tuple(let a): return !a.isEmpty
        case .dict(let d): return !d.isEmpty
        case .namespace, .callable: return true
        }
    }

    /// The Python type name, for error messages.
    var typeName: String {
        switch self {
        case .undefined: return "undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .namespace: return "Namespace"
        case .callable: return "function"
        }
    }

    /// Python `str(value)`: what `{{ value }}` prints (undefined prints nothing).
    var pythonString: String {
        switch self {
        case .undefined: return ""
        case .string(let s): return s
        default: return pythonRepr
        }
    }

    /// Python `repr(value)`.
    var pythonRepr: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return Self.pythonFloat(d)
        case .string(let s): return Self.pythonQuoted(s)
        case .list(let a): return "[" + a.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .tuple(let a): return "(" + a.map(\.pythonRepr).joined(separator: ", ") + (a.count == 1 ? ",)" : ")")
        case .dict(let d):
            return "{" + d.map { Self.pythonQuoted($0.key) + ": " + $0.value.pythonRepr }.joined(separator: ", ") + "}"
        case .namespace(let ns):
            return "<Namespace " + ns.attributes.map { "\($0.key)=\($0.value.pythonRepr)" }.joined(separator: ", ")
                + ">"
        case .callable(let c): return "<function \(c.name)>"
        }
    }

    /// Python `repr(float)`: shortest round-trip digits, exponent outside 1e-4 ..< 1e16.
    static func pythonFloat(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        if d == d.rounded(), abs(d) < 1e16 { return String(format: "%.1f", d) == "-0.0" ? "-0.0" : "\(Int(d)).0" }
        let text = "\(d)"   // Swift prints the shortest round-trip digits too
        guard let e = text.firstIndex(of: "e") else { return text }
        // Swift writes 1e-05 as "1e-05" and 1e+16 as "1e+16", as Python does.
        return String(text[..<e]) + String(text[e...])
    }

    /// Python's `repr(str)` quoting: single quotes unless the text has a single quote and no double quote.
    static func pythonQuoted(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(c) == quote { out += "\\" + String(quote) }
                else if c.value < 0x20 || c.value == 0x7F { out += String(format: "\\x%02x", c.value) }
                else { out.unicodeScalars.append(c) }
            }
        }
        out.append(quote)
        return out
    }

    /// Python `==` (1 == 1.0 == True; lists and dicts compare by content; undefined equals undefined).
    func equals(_ other: TemplateValue) -> Bool {
        switch (self, other) {
        case (.undefined, .undefined), (.none, .none): return true
        case let (.string(a), .string(b)): return a == b
        case let (.list(a), .list(b)), let (.tuple(a), .tuple(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.equals($1) }
        case let (.dict(a), .dict(b)):
            return a.count == b.count && a.allSatisfy { pair in b.contains { $0.key == pair.key && $0.value.equals(pair.value) } }
        case let (.namespace(a), .namespace(b)): return a === b
        default:
            if let x = numeric, let y = other.numeric { return x == y }
            return false
        }
    }

    /// The value as a number if it is one (bools count, as in Python).
    var numeric: Double? {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// Items to iterate: list items, string characters (code points), dict keys; undefined iterates as empty.
    func iterationItems() -> [TemplateValue]? {
        switch self {
        case .undefined: return []
        case .list(let a), .tuple(let a): return a
        case .dict(let d): return d.map { .string($0.key) }
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        default: return nil
        }
    }

    // MARK: json.dumps

    /// Python's `json.dumps(value, ensure_ascii=False, indent=indent, separators=..., sort_keys=...)`.
    func json(indent: Int?, itemSeparator: String? = nil, keySeparator: String? = nil, sortKeys: Bool = false)
        throws -> String {
        var out = ""
        let item = itemSeparator ?? (indent == nil ? ", " : ",")
        let key = keySeparator ?? ": "
        try writeJSON(into: &out, indent: indent, level: 0, item: item, key: key, sortKeys: sortKeys)
        return out
    }

    private func writeJSON(into out: inout String, indent: Int?, level: Int, item: String, key: String,
                           sortKeys: Bool) throws {
        func newline(_ depth: Int) {
            if let indent { out += "\n" + String(repeating: " ", count: indent * depth) }
        }
        switch self {
        case .none: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            out += d.isNaN ? "NaN" : d.isInfinite ? (d < 0 ? "-Infinity" : "Infinity") : Self.pythonFloat(d)
        case .string(let s): Self.writeJSONString(s, into: &out)
        case .list(let a), .tuple(let a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += item }
                newline(level + 1)
                try v.writeJSON(into: &out, indent: indent, level: level + 1, item: item, key: key, sortKeys: sortKeys)
            }
            newline(level)
            out += "]"
        case .dict(let d):
            if d.isEmpty { out += "{}"; return }
            let members = sortKeys ? d.sorted { $0.key < $1.key } : d
            out += "{"
            for (i, m) in members.enumerated() {
                if i > 0 { out += item }
                newline(level + 1)
                Self.writeJSONString(m.key, into: &out)
                out += key
                try m.value.writeJSON(into: &out, indent: indent, level: level + 1, item: item, key: key,
                                      sortKeys: sortKeys)
            }
            newline(level)
            out += "}"
        case .undefined(let what):
            throw ChatTemplateError(kind: .render, message: "tojson: \(what)", position: nil)
        case .namespace, .callable:
            throw ChatTemplateError(kind: .render, message: "tojson: a \(typeName) is not JSON serializable",
                                    position: nil)
        }
    }

    /// Python json's string escaping with ensure_ascii=False: quotes, backslash and control characters only.
    static func writeJSONString(_ s: String, into out: inout String) {
        out += "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if c.value < 0x20 { out += String(format: "\\u%04x", c.value) } else { out.unicodeScalars.append(c) }
            }
        }
        out += "\""
    }
}
