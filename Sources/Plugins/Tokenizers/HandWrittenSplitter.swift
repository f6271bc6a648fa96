/// The three most used split regexes, hand-written: GPT-2's, Llama 3's and Qwen2's (Llama 3's with single digits).
/// Same cuts as the regexes (a test checks them against `RegexPreTokenizer` on every test text) at a fraction
/// of the cost. Follows llama.cpp `unicode_regex_split_custom_gpt2` and `unicode_regex_split_custom_llama3`
/// (`src/unicode.cpp`).
///
///     let splitter = HandWrittenSplitter(pattern: .qwen2)
///     splitter.split(Array("Hello world".utf8)[...])   // [0..<5, 5..<11]
struct HandWrittenSplitter: Sendable {
    enum Pattern: Sendable {
        /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
        case gpt2
        /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
        /// with at most `maxDigits` digits a piece (3 for Llama 3, 1 for Qwen2).
        case llama3(maxDigits: Int)
    }

    let pattern: Pattern

    /// The hand-written equivalent of a pre-tokenizer kind, if there is one.
    init?(kind: PreTokenizerKind) {
        switch kind {
        case .gpt2: pattern = .gpt2
        case .llama3, .llama3Regex, .chatglm4: pattern = .llama3(maxDigits: 3)
        case .qwen2: pattern = .llama3(maxDigits: 1)
        default: return nil
        }
    }

    init(pattern: Pattern) { self.pattern = pattern }

    private static let letter: UInt8 = 1, number: UInt8 = 2, space: UInt8 = 4

