// Recursive-descent parser for the Jinja2 subset chat templates use, with Jinja2's operator precedence
// (jinja2 3.1 `parser.py`: condexpr < or < and < not < compare < + - < ~ < * / // % < ** < unary < postfix/filters).

/// The tokens of one tag, read left to right.
struct TemplateTokenStream {
    let tokens: [TemplateToken]
    let tagPosition: TemplatePosition
    var index = 0

    var current: TemplateToken? { index < tokens.count ? tokens[index] : nil }
    func peek(_ k: Int) -> TemplateToken? { index + k < tokens.count ? tokens[index + k] : nil }
    var atEnd: Bool { index >= tokens.count }
    var here: TemplatePosition { current?.position ?? tagPosition }

    func error(_ message: String) -> ChatTemplateError {
        ChatTemplateError(kind: .syntax, message: message, position: here)
    }
    private var currentText: String { current.map { $0.kind == .string ? "a string" : "'\($0.text)'" } ?? "the end of the tag" }

    mutating func skipOp(_ op: String) -> Bool {
        if current?.isOp(op) == true { index += 1; return true }
        return false
    }
    mutating func skipName(_ name: String) -> Bool {
        if current?.isName(name) == true { index += 1; return true }
        return false
    }
    mutating func expectOp(_ op: String) throws {
        guard skipOp(op) else { throw error("expected '\(op)', found \(currentText)") }
    }
    mutating func expectName(_ what: String = "a name") throws -> String {
        guard let t = current, t.kind == .name else { throw error("expected \(what), found \(currentText)") }
        index += 1
        return t.text
    }
    func expectEnd() throws {
        if !atEnd { throw error("unexpected \(currentText)") }
    }

    // MARK: Expressions

    mutating func parseExpression(condexpr: Bool = true) throws -> TemplateExpr {
        var node = try parseOr()
        while condexpr, let t = current, t.isName("if") {
            index += 1
            let condition = try parseOr()
            let otherwise = skipName("else") ? try parseExpression() : nil
            node = TemplateExpr(kind: .conditional(condition: condition, then: node, otherwise: otherwise),
                                position: t.position)
        }
        return node
    }

    /// An expression, or several separated by commas (a tuple), as `{% set a, b = ... %}` and `{{ a, b }}` allow.
    mutating func parseTuple(condexpr: Bool = true) throws -> TemplateExpr {
        let first = try parseExpression(condexpr: condexpr)
        guard current?.isOp(",") == true else { return first }
        var items = [first]
        while skipOp(",") {
            if atEnd || current?.isName("in") == true { break }
            items.append(try parseExpression(condexpr: condexpr))
        }
        return TemplateExpr(kind: .tuple(items), position: first.position)
    }

    private mutating func parseOr() throws -> TemplateExpr {
        var left = try parseAnd()
        while let t = current, t.isName("or") {
            index += 1
            left = TemplateExpr(kind: .or(left, try parseAnd()), position: t.position)
        }
        return left
    }

    private mutating func parseAnd() throws -> TemplateExpr {
        var left = try parseNot()
        while let t = current, t.isName("and") {
            index += 1
            left = TemplateExpr(kind: .and(left, try parseNot()), position: t.position)
        }
        return left
    }

