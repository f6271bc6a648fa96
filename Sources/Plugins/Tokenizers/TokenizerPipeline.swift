import TinyTune

/// A complete tokenizer built from a `TokenizerVocabulary`: special-token splitting, then for byte-level BPE the
/// regex pre-tokenizer and merges by rank, for SentencePiece BPE the space escaping and merges by score; decoding
/// by `TokenDecoder`. Follows llama.cpp `llama_vocab::impl::tokenize`.
///
///     let tokenizer = try TokenizerPipeline(vocabulary: vocab)
///     let ids = tokenizer.encode("Hello world", addSpecialTokens: false, parseSpecial: true)
///     let text = try tokenizer.decode(ids)
public struct TokenizerPipeline: Tokenizer, Sendable {
    private enum Model: Sendable {
        case byteLevel(RegexPreTokenizer, BPEModel)
        case sentencePiece(SentencePieceModel)
    }

    public let vocabulary: TokenizerVocabulary
    public let decoder: TokenDecoder
    private let specials: SpecialTokenSplitter
    private let model: Model

    public init(vocabulary: TokenizerVocabulary) throws {
        self.vocabulary = vocabulary
        decoder = TokenDecoder(vocabulary: vocabulary)
        specials = SpecialTokenSplitter(vocabulary: vocabulary)
        switch vocabulary.model {
        case .gpt2:
            let kind = try PreTokenizerKind(validating: vocabulary.pre, source: vocabulary.source)
            model = .byteLevel(try RegexPreTokenizer(kind: kind),
                               try BPEModel(vocabulary: vocabulary, ignoreMerges: kind.ignoresMerges))
        case .llama:
            model = .sentencePiece(SentencePieceModel(vocabulary: vocabulary))
        }
    }

    /// Token ids for `text`. `addSpecialTokens` adds BOS/EOS as the vocabulary says; `parseSpecial` turns the text
    /// of control tokens (`<|im_start|>`, `<start_of_turn>`) into their ids; added (user-defined) tokens are
    /// always recognized.
    public func encode(_ text: String, addSpecialTokens: Bool, parseSpecial: Bool) -> [Int] {
        let bytes = Array(text.utf8)
        var output: [Int] = []
        output.reserveCapacity(bytes.count / 3 + 2)
        if addSpecialTokens && vocabulary.addBOS, let bos = vocabulary.bosID { output.append(bos) }
        let fragments = specials.split(bytes, parseSpecial: parseSpecial)
        switch model {
        case let .byteLevel(pre, bpe):
            for fragment in fragments {
                switch fragment {
                case .token(let id):
                    output.append(id)
                case .text(let range):
                    let piece = String(decoding: bytes[range], as: UTF8.self)
                    for word in pre.split(piece) { bpe.encode(word: word.utf8, into: &output) }
                }
            }
        case let .sentencePiece(spm):
            var previousWasSpecial = true   // a space prefix goes before the first text fragment
            for fragment in fragments {
                switch fragment {
                case .token(let id):
                    output.append(id)
                    previousWasSpecial = true
                case .text(let range):
                    let normalized = SentencePieceNormalizer.normalize(
                        bytes[range], addSpacePrefix: vocabulary.addSpacePrefix && previousWasSpecial)
                    spm.encode(normalized, into: &output)
                    previousWasSpecial = false
                }
            }
        }
        if addSpecialTokens && vocabulary.addEOS, let eos = vocabulary.eosID { output.append(eos) }
        return output
    }

    /// `Tokenizer` conformance: special-token text is parsed, as Hugging Face does by default.
    public func encode(_ text: String, addSpecialTokens: Bool) throws -> [Int] {
        encode(text, addSpecialTokens: addSpecialTokens, parseSpecial: true)
    }

    public func decode(_ ids: [Int]) throws -> String {
        try decoder.decode(ids)
    }
}
