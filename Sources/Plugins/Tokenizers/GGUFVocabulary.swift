import TinyTune
import TinyTuneLoaders

/// Fills a `TokenizerVocabulary` from GGUF metadata (`tokenizer.ggml.*`, llama.cpp `gguf-py/gguf/constants.py`),
/// read by the loaders' `GGUFFile`. Wrong types and lengths are errors naming the file and the key.
///
///     let vocab = try TokenizerVocabulary(ggufPath: "models/gemma-3-270m-q4_k_m.gguf")
///     let tokenizer = try TokenizerPipeline(vocabulary: vocab)
extension TokenizerVocabulary {
    public init(ggufPath path: String) throws {
        try self.init(gguf: GGUFFile(path: path))
    }

    public init(gguf file: GGUFFile) throws {
        let path = file.path
        let meta = file.metadata
        func bad(_ key: String, _ what: String) -> TinyTuneError {
            .invalidFile(path: path, reason: "\(key): \(what)")
        }
        func int(_ key: String) throws -> Int? {
            guard let value = meta[key] else { return nil }
            guard let n = value.int else { throw bad(key, "expected an integer, found \(value.type)") }
            return n
        }
        func bool(_ key: String) throws -> Bool? {
            guard let value = meta[key] else { return nil }
            guard let b = value.bool else { throw bad(key, "expected a bool, found \(value.type)") }
            return b
        }
        guard let modelValue = meta["tokenizer.ggml.model"] else {
            throw bad("tokenizer.ggml.model", "missing: the file has no tokenizer")
        }
        guard let modelName = modelValue.string else { throw bad("tokenizer.ggml.model", "expected a string") }
        // Gemma 4 is SentencePiece-style BPE by rank on raw UTF-8 (llama.cpp `tokenizer_model == "gemma4"`).
        let isGemma4 = modelName == "gemma4"
        guard let model = isGemma4 ? .llama : Model(rawValue: modelName) else {
            throw bad("tokenizer.ggml.model", "\"\(modelName)\" is not supported; supported: gpt2 (byte-level BPE), "
                      + "llama (SentencePiece BPE), gemma4")
        }
        var pre: String? = isGemma4 ? "gemma4" : nil
        if let value = meta["tokenizer.ggml.pre"], !isGemma4 {
            guard let s = value.string else { throw bad("tokenizer.ggml.pre", "expected a string") }
            pre = s
        }
        guard let tokens = meta["tokenizer.ggml.tokens"]?.strings else {
            throw bad("tokenizer.ggml.tokens", "missing or not an array of strings")
        }
        var scores: [Float]?
        if let value = meta["tokenizer.ggml.scores"] {
            guard let s = value.floats else { throw bad("tokenizer.ggml.scores", "expected an array of f32") }
            scores = s
        }
        var types: [TokenType]?
        if let value = meta["tokenizer.ggml.token_type"] {
            guard let elements = value.array else { throw bad("tokenizer.ggml.token_type", "expected an array") }
            var list: [TokenType] = []
            list.reserveCapacity(elements.count)
            for (i, element) in elements.enumerated() {
                guard let n = element.int else { throw bad("tokenizer.ggml.token_type[\(i)]", "not an integer") }
                // Unknown values count as undefined, as llama.cpp does.
                list.append(TokenType(rawValue: Int32(clamping: n)) ?? .undefined)
            }
            types = list
        }
        var merges: [String] = []
        if let value = meta["tokenizer.ggml.merges"] {
            guard let m = value.strings else { throw bad("tokenizer.ggml.merges", "expected an array of strings") }
            merges = m
        }
        try self.init(model: model, pre: pre, tokens: tokens, scores: scores, tokenTypes: types, merges: merges,
                      bosID: int("tokenizer.ggml.bos_token_id"), eosID: int("tokenizer.ggml.eos_token_id"),
                      unknownID: int("tokenizer.ggml.unknown_token_id"),
                      paddingID: int("tokenizer.ggml.padding_token_id"),
                      // llama.cpp forces BOS on for Gemma 4 (its PR 21500) and adds no space prefix.
                      addBOS: isGemma4 ? true : bool("tokenizer.ggml.add_bos_token"),
                      addEOS: bool("tokenizer.ggml.add_eos_token"),
                      addSpacePrefix: isGemma4 ? false : bool("tokenizer.ggml.add_space_prefix"), source: path)
        if let value = meta["tokenizer.chat_template"] {
            guard let template = value.string else { throw bad("tokenizer.chat_template", "expected a string") }
            chatTemplate = template
        }
        // As llama.cpp's converter wrote them from the special tokens map.
        let specials = [("bos_token", "bos_token_id"), ("eos_token", "eos_token_id"), ("unk_token", "unknown_token_id"),
                        ("pad_token", "padding_token_id")]
        for (name, key) in specials {
            if let id = try int("tokenizer.ggml.\(key)"), self.tokens.indices.contains(id) {
                chatTemplateTokens[name] = self.tokens[id]
            }
        }
    }
}
