import Foundation

// Turning an answer's text into values to compare: strip delimiters, spacing commands, `\left`/`\right`, currency,
// thousands separators, degrees, units and `\text{}` wrappers; then read a choice letter, a set, a tuple or
// interval, or a single expression. Percent answers give two readings (25% as 0.25 and as 25), as math-verify
// accepts both.

/// One reading of an answer.
public enum MathAnswerValue: Sendable, Equatable {
    case expression(MathExpression)
    /// A bracketed sequence: a tuple `(1, 2)` or an interval `(-\infty, 3]`; the brackets count.
    case sequence(open: Character, items: [MathExpression], close: Character)
    /// `\{1, 2\}` or a bare list `1, 2`: order does not count.
    case set([MathExpression])
    /// A multiple-choice letter: `(B)`, `\text{(B)}`, `\textbf{B}`.
    case choice(Character)
    /// A word answer (`\text{Monday}`, `even`) when nothing mathematical could be read: lowercase, no spaces.
    case text(String)
    /// A union of intervals `(-\infty, 1) \cup (2, \infty)`: order does not count.
    case union([MathAnswerValue])
    /// `\begin{pmatrix} 1 \\ 2 \end{pmatrix}` (or bmatrix): rows of entries.
    case matrix([[MathExpression]])
}

/// Reads answers into `MathAnswerValue`s.
///
///     MathAnswerNormalizer.values(of: "\\$1,234.50")   // [.expression(.number(1234.5))]
///     MathAnswerNormalizer.values(of: "(1, 2]")        // [.sequence(open: "(", items: [1, 2], close: "]")]
public enum MathAnswerNormalizer {
    /// Answers longer than this are read only as plain numbers (digits with an optional sign, point and thousands
    /// commas), which keeps the cost of a pathological answer to one linear scan.
    public static let maxAnswerLength = 10_000

    /// Every reading of `text` (empty when nothing could be read).
    public static func values(of text: String) -> [MathAnswerValue] {
        if text.utf8.count > maxAnswerLength { return longNumber(text).map { [.expression($0)] } ?? [] }
        if let matrix = matrix(text) { return [matrix] }
        let cleaned = clean(text)
        let pieces = cleaned.components(separatedBy: "\\cup")
        if pieces.count > 1 {
            var parts: [MathAnswerValue] = []
            for piece in pieces {
                guard let reading = structured(piece).first else { return [] }
                parts.append(reading)
            }
            return [.union(parts)]
        }
        var readings: [MathAnswerValue] = []
        if let letter = choiceLetter(cleaned) { readings.append(.choice(letter)) }
        readings += structured(cleaned)
        if cleaned.contains("%") {
            readings += structured(cleaned.replacingOccurrences(of: "%", with: ""))
        }
        if readings.isEmpty, let words = textReading(text) { readings.append(.text(words)) }
        return readings
    }

    /// `\text{Monday}.` → `monday`: letters and digits only, lowercased; nil without a letter, or when the text
    /// holds anything but words and punctuation (`x < 3` and `x > 3` must not both read as "x3").
    private static func textReading(_ text: String) -> String? {
        var s = text
        for wrapper in wrappers { s = unwrap(wrapper, in: s) }
        s = s.replacingOccurrences(of: "$", with: "")
        guard s.allSatisfy({ $0.isLetter || $0.isNumber || $0.isWhitespace || ".,;:!?'-".contains($0) }) else { return nil }
        let kept = s.lowercased().filter { ($0.isLetter || $0.isNumber) && $0.isASCII }
        return kept.contains(where: \.isLetter) ? kept : nil
    }

    /// A long plain number (`-1,234...5.60`, optionally between `$`) as a big literal, else nil.
    private static func longNumber(_ text: String) -> MathExpression? {
        var digits = text.trimmingWhitespace().filter { $0 != "," && $0 != "$" }
        var negative = false
        if digits.first == "-" { negative = true; digits.removeFirst() }
        var points = 0
        for c in digits.utf8 {
            if c == UInt8(ascii: ".") { points += 1 } else if !(c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) { return nil }
        }
        guard points <= 1, digits.contains(where: { $0 != "." }) else { return nil }
        let literal = MathExpression.bigNumber(ExpressionParser.canonicalDigits(digits))
        return negative ? .negate(literal) : literal
    }

