import Foundation
import TinyTune

// Pre-tokenization for byte-level BPE: text is cut into words by a list of regexes before any merge runs.
// Follows llama.cpp `src/llama-vocab.cpp` (the `tokenizer_pre == "..."` table in `llama_vocab::impl::load` and the
// `regex_exprs` lists in `llm_tokenizer_bpe`) and `src/unicode.cpp` (`unicode_regex_split`: each regex splits the
// pieces the previous one left, keeping matched and unmatched parts alike).

/// The pre-tokenizer families of llama.cpp (`LLAMA_VOCAB_PRE_TYPE_*`), each with its list of split regexes.
/// Several `tokenizer.ggml.pre` names map to one family.
///
///     let kind = try PreTokenizerKind(validating: "llama-bpe")   // .llama3
///     let words = try RegexPreTokenizer(kind: kind).split("Hello world")   // ["Hello", " world"]
public enum PreTokenizerKind: String, Sendable, CaseIterable {
    case `default`, llama3, deepseekLLM, deepseek3LLM, deepseekCoder, falcon, gpt2, starcoder, qwen2, poro,
         chatglm4, viking, tekken, chameleon, gpt4o, superbpe, bailingmoe, seedCoder, qwen35
    /// Llama-3-style regex without llama3's ignore_merges and BOS defaults (dbrx, smaug).
    case llama3Regex

    /// `tokenizer.ggml.pre` names, as llama.cpp maps them. A missing name means `default`.
    static let names: [String: PreTokenizerKind] = {
        var table: [String: PreTokenizerKind] = ["default": .default]
        let groups: [(PreTokenizerKind, [String])] = [
            (.llama3, ["llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2"]),
            (.deepseekLLM, ["deepseek-llm"]),
            (.deepseekCoder, ["deepseek-coder"]),
            (.deepseek3LLM, ["deepseek-v3", "hunyuan-dense"]),
            (.falcon, ["falcon"]),
            (.gpt2, ["gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
                     "mellum", "jina-v1-en", "jina-v2-code", "roberta-bpe", "exaone4", "mpt", "olmo", "jais",
                     "trillion", "granite-docling"]),
            (.starcoder, ["starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b"]),
            (.qwen2, ["qwen2", "deepseek-r1-qwen", "kormo", "megrez", "stablelm2", "hunyuan", "grok-2", "f2llmv2"]),
            (.qwen35, ["qwen35"]),
            (.llama3Regex, ["dbrx", "smaug-bpe"]),
            (.poro, ["poro-chat", "bloom", "gpt3-finnish"]),
            (.chatglm4, ["glm4", "chatglm-bpe"]),
            (.viking, ["viking"]),
            (.tekken, ["tekken"]),
            (.chameleon, ["chameleon"]),
            (.gpt4o, ["gpt-4o", "llama4", "minimax-m2"]),
            (.superbpe, ["superbpe"]),
            (.bailingmoe, ["bailingmoe", "bailingmoe2", "llada-moe"]),
            (.seedCoder, ["seed-coder"]),
        ]
        for (kind, list) in groups { for name in list { table[name] = kind } }
        return table
    }()

    /// The family for a `tokenizer.ggml.pre` name, nil for names llama.cpp does not know.
    init?(name: String?) {
        guard let name else { self = .default; return }
        guard let kind = Self.names[name] else { return nil }
        self = kind
    }

    /// Like `init(name:)`, but an unknown name is an error that lists the known ones (llama.cpp silently falls
    /// back to `default`, which gives wrong ids).
    public init(validating name: String?, source: String = "tokenizer") throws {
        guard let kind = PreTokenizerKind(name: name) else {
            let known = Self.names.keys.sorted().joined(separator: ", ")
            throw TinyTuneError.invalidFile(
                path: source, reason: "unsupported tokenizer.ggml.pre \"\(name ?? "")\"; supported: \(known)")
        }
        self = kind
    }

    /// Llama 3 and Tekken vocabularies take a whole word that is itself a token before merging (`ignore_merges`).
    var ignoresMerges: Bool { self == .llama3 || self == .tekken }

