import Foundation

// Jinja2's filters, tests and globals that chat templates use (jinja2 3.1 `filters.py`, `tests.py`, `defaults.py`),
// transformers' additions (`raise_exception`, `strftime_now`, `tojson` with indent), and Python's str and dict
// methods (strip, split, startswith, items, get, ...).

extension TemplateRenderer {
    // MARK: Arguments

    /// A filter's or function's arguments by position or keyword, with defaults.
    struct Arguments {
        let name: String
        let positional: [TemplateValue]
        let keywords: [(String, TemplateValue)]
        let at: TemplatePosition

        func value(_ index: Int, _ keyword: String) -> TemplateValue? {
            if index < positional.count { return positional[index] }
            return keywords.first { $0.0 == keyword }?.1
        }
        func string(_ index: Int, _ keyword: String, _ defaultValue: String? = nil) throws -> String? {
            switch value(index, keyword) {
            case nil, .none?, .undefined?: return defaultValue
            case .string(let s)?: return s
            case let other?: throw ChatTemplateError(kind: .render, message: "\(name): '\(keyword)' must be a string, "
                                                       + "got \(other.typeName)", position: at)
            }
        }
        func int(_ index: Int, _ keyword: String, _ defaultValue: Int? = nil) throws -> Int? {
            switch value(index, keyword) {
            case nil, .none?, .undefined?: return defaultValue
            case .int(let i)?: return i
            case .bool(let b)?: return b ? 1 : 0
            case let other?: throw ChatTemplateError(kind: .render, message: "\(name): '\(keyword)' must be an "
                                                       + "integer, got \(other.typeName)", position: at)
            }
        }
        func bool(_ index: Int, _ keyword: String, _ defaultValue: Bool) -> Bool {
            value(index, keyword).map(\.truthy) ?? defaultValue
        }
    }

    // MARK: Globals

    func global(_ name: String) -> TemplateValue? {
        let function: (([TemplateValue], [(String, TemplateValue)]) throws -> TemplateValue)?
        switch name {
        case "raise_exception":
            function = { args, _ in
                throw ChatTemplateError(kind: .raised, message: args.first?.pythonString ?? "", position: nil)
            }
        case "range":
            function = { [unowned self] args, _ in
                let ints = try args.map { v -> Int in
                    guard case .int(let i) = v else { throw self.fail("range() takes integers, got \(v.typeName)", nil) }
                    return i
                }
                let (start, stop, step): (Int, Int, Int)
                switch ints.count {
                case 1: (start, stop, step) = (0, ints[0], 1)
                case 2: (start, stop, step) = (ints[0], ints[1], 1)
                case 3: (start, stop, step) = (ints[0], ints[1], ints[2])
                default: throw self.fail("range() takes 1 to 3 arguments, got \(ints.count)", nil)
                }
                guard step != 0 else { throw self.fail("range() step must not be zero", nil) }
                let count = step > 0 ? max(0, (stop - start + step - 1) / step) : max(0, (start - stop - step - 1) / -step)
                // Jinja2's sandbox caps ranges at 100,000 items (MAX_RANGE).
                guard count <= 100_000 else { throw self.fail("range() of \(count) items is too large (max 100000)", nil) }
                return .list((0..<count).map { .int(start + $0 * step) })
            }
        case "namespace", "dict":
            function = { args, kwargs in
                var members: [(key: String, value: TemplateValue)] = []
                if case .dict(let d)? = args.first { members = d }
                for (k, v) in kwargs {
                    if let i = members.firstIndex(where: { $0.key == k }) { members[i].value = v }
                    else { members.append((k, v)) }
                }
                return name == "dict" ? .dict(members) : .namespace(TemplateNamespace(members))
            }
        case "strftime_now":
            function = { [unowned self] args, _ in
                guard case .string(let format)? = args.first else {
                    throw self.fail("strftime_now() takes a format string", nil)
                }
                return .string(Self.strftime(format, self.now, self.timeZone))
            }
        default:
            function = nil
        }
        return function.map { .callable(TemplateCallable(name: name, call: $0)) }
    }