    private mutating func parseNot() throws -> TemplateExpr {
        if let t = current, t.isName("not") {
            index += 1
            return TemplateExpr(kind: .unary("not", try parseNot()), position: t.position)
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> TemplateExpr {
        var left = try parseMath1()
        while let t = current {
            let op: String
            if t.kind == .op, ["==", "!=", "<", ">", "<=", ">="].contains(t.text) {
                index += 1; op = t.text
            } else if t.isName("in") {
                index += 1; op = "in"
            } else if t.isName("not"), peek(1)?.isName("in") == true {
                index += 2; op = "not in"
            } else {
                break
            }
            left = TemplateExpr(kind: .binary(op, left, try parseMath1()), position: t.position)
        }
        return left
    }

    private mutating func parseBinary(_ ops: [String], _ next: (inout Self) throws -> TemplateExpr) throws
        -> TemplateExpr {
        var left = try next(&self)
        while let t = current, t.kind == .op, ops.contains(t.text) {
            index += 1
            left = TemplateExpr(kind: .binary(t.text, left, try next(&self)), position: t.position)
        }
        return left
    }

    private mutating func parseMath1() throws -> TemplateExpr { try parseBinary(["+", "-"]) { try $0.parseConcat() } }
    private mutating func parseConcat() throws -> TemplateExpr { try parseBinary(["~"]) { try $0.parseMath2() } }
    private mutating func parseMath2() throws -> TemplateExpr {
        try parseBinary(["*", "/", "//", "%"]) { try $0.parsePow() }
    }
    private mutating func parsePow() throws -> TemplateExpr { try parseBinary(["**"]) { try $0.parseUnary() } }

    private mutating func parseUnary(withFilter: Bool = true) throws -> TemplateExpr {
        var node: TemplateExpr
        if let t = current, t.isOp("-") || t.isOp("+") {
            index += 1
            node = TemplateExpr(kind: .unary(t.text, try parseUnary(withFilter: false)), position: t.position)
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        if withFilter { node = try parseFilterExpr(node) }
        return node
    }

    private mutating func parsePrimary() throws -> TemplateExpr {
        guard let t = current else { throw error("expected an expression, found the end of the tag") }
        index += 1
        let at = t.position
        switch t.kind {
        case .name:
            switch t.text {
            case "true", "True": return TemplateExpr(kind: .literal(.bool(true)), position: at)
            case "false", "False": return TemplateExpr(kind: .literal(.bool(false)), position: at)
            case "none", "None": return TemplateExpr(kind: .literal(.none), position: at)
            default: return TemplateExpr(kind: .name(t.text), position: at)
            }
        case .string:
            var text = t.text
            while let next = current, next.kind == .string { text += next.text; index += 1 }
            return TemplateExpr(kind: .literal(.string(text)), position: at)
        case .integer: return TemplateExpr(kind: .literal(.integer(t.integer)), position: at)
        case .float: return TemplateExpr(kind: .literal(.float(t.float)), position: at)
        case .op:
            switch t.text {
            case "(":
                if skipOp(")") { return TemplateExpr(kind: .tuple([]), position: at) }
                let inner = try parseTuple()
                try expectOp(")")
                return inner
            case "[":
                var items: [TemplateExpr] = []
                while !skipOp("]") {
                    if !items.isEmpty { try expectOp(","); if skipOp("]") { break } }
                    items.append(try parseExpression())
                }
                return TemplateExpr(kind: .list(items), position: at)
            case "{":
                var items: [(TemplateExpr, TemplateExpr)] = []
                while !skipOp("}") {
                    if !items.isEmpty { try expectOp(","); if skipOp("}") { break } }
                    let key = try parseExpression()
                    try expectOp(":")
                    items.append((key, try parseExpression()))
                }
                return TemplateExpr(kind: .dict(items), position: at)
            default:
                index -= 1
                throw error("unexpected '\(t.text)'")
            }
        }
    }

    private mutating func parsePostfix(_ start: TemplateExpr) throws -> TemplateExpr {
        var node = start
        while let t = current, t.kind == .op {
            if t.text == "." {
                index += 1
                guard let name = current, name.kind == .name || name.kind == .integer else {
                    throw error("expected an attribute name after '.'")
                }
                index += 1
                if name.kind == .integer {
                    let key = TemplateExpr(kind: .literal(.integer(name.integer)), position: name.position)
                    node = TemplateExpr(kind: .subscript(node, key), position: t.position)
                } else {
                    node = TemplateExpr(kind: .attribute(node, name.text), position: t.position)
                }
            } else if t.text == "[" {
                index += 1
                node = try parseSubscript(node, at: t.position)
            } else if t.text == "(" {
                index += 1
                let (args, kwargs) = try parseCallArguments()
                node = TemplateExpr(kind: .call(node, args: args, kwargs: kwargs), position: t.position)
            } else {
                break
            }
        }
        return node
    }

    private mutating func parseSubscript(_ base: TemplateExpr, at: TemplatePosition) throws -> TemplateExpr {
        var parts: [TemplateExpr?] = []
        var sawColon = false
        var currentPart: TemplateExpr?
        while true {
            if skipOp("]") { break }
            if skipOp(":") {
                sawColon = true
                parts.append(currentPart)
                currentPart = nil
                guard parts.count <= 2 else { throw error("a slice has at most three parts") }
                continue
            }
            guard currentPart == nil else { throw error("expected ']' or ':'") }
            currentPart = try parseExpression()
        }
        parts.append(currentPart)
        if !sawColon {
            guard let index = parts[0] else { throw error("empty subscript '[]'") }
            return TemplateExpr(kind: .subscript(base, index), position: at)
        }
        while parts.count < 3 { parts.append(nil) }
        return TemplateExpr(kind: .slice(base, start: parts[0], stop: parts[1], step: parts[2]), position: at)
    }

    private mutating func parseCallArguments() throws -> ([TemplateExpr], [(String, TemplateExpr)]) {
        var args: [TemplateExpr] = []
        var kwargs: [(String, TemplateExpr)] = []
        while !skipOp(")") {
            if !(args.isEmpty && kwargs.isEmpty) { try expectOp(","); if skipOp(")") { break } }
            if let t = current, t.kind == .name, peek(1)?.isOp("=") == true {
                index += 2
                kwargs.append((t.text, try parseExpression()))
            } else {
                if current?.isOp("*") == true || current?.isOp("**") == true {
                    throw error("*args and **kwargs in calls are not supported")
                }
                guard kwargs.isEmpty else { throw error("a positional argument follows a keyword argument") }
                args.append(try parseExpression())
            }
        }
        return (args, kwargs)
    }

    private mutating func dottedName() throws -> String {
        var name = try expectName()
        while current?.isOp(".") == true, peek(1)?.kind == .name { index += 1; name += "." + (try expectName()) }
        return name
    }

    private mutating func parseFilterExpr(_ start: TemplateExpr) throws -> TemplateExpr {
        var node = start
        while let t = current {
            if t.isOp("|") {
                index += 1
                let name = try dottedName()
                var args: [TemplateExpr] = [], kwargs: [(String, TemplateExpr)] = []
                if skipOp("(") { (args, kwargs) = try parseCallArguments() }
                node = TemplateExpr(kind: .filter(node, name: name, args: args, kwargs: kwargs), position: t.position)
            } else if t.isName("is") {
                index += 1
                let negated = skipName("not")
                let name = try dottedName()
                var args: [TemplateExpr] = []
                if skipOp("(") {
                    let (a, kw) = try parseCallArguments()
                    args = a + kw.map(\.1)
                } else if let a = current, [.name, .string, .integer, .float].contains(a.kind) || a.isOp("(")
                            || a.isOp("[") || a.isOp("{"),
                          !(a.isName("else") || a.isName("or") || a.isName("and")) {
                    if a.isName("is") { throw error("tests cannot be chained with 'is'") }
                    args = [try parsePostfix(try parsePrimary())]
                }
                node = TemplateExpr(kind: .test(node, name: name, args: args, negated: negated), position: t.position)
            } else if t.isOp("(") {
                index += 1
                let (args, kwargs) = try parseCallArguments()
                node = TemplateExpr(kind: .call(node, args: args, kwargs: kwargs), position: t.position)
            } else {
                break
            }
        }
        return node
    }

    /// `name`, `a, b`, `(a, b)` or `ns.attr`.
    mutating func parseTarget(allowAttribute: Bool) throws -> TemplateTarget {
        let parenthesized = skipOp("(")
        var names = [try expectName("a variable name")]
        if allowAttribute, !parenthesized, skipOp(".") {
            return .attribute(names[0], try expectName("an attribute name"))
        }
        while skipOp(",") {
            if current?.kind != .name || current?.isName("in") == true { break }
            names.append(try expectName("a variable name"))
        }
        if parenthesized { try expectOp(")") }
        return names.count == 1 && !parenthesized ? .name(names[0]) : .names(names)
    }
}

/// Builds the statement tree from the lexer's segments.
struct TemplateParser {
    private var segments: [TemplateSegment]
    private var index = 0

    static func parse(_ source: String) throws -> [TemplateNode] {
        var parser = TemplateParser(segments: try TemplateLexer(source: source).segments())
        let (nodes, end) = try parser.parseBody(until: [])
        if let end { throw end.stream.error("unexpected '\(end.keyword)'") }
        return nodes
    }

    private init(segments: [TemplateSegment]) { self.segments = segments }

    private static let unsupported: Set<String> = ["block", "extends", "include", "import", "from", "call", "filter",
                                                   "with", "autoescape", "do"]
    private static let closers: Set<String> = ["elif", "else", "endif", "endfor", "endset", "endmacro",
                                               "endgeneration"]

    /// Statements up to one whose keyword is in `ends` (returned, with its remaining tokens).
    private mutating func parseBody(until ends: Set<String>) throws
        -> ([TemplateNode], (keyword: String, stream: TemplateTokenStream)?) {
        var nodes: [TemplateNode] = []
        while index < segments.count {
            let segment = segments[index]
            index += 1
            switch segment {
            case .text(let text):
                nodes.append(.text(text))
            case .output(let tokens, let at):
                var stream = TemplateTokenStream(tokens: tokens, tagPosition: at)
                guard !tokens.isEmpty else { throw stream.error("empty expression '{{ }}'") }
                let expr = try stream.parseTuple()
                try stream.expectEnd()
                nodes.append(.output(expr))
            case .statement(let tokens, let at):
                var stream = TemplateTokenStream(tokens: tokens, tagPosition: at)
                let keyword = try stream.expectName("a statement keyword")
                if ends.contains(keyword) { return (nodes, (keyword, stream)) }
                if Self.closers.contains(keyword) { throw ChatTemplateError(
                    kind: .syntax, message: "unexpected '\(keyword)'", position: at) }
                nodes += try parseStatement(keyword, &stream, at: at)
            }
        }
        if !ends.isEmpty {
            throw ChatTemplateError(kind: .syntax, message: "the template ends before "
                                    + ends.filter { $0.hasPrefix("end") }.sorted().map { "'\($0)'" }.joined(separator: " or "),
                                    position: nil)
        }
        return (nodes, nil)
    }

    private mutating func parseStatement(_ keyword: String, _ stream: inout TemplateTokenStream,
                                         at: TemplatePosition) throws -> [TemplateNode] {
        switch keyword {
        case "if":
            var branches: [(condition: TemplateExpr, body: [TemplateNode])] = []
            var condition = try stream.parseTuple(condexpr: false)
            try stream.expectEnd()
            while true {
                let (body, end) = try parseBody(until: ["elif", "else", "endif"])
                branches.append((condition, body))
                guard var end else { break }
                switch end.keyword {
                case "elif":
                    condition = try end.stream.parseTuple(condexpr: false)
                    try end.stream.expectEnd()
                case "else":
                    try end.stream.expectEnd()
                    let (otherwise, close) = try parseBody(until: ["endif"])
                    try close?.stream.expectEnd()
                    return [.ifs(branches, otherwise: otherwise)]
                default:
                    try end.stream.expectEnd()
                    return [.ifs(branches, otherwise: [])]
                }
            }
            return [.ifs(branches, otherwise: [])]
        case "for":
            let target = try stream.parseTarget(allowAttribute: false)
            guard stream.skipName("in") else { throw stream.error("expected 'in' in the for loop") }
            let iterable = try stream.parseTuple(condexpr: false)
            let filter = stream.skipName("if") ? try stream.parseExpression() : nil
            if stream.current?.isName("recursive") == true { throw stream.error("recursive loops are not supported") }
            try stream.expectEnd()
            let (body, end) = try parseBody(until: ["else", "endfor"])
            var otherwise: [TemplateNode] = []
            if let end, end.keyword == "else" {
                try end.stream.expectEnd()
                let (rest, close) = try parseBody(until: ["endfor"])
                try close?.stream.expectEnd()
                otherwise = rest
            } else {
                try end?.stream.expectEnd()
            }
            return [.forLoop(target: target, iterable: iterable, filter: filter, body: body, otherwise: otherwise,
                             position: at)]
        case "set":
            let target = try stream.parseTarget(allowAttribute: true)
            if stream.skipOp("=") {
                let value = try stream.parseTuple()
                try stream.expectEnd()
                return [.set(target, value, position: at)]
            }
            try stream.expectEnd()
            guard case .name(let name) = target else { throw stream.error("a block set needs one variable name") }
            let (body, end) = try parseBody(until: ["endset"])
            try end?.stream.expectEnd()
            return [.setBlock(name, body)]
        case "macro":
            let name = try stream.expectName("a macro name")
            try stream.expectOp("(")
            var parameters: [(name: String, defaultValue: TemplateExpr?)] = []
            while !stream.skipOp(")") {
                if !parameters.isEmpty { try stream.expectOp(",") }
                let p = try stream.expectName("a parameter name")
                parameters.append((p, stream.skipOp("=") ? try stream.parseExpression() : nil))
            }
            try stream.expectEnd()
            let (body, end) = try parseBody(until: ["endmacro"])
            try end?.stream.expectEnd()
            return [.macro(TemplateMacro(name: name, parameters: parameters, body: body, position: at))]
        case "break":
            try stream.expectEnd()
            return [.breakLoop(at)]
        case "continue":
            try stream.expectEnd()
            return [.continueLoop(at)]
        case "generation":
            // transformers' AssistantTracker tag: it only marks assistant text, so the body renders as it is.
            try stream.expectEnd()
            let (body, end) = try parseBody(until: ["endgeneration"])
            try end?.stream.expectEnd()
            return body
        default:
            let what = Self.unsupported.contains(keyword) ? "the '\(keyword)' tag is not supported"
                : "unknown tag '\(keyword)'"
            throw ChatTemplateError(kind: .syntax, message: what, position: at)
        }
    }
}
