import Foundation

/// Limits that keep any template's rendering finite: Jinja has no while loop, so loops, recursion and the size of
/// what is built are all that can grow.
public struct TemplateLimits: Sendable {
    /// Largest output (and largest string or list built on the way), in bytes or items.
    public var maxOutputBytes = 16 << 20
    /// Loop iterations and macro calls over the whole render.
    public var maxSteps = 1_000_000
    /// Nested macro calls.
    public var maxCallDepth = 64
    public init() {}
}

/// Walks a parsed template with the render's variables. One renderer per render; not shared between threads.
final class TemplateRenderer {
    enum Flow { case normal, breakLoop, continueLoop }

    let limits: TemplateLimits
    let now: Date
    let timeZone: TimeZone
    var scopes: [[String: TemplateValue]]
    var output = ""
    var outputBytes = 0
    var steps = 0
    var depth = 0

    init(variables: [String: TemplateValue], limits: TemplateLimits, now: Date, timeZone: TimeZone) {
        self.limits = limits
        self.now = now
        self.timeZone = timeZone
        scopes = [variables]
    }

    func fail(_ message: String, _ position: TemplatePosition?, kind: ChatTemplateError.Kind = .render)
        -> ChatTemplateError {
        ChatTemplateError(kind: kind, message: message, position: position)
    }

    func step(_ position: TemplatePosition) throws {
        steps += 1
        if steps > limits.maxSteps {
            throw fail("more than \(limits.maxSteps) loop iterations and macro calls; stopped", position)
        }
    }

    func checkSize(_ count: Int, _ position: TemplatePosition?) throws {
        if count > limits.maxOutputBytes {
            throw fail("a value or the output grew past \(limits.maxOutputBytes) bytes; stopped", position)
        }
    }

    // MARK: Statements

