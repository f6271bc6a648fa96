import Foundation

// Finding the final answer in a completion or a gold answer: the last `\boxed{}`, GSM8K's `#### N`, "the answer
// is ...", or the last number. Every scan is a single linear pass over the text (brace matching included), so a
// pathological completion (deep nesting, a 100k-digit number) costs time proportional to its length.

/// Where an answer was found, in the words of `MathAnswerOptions.Extraction`.
public struct ExtractedAnswer: Sendable, Equatable {
    public var text: String
    public var method: MathAnswerOptions.Extraction
}

/// Pulls the final answer out of free text.
///
///     MathAnswerExtractor.extract(from: "so 3 + 4 = 7. The answer is $7$.", order: [.boxed, .answer_is])
///     // ExtractedAnswer(text: "$7$", method: .answer_is)
public enum MathAnswerExtractor {
    /// The first method in `order` that finds something.
    public static func extract(from text: String, order: [MathAnswerOptions.Extraction]) -> ExtractedAnswer? {
        let chars = Array(text)
        for method in order {
            let found: String?
            switch method {
            case .boxed: found = lastBoxed(chars)
            case .gsm8k: found = afterHashes(chars)
            case .answer_is: found = afterAnswerIs(chars)
            case .latex: found = lastMathSpan(chars)
            case .last_number: found = lastNumber(chars)
            }
            if let found, !found.trimmingWhitespace().isEmpty {
                return ExtractedAnswer(text: found.trimmingWhitespace(), method: method)
            }
        }
        return nil
    }

    /// The gold answer of a dataset row: the number after GSM8K's `####`, the last `\boxed{}` of a MATH solution,
    /// or the whole text (a bare MATH answer such as `\frac{3}{4}`).
    public static func gold(_ text: String) -> String {
        let chars = Array(text)
        if let hashes = afterHashes(chars) { return hashes.trimmingWhitespace() }
        if let boxed = lastBoxed(chars) { return boxed.trimmingWhitespace() }
        return text.trimmingWhitespace()
    }

    // MARK: - \boxed{...}

    /// Content of the last `\boxed{...}` or `\fbox{...}` (balanced braces), or of `\boxed 5` without braces.
    static func lastBoxed(_ chars: [Character]) -> String? {
        var start: Int?
        for name in ["\\boxed", "\\fbox"] {
            if let found = lastIndex(of: Array(name), in: chars), found > (start ?? -1) { start = found + name.count }
        }
        guard var i = start else { return nil }
        while i < chars.count, chars[i] == " " { i += 1 }
        guard i < chars.count else { return nil }
        if chars[i] == "{" {
            guard let close = matchingBrace(chars, open: i) else { return nil }
            return String(chars[(i + 1)..<close])
        }
        // `\boxed 5`: up to the next space, `$` or end.
        var end = i
        while end < chars.count, chars[end] != "$", !chars[end].isWhitespace { end += 1 }
        return String(chars[i..<end])
    }

    /// Index of the `}` closing the `{` at `open`, skipping escaped braces (`\{`).
    static func matchingBrace(_ chars: [Character], open: Int) -> Int? {
        var depth = 0
        var i = open
        while i < chars.count {
            switch chars[i] {
            case "\\": i += 1  // skip the escaped character
            case "{": depth += 1
            case "}":
                depth -= 1
                if depth == 0 { return i }
            default: break
            }
            i += 1
        }
        return nil
    }

    // MARK: - #### N

    /// The rest of the line after the last `####`.
    static func afterHashes(_ chars: [Character]) -> String? {
        guard let found = lastIndex(of: Array("####"), in: chars) else { return nil }
        var end = found + 4
        while end < chars.count, !chars[end].isNewline { end += 1 }
        return String(chars[(found + 4)..<end])
    }

    // MARK: - "the answer is ..."

    private static let answerMarkers: [[Character]] = ["answer is", "answer:", "answer is:", "answer**:", "answer:**"]
        .map { Array($0) }