    // MARK: - Cleaning

    private static let removed = [
        "\\left", "\\right", "\\displaystyle", "\\!", "\\,", "\\;", "\\:", "\\ ", "\\quad", "\\qquad",
        "\\bigl", "\\bigr", "\\Bigl", "\\Bigr", "\\big", "\\Big", "\\$", "$", "\\(", "\\)", "\\[", "\\]",
    ]
    private static let replaced: [(String, String)] = [
        ("\\dfrac", "\\frac"), ("\\tfrac", "\\frac"), ("\\cfrac", "\\frac"),
        ("^{\\circ}", ""), ("^\\circ", ""), ("\\circ", ""), ("\\degree", ""), ("°", ""),
        ("\\%", "%"), ("{,}", ","), ("\\cdot", "*"), ("\\times", "*"), ("\\div", "/"), ("×", "*"), ("÷", "/"),
        ("−", "-"), ("–", "-"), ("π", "\\pi"), ("∞", "\\infty"), ("√", "\\sqrt"),
        ("\\lbrace", "\\{"), ("\\rbrace", "\\}"), ("\\{", "⦃"), ("\\}", "⦄"),
    ]
    /// Wrappers whose content is kept (`\text{(B)}` → `(B)`); units left inside are then dropped as words.
    private static let wrappers = ["\\text", "\\textbf", "\\mathrm", "\\mbox", "\\textnormal", "\\mathbf",
                                   "\\operatorname", "\\textit", "\\mathit", "\\boxed"]
    /// Words that stay: commands the expression parser knows.
    private static let keptWords: Set<String> = ["frac", "sqrt", "pi", "infty", "infinity", "sin", "cos", "tan", "ln",
                                                 "log", "exp"]