    func render(_ nodes: [TemplateNode]) throws -> Flow {
        for node in nodes {
            let flow = try render(node)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func emit(_ text: String, _ position: TemplatePosition?) throws {
        outputBytes += text.utf8.count
        try checkSize(outputBytes, position)
        output += text
    }

    private func render(_ node: TemplateNode) throws -> Flow {
        switch node {
        case .text(let text):
            try emit(text, nil)
        case .output(let expr):
            try emit(try eval(expr).pythonString, expr.position)
        case .ifs(let branches, let otherwise):
            for branch in branches where try eval(branch.condition).truthy {
                return try render(branch.body)
            }
            return try render(otherwise)
        case .forLoop(let target, let iterable, let filter, let body, let otherwise, let position):
            return try renderLoop(target: target, iterable: iterable, filter: filter, body: body,
                                  otherwise: otherwise, position: position)
        case .set(let target, let expr, let position):
            try assign(target, try eval(expr), position)
        case .setBlock(let name, let body):
            let saved = (output, outputBytes)
            output = ""
            _ = try render(body)
            let captured = output
            (output, outputBytes) = saved
            scopes[scopes.count - 1][name] = .string(captured)
        case .macro(let macro):
            scopes[scopes.count - 1][macro.name] = .callable(TemplateCallable(name: macro.name) { [unowned self] a, k in
                try self.callMacro(macro, a, k)
            })
        case .breakLoop: return .breakLoop
        case .continueLoop: return .continueLoop
        }
        return .normal
    }

    private func renderLoop(target: TemplateTarget, iterable: TemplateExpr, filter: TemplateExpr?,
                            body: [TemplateNode], otherwise: [TemplateNode], position: TemplatePosition) throws -> Flow {
        let sequence = try eval(iterable)
        guard var items = sequence.iterationItems() else {
            throw fail("'\(sequence.typeName)' object is not iterable", iterable.position)
        }
        scopes.append([:])
        defer { scopes.removeLast() }
        if let filter {
            items = try items.filter { item in
                try assign(target, item, position)
                return try eval(filter).truthy
            }
        }
        if items.isEmpty { return try render(otherwise) }
        for (i, item) in items.enumerated() {
            try step(position)
            try assign(target, item, position)
            let n = items.count
            let cycle = TemplateCallable(name: "loop.cycle") { args, _ in
                args.isEmpty ? .undefined("loop.cycle() needs arguments") : args[i % args.count]
            }
            scopes[scopes.count - 1]["loop"] = .dict([
                ("index", .int(i + 1)), ("index0", .int(i)), ("revindex", .int(n - i)), ("revindex0", .int(n - i - 1)),
                ("first", .bool(i == 0)), ("last", .bool(i == n - 1)), ("length", .int(n)),
                ("previtem", i > 0 ? items[i - 1] : .undefined("there is no previous item")),
                ("nextitem", i + 1 < n ? items[i + 1] : .undefined("there is no next item")),
                ("depth", .int(1)), ("depth0", .int(0)), ("cycle", .callable(cycle)),
            ])
            if try render(body) == .breakLoop { break }
        }
        return .normal
    }

    private func assign(_ target: TemplateTarget, _ value: TemplateValue, _ position: TemplatePosition) throws {
        switch target {
        case .name(let name):
            scopes[scopes.count - 1][name] = value
        case .names(let names):
            guard let items = value.iterationItems(), !value.isUndefined, items.count == names.count else {
                throw fail("cannot unpack \(value.typeName) into \(names.count) names", position)
            }
            for (name, item) in zip(names, items) { scopes[scopes.count - 1][name] = item }
        case .attribute(let name, let attribute):
            guard case .namespace(let ns) = lookup(name) else {
                throw fail("cannot set attribute '\(attribute)' on '\(name)': it is not a namespace()", position)
            }
            if let i = ns.attributes.firstIndex(where: { $0.key == attribute }) {
                ns.attributes[i].value = value
            } else {
                ns.attributes.append((attribute, value))
            }
        }
    }

    private func callMacro(_ macro: TemplateMacro, _ args: [TemplateValue], _ kwargs: [(String, TemplateValue)])
        throws -> TemplateValue {
        try step(macro.position)
        guard depth < limits.maxCallDepth else {
            throw fail("macro '\(macro.name)' nests deeper than \(limits.maxCallDepth) calls", macro.position)
        }
        guard args.count <= macro.parameters.count else {
            throw fail("macro '\(macro.name)' takes \(macro.parameters.count) arguments, got \(args.count)",
                       macro.position)
        }
        var local: [String: TemplateValue] = [:]
        let savedScopes = scopes
        // A macro sees the render's variables and its own arguments, not its caller's locals.
        scopes = [scopes[0], [:]]
        defer { scopes = savedScopes }
        for (i, parameter) in macro.parameters.enumerated() {
            if i < args.count {
                local[parameter.name] = args[i]
            } else if let given = kwargs.first(where: { $0.0 == parameter.name }) {
                local[parameter.name] = given.1
            } else if let d = parameter.defaultValue {
                local[parameter.name] = try eval(d)
            } else {
                local[parameter.name] = .undefined("'\(parameter.name)' is undefined")
            }
        }
        scopes[1] = local
        depth += 1
        defer { depth -= 1 }
        let saved = (output, outputBytes)
        output = ""
        _ = try render(macro.body)
        let result = output
        (output, outputBytes) = saved
        return .string(result)
    }

    // MARK: Expressions

    func lookup(_ name: String) -> TemplateValue {
        for scope in scopes.reversed() { if let v = scope[name] { return v } }
        if let g = global(name) { return g }
        return .undefined("'\(name)' is undefined")
    }

    func eval(_ expr: TemplateExpr) throws -> TemplateValue {
        do {
            return try evalUnlocated(expr)
        } catch var error as ChatTemplateError where error.position == nil {
            error.position = expr.position
            throw error
        }
    }

    private func evalUnlocated(_ expr: TemplateExpr) throws -> TemplateValue {
        let at = expr.position
        switch expr.kind {
        case .literal(let literal):
            switch literal {
            case .none: return .none
            case .bool(let b): return .bool(b)
            case .integer(let i): return .int(i)
            case .float(let d): return .double(d)
            case .string(let s): return .string(s)
            }
        case .name(let name):
            return lookup(name)
        case .list(let items):
            return .list(try items.map(eval))
        case .tuple(let items):
            return .tuple(try items.map(eval))
        case .dict(let pairs):
            var members: [(key: String, value: TemplateValue)] = []
            for (k, v) in pairs {
                let key = try eval(k).pythonString
                let value = try eval(v)
                if let i = members.firstIndex(where: { $0.key == key }) { members[i].value = value }
                else { members.append((key, value)) }
            }
            return .dict(members)
        case .attribute(let base, let name):
            return try attribute(try eval(base), name, at)
        case .subscript(let base, let key):
            return try item(try eval(base), try eval(key), at)
        case .slice(let base, let start, let stop, let stepExpr):
            return try slice(try eval(base), try start.map(eval), try stop.map(eval), try stepExpr.map(eval), at)
        case .call(let callee, let args, let kwargs):
            let function = try eval(callee)
            let argValues = try args.map(eval)
            let kwargValues = try kwargs.map { ($0.0, try eval($0.1)) }
            switch function {
            case .callable(let c): return try c.call(argValues, kwargValues)
            case .undefined(let what): throw fail(what, at)
            default: throw fail("'\(function.typeName)' object is not callable", at)
            }
        case .filter(let base, let name, let args, let kwargs):
            let value = try eval(base)
            return try applyFilter(name, value, try args.map(eval), try kwargs.map { ($0.0, try eval($0.1)) }, at)
        case .test(let base, let name, let args, let negated):
            let result = try applyTest(name, try eval(base), try args.map(eval), at)
            return .bool(result != negated)
        case .unary(let op, let operand):
            let v = try eval(operand)
            switch op {
            case "not": return .bool(!v.truthy)
            default:
                switch v {
                case .int(let i): return .int(op == "-" ? -i : i)
                case .bool(let b): return .int(op == "-" ? (b ? -1 : 0) : (b ? 1 : 0))
                case .double(let d): return .double(op == "-" ? -d : d)
                case .undefined(let what): throw fail(what, at)
                default: throw fail("bad operand type for unary \(op): '\(v.typeName)'", at)
                }
            }
        case .binary(let op, let l, let r):
            return try binary(op, try eval(l), try eval(r), at)
        case .and(let l, let r):
            let left = try eval(l)
            return left.truthy ? try eval(r) : left
        case .or(let l, let r):
            let left = try eval(l)
            return left.truthy ? left : try eval(r)
        case .conditional(let condition, let then, let otherwise):
            if try eval(condition).truthy { return try eval(then) }
            return try otherwise.map(eval) ?? .undefined("the inline if has no else")
        }
    }

    /// `value.name`: a method, a dict key, a namespace attribute; undefined when missing.
    func attribute(_ value: TemplateValue, _ name: String, _ at: TemplatePosition) throws -> TemplateValue {
        if case .undefined(let what) = value { throw fail(what + " (reading '.\(name)')", at) }
        if let method = try method(value, name, at) { return .callable(method) }
        switch value {
        case .dict(let members):
            return members.first { $0.key == name }?.value
                ?? .undefined("'dict object' has no attribute '\(name)'")
        case .namespace(let ns):
            return ns.attributes.first { $0.key == name }?.value
                ?? .undefined("'Namespace' object has no attribute '\(name)'")
        default:
            return .undefined("'\(value.typeName) object' has no attribute '\(name)'")
        }
    }

    /// `value[key]`: list and string indices (negative from the end), dict keys; undefined when missing.
    func item(_ value: TemplateValue, _ key: TemplateValue, _ at: TemplatePosition) throws -> TemplateValue {
        switch (value, key) {
        case (.undefined(let what), _): throw fail(what, at)
        case let (.list(items), .int(i)), let (.tuple(items), .int(i)):
            let j = i < 0 ? items.count + i : i
            return items.indices.contains(j) ? items[j] : .undefined("list index \(i) is out of range")
        case let (.string(s), .int(i)):
            let scalars = Array(s.unicodeScalars)
            let j = i < 0 ? scalars.count + i : i
            return scalars.indices.contains(j) ? .string(String(scalars[j])) : .undefined("string index out of range")
        case let (.dict(members), .string(k)):
            return members.first { $0.key == k }?.value ?? .undefined("'dict object' has no attribute '\(k)'")
        case let (.dict(members), _):
            let k = key.pythonString
            return members.first { $0.key == k }?.value ?? .undefined("'dict object' has no attribute '\(k)'")
        case (_, .string(let name)):
            return try attribute(value, name, at)
        default:
            return .undefined("'\(value.typeName) object' has no item \(key.pythonRepr)")
        }
    }

    private func slice(_ value: TemplateValue, _ start: TemplateValue?, _ stop: TemplateValue?,
                       _ stepValue: TemplateValue?, _ at: TemplatePosition) throws -> TemplateValue {
        func int(_ v: TemplateValue?) throws -> Int? {
            switch v {
            case nil, .none?: return nil
            case .int(let i)?: return i
            case .bool(let b)?: return b ? 1 : 0
            default: throw fail("slice indices must be integers or none, got '\(v!.typeName)'", at)
            }
        }
        let step = try int(stepValue) ?? 1
        guard step != 0 else { throw fail("slice step cannot be zero", at) }
        func indices(_ count: Int) throws -> [Int] {
            // Python's slice.indices.
            func clamp(_ v: Int?, _ defaultValue: Int) -> Int {
                guard var v else { return defaultValue }
                if v < 0 { v += count; if v < 0 { v = step < 0 ? -1 : 0 } }
                else if v >= count { v = step < 0 ? count - 1 : count }
                return v
            }
            var i = clamp(try int(start), step < 0 ? count - 1 : 0)
            let end = clamp(try int(stop), step < 0 ? -1 : count)
            var out: [Int] = []
            while step > 0 ? i < end : i > end { out.append(i); i += step }
            return out
        }
        switch value {
        case .list(let items): return .list(try indices(items.count).map { items[$0] })
        case .tuple(let items): return .tuple(try indices(items.count).map { items[$0] })
        case .string(let s):
            let scalars = Array(s.unicodeScalars)
            var out = String.UnicodeScalarView()
            for i in try indices(scalars.count) { out.append(scalars[i]) }
            return .string(String(out))
        case .undefined(let what): throw fail(what, at)
        default: throw fail("'\(value.typeName)' object cannot be sliced", at)
        }
    }

    func binary(_ op: String, _ l: TemplateValue, _ r: TemplateValue, _ at: TemplatePosition) throws
        -> TemplateValue {
        switch op {
        case "==": return .bool(l.equals(r))
        case "!=": return .bool(!l.equals(r))
        case "in", "not in":
            let found: Bool
            switch r {
            case .string(let s):
                guard case .string(let needle) = l else {
                    throw fail("'in <string>' requires a string on the left, not '\(l.typeName)'", at)
                }
                found = needle.isEmpty || s.contains(needle)
            case .list(let items), .tuple(let items): found = items.contains { $0.equals(l) }
            case .dict(let members): found = members.contains { TemplateValue.string($0.key).equals(l) }
            case .undefined: found = false
            default: throw fail("argument of type '\(r.typeName)' is not iterable", at)
            }
            return .bool(op == "in" ? found : !found)
        case "~":
            let s = l.pythonString + r.pythonString
            try checkSize(s.utf8.count, at)
            return .string(s)
        default: break
        }
        if case .undefined(let what) = l { throw fail(what, at) }
        if case .undefined(let what) = r { throw fail(what, at) }
        func typeError() -> ChatTemplateError {
            fail("unsupported operand types for \(op): '\(l.typeName)' and '\(r.typeName)'", at)
        }
        if ["<", ">", "<=", ">="].contains(op) {
            let order: Int
            if let a = l.numeric, let b = r.numeric {
                order = a < b ? -1 : a > b ? 1 : 0
            } else if case .string(let a) = l, case .string(let b) = r {
                let x = a.unicodeScalars.map(\.value), y = b.unicodeScalars.map(\.value)
                order = x.lexicographicallyPrecedes(y) ? -1 : x == y ? 0 : 1
            } else {
                throw typeError()
            }
            switch op {
            case "<": return .bool(order < 0)
            case ">": return .bool(order > 0)
            case "<=": return .bool(order <= 0)
            default: return .bool(order >= 0)
            }
        }
        // Sequences.
        switch (op, l, r) {
        case let ("+", .string(a), .string(b)):
            try checkSize(a.utf8.count + b.utf8.count, at)
            return .string(a + b)
        case let ("+", .list(a), .list(b)):
            try checkSize(a.count + b.count, at)
            return .list(a + b)
        case let ("+", .tuple(a), .tuple(b)):
            try checkSize(a.count + b.count, at)
            return .tuple(a + b)
        case let ("*", .string(s), .int(n)), let ("*", .int(n), .string(s)):
            try checkSize(s.utf8.count * max(n, 0), at)
            return .string(String(repeating: s, count: max(n, 0)))
        case let ("*", .list(a), .int(n)), let ("*", .int(n), .list(a)):
            try checkSize(a.count * max(n, 0), at)
            return .list(Array(repeating: a, count: max(n, 0)).flatMap { $0 })
        default: break
        }
        // Numbers: integers stay integers except for /, as in Python.
        func int(_ v: TemplateValue) -> Int? {
            switch v { case .int(let i): i; case .bool(let b): b ? 1 : 0; default: nil }
        }
        guard let a = l.numeric, let b = r.numeric else { throw typeError() }
        if let x = int(l), let y = int(r), op != "/" {
            switch op {
            case "+", "-", "*":
                let (v, overflow) = op == "+" ? x.addingReportingOverflow(y)
                    : op == "-" ? x.subtractingReportingOverflow(y) : x.multipliedReportingOverflow(by: y)
                if overflow { throw fail("integer overflow in \(op)", at) }
                return .int(v)
            case "//", "%":
                guard y != 0 else { throw fail("integer division or modulo by zero", at) }
                var q = x / y
                if (x % y != 0) && ((x < 0) != (y < 0)) { q -= 1 }
                return .int(op == "//" ? q : x - q * y)
            case "**":
                if y < 0 { return .double(pow(Double(x), Double(y))) }
                var result = 1
                for _ in 0..<min(y, 64) {
                    let (v, overflow) = result.multipliedReportingOverflow(by: x)
                    if overflow { throw fail("integer overflow in **", at) }
                    result = v
                }
                if y > 64 && abs(x) > 1 { throw fail("integer overflow in **", at) }
                return .int(result)
            default: break
            }
        }
        switch op {
        case "+": return .double(a + b)
        case "-": return .double(a - b)
        case "*": return .double(a * b)
        case "/":
            guard b != 0 else { throw fail("division by zero", at) }
            return .double(a / b)
        case "//":
            guard b != 0 else { throw fail("float floor division by zero", at) }
            return .double((a / b).rounded(.down))
        case "%":
            guard b != 0 else { throw fail("float modulo by zero", at) }
            let m = fmod(a, b)
            return .double(m != 0 && (m < 0) != (b < 0) ? m + b : m)
        case "**": return .double(pow(a, b))
        default: throw typeError()
        }
    }
}