    /// The answer after the last "answer is" / "answer:" (case-insensitive): a `$...$` span if one starts there,
    /// else the text up to the end of the sentence or line.
    static func afterAnswerIs(_ chars: [Character]) -> String? {
        let lower = chars.map { Character($0.lowercased()) }
        var best: (index: Int, end: Int)?
        for marker in answerMarkers {
            if let found = lastIndex(of: marker, in: lower), found + marker.count > (best?.end ?? -1) {
                best = (found, found + marker.count)
            }
        }
        guard var i = best?.end else { return nil }
        while i < chars.count, chars[i] == " " || chars[i] == "*" || chars[i] == ":" { i += 1 }
        guard i < chars.count else { return nil }
        if chars[i] == "$" {
            let double = i + 1 < chars.count && chars[i + 1] == "$"
            let open = double ? i + 2 : i + 1
            var j = open
            while j < chars.count, chars[j] != "$" { j += 1 }
            return String(chars[open..<min(j, chars.count)])
        }
        // Plain text: up to the end of the sentence, a ", " or the first word ("18 apples per day" → "18").
        var end = i
        while end < chars.count, !chars[end].isNewline {
            let c = chars[end]
            let next: Character = end + 1 < chars.count ? chars[end + 1] : " "
            // A period ends the sentence unless it sits inside a number (18.5).
            if c == ".", !(next.isASCII && next.isNumber) { break }
            if c == ",", next == " " || next == "\n" { break }
            if c.isASCII, c.isLetter, next.isASCII, next.isLetter, end > i, chars[end - 1] != "\\",
               !(chars[end - 1].isASCII && chars[end - 1].isLetter), end > i { break }
            end += 1
        }
        let answer = String(chars[i..<end]).trimmingWhitespace()
        // Plain text must hold a number or a choice letter ("the answer is a lot, i.e. 240" is not an answer).
        let bare = answer.filter { $0 != "(" && $0 != ")" }
        guard answer.contains(where: isDigit) || answer.contains("\\") || (bare.count == 1 && "ABCDE".contains(bare))
        else { return nil }
        return answer
    }

    // MARK: - last math span

    /// The content of the last `$$...$$`, `\[...\]`, `\(...\)` or `$...$` span, if no digit follows it and it holds
    /// no plain words (so "$5 and got $3" is read as prices, not as a span).
    static func lastMathSpan(_ chars: [Character]) -> String? {
        var spans: [Range<Int>] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
            var close: [Character]?
            var open = 0
            if c == "$", next == "$" { close = ["$", "$"]; open = 2 }
            else if c == "$" { close = ["$"]; open = 1 }
            else if c == "\\", next == "[" { close = ["\\", "]"]; open = 2 }
            else if c == "\\", next == "(" { close = ["\\", ")"]; open = 2 }
            else if c == "\\" { i += 2; continue }  // an escaped character such as \$
            guard let closing = close else { i += 1; continue }
            var j = i + open
            while j + closing.count <= chars.count, !chars[j..<(j + closing.count)].elementsEqual(closing) {
                j += chars[j] == "\\" && closing != ["\\", "]"] && closing != ["\\", ")"] ? 2 : 1
            }
            guard j + closing.count <= chars.count else { break }
            spans.append((i + open)..<j)
            i = j + closing.count
        }
        guard let last = spans.last else { return nil }
        if chars[(last.upperBound)...].contains(where: isDigit) { return nil }
        let content = String(chars[last])
        // Plain words outside \text{...} and command names mean prose between two dollar signs.
        let stripped = content
            .replacingOccurrences(of: #"\\(text|mbox|textbf|mathrm|textnormal)\{[^{}]*\}|\{[pbv]?matrix\}"#, with: " ",
                                  options: .regularExpression)
            .replacingOccurrences(of: #"\\[A-Za-z]+"#, with: " ", options: .regularExpression)
        if stripped.range(of: #"[A-Za-z]{2,}"#, options: .regularExpression) != nil { return nil }
        return content
    }

    // MARK: - last number

    /// The last number in the text: optional sign, digits with optional thousands commas, optional decimals, or
    /// a simple fraction `a/b`.
    static func lastNumber(_ chars: [Character]) -> String? {
        var i = chars.count - 1
        while i >= 0, !isDigit(chars[i]) { i -= 1 }
        guard i >= 0 else { return nil }
        let end = i + 1
        var start = i
        // Walk back over digits, single separators between digits (`,` `.` `/`) and a leading sign.
        while start > 0 {
            let c = chars[start - 1]
            if isDigit(c) {
                start -= 1
            } else if c == "," || c == "." || c == "/", start >= 2, isDigit(chars[start - 2]) {
                if c == "," {
                    // Thousands commas only: exactly three digits follow.
                    var digits = 0
                    while start + digits < end, isDigit(chars[start + digits]) { digits += 1 }
                    if digits != 3 { break }
                }
                start -= 1
            } else {
                break
            }
        }
        if start > 0, chars[start - 1] == "-" || chars[start - 1] == "−" {
            let before = start >= 2 ? chars[start - 2] : " "
            if !(isDigit(before) || before.isLetter) { start -= 1 }
        }
        return String(chars[start..<end]).replacingOccurrences(of: "−", with: "-")
    }

    static func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }

    /// Start of the last occurrence of `needle` in `haystack` (a backwards scan; linear for these short needles).
    static func lastIndex(of needle: [Character], in haystack: [Character]) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        var i = haystack.count - needle.count
        while i >= 0 {
            if haystack[i] == needle[0], haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i -= 1
        }
        return nil
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
