import Foundation
import Yams

extension JSONValue {
    /// Parses a YAML config into the same `JSONValue` a JSON config gives, so both spellings decode alike.
    /// Plain scalars resolve as YAML does (`null`, `true`, `3`, `0.5`); quoted scalars stay strings.
    public static func parseYAML(_ text: String, source: String) throws -> JSONValue {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw JSONParseError(source: source, line: error.line, column: error.column,
                                 reason: "malformed YAML: \(error.reason)")
        }
        guard let node else {
            throw JSONParseError(source: source, line: 1, column: 1, reason: "the input is empty")
        }
        return convert(node)
    }

    private static func convert(_ node: Node) -> JSONValue {
        switch node {
        case .mapping(let mapping):
            return .object(mapping.map { (key: $0.key.string ?? "\($0.key)", value: convert($0.value)) })
        case .sequence(let sequence):
            return .array(sequence.map(convert))
        case .alias:
            return .null
        case .scalar(let scalar):
            guard scalar.style == .plain else { return .string(scalar.string) }
            if node.null != nil { return .null }
            if let b = node.bool { return .bool(b) }
            if let i = node.int { return .int(Int64(i)) }
            if let d = node.float { return .double(d) }
            return .string(scalar.string)
        }
    }
}

extension YamlError {
    var line: Int {
        switch self {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _):
            return mark.line
        default: return 1
        }
    }

    var column: Int {
        switch self {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _):
            return mark.column
        default: return 1
        }
    }

    var reason: String {
        switch self {
        case let .scanner(_, problem, _, _), let .parser(_, problem, _, _), let .composer(_, problem, _, _):
            return problem
        default: return "\(self)"
        }
    }
}
