// Splits a chat template into text, `{{ ... }}` outputs and `{% ... %}` statements, with Jinja2's whitespace rules as
// transformers configures them (jinja2 3.1 `lexer.py`; transformers `chat_template_utils.py`: trim_blocks and
// lstrip_blocks on, keep_trailing_newline off), and turns each tag's inside into tokens.

/// One token inside a tag.
struct TemplateToken {
    enum Kind: Equatable { case name, string, integer, float, op }
    var kind: Kind
    /// The name, the operator, or the string's value (escapes resolved).
    var text: String
    var integer: Int = 0
    var float: Double = 0
    var position: TemplatePosition

    func isOp(_ op: String) -> Bool { kind == .op && text == op }
    func isName(_ name: String) -> Bool { kind == .name && text == name }
}

/// A piece of the template as the lexer cuts it.
enum TemplateSegment {
    case text(String)
    case output([TemplateToken], TemplatePosition)
    case statement([TemplateToken], TemplatePosition)
}

struct TemplateLexer {
    private let s: [Unicode.Scalar]
    private var lineStarts: [Int] = [0]

    init(source: String) {
        // Jinja2 normalizes newlines to "\n" and drops one trailing newline (keep_trailing_newline=False).
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(source.unicodeScalars.count)
        var previousCR = false
        for c in source.unicodeScalars {
            if c == "\r" { scalars.append("\n"); previousCR = true; continue }
            if c == "\n" && previousCR { previousCR = false; continue }
            previousCR = false
            scalars.append(c)
        }
        if scalars.last == "\n" { scalars.removeLast() }
        s = scalars
        for (i, c) in s.enumerated() where c == "\n" { lineStarts.append(i + 1) }
    }

    func position(_ index: Int) -> TemplatePosition {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        return TemplatePosition(line: lo + 1, column: index - lineStarts[lo] + 1)
    }

    private func error(_ message: String, at index: Int) -> ChatTemplateError {
        ChatTemplateError(kind: .syntax, message: message, position: position(index))
    }

