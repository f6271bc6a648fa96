import Foundation

// A small expression language for final answers: numbers, single-letter variables, + − × ÷, powers, implicit
// products (`2\sqrt{3}`, `3x`), `\frac`, `\sqrt[n]{}`, `\pi`, `\infty`, `e`-free elementary functions and postfix
// `%`. Parsing is recursive descent with a depth limit, so deep nesting fails fast instead of exhausting the stack;
// numbers longer than `MathExpression.maxDigits` digits are kept as text and compared exactly.

/// A parsed answer expression.
///
///     let e = try MathExpression.parse("2\\sqrt{3}")
///     e.evaluate([:])   // 3.4641016151377544
public indirect enum MathExpression: Sendable, Equatable {
    case number(Double)
    /// A literal too long for a `Double`; its canonical digits.
    case bigNumber(String)
    case variable(String)
    case constant(Double)
    case add(MathExpression, MathExpression)
    case subtract(MathExpression, MathExpression)
    case multiply(MathExpression, MathExpression)
    case divide(MathExpression, MathExpression)
    case power(MathExpression, MathExpression)
    case negate(MathExpression)
    case function(MathFunction, MathExpression)

    /// Literals with more digits than this are not converted to `Double`.
    public static let maxDigits = 60
    /// Nesting deeper than this is refused.
    public static let maxDepth = 64

    public static func parse(_ text: String) throws -> MathExpression {
        var parser = ExpressionParser(chars: Array(text))
        return try parser.parseAll()
    }

    /// The value with `variables` substituted; nil when a big literal or an unknown variable is involved.
    public func evaluate(_ variables: [String: Double]) -> Double? {
        switch self {
        case .number(let x), .constant(let x): return x
        case .bigNumber: return nil
        case .variable(let name): return variables[name]
        case let .add(a, b): return combine(a, b, variables, +)
        case let .subtract(a, b): return combine(a, b, variables, -)
        case let .multiply(a, b): return combine(a, b, variables, *)
        case let .divide(a, b): return combine(a, b, variables, /)
        case let .power(a, b): return combine(a, b, variables) { Foundation.pow($0, $1) }
        case let .negate(a): return a.evaluate(variables).map { -$0 }
        case let .function(f, a): return a.evaluate(variables).map(f.apply)
        }
    }

    private func combine(_ a: MathExpression, _ b: MathExpression, _ variables: [String: Double],
                         _ op: (Double, Double) -> Double) -> Double? {
        guard let x = a.evaluate(variables), let y = b.evaluate(variables) else { return nil }
        return op(x, y)
    }

    /// Every variable name, sorted.
    public var variables: [String] {
        var names = Set<String>()
        func walk(_ e: MathExpression) {
            switch e {
            case .number, .bigNumber, .constant: break
            case .variable(let name): names.insert(name)
            case let .add(a, b), let .subtract(a, b), let .multiply(a, b), let .divide(a, b), let .power(a, b):
                walk(a); walk(b)
            case let .negate(a), let .function(_, a): walk(a)
            }
        }
        walk(self)
        return names.sorted()
    }
}

public enum MathFunction: String, Sendable, CaseIterable {
    case sin, cos, tan, ln, log, exp, factorial

    func apply(_ x: Double) -> Double {
        switch self {
        case .sin: return Foundation.sin(x)
        case .cos: return Foundation.cos(x)
        case .tan: return Foundation.tan(x)
        case .ln: return Foundation.log(x)
        case .log: return Foundation.log10(x)
        case .exp: return Foundation.exp(x)
        case .factorial:
            guard x >= 0, x == x.rounded(), x <= 170 else { return .nan }
            return Foundation.tgamma(x + 1)
        }
    }
}

/// Why an answer could not be parsed.
public struct MathParseError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// Recursive descent over characters:
///
///     sum     := product (('+' | '-') product)*
///     product := unary (('*' | '/' | implicit) unary)*
///     unary   := ('-' | '+') unary | power
///     power   := postfix ('^' group)?
///     postfix := atom ('%' | '!')*
///     atom    := number | letter | '(' sum ')' | '{' sum '}' | '\frac' group group | '\sqrt' ['[' sum ']'] group
///              | '\pi' | '\infty' | '\sin' group ...
///     group   := '{' sum '}' | digit | letter | '\command'
struct ExpressionParser {
    let chars: [Character]
    var i = 0
    var depth = 0

    init(chars: [Character]) { self.chars = chars }

    mutating func parseAll() throws -> MathExpression {
        let e = try parseSum()
        skipSpaces()
        guard i == chars.count else { throw fail("unexpected \"\(chars[i])\"") }
        return e
    }

    private func fail(_ reason: String) -> MathParseError { MathParseError(description: reason) }

    private mutating func skipSpaces() { while i < chars.count, chars[i].isWhitespace { i += 1 } }

    private func peek() -> Character? { i < chars.count ? chars[i] : nil }

    private mutating func enter() throws {
        depth += 1
        if depth > MathExpression.maxDepth { throw fail("nested more than \(MathExpression.maxDepth) levels deep") }
    }

    private mutating func parseSum() throws -> MathExpression {
        try enter(); defer { depth -= 1 }
        var left = try parseProduct()
        while true {
            skipSpaces()
            if peek() == "+" { i += 1; left = .add(left, try parseProduct()) }
            else if peek() == "-" { i += 1; left = .subtract(left, try parseProduct()) }
            else { return left }
        }
    }

    private mutating func parseProduct() throws -> MathExpression {
        var left = try parseUnary()
        while true {
            skipSpaces()
            guard let c = peek() else { return left }
            if c == "*" { i += 1; left = .multiply(left, try parseUnary()) }
            else if c == "/" { i += 1; left = .divide(left, try parseUnary()) }
            else if startsAtom(c) { left = .multiply(left, try parsePower()) }
            else { return left }
        }
    }