    /// Python's `datetime.strftime` for the C locale's directives.
    static func strftime(_ format: String, _ date: Date, _ timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                      "October", "November", "December"]
        let year = c.year ?? 1970, month = c.month ?? 1, day = c.day ?? 1
        let hour = c.hour ?? 0, minute = c.minute ?? 0, second = c.second ?? 0, weekday = (c.weekday ?? 1) - 1
        let dayOfYear = calendar.ordinality(of: .day, in: .year, for: date) ?? 1
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var out = ""
        var chars = format.makeIterator()
        while let ch = chars.next() {
            guard ch == "%" else { out.append(ch); continue }
            guard let d = chars.next() else { out.append("%"); break }
            switch d {
            case "a": out += String(days[weekday].prefix(3))
            case "A": out += days[weekday]
            case "b", "h": out += String(months[month - 1].prefix(3))
            case "B": out += months[month - 1]
            case "d": out += two(day)
            case "e": out += day < 10 ? " \(day)" : "\(day)"
            case "m": out += two(month)
            case "Y": out += String(year)
            case "y": out += two(year % 100)
            case "H": out += two(hour)
            case "I": out += two(hour % 12 == 0 ? 12 : hour % 12)
            case "M": out += two(minute)
            case "S": out += two(second)
            case "p": out += hour < 12 ? "AM" : "PM"
            case "j": out += String(repeating: "0", count: max(0, 3 - String(dayOfYear).count)) + String(dayOfYear)
            case "w": out += String(weekday)
            case "%": out += "%"
            default: out += "%" + String(d)
            }
        }
        return out
    }

    // MARK: Methods

    /// A Python method of a str, dict or list, bound to its receiver; nil if the value has no such method.
    func method(_ value: TemplateValue, _ name: String, _ at: TemplatePosition) throws -> TemplateCallable? {
        func bound(_ body: @escaping (Arguments) throws -> TemplateValue) -> TemplateCallable {
            TemplateCallable(name: name) { args, kwargs in
                try body(Arguments(name: name, positional: args, keywords: kwargs, at: at))
            }
        }
        switch value {
        case .string(let s):
            switch name {
            case "strip", "lstrip", "rstrip":
                return bound { a in .string(Self.strip(s, chars: try a.string(0, "chars"),
                                                       leading: name != "rstrip", trailing: name != "lstrip")) }
            case "upper": return bound { _ in .string(s.uppercased()) }
            case "lower": return bound { _ in .string(s.lowercased()) }
            case "title": return bound { _ in .string(Self.title(s)) }
            case "capitalize": return bound { _ in .string(Self.capitalize(s)) }
            case "startswith", "endswith":
                return bound { a in
                    let candidates: [TemplateValue]
                    switch a.value(0, "prefix") {
                    case .string(let p)?: candidates = [.string(p)]
                    case .tuple(let items)?, .list(let items)?: candidates = items
                    default: throw self.fail("\(name)() needs a string or a tuple of strings", at)
                    }
                    return .bool(candidates.contains {
                        guard case .string(let p) = $0 else { return false }
                        return name == "startswith" ? s.unicodeScalars.starts(with: p.unicodeScalars)
                            : s.unicodeScalars.reversed().starts(with: p.unicodeScalars.reversed())
                    })
                }
            case "split", "rsplit":
                return bound { a in
                    let parts = try Self.split(s, separator: try a.string(0, "sep"),
                                               maxSplit: try a.int(1, "maxsplit", -1) ?? -1, fromRight: name == "rsplit",
                                               at: at)
                    return .list(parts.map { .string($0) })
                }
            case "splitlines":
                return bound { _ in .list(s.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
                                            .map { .string(String($0)) }.dropLast(s.hasSuffix("\n") ? 1 : 0)) }
            case "replace":
                return bound { a in
                    guard let old = try a.string(0, "old"), let new = try a.string(1, "new") else {
                        throw self.fail("replace() needs two strings", at)
                    }
                    return .string(try Self.replace(s, old, new, count: try a.int(2, "count", -1) ?? -1, at: at, self))
                }
            case "find", "count":
                return bound { a in
                    guard let needle = try a.string(0, "sub") else { throw self.fail("\(name)() needs a string", at) }
                    if name == "count" { return .int(needle.isEmpty ? s.unicodeScalars.count + 1 : s.components(separatedBy: needle).count - 1) }
                    guard let r = s.range(of: needle) else { return .int(-1) }
                    return .int(s.unicodeScalars.distance(from: s.startIndex, to: r.lowerBound))
                }
            case "join":
                return bound { a in
                    guard let items = a.value(0, "iterable")?.iterationItems() else {
                        throw self.fail("join() needs a list", at)
                    }
                    return .string(items.map(\.pythonString).joined(separator: s))
                }
            case "isdigit", "isalpha", "isspace", "isalnum", "isupper", "islower":
                return bound { _ in
                    let scalars = s.unicodeScalars
                    guard !scalars.isEmpty else { return .bool(false) }
                    switch name {
                    case "isdigit": return .bool(scalars.allSatisfy { $0.properties.numericType == .decimal || $0.properties.numericType == .digit })
                    case "isalpha": return .bool(scalars.allSatisfy(\.properties.isAlphabetic))
                    case "isspace": return .bool(scalars.allSatisfy(TemplateLexer.isSpace))
                    case "isalnum": return .bool(scalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
                    case "isupper": return .bool(s.uppercased() == s && s.lowercased() != s)
                    default: return .bool(s.lowercased() == s && s.uppercased() != s)
                    }
                }
            default: return nil
            }
        case .dict(let members):
            switch name {
            case "items": return bound { _ in .list(members.map { .tuple([.string($0.key), $0.value]) }) }
            case "keys": return bound { _ in .list(members.map { .string($0.key) }) }
            case "values": return bound { _ in .list(members.map(\.value)) }
            case "get":
                return bound { a in
                    let key = a.value(0, "key")?.pythonString ?? ""
                    return members.first { $0.key == key }?.value ?? a.value(1, "default") ?? .none
                }
            default: return nil
            }
        case .list, .tuple:
            if ["append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse"].contains(name) {
                throw fail("lists cannot be changed in a chat template ('\(name)'); build a new one with +", at)
            }
            return nil
        default:
            return nil
        }
    }

    static func strip(_ s: String, chars: String?, leading: Bool, trailing: Bool) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        func strip(_ c: Unicode.Scalar) -> Bool { set?.contains(c) ?? TemplateLexer.isSpace(c) }
        var scalars = Substring(s).unicodeScalars[...]
        if leading { while let c = scalars.first, strip(c) { scalars.removeFirst() } }
        if trailing { while let c = scalars.last, strip(c) { scalars.removeLast() } }
        return String(String.UnicodeScalarView(scalars))
    }

    static func capitalize(_ s: String) -> String {
        guard let first = s.first else { return s }
        return first.uppercased() + s.dropFirst().lowercased()
    }

    /// Python `str.title`: a letter after a non-letter goes upper case, other letters lower case.
    static func title(_ s: String) -> String {
        var out = ""
        var previousCased = false
        for c in s {
            out += previousCased ? c.lowercased() : c.uppercased()
            previousCased = c.isLetter
        }
        return out
    }

    static func split(_ s: String, separator: String?, maxSplit: Int, fromRight: Bool, at: TemplatePosition) throws
        -> [String] {
        guard let separator else {
            // Runs of whitespace; no empty strings.
            let words = s.unicodeScalars.split(whereSeparator: TemplateLexer.isSpace).map { String(String.UnicodeScalarView($0)) }
            guard maxSplit >= 0, words.count > maxSplit + 1 else { return words }
            // Rare: keep the remainder as it is after maxSplit splits.
            var rest = Substring(s)
            var out: [String] = []
            for _ in 0..<maxSplit {
                rest = rest.drop { $0.unicodeScalars.allSatisfy(TemplateLexer.isSpace) }
                let word = rest.prefix { !$0.unicodeScalars.allSatisfy(TemplateLexer.isSpace) }
                out.append(String(word))
                rest = rest.dropFirst(word.count)
            }
            out.append(String(rest.drop { $0.unicodeScalars.allSatisfy(TemplateLexer.isSpace) }))
            return out
        }
        guard !separator.isEmpty else {
            throw ChatTemplateError(kind: .render, message: "split(): empty separator", position: at)
        }
        var parts = s.components(separatedBy: separator)
        if maxSplit >= 0, parts.count > maxSplit + 1 {
            if fromRight {
                let keep = parts.count - maxSplit
                parts = [parts[..<keep].joined(separator: separator)] + parts[keep...]
            } else {
                parts = Array(parts[..<maxSplit]) + [parts[maxSplit...].joined(separator: separator)]
            }
        }
        return parts
    }

    static func replace(_ s: String, _ old: String, _ new: String, count: Int, at: TemplatePosition,
                        _ renderer: TemplateRenderer) throws -> String {
        if old.isEmpty {
            // Python inserts `new` between every character and at both ends.
            let scalars = s.unicodeScalars.map { String($0) }
            let n = count < 0 ? scalars.count + 1 : min(count, scalars.count + 1)
            var out = ""
            for (i, c) in scalars.enumerated() { if i < n { out += new }; out += c }
            if n > scalars.count { out += new }
            try renderer.checkSize(out.utf8.count, at)
            return out
        }
        var parts = s.components(separatedBy: old)
        if count >= 0, parts.count > count + 1 {
            parts = Array(parts[..<count]) + [parts[count...].joined(separator: old)]
        }
        let out = parts.joined(separator: new)
        try renderer.checkSize(out.utf8.count, at)
        return out
    }

    // MARK: Tests

    func applyTest(_ name: String, _ value: TemplateValue, _ args: [TemplateValue], _ at: TemplatePosition) throws
        -> Bool {
        func arg() throws -> TemplateValue {
            guard let a = args.first else { throw fail("the test '\(name)' needs an argument", at) }
            return a
        }
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": if case .none = value { return true } else { return false }
        case "boolean": if case .bool = value { return true } else { return false }
        case "true": if case .bool(true) = value { return true } else { return false }
        case "false": if case .bool(false) = value { return true } else { return false }
        case "integer": if case .int = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        case "number": return value.numeric != nil
        case "string": if case .string = value { return true } else { return false }
        case "mapping": if case .dict = value { return true } else { return false }
        case "iterable": return value.iterationItems() != nil
        case "sequence":
            switch value { case .string, .list, .tuple, .dict: return true; default: return false }
        case "callable": if case .callable = value { return true } else { return false }
        case "equalto", "eq", "==": return value.equals(try arg())
        case "ne", "!=": return !value.equals(try arg())
        case "sameas":
            let other = try arg()
            switch (value, other) {
            case (.none, .none): return true
            case let (.bool(a), .bool(b)): return a == b
            case let (.namespace(a), .namespace(b)): return a === b
            default: return false
            }
        case "lt", "<", "le", "<=", "gt", ">", "ge", ">=":
            let op = ["lt": "<", "le": "<=", "gt": ">", "ge": ">="][name] ?? name
            return try applyComparison(op, value, try arg(), at)
        case "in":
            let container = try arg()
            switch container {
            case .string(let s):
                guard case .string(let needle) = value else { return false }
                return needle.isEmpty || s.contains(needle)
            case .list(let items), .tuple(let items): return items.contains { $0.equals(value) }
            case .dict(let members): return members.contains { TemplateValue.string($0.key).equals(value) }
            default: throw fail("the test 'in' needs a list, string or dict", at)
            }
        case "odd", "even", "divisibleby":
            guard case .int(let i) = value else { throw fail("the test '\(name)' needs an integer", at) }
            if name == "odd" { return i % 2 != 0 }
            if name == "even" { return i % 2 == 0 }
            guard case .int(let d) = try arg(), d != 0 else { throw fail("divisibleby needs a non-zero integer", at) }
            return i % d == 0
        case "lower", "upper":
            guard case .string(let s) = value else { return false }
            return name == "lower" ? s.lowercased() == s : s.uppercased() == s
        default:
            throw fail("unknown test '\(name)'", at)
        }
    }

    private func applyComparison(_ op: String, _ l: TemplateValue, _ r: TemplateValue, _ at: TemplatePosition) throws
        -> Bool {
        let expr = TemplateExpr(kind: .binary(op, TemplateExpr(kind: .name("__l"), position: at),
                                              TemplateExpr(kind: .name("__r"), position: at)), position: at)
        scopes.append(["__l": l, "__r": r])
        defer { scopes.removeLast() }
        return try eval(expr).truthy
    }

    // MARK: Filters

    func applyFilter(_ name: String, _ value: TemplateValue, _ args: [TemplateValue], _ kwargs: [(String, TemplateValue)],
                     _ at: TemplatePosition) throws -> TemplateValue {
        let a = Arguments(name: name, positional: args, keywords: kwargs, at: at)
        func items() throws -> [TemplateValue] {
            guard let items = value.iterationItems() else { throw fail("\(name): '\(value.typeName)' is not iterable", at) }
            return items
        }
        func attributePath(_ item: TemplateValue, _ path: String) throws -> TemplateValue {
            var v = item
            for part in path.split(separator: ".") {
                if case .undefined = v { return v }
                if let i = Int(part) {
                    v = try self.item(v, .int(i), at)
                } else {
                    v = try self.item(v, .string(String(part)), at)
                }
            }
            return v
        }
        switch name {
        case "trim":
            return .string(Self.strip(value.pythonString, chars: try a.string(0, "chars"), leading: true, trailing: true))
        case "upper": return .string(value.pythonString.uppercased())
        case "lower": return .string(value.pythonString.lowercased())
        case "title": return .string(Self.title(value.pythonString))
        case "capitalize": return .string(Self.capitalize(value.pythonString))
        case "length", "count":
            switch value {
            case .string(let s): return .int(s.unicodeScalars.count)
            case .list(let l), .tuple(let l): return .int(l.count)
            case .dict(let d): return .int(d.count)
            case .undefined: return .int(0)
            default: throw fail("\(name): object of type '\(value.typeName)' has no len()", at)
            }
        case "tojson":
            if a.bool(1, "ensure_ascii", false) { throw fail("tojson: ensure_ascii=True is not supported", at) }
            var itemSeparator: String?, keySeparator: String?
            if let separators = a.value(2, "separators"), !(separators.isUndefined) {
                if case .none = separators {} else {
                    guard let pair = separators.iterationItems(), pair.count == 2,
                          case .string(let i) = pair[0], case .string(let k) = pair[1] else {
                        throw fail("tojson: separators must be two strings", at)
                    }
                    (itemSeparator, keySeparator) = (i, k)
                }
            }
            do {
                let text = try value.json(indent: try a.int(0, "indent"), itemSeparator: itemSeparator,
                                          keySeparator: keySeparator, sortKeys: a.bool(3, "sort_keys", false))
                try checkSize(text.utf8.count, at)
                return .string(text)
            } catch var error as ChatTemplateError {
                error.position = error.position ?? at
                throw error
            }
        case "first", "last":
            switch value {
            case .string(let s):
                let c = name == "first" ? s.unicodeScalars.first : s.unicodeScalars.last
                return c.map { .string(String($0)) } ?? .undefined("\(name) of an empty string")
            default:
                let list = try items()
                return (name == "first" ? list.first : list.last) ?? .undefined("\(name) of an empty sequence")
            }
        case "default", "d":
            let fallback = a.value(0, "default_value") ?? .string("")
            if value.isUndefined || (a.bool(1, "boolean", false) && !value.truthy) { return fallback }
            return value
        case "join":
            let separator = try a.string(0, "d", "") ?? ""
            var list = try items()
            if let attribute = try a.string(1, "attribute") { list = try list.map { try attributePath($0, attribute) } }
            let text = list.map(\.pythonString).joined(separator: separator)
            try checkSize(text.utf8.count, at)
            return .string(text)
        case "map":
            let list = try items()
            if let attribute = a.keywords.first(where: { $0.0 == "attribute" })?.1.pythonString {
                let fallback = a.keywords.first { $0.0 == "default" }?.1
                return .list(try list.map { item in
                    let v = try attributePath(item, attribute)
                    return v.isUndefined ? (fallback ?? v) : v
                })
            }
            guard case .string(let filter)? = args.first else { throw fail("map needs a filter name or attribute=", at) }
            return .list(try list.map { try applyFilter(filter, $0, Array(args.dropFirst()), [], at) })
        case "select", "reject", "selectattr", "rejectattr":
            let list = try items()
            let byAttribute = name.hasSuffix("attr")
            var rest = args[...]
            var attribute: String?
            if byAttribute {
                guard case .string(let attr)? = rest.first else { throw fail("\(name) needs an attribute name", at) }
                attribute = attr
                rest = rest.dropFirst()
            }
            let keep = name.hasPrefix("select")
            return .list(try list.filter { item in
                let subject = try attribute.map { try attributePath(item, $0) } ?? item
                let passes: Bool
                if case .string(let test)? = rest.first {
                    passes = try applyTest(test, subject, Array(rest.dropFirst()), at)
                } else {
                    passes = subject.truthy
                }
                return passes == keep
            })
        case "list":
            return .list(try items())
        case "string":
            return .string(value.pythonString)
        case "safe", "e", "escape", "forceescape":
            // Chat templates render without autoescaping; Markup only matters for HTML.
            if name == "safe" { return value }
            throw fail("the '\(name)' filter is not supported", at)
        case "int":
            switch value {
            case .int: return value
            case .bool(let b): return .int(b ? 1 : 0)
            case .double(let d) where d.isFinite: return .int(Int(d))
            case .string(let s):
                let t = s.trimmingCharacters(in: .whitespaces)
                if let i = Int(t) { return .int(i) }
                if let d = Double(t), d.isFinite { return .int(Int(d)) }
                return a.value(0, "default") ?? .int(0)
            default: return a.value(0, "default") ?? .int(0)
            }
        case "float":
            if let d = value.numeric { return .double(d) }
            if case .string(let s) = value, let d = Double(s.trimmingCharacters(in: .whitespaces)) { return .double(d) }
            return a.value(0, "default") ?? .double(0)
        case "abs":
            switch value {
            case .int(let i): return .int(abs(i))
            case .double(let d): return .double(abs(d))
            default: throw fail("abs: '\(value.typeName)' is not a number", at)
            }
        case "round":
            guard let d = value.numeric else { throw fail("round: '\(value.typeName)' is not a number", at) }
            let precision = try a.int(0, "precision", 0) ?? 0
            let method = try a.string(1, "method", "common") ?? "common"
            let scale = pow(10.0, Double(precision))
            let rule: FloatingPointRoundingRule = method == "ceil" ? .up : method == "floor" ? .down
                : .toNearestOrAwayFromZero
            return .double((d * scale).rounded(rule) / scale)
        case "replace":
            guard let old = try a.string(0, "old"), let new = try a.string(1, "new") else {
                throw fail("replace needs two strings", at)
            }
            return .string(try Self.replace(value.pythonString, old, new, count: try a.int(2, "count", -1) ?? -1, at: at,
                                            self))
        case "reverse":
            if case .string(let s) = value { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            return .list(try items().reversed())
        case "unique":
            var out: [TemplateValue] = []
            for item in try items() where !out.contains(where: { $0.equals(item) }) { out.append(item) }
            return .list(out)
        case "sort":
            let reverse = a.bool(0, "reverse", false)
            let attribute = try a.string(2, "attribute")
            var keyed: [(TemplateValue, TemplateValue)] = []
            for item in try items() {
                keyed.append((item, try attribute.map { path in try attributePath(item, path) } ?? item))
            }
            let sorted = try keyed.sorted { x, y in try applyComparison("<", x.1, y.1, at) }
            return .list((reverse ? Array(sorted.reversed()) : sorted).map { $0.0 })
        case "items", "dictsort":
            guard case .dict(let members) = value else {
                if value.isUndefined { return .list([]) }
                throw fail("\(name): '\(value.typeName)' is not a dict", at)
            }
            let pairs = name == "dictsort" ? members.sorted { $0.key < $1.key } : members
            return .list(pairs.map { .tuple([.string($0.key), $0.value]) })
        case "indent":
            let width = try a.int(0, "width", 4) ?? 4
            let first = a.bool(1, "first", false), blank = a.bool(2, "blank", false)
            let pad = String(repeating: " ", count: max(0, width))
            let lines = value.pythonString.components(separatedBy: "\n")
            let out = lines.enumerated().map { i, line in
                (i == 0 && !first) || (line.isEmpty && !blank) ? line : pad + line
            }.joined(separator: "\n")
            return .string(out)
        case "sum":
            var total: TemplateValue = a.value(1, "start") ?? .int(0)
            let attribute = try a.string(0, "attribute")
            for item in try items() {
                total = try binary("+", total, try attribute.map { try attributePath(item, $0) } ?? item, at)
            }
            return total
        case "min", "max":
            let list = try items()
            guard var best = list.first else { return .undefined("\(name) of an empty sequence") }
            for item in list.dropFirst() where try applyComparison(name == "min" ? "<" : ">", item, best, at) {
                best = item
            }
            return best
        case "wordcount":
            return .int(value.pythonString.split { $0.isWhitespace }.count)
        default:
            throw fail("unknown filter '\(name)'", at)
        }
    }
}
