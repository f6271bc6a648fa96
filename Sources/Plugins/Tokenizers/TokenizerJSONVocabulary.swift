import Foundation
import TinyTune

/// Fills a `TokenizerVocabulary` from a Hugging Face `tokenizer.json` (and `tokenizer_config.json` beside it) with a
/// BPE model: `model.vocab`, `model.merges` (strings or pairs), `added_tokens` (special → control, others
/// user-defined, as llama.cpp's converter does), BOS/EOS from the config or a `TemplateProcessing` post-processor.
/// Byte-level: the `Split` regexes and `ByteLevel` of the pre-tokenizer, an `NFC` normalizer. SentencePiece style
/// (Gemma, Llama 2): spaces replaced by `▁` (Replace/Prepend normalizers or Metaspace), `byte_fallback`, `unk_token`,
/// merged by rank. Anything else is an error that names the file and the part.
///
///     let vocab = try TokenizerVocabulary(tokenizerJSONPath: "qwen/tokenizer.json")
extension TokenizerVocabulary {
    /// Hugging Face's original regexes for the kinds with a hand-written splitter, so those stay fast.
    private static let knownRegexes: [String: String] = [
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#: "qwen2",
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#: "llama-bpe",
        #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#: "gpt-2",
    ]

    public init(tokenizerJSONPath path: String, configPath: String? = nil) throws {
        func bad(_ part: String, _ what: String) -> TinyTuneError { .invalidFile(path: path, reason: "\(part): \(what)") }
        let root = try JSONValue.parse(contentsOf: path)
        guard case .object? = root["model"], let model = root["model"] else { throw bad("model", "missing") }
        guard case .string(let type)? = model["type"], type == "BPE" else {
            throw TinyTuneError.notAvailableYet(
                feature: "tokenizer.json models other than BPE (\(path): model.type \(model["type"]?.excerpt ?? "missing"))",
                issue: 4)
        }
        // Vocabulary and added tokens → one id-indexed list.
        guard case .object(let vocab)? = model["vocab"] else { throw bad("model.vocab", "missing or not an object") }
        var byID: [Int: (String, TokenType)] = [:]
        for (token, value) in vocab {
            guard case .int(let id) = value, id >= 0, id < 10_000_000 else {
                throw bad("model.vocab[\"\(token)\"]", "\(value.excerpt) is not a token id")
            }
            byID[Int(id)] = (token, .normal)
        }
        var specials: [String: Int] = [:]
        if case .array(let added)? = root["added_tokens"] {
            for (i, entry) in added.enumerated() {
                guard case .int(let id)? = entry["id"], id >= 0, id < 10_000_000,
                      case .string(let content)? = entry["content"] else {
                    throw bad("added_tokens[\(i)]", "needs an integer id and a string content")
                }
                let special = if case .bool(true)? = entry["special"] { true } else { false }
                byID[Int(id)] = (content, special ? .control : .userDefined)
                specials[content] = Int(id)
            }
        }
        guard let maxID = byID.keys.max() else { throw bad("model.vocab", "empty") }
        var tokens = [String](repeating: "", count: maxID + 1)
        var types = [TokenType](repeating: .unused, count: maxID + 1)
        for (id, entry) in byID { tokens[id] = entry.0; types[id] = entry.1 }

        var merges: [String] = []
        if case .array(let list)? = model["merges"] {
            for (i, merge) in list.enumerated() {
                switch merge {
                case .string(let s): merges.append(s)
                case .array(let pair) where pair.count == 2:
                    guard case .string(let a) = pair[0], case .string(let b) = pair[1] else { fallthrough }
                    merges.append(a + " " + b)
                default: throw bad("model.merges[\(i)]", "\(merge.excerpt) is not \"a b\" or [\"a\", \"b\"]")
                }
            }
        }

        // Pre-tokenizer steps, flattened. Byte-level: Split regexes (isolated) and ByteLevel. SentencePiece style:
        // nothing, Metaspace (no split), or Gemma's no-op Split on " " (spaces are already ▁ by then).
        var steps: [(part: String, value: JSONValue)] = []
        func flatten(_ pre: JSONValue, at part: String) throws {
            guard case .string(let kind)? = pre["type"] else { throw bad(part, "no type") }
            if kind == "Sequence" {
                guard case .array(let list)? = pre["pretokenizers"] else { throw bad(part, "no pretokenizers") }
                for (i, step) in list.enumerated() { try flatten(step, at: "\(part).pretokenizers[\(i)]") }
            } else {
                steps.append((part, pre))
            }
        }
        if let pre = root["pre_tokenizer"], pre != .null { try flatten(pre, at: "pre_tokenizer") }
        let byteLevel = steps.contains { $0.value["type"] == .string("ByteLevel") }
        var regexes: [String] = []
        var nfc = false
        var spacePrefix = false
        if byteLevel {
            for (part, pre) in steps {
                switch pre["type"] {
                case .string("Split")?:
                    guard case .string("Isolated")? = pre["behavior"], pre["invert"] != .bool(true) else {
                        throw bad(part, "only Split with behavior Isolated is supported")
                    }
                    if case .string(let regex)? = pre["pattern"]?["Regex"] {
                        regexes.append(regex)
                    } else if case .string(let literal)? = pre["pattern"]?["String"] {
                        regexes.append(NSRegularExpression.escapedPattern(for: literal))
                    } else {
                        throw bad(part, "pattern is neither {\"Regex\": ...} nor {\"String\": ...}")
                    }
                case .string("ByteLevel")?:
                    if case .bool(true)? = pre["add_prefix_space"] {
                        throw bad(part, "ByteLevel add_prefix_space is not supported yet")
                    }
                    if pre["use_regex"] != .bool(false) {
                        regexes.append(#"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#)
                    }
                default:
                    throw bad(part, "pre-tokenizer \(pre["type"]?.excerpt ?? "?") is not supported with ByteLevel yet")
                }
            }
            if let normalizer = root["normalizer"], normalizer != .null {
                guard case .string("NFC")? = normalizer["type"] else {
                    throw bad("normalizer", "\(normalizer["type"]?.excerpt ?? "?") is not supported yet (null or NFC)")
                }
                nfc = true
            }
        } else {
            var escapesSpaces = false
            for (part, pre) in steps {
                switch pre["type"] {
                case .string("Metaspace")?:
                    guard pre["replacement"] == .string("\u{2581}"), pre["split"] != .bool(true) else {
                        throw bad(part, "only Metaspace with replacement ▁ and split false is supported")
                    }
                    escapesSpaces = true
                    if case .string(let scheme)? = pre["prepend_scheme"] { spacePrefix = scheme != "never" }
                    else if case .bool(let b)? = pre["add_prefix_space"] { spacePrefix = b }
                case .string("Split")? where pre["pattern"]?["String"] == .string(" "):
                    break   // after spaces became ▁ there is nothing left to split on
                default:
                    throw bad(part, "pre-tokenizer \(pre["type"]?.excerpt ?? "?") is not supported yet")
                }
            }
            var normalizers: [JSONValue] = []
            if let normalizer = root["normalizer"], normalizer != .null {
                if case .string("Sequence")? = normalizer["type"], case .array(let list)? = normalizer["normalizers"] {
                    normalizers = list
                } else {
                    normalizers = [normalizer]
                }
            }
            for (i, n) in normalizers.enumerated() {
                if n["type"] == .string("Prepend") && n["prepend"] == .string("\u{2581}") {
                    spacePrefix = true
                } else if n["type"] == .string("Replace") && n["pattern"]?["String"] == .string(" ")
                            && n["content"] == .string("\u{2581}") {
                    escapesSpaces = true
                } else {
                    throw bad("normalizer[\(i)]", "\(n["type"]?.excerpt ?? "?") is not supported yet")
                }
            }
            guard escapesSpaces else {
                throw bad("pre_tokenizer", "neither ByteLevel nor SentencePiece style (spaces as ▁)")
            }
        }

        // BOS/EOS: tokenizer_config.json first, then a TemplateProcessing post-processor.
        var addBOS = false, addEOS = false
        var bos: Int?, eos: Int?
        var chatTemplate: String?
        var templateTokens: [String: String] = [:]
        let config = configPath ?? URL(fileURLWithPath: path).deletingLastPathComponent()
            .appendingPathComponent("tokenizer_config.json").path
        if FileManager.default.fileExists(atPath: config) {
            let c = try JSONValue.parse(contentsOf: config)
            func tokenID(_ key: String) -> Int? {
                let text: String? = switch c[key] {
                case .string(let s)?: s
                case .object?: if case .string(let s)? = c[key]?["content"] { s } else { nil }
                default: nil
                }
                return text.flatMap { specials[$0] ?? tokens.firstIndex(of: $0) }
            }
            bos = tokenID("bos_token"); eos = tokenID("eos_token")
            for key in ["bos_token", "eos_token", "unk_token", "pad_token"] {
                switch c[key] {
                case .string(let s)?: templateTokens[key] = s
                case .object?: if case .string(let s)? = c[key]?["content"] { templateTokens[key] = s }
                default: break
                }
            }
            // A string, or transformers' list of named templates ({"name": "default", "template": ...}).
            switch c["chat_template"] {
            case .string(let s)?: chatTemplate = s
            case .array(let named)?:
                chatTemplate = named.first { $0["name"] == .string("default") }.flatMap {
                    if case .string(let s)? = $0["template"] { s } else { nil }
                }
            default: break
            }
            if case .bool(let b)? = c["add_bos_token"] { addBOS = b }
            if case .bool(let b)? = c["add_eos_token"] { addEOS = b }
        }
        if case .string("TemplateProcessing")? = root["post_processor"]?["type"],
           case .array(let single)? = root["post_processor"]?["single"] {
            var seenSequence = false
            for piece in single {
                if piece["Sequence"] != nil { seenSequence = true; continue }
                guard case .string(let name)? = piece["SpecialToken"]?["id"], let id = specials[name] else { continue }
                if seenSequence { eos = id; addEOS = true } else { bos = id; addBOS = true }
            }
        }

        var unknown: Int?
        let byteFallback = model["byte_fallback"] == .bool(true)
        if !byteLevel {
            if byteFallback {
                for (id, token) in tokens.enumerated() where types[id] == .normal && token.count == 6
                    && token.hasPrefix("<0x") && token.hasSuffix(">") { types[id] = .byte }
            }
            if case .string(let name)? = model["unk_token"] {
                unknown = specials[name] ?? tokens.firstIndex(of: name)
                if let u = unknown, types[u] == .normal { types[u] = .unknown }
            }
        }
        try self.init(model: byteLevel ? .gpt2 : .llama, pre: nil, tokens: tokens, tokenTypes: types,
                      merges: merges, bosID: bos, eosID: eos, unknownID: unknown, addBOS: addBOS, addEOS: addEOS,
                      addSpacePrefix: spacePrefix, source: path)
        if !byteLevel {
            self.byteFallback = byteFallback
            if merges.isEmpty { throw bad("model.merges", "missing: a BPE model needs its merges") }
        } else if regexes.count == 1, let name = Self.knownRegexes[regexes[0]] {
            self.pre = name
        } else {
            self.preRegexes = regexes
        }
        if case .bool(let b)? = model["ignore_merges"] { self.ignoreMerges = b }
        self.normalizeNFC = nfc
        // Newer transformers save the template beside the config as chat_template.jinja.
        let jinja = URL(fileURLWithPath: config).deletingLastPathComponent().appendingPathComponent("chat_template.jinja").path
        if chatTemplate == nil, FileManager.default.fileExists(atPath: jinja) {
            guard let text = try? String(contentsOfFile: jinja, encoding: .utf8) else {
                throw TinyTuneError.io(path: jinja, reason: "not readable as UTF-8 text")
            }
            chatTemplate = text
        }
        self.chatTemplate = chatTemplate
        self.chatTemplateTokens = templateTokens
    }
}