    private func startsAtom(_ c: Character) -> Bool {
        if c == "\\" {
            // `\}` and `\{` close or open sets, not atoms.
            return i + 1 < chars.count && chars[i + 1].isLetter
        }
        return c.isNumber || c.isLetter || c == "(" || c == "{" || c == "."
    }

    private mutating func parseUnary() throws -> MathExpression {
        try enter(); defer { depth -= 1 }
        skipSpaces()
        if peek() == "-" { i += 1; return .negate(try parseUnary()) }
        if peek() == "+" { i += 1; return try parseUnary() }
        return try parsePower()
    }

    private mutating func parsePower() throws -> MathExpression {
        let base = try parsePostfix()
        skipSpaces()
        guard peek() == "^" else { return base }
        i += 1
        skipSpaces()
        let exponent: MathExpression
        if peek() == "-" {
            i += 1
            exponent = .negate(try parseGroup())
        } else {
            exponent = try parseGroup()
        }
        return .power(base, exponent)
    }

    private mutating func parsePostfix() throws -> MathExpression {
        var e = try parseAtom()
        while true {
            if peek() == "%" { i += 1; e = .divide(e, .number(100)) }
            else if peek() == "!" { i += 1; e = .function(.factorial, e) }
            else { return e }
        }
    }

    private mutating func parseAtom() throws -> MathExpression {
        try enter(); defer { depth -= 1 }
        skipSpaces()
        guard let c = peek() else { throw fail("the expression ends early") }
        if c.isASCII && c.isNumber || c == "." { return try parseNumber() }
        if c.isLetter {
            i += 1
            var name = String(c)
            if peek() == "_" {
                i += 1
                name += "_" + describe(try parseGroup())
            }
            return .variable(name)
        }
        if c == "(" || c == "{" || c == "[" {
            let close: Character = c == "(" ? ")" : c == "{" ? "}" : "]"
            i += 1
            let inner = try parseSum()
            skipSpaces()
            guard peek() == close else { throw fail("missing \"\(close)\"") }
            i += 1
            return inner
        }
        if c == "\\" { return try parseCommand() }
        throw fail("unexpected \"\(c)\"")
    }

    private mutating func parseNumber() throws -> MathExpression {
        let start = i
        var seenPoint = false
        while i < chars.count, chars[i].isASCII && chars[i].isNumber || (chars[i] == "." && !seenPoint) {
            if chars[i] == "." {
                // A point must be followed by a digit to belong to the number.
                guard i + 1 < chars.count, chars[i + 1].isASCII && chars[i + 1].isNumber else { break }
                seenPoint = true
            }
            i += 1
        }
        let text = String(chars[start..<i])
        guard !text.isEmpty else { throw fail("expected a number") }
        if text.count > MathExpression.maxDigits { return .bigNumber(Self.canonicalDigits(text)) }
        guard let value = Double(text) else { throw fail("\"\(text)\" is not a number") }
        return .number(value)
    }

    /// Digits without leading zeros or trailing fractional zeros: "007.50" → "7.5".
    static func canonicalDigits(_ text: String) -> String {
        var s = Substring(text)
        while s.count > 1, s.first == "0", s.dropFirst().first != "." { s.removeFirst() }
        if s.contains(".") {
            while s.last == "0" { s.removeLast() }
            if s.last == "." { s.removeLast() }
        }
        return String(s)
    }

    private mutating func parseCommand() throws -> MathExpression {
        i += 1  // the backslash
        let start = i
        while i < chars.count, chars[i].isLetter { i += 1 }
        let name = String(chars[start..<i])
        switch name {
        case "frac", "dfrac", "tfrac", "cfrac":
            let numerator = try parseGroup()
            let denominator = try parseGroup()
            return .divide(numerator, denominator)
        case "sqrt":
            skipSpaces()
            var index: MathExpression = .number(2)
            if peek() == "[" {
                i += 1
                index = try parseSum()
                skipSpaces()
                guard peek() == "]" else { throw fail("missing \"]\" after \\sqrt[") }
                i += 1
            }
            let radicand = try parseGroup()
            return .power(radicand, .divide(.number(1), index))
        case "pi": return .constant(Double.pi)
        case "infty", "infinity": return .constant(Double.infinity)
        case "sin", "cos", "tan", "ln", "log", "exp":
            guard let function = MathFunction(rawValue: name) else { throw fail("unknown function \\\(name)") }
            return .function(function, try parseGroup())
        case "cdot", "times", "div":
            throw fail("\\\(name) without a left operand")
        default:
            throw fail("unknown command \\\(name)")
        }
    }

    /// A LaTeX argument: `{...}`, one digit (`\frac12`), one letter, or a command (`\frac\pi2`).
    private mutating func parseGroup() throws -> MathExpression {
        try enter(); defer { depth -= 1 }
        skipSpaces()
        guard let c = peek() else { throw fail("missing an argument") }
        if c == "{" {
            i += 1
            let inner = try parseSum()
            skipSpaces()
            guard peek() == "}" else { throw fail("missing \"}\"") }
            i += 1
            return inner
        }
        if c.isASCII && c.isNumber {
            i += 1
            return .number(Double(String(c)) ?? 0)
        }
        if c.isLetter { i += 1; return .variable(String(c)) }
        if c == "\\" { return try parseCommand() }
        if c == "(" { return try parseAtom() }
        throw fail("unexpected \"\(c)\"")
    }

    private func describe(_ e: MathExpression) -> String {
        switch e {
        case .number(let x): return x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
        case .variable(let v): return v
        default: return "\(e)"
        }
    }
}