    @inline(__always)
    private static func classify(_ v: UInt32) -> UInt8 {
        if v < 0x80 {
            switch v {
            case 0x41...0x5A, 0x61...0x7A: return letter
            case 0x30...0x39: return number
            case 0x09...0x0D, 0x20: return space
            default: return 0
            }
        }
        if v == 0x85 { return space }
        guard let scalar = Unicode.Scalar(v) else { return 0 }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return letter
        case .decimalNumber, .letterNumber, .otherNumber: return number
        case .spaceSeparator, .lineSeparator, .paragraphSeparator: return space
        default: return 0
        }
    }

    /// The words of `text` (valid UTF-8) as byte ranges of it, in order.
    func split(_ text: ArraySlice<UInt8>) -> [Range<Int>] {
        // Decode to scalars, remembering where each starts.
        var cpts: [UInt32] = [], offsets: [Int] = [], flags: [UInt8] = []
        cpts.reserveCapacity(text.count); offsets.reserveCapacity(text.count + 1); flags.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            let b = text[i]
            var v: UInt32, n: Int
            if b < 0x80 { v = UInt32(b); n = 1 }
            else if b < 0xE0 { v = UInt32(b & 0x1F); n = 2 }
            else if b < 0xF0 { v = UInt32(b & 0x0F); n = 3 }
            else { v = UInt32(b & 0x07); n = 4 }
            var k = 1
            while k < n && i + k < text.endIndex { v = v << 6 | UInt32(text[i + k] & 0x3F); k += 1 }
            cpts.append(v); offsets.append(i); flags.append(Self.classify(v))
            i += n
        }
        offsets.append(text.endIndex)
        let count = cpts.count
        var pieces: [Range<Int>] = []
        pieces.reserveCapacity(count / 3 + 1)
        var previous = 0
        func emit(_ end: Int) {
            if end > previous { pieces.append(offsets[previous]..<offsets[end]) }
            previous = end
        }
        @inline(__always) func cpt(_ p: Int) -> UInt32 { p < count ? cpts[p] : 0xFFFF_FFFF }
        // Out of range counts as no category at all (not letter, number or space) but is never matched.
        @inline(__always) func flag(_ p: Int) -> UInt8 { p < count ? flags[p] : 0 }
        @inline(__always) func isOther(_ p: Int) -> Bool { p < count && flags[p] == 0 }
        @inline(__always) func lower(_ c: UInt32) -> UInt32 { (0x41...0x5A).contains(c) ? c + 32 : c }

        var pos = 0
        while pos < count {
            let c = cpts[pos]
            let caseInsensitive: Bool
            switch pattern { case .gpt2: caseInsensitive = false; case .llama3: caseInsensitive = true }
            // 's|'t|'re|'ve|'m|'ll|'d
            if c == 0x27 && pos + 1 < count {
                let n1 = caseInsensitive ? lower(cpt(pos + 1)) : cpt(pos + 1)
                if n1 == 0x73 || n1 == 0x74 || n1 == 0x6D || n1 == 0x64 { pos += 2; emit(pos); continue }
                if pos + 2 < count {
                    let n2 = caseInsensitive ? lower(cpt(pos + 2)) : cpt(pos + 2)
                    if (n1 == 0x72 && n2 == 0x65) || (n1 == 0x76 && n2 == 0x65) || (n1 == 0x6C && n2 == 0x6C) {
                        pos += 3; emit(pos); continue
                    }
                }
            }
            switch pattern {
            case .gpt2:
                let f2 = c == 0x20 ? flag(pos + 1) : flags[pos]
                let hasNext = c == 0x20 ? pos + 1 < count : true
                // ' ?\p{L}+'
                if hasNext && f2 == Self.letter {
                    if c == 0x20 { pos += 1 }
                    while flag(pos) == Self.letter && pos < count { pos += 1 }
                    emit(pos); continue
                }
                // ' ?\p{N}+'
                if hasNext && f2 == Self.number {
                    if c == 0x20 { pos += 1 }
                    while flag(pos) == Self.number && pos < count { pos += 1 }
                    emit(pos); continue
                }
                // ' ?[^\s\p{L}\p{N}]+'
                if hasNext && f2 == 0 {
                    if c == 0x20 { pos += 1 }
                    while isOther(pos) { pos += 1 }
                    emit(pos); continue
                }
            case .llama3(let maxDigits):
                // '[^\r\n\p{L}\p{N}]?\p{L}+'
                if !(c == 0x0D || c == 0x0A || flags[pos] == Self.number) {
                    if flags[pos] == Self.letter || (pos + 1 < count && flags[pos + 1] == Self.letter) {
                        pos += 1
                        while pos < count && flags[pos] == Self.letter { pos += 1 }
                        emit(pos); continue
                    }
                }
                // '\p{N}{1,maxDigits}'
                if flags[pos] == Self.number {
                    var run = 0
                    while pos < count && flags[pos] == Self.number {
                        pos += 1; run += 1
                        if run == maxDigits { emit(pos); run = 0 }
                    }
                    emit(pos); continue
                }
                // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
                let f2 = c == 0x20 ? flag(pos + 1) : flags[pos]
                if (c != 0x20 || pos + 1 < count) && f2 == 0 {
                    if c == 0x20 { pos += 1 }
                    while isOther(pos) { pos += 1 }
                    while pos < count && (cpts[pos] == 0x0D || cpts[pos] == 0x0A) { pos += 1 }
                    emit(pos); continue
                }
                // '\s*[\r\n]+'
                var spaces = 0, lastNewlineEnd = 0
                while pos + spaces < count && flags[pos + spaces] == Self.space {
                    let s = cpts[pos + spaces]
                    if s == 0x0D || s == 0x0A { lastNewlineEnd = pos + spaces + 1 }
                    spaces += 1
                }
                if lastNewlineEnd > 0 { pos = lastNewlineEnd; emit(pos); continue }
            }
            // '\s+(?!\S)' then '\s+'
            var spaces = 0
            while pos + spaces < count && flags[pos + spaces] == Self.space { spaces += 1 }
            if spaces > 1 && pos + spaces < count { pos += spaces - 1; emit(pos); continue }
            if spaces > 0 { pos += spaces; emit(pos); continue }
            // No alternative matches this character: it stays a piece of its own.
            pos += 1
            emit(pos)
        }
        return pieces
    }
}