    /// Python's `str.isspace`, which `\s` in Jinja2's regexes and `str.strip` follow.
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        (0x1C...0x1F).contains(c.value) || c.properties.isWhitespace
    }

    private func at(_ i: Int, _ text: String) -> Bool {
        var j = i
        for c in text.unicodeScalars {
            guard j < s.count, s[j] == c else { return false }
            j += 1
        }
        return true
    }

    func segments() throws -> [TemplateSegment] {
        var out: [TemplateSegment] = []
        var i = 0
        var lineStarting = true
        while i < s.count {
            // The next tag start.
            var j = i
            while j + 1 < s.count, !(s[j] == "{" && (s[j + 1] == "{" || s[j + 1] == "%" || s[j + 1] == "#")) { j += 1 }
            if j + 1 >= s.count {
                out.append(.text(String(String.UnicodeScalarView(s[i...]))))
                break
            }
            var text = Array(s[i..<j])
            let kind = s[j + 1]
            var k = j + 2
            var sign: Unicode.Scalar?
            if k < s.count, s[k] == "-" || s[k] == "+" { sign = s[k]; k += 1 }
            if sign == "-" {
                while let last = text.last, Self.isSpace(last) { text.removeLast() }
            } else if sign != "+" && kind != "{" {
                // lstrip_blocks: whitespace alone on the line before a block or comment tag goes.
                let lPos = (text.lastIndex(of: "\n") ?? -1) + 1
                if (lPos > 0 || lineStarting) && lPos < text.count && text[lPos...].allSatisfy(Self.isSpace) {
                    text.removeSubrange(lPos...)
                }
            }
            if !text.isEmpty { out.append(.text(String(String.UnicodeScalarView(text)))) }
            let start = position(j)
            if kind == "#" {
                var q = k
                while q + 1 < s.count, !(s[q] == "#" && s[q + 1] == "}") { q += 1 }
                guard q + 1 < s.count else { throw error("a comment '{#' is never closed", at: j) }
                i = try afterTagEnd(q + 2, control: q > k ? s[q - 1] : nil, block: true)
            } else {
                let block = kind == "%"
                var tokens: [TemplateToken] = []
                var depth = 0
                var p = k
                while true {
                    while p < s.count, Self.isSpace(s[p]) { p += 1 }
                    guard p < s.count else {
                        throw error("'\(block ? "{%" : "{{")' is never closed with '\(block ? "%}" : "}}")'", at: j)
                    }
                    if depth == 0 {
                        let end = block ? "%}" : "}}"
                        if at(p, end) { i = try afterTagEnd(p + 2, control: nil, block: block); break }
                        if (s[p] == "-" || (block && s[p] == "+")) && at(p + 1, end) {
                            i = try afterTagEnd(p + 3, control: s[p], block: block); break
                        }
                    }
                    let token = try scanToken(&p)
                    if token.kind == .op {
                        switch token.text {
                        case "(", "[", "{": depth += 1
                        case ")", "]", "}":
                            guard depth > 0 else { throw error("unexpected '\(token.text)'", at: p - 1) }
                            depth -= 1
                        default: break
                        }
                    }
                    tokens.append(token)
                }
                if tokens.first?.isName("raw") == true {
                    throw ChatTemplateError(kind: .syntax, message: "{% raw %} is not supported", position: start)
                }
                out.append(block ? .statement(tokens, start) : .output(tokens, start))
            }
            // line_starting: the tag's end took the line's newline.
            lineStarting = i > 0 && s[i - 1] == "\n"
        }
        return out
    }

    /// Where the text after a tag begins: `-` eats all whitespace, a block or comment end eats one newline.
    private func afterTagEnd(_ index: Int, control: Unicode.Scalar?, block: Bool) throws -> Int {
        var i = index
        if control == "-" {
            while i < s.count, Self.isSpace(s[i]) { i += 1 }
        } else if control != "+" && block && i < s.count && s[i] == "\n" {
            i += 1
        }
        return i
    }

    private static let operators = ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=",
                                    "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", ";"]

    private func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
    private func isNameStart(_ c: Unicode.Scalar) -> Bool { c == "_" || (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") }

    private func scanToken(_ p: inout Int) throws -> TemplateToken {
        let start = p
        let pos = position(p)
        let c = s[p]
        if isNameStart(c) {
            while p < s.count, isNameStart(s[p]) || isDigit(s[p]) { p += 1 }
            return TemplateToken(kind: .name, text: String(String.UnicodeScalarView(s[start..<p])), position: pos)
        }
        if isDigit(c) {
            while p < s.count, isDigit(s[p]) || s[p] == "_" { p += 1 }
            var isFloat = false
            if p + 1 < s.count, s[p] == ".", isDigit(s[p + 1]) {
                isFloat = true
                p += 1
                while p < s.count, isDigit(s[p]) || s[p] == "_" { p += 1 }
            }
            if p < s.count, s[p] == "e" || s[p] == "E" {
                var q = p + 1
                if q < s.count, s[q] == "+" || s[q] == "-" { q += 1 }
                if q < s.count, isDigit(s[q]) {
                    isFloat = true
                    p = q
                    while p < s.count, isDigit(s[p]) { p += 1 }
                }
            }
            let text = String(String.UnicodeScalarView(s[start..<p])).replacingOccurrences(of: "_", with: "")
            if isFloat {
                guard let value = Double(text) else { throw error("bad number '\(text)'", at: start) }
                return TemplateToken(kind: .float, text: text, float: value, position: pos)
            }
            guard let value = Int(text) else { throw error("integer '\(text)' is too large", at: start) }
            return TemplateToken(kind: .integer, text: text, integer: value, position: pos)
        }
        if c == "'" || c == "\"" {
            return TemplateToken(kind: .string, text: try scanString(&p), position: pos)
        }
        for op in Self.operators where at(p, op) {
            p += op.unicodeScalars.count
            return TemplateToken(kind: .op, text: op, position: pos)
        }
        throw error("unexpected character '\(c)'", at: p)
    }

    /// A quoted string with Python's escapes (Jinja2 decodes string literals with `unicode-escape`).
    private func scanString(_ p: inout Int) throws -> String {
        let start = p
        let quote = s[p]
        p += 1
        var out = String.UnicodeScalarView()
        while true {
            guard p < s.count else { throw error("a string is never closed", at: start) }
            let c = s[p]
            if c == quote { p += 1; return String(out) }
            if c != "\\" { out.append(c); p += 1; continue }
            guard p + 1 < s.count else { throw error("a string is never closed", at: start) }
            let e = s[p + 1]
            p += 2
            func hex(_ n: Int) throws -> Unicode.Scalar {
                guard p + n <= s.count, let v = UInt32(String(String.UnicodeScalarView(s[p..<p + n])), radix: 16),
                      let scalar = Unicode.Scalar(v) else { throw error("bad escape in a string", at: p - 2) }
                p += n
                return scalar
            }
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "\\": out.append("\\")
            case "'": out.append("'")
            case "\"": out.append("\"")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "v": out.append("\u{0B}")
            case "\n": break
            case "x": out.append(try hex(2))
            case "u": out.append(try hex(4))
            case "U": out.append(try hex(8))
            case "0"..."7":
                var v = e.value - 48
                var n = 1
                while n < 3, p < s.count, s[p] >= "0", s[p] <= "7" { v = v * 8 + s[p].value - 48; p += 1; n += 1 }
                out.append(Unicode.Scalar(v) ?? "\u{FFFD}")
            default: out.append("\\"); out.append(e)
            }
        }
    }
}