    /// llama.cpp adds BOS by default for these families (overridden by `tokenizer.ggml.add_bos_token`).
    var addsBOSByDefault: Bool { self == .llama3 || self == .tekken || self == .chameleon }

    /// The split regexes, applied in order. Written in ICU syntax; `\s` is widened to llama.cpp's whitespace set
    /// by `RegexPreTokenizer`. Where llama.cpp rewrote a tokenizer.json regex for `std::regex`, the original is
    /// used (ICU has `(?i:)`, `\p{Lu}` and lookahead).
    var regexes: [String] {
        let gpt2 = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)"#
        let llama3 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        let qwen2 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        let poro = #" ?[^(\s|.,!?…。，、।۔،)]+"#
        let cjk = #"[一-龥ࠀ-一가-퟿]+"#
        switch self {
        case .default:
            return [#"[\p{P}\$\+<=>\^~\|]+"#, gpt2, #"\p{N}+"#, "[0-9][0-9][0-9]"]
        case .llama3, .llama3Regex, .chatglm4:
            return [llama3]
        case .qwen2:
            return [qwen2]
        case .gpt2:
            return [gpt2]
        case .starcoder:
            return [#"\p{N}"#, gpt2]
        case .falcon:
            return [#"[\p{P}\$\+<=>\^~\|`]+"#, gpt2, "[0-9][0-9][0-9]"]
        case .deepseekCoder:
            return ["[\r\n]", #"\s?\p{L}+"#, #"\s?\p{P}+"#, cjk, #"\p{N}"#]
        case .deepseekLLM:
            // The letter class is DeepSeek's tokenizer.json list of cased-letter ranges (Lu, Ll, Lt). Greek Extended and
            // Letterlike ranges are escaped: their characters have canonical singletons that NFC would rewrite.
            return ["[\r\n]",
                    #"\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚ\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D}\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B}\x{1F5D}\x{1F5F}-\x{1F7D}\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4}\x{1FC6}-\x{1FCC}\x{1FD0}-\x{1FD3}\x{1FD6}-\x{1FDB}\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4}\x{1FF6}-\x{1FFC}\x{2102}\x{2107}\x{210A}-\x{2113}\x{2115}\x{2119}-\x{211D}\x{2124}\x{2126}\x{2128}\x{212A}-\x{212D}\x{212F}-\x{2134}\x{2139}\x{213C}-\x{213F}\x{2145}-\x{2149}\x{214E}\x{2183}-\x{2184}Ⰰ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ\U00010400-\U0001044f𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+"#,
                    #"\s?[!-/:-~！-／：-～‘-‟　-。]+"#,
                    #"\s+\z"#,   // llama.cpp's `\s+$`: end of the piece only, never before a final newline
                    cjk,
                    #"\p{N}+"#]
        case .deepseek3LLM:
            return [#"\p{N}{1,3}"#, "[一-龥぀-ゟ゠-ヿ]+",
                    ##"[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"##]
        case .poro:
            return [poro]
        case .viking:
            return [poro, #"\p{N}"#]
        case .tekken:
            return [#"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#]
        case .chameleon:
            return ["<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", "([\t\n]|    |  )", #"\p{N}"#,
                    #"[\p{P}!-/:-@\[-`{-~]"#, gpt2]
        case .gpt4o:
            return [#"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#]
        case .superbpe:
            return [#"\p{N}+"#, #"(?=(\d{3})+(?!\d))"#]
        case .bailingmoe:
            return [#"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"#]
        case .qwen35:
            // Qwen3.5: Qwen2's regex with combining marks (\p{M}) kept inside letter runs (llama.cpp 0.3.36
            // `LLAMA_VOCAB_PRE_TYPE_QWEN35`, the tokenizer.json original).
            return [#"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#]
        case .seedCoder:
            return [#"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+"#]
        }
    }
}

/// NSRegularExpression is immutable and documented thread-safe; corelibs-foundation does not mark it Sendable.
private final class CompiledRegex: @unchecked Sendable {
    let regex: NSRegularExpression
    init(_ regex: NSRegularExpression) { self.regex = regex }
}

/// Splits text into words with a list of regexes, as llama.cpp's `unicode_regex_split` does: the first regex cuts
/// the whole text into matched and unmatched pieces, the next cuts each of those pieces (lookahead never sees past
/// a piece), and so on.
///
///     let pre = try RegexPreTokenizer(kind: .qwen2)
///     pre.split("Hello world 123")   // ["Hello", " world", " ", "1", "2", "3"]
public struct RegexPreTokenizer: Sendable {
    private let compiled: [CompiledRegex]

    public init(kind: PreTokenizerKind) throws {
        try self.init(patterns: kind.regexes)
    }

    /// `patterns` in ICU syntax; `\s` and `\S` mean llama.cpp's (and Oniguruma's) whitespace, which adds U+000B
    /// and U+0085 to ICU's.
    public init(patterns: [String]) throws {
        compiled = try patterns.map { pattern in
            do {
                return CompiledRegex(try NSRegularExpression(pattern: Self.widenWhitespace(pattern)))
            } catch {
                throw TinyTuneError.unsupported("pre-tokenizer regex does not compile: \(pattern) (\(error))")
            }
        }
    }

    /// The words of `text`, in order; joined they give `text` back.
    public func split(_ text: String) -> [Substring] {
        let bytes = Array(text.utf8)
        let utf8 = text.utf8
        return split(bytes[...]).map { range in
            text[utf8.index(utf8.startIndex, offsetBy: range.lowerBound)..<utf8.index(utf8.startIndex, offsetBy: range.upperBound)]
        }
    }

    /// The words of `text` (valid UTF-8) as byte ranges of it, in order.
    public func split(_ text: ArraySlice<UInt8>) -> [Range<Int>] {
        var pieces: [Range<Int>] = text.isEmpty ? [] : [text.startIndex..<text.endIndex]
        for entry in compiled {
            var next: [Range<Int>] = []
            next.reserveCapacity(pieces.count * 2)
            for piece in pieces { Self.split(text[piece], with: entry.regex, into: &next) }
            pieces = next
        }
        return pieces
    }

    /// Matches on the piece alone (so lookahead ends at its end). ICU reports UTF-16 offsets; they are mapped back
    /// to byte offsets scalar by scalar (going through `String.Index` would round to grapheme boundaries and
    /// glue a combining mark to its base letter's piece).
    private static func split(_ piece: ArraySlice<UInt8>, with regex: NSRegularExpression,
                              into output: inout [Range<Int>]) {
        let string = String(decoding: piece, as: UTF8.self)
        // byteOffset[u] = the byte offset of UTF-16 offset u (scalar starts and the end).
        var byteOffset = [Int](repeating: piece.startIndex, count: string.utf16.count + 1)
        var u = 0, b = piece.startIndex
        for scalar in string.unicodeScalars {
            byteOffset[u] = b
            u += scalar.utf16.count
            b += scalar.utf8.count
        }
        byteOffset[u] = b
        let ns = NSString(string: string)
        let matches = regex.matches(in: string, options: [], range: NSRange(location: 0, length: ns.length))
        var start = piece.startIndex
        for match in matches {
            let lower = byteOffset[match.range.location]
            let upper = byteOffset[match.range.location + match.range.length]
            if lower > start { output.append(start..<lower) }
            if upper > lower { output.append(lower..<upper) }
            start = upper
        }
        if start < piece.endIndex { output.append(start..<piece.endIndex) }
    }

    /// Rewrites `\s`/`\S` to an explicit class: tab to carriage return, space, U+0085 and `\p{Z}` (llama.cpp
    /// `unicode_ranges_whitespace`).
    static func widenWhitespace(_ pattern: String) -> String {
        let inner = #"\t-\r\x{20}\x{85}\p{Z}"#
        var out = ""
        var inClass = false
        var iterator = pattern.makeIterator()
        while let c = iterator.next() {
            if c == "\\" {
                guard let n = iterator.next() else { out.append(c); break }
                switch (n, inClass) {
                case ("s", true): out += inner
                case ("s", false): out += "[\(inner)]"
                case ("S", false): out += "[^\(inner)]"
                default: out.append(c); out.append(n)   // `\S` inside a class does not occur in the tables
                }
                continue
            }
            if c == "[" { inClass = true } else if c == "]" { inClass = false }
            out.append(c)
        }
        return out
    }
}
