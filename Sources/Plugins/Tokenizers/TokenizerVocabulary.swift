import TinyTune

/// Everything a tokenizer needs from a checkpoint, in the shape of GGUF's `tokenizer.ggml.*` metadata (llama.cpp
/// `gguf-py/gguf/constants.py`). A GGUF adapter (or, later, a `tokenizer.json` adapter) fills it; the tokenizers
/// never read files themselves.
///
///     let vocab = try TokenizerVocabulary(model: .gpt2, pre: "qwen2", tokens: tokens, merges: merges,
///                                         source: "qwen2.gguf")
///     let tokenizer = try TokenizerPipeline(vocabulary: vocab)
public struct TokenizerVocabulary: Sendable {
    /// `tokenizer.ggml.model`: which algorithm the vocabulary is for.
    public enum Model: String, Sendable, CaseIterable {
        /// Byte-level BPE with merges by rank (GPT-2, Qwen2, Llama 3, DeepSeek, StarCoder, Falcon, ...).
        case gpt2
        /// SentencePiece-style BPE with merges by score and byte fallback (Llama 2, Gemma, Phi-3).
        case llama
    }

    /// `tokenizer.ggml.token_type` values (llama.cpp `llama_token_type`); values are never renumbered.
    public enum TokenType: Int32, Sendable {
        case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    public var model: Model
    /// `tokenizer.ggml.pre`: the pre-tokenizer name ("qwen2", "llama-bpe", "gpt-2", ...); nil means "default".
    public var pre: String?
    /// Token texts as stored: byte-level encoded for `gpt2` vocabularies (except user-defined and control tokens,
    /// which are stored as plain text), with `▁` for spaces for `llama` ones.
    public var tokens: [String]
    /// One score per token (SentencePiece merge priority); zeros when the file has none.
    public var scores: [Float]
    public var tokenTypes: [TokenType]
    /// `"left right"` pairs, highest priority first: always for `gpt2`; for `llama` (from a tokenizer.json) they
    /// replace merging by score.
    public var merges: [String]
    public var bosID: Int?
    public var eosID: Int?
    public var unknownID: Int?
    public var paddingID: Int?
    public var addBOS: Bool
    public var addEOS: Bool
    /// Prepend a space to text that starts a fragment (SentencePiece `add_dummy_prefix`).
    public var addSpacePrefix: Bool
    /// Where the vocabulary came from, for error messages.
    public var source: String
    /// Split regexes that no `tokenizer.ggml.pre` name stands for (from a tokenizer.json); nil: use `pre`.
    public var preRegexes: [String]? = nil
    /// Overrides the pre-tokenizer's `ignore_merges` default (a tokenizer.json says it explicitly).
    public var ignoreMerges: Bool? = nil
    /// A character outside the vocabulary becomes its `<0xXX>` tokens (SentencePiece `byte_fallback`); used by
    /// SentencePiece-style vocabularies that list merges.
    public var byteFallback = true
    /// Unicode NFC normalization before splitting (a tokenizer.json `NFC` normalizer, as Qwen2 has).
    public var normalizeNFC = false
    /// The checkpoint's Jinja chat template (GGUF `tokenizer.chat_template`, tokenizer_config.json `chat_template`
    /// or chat_template.jinja), rendered by `ChatTemplate`.
    public var chatTemplate: String? = nil
    /// The special tokens a chat template sees as variables (`bos_token`, `eos_token`, `unk_token`, `pad_token`),
    /// as transformers passes its special tokens map.
    public var chatTemplateTokens: [String: String] = [:]

    /// Builds a vocabulary, filling what the file leaves out with llama.cpp's defaults (`llama_vocab::impl::load`):
    /// `llama` → BOS 1, EOS 2, unknown 0, BOS added, space prefix on; `gpt2` → BOS/EOS 11, nothing added (BOS added
    /// for Llama 3 style pre-tokenizers). Empty token texts become `[EMPTY_i]` as llama.cpp does.
    public init(model: Model, pre: String? = nil, tokens: [String], scores: [Float]? = nil,
                tokenTypes: [TokenType]? = nil, merges: [String] = [], bosID: Int? = nil, eosID: Int? = nil,
                unknownID: Int? = nil, paddingID: Int? = nil, addBOS: Bool? = nil, addEOS: Bool? = nil,
                addSpacePrefix: Bool? = nil, source: String) throws {
        guard !tokens.isEmpty else {
            throw TinyTuneError.invalidFile(path: source, reason: "tokenizer.ggml.tokens is empty")
        }
        if let scores, scores.count != tokens.count {
            throw TinyTuneError.invalidFile(
                path: source, reason: "tokenizer.ggml.scores has \(scores.count) entries for \(tokens.count) tokens")
        }
        if let tokenTypes, tokenTypes.count != tokens.count {
            throw TinyTuneError.invalidFile(
                path: source,
                reason: "tokenizer.ggml.token_type has \(tokenTypes.count) entries for \(tokens.count) tokens")
        }
        self.model = model
        self.pre = pre
        self.tokens = tokens.enumerated().map { $0.element.isEmpty ? "[EMPTY_\($0.offset)]" : $0.element }
        self.scores = scores ?? Array(repeating: 0, count: tokens.count)
        self.tokenTypes = tokenTypes ?? Array(repeating: .normal, count: tokens.count)
        self.merges = merges
        self.source = source
        let preKind = model == .gpt2 ? PreTokenizerKind(name: pre) : nil
        switch model {
        case .llama:
            self.bosID = bosID ?? 1
            self.eosID = eosID ?? 2
            self.unknownID = unknownID ?? 0
            self.addBOS = addBOS ?? true
            self.addSpacePrefix = addSpacePrefix ?? true
        case .gpt2:
            self.bosID = bosID ?? 11
            self.eosID = eosID ?? 11
            self.unknownID = unknownID
            self.addBOS = addBOS ?? (preKind?.addsBOSByDefault ?? false)
            self.addSpacePrefix = addSpacePrefix ?? false
            if merges.isEmpty {
                throw TinyTuneError.invalidFile(path: source, reason: "a gpt2 vocabulary needs tokenizer.ggml.merges")
            }
        }
        self.paddingID = paddingID
        self.addEOS = addEOS ?? false
        // Ids the file gives must lie in the vocabulary (llama.cpp warns and keeps its default); a default that
        // does not fit a small vocabulary is dropped.
        let given: [(String, Int?, WritableKeyPath<TokenizerVocabulary, Int?>)] = [
            ("bos_token_id", bosID, \.bosID), ("eos_token_id", eosID, \.eosID),
            ("unknown_token_id", unknownID, \.unknownID), ("padding_token_id", paddingID, \.paddingID)]
        for (key, explicit, path) in given {
            if let explicit, explicit < 0 || explicit >= tokens.count {
                throw TinyTuneError.invalidFile(
                    path: source,
                    reason: "tokenizer.ggml.\(key) \(explicit) is outside the vocabulary (0..<\(tokens.count))")
            }
            if let id = self[keyPath: path], id < 0 || id >= tokens.count { self[keyPath: path] = nil }
        }
    }

    public var count: Int { tokens.count }
}