    /// Plain text for the parser; sets are marked ⦃ ⦄ so their braces are not confused with groups.
    static func clean(_ text: String) -> String {
        var s = text
        for wrapper in wrappers { s = unwrap(wrapper, in: s) }
        // `\$` (currency) disappears with the other `$`.
        for word in removed { s = s.replacingOccurrences(of: word, with: word == "\\ " ? " " : "") }
        for (from, to) in replaced { s = s.replacingOccurrences(of: from, with: to) }
        s = s.replacingOccurrences(of: "\\\\", with: " ")
        // A unit's power goes with the unit: `36\text{ cm}^2` is 36.
        s = s.replacingOccurrences(of: #"(?<![\\A-Za-z])([A-Za-z]{2,})\s*\^\s*(\{\d+\}|\d)"#, with: "$1",
                                   options: .regularExpression)
        s = dropWords(s)
        s = removeThousandsSeparators(s)
        s = dropAssignment(s)
        s = s.trimmingWhitespace()
        while let last = s.last, last == "." || last == "," || last == ";" || last == ":" { s.removeLast() }
        // A mixed number `2\frac{1}{2}` means 2 + 1/2 (as math-verify reads it), not 2 · 1/2.
        s = s.replacingOccurrences(
            of: #"^(-?)(\d+)\s*\\frac\{(\d+)\}\{(\d+)\}$"#, with: "$1($2+$3/$4)", options: .regularExpression)
        return s.trimmingWhitespace()
    }

    /// `\text{abc}` → ` abc ` for one wrapper command, with balanced braces.
    private static func unwrap(_ command: String, in text: String) -> String {
        guard text.contains(command) else { return text }
        var chars = Array(text)
        let needle = Array(command + "{")
        var i = 0
        while i + needle.count <= chars.count {
            if chars[i] == "\\", chars[i..<(i + needle.count)].elementsEqual(needle) {
                let open = i + needle.count - 1
                if let close = MathAnswerExtractor.matchingBrace(chars, open: open) {
                    let inner = Array(chars[(open + 1)..<close])
                    chars.replaceSubrange(i...close, with: [" "] + inner + [" "])
                    continue
                }
            }
            i += 1
        }
        return String(chars)
    }

    /// Drops words of two or more letters (units such as `cm`, `dollars`, `apples`), keeping LaTeX commands.
    private static func dropWords(_ text: String) -> String {
        var out = ""
        var word = ""
        var afterBackslash = false
        func flush() {
            if afterBackslash || word.count < 2 || keptWords.contains(word) { out += word }
            word = ""
        }
        for c in text {
            if c.isLetter && c.isASCII {
                word.append(c)
                continue
            }
            flush()
            afterBackslash = c == "\\"
            out.append(c)
        }
        flush()
        return out
    }

    /// `1,234,567` → `1234567` when every group after a comma has exactly three digits.
    private static func removeThousandsSeparators(_ text: String) -> String {
        guard text.contains(",") else { return text }
        return text.replacingOccurrences(of: #"(?<=\d),(?=\d{3}(?!\d))"#, with: "", options: .regularExpression)
    }

    /// `x = 5` → `5`, `y = 2x + 3` → `2x + 3`, `x \in [1, 2]` → `[1, 2]`: the part after the last `=` when what
    /// precedes is an assignment (`2 + 3 = 5` keeps 5 too).
    private static func dropAssignment(_ text: String) -> String {
        var s = text
        if let range = s.range(of: #"\\in(?![A-Za-z])"#, options: .regularExpression) { s = String(s[range.upperBound...]) }
        if let range = s.range(of: "=", options: .backwards) { s = String(s[range.upperBound...]) }
        return s
    }

    // MARK: - Readings

    /// The entries of a `pmatrix`/`bmatrix` (rows split at `\\`, columns at `&`), or nil.
    private static func matrix(_ text: String) -> MathAnswerValue? {
        guard let begin = text.range(of: #"\\begin\{[pbv]?matrix\}"#, options: .regularExpression),
              let end = text.range(of: #"\\end\{[pbv]?matrix\}"#, options: .regularExpression),
              begin.upperBound <= end.lowerBound else { return nil }
        var rows: [[MathExpression]] = []
        for row in text[begin.upperBound..<end.lowerBound].components(separatedBy: "\\\\") {
            let cells = row.components(separatedBy: "&").map { clean($0) }
            if cells.allSatisfy(\.isEmpty) { continue }
            var parsed: [MathExpression] = []
            for cell in cells {
                guard let e = try? MathExpression.parse(cell) else { return nil }
                parsed.append(e)
            }
            rows.append(parsed)
        }
        return rows.isEmpty ? nil : .matrix(rows)
    }

    /// `(B)`, `B)` or `B` alone: a choice letter A–E.
    private static func choiceLetter(_ s: String) -> Character? {
        var t = s.trimmingWhitespace()
        if t.hasPrefix("(") && t.hasSuffix(")") { t = String(t.dropFirst().dropLast()) }
        guard t.count == 1, let letter = t.first, "ABCDE".contains(letter) else { return nil }
        return letter
    }

    private static func structured(_ s: String) -> [MathAnswerValue] {
        let t = s.trimmingWhitespace()
        guard let first = t.first, let last = t.last else { return [] }
        if first == "⦃", last == "⦄" {
            let items = splitTopLevel(String(t.dropFirst().dropLast()))
            return parseAll(items).map { [.set($0)] } ?? []
        }
        if "([".contains(first), ")]".contains(last) {
            let inner = splitTopLevel(String(t.dropFirst().dropLast()))
            if inner.count > 1, let parsed = parseAll(inner) {
                return [.sequence(open: first, items: parsed, close: last)]
            }
        }
        let items = splitTopLevel(t)
        if items.count > 1 { return parseAll(items).map { [.set($0)] } ?? [] }
        if let e = try? MathExpression.parse(t) { return [.expression(e)] }
        return []
    }

    private static func parseAll(_ items: [String]) -> [MathExpression]? {
        var parsed: [MathExpression] = []
        for item in items {
            guard let e = try? MathExpression.parse(item) else { return nil }
            parsed.append(e)
        }
        return parsed.isEmpty ? nil : parsed
    }

    /// Splits at commas outside brackets. `(1, 2]` has one top-level part; `1, 2` has two.
    static func splitTopLevel(_ s: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for c in s {
            switch c {
            case "(", "[", "{", "⦃": depth += 1
            case ")", "]", "}", "⦄": depth -= 1
            default: break
            }
            if c == ",", depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current)
        return parts.map { $0.trimmingWhitespace() }
    }
}
