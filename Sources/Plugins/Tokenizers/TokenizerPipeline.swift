import Dispatch
import Foundation
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
        case byteLevel(WordSplitter, BPEModel)
        case sentencePiece(SentencePieceModel)
        /// `▁` text merged by rank (a SentencePiece-style tokenizer.json that lists merges).
        case sentencePieceMerges(BPEModel)
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
            let splitter: WordSplitter
            let ignoreMerges: Bool
            if let patterns = vocabulary.preRegexes {
                splitter = .regex(try RegexPreTokenizer(patterns: patterns))
                ignoreMerges = vocabulary.ignoreMerges ?? false
            } else {
                let kind = try PreTokenizerKind(validating: vocabulary.pre, source: vocabulary.source)
                splitter = if let fast = HandWrittenSplitter(kind: kind) { .handWritten(fast) } else {
                    .regex(try RegexPreTokenizer(kind: kind))
                }
                ignoreMerges = vocabulary.ignoreMerges ?? kind.ignoresMerges
            }
            model = .byteLevel(splitter, try BPEModel(vocabulary: vocabulary, ignoreMerges: ignoreMerges))
        case .llama where !vocabulary.merges.isEmpty:
            let unknown = vocabulary.unknownID.map { Int32($0) }
            model = .sentencePieceMerges(try BPEModel(
                vocabulary: vocabulary, ignoreMerges: vocabulary.ignoreMerges ?? false,
                alphabet: .characters(byteFallback: vocabulary.byteFallback, unknown: unknown)))
        case .llama:
            model = .sentencePiece(SentencePieceModel(vocabulary: vocabulary))
        }
    }

    /// Token ids for `text`. `addSpecialTokens` adds BOS/EOS as the vocabulary says; `parseSpecial` turns the text
    /// of control tokens (`<|im_start|>`, `<start_of_turn>`) into their ids; added (user-defined) tokens are
    /// always recognized.
    public func encode(_ text: String, addSpecialTokens: Bool, parseSpecial: Bool) -> [Int] {
        var cache = WordCache()
        return encode(text, addSpecialTokens: addSpecialTokens, parseSpecial: parseSpecial, cache: &cache)
    }

    /// `encode` reusing the merged words of earlier calls (one cache per thread).
    func encode(_ text: String, addSpecialTokens: Bool, parseSpecial: Bool, cache: inout WordCache) -> [Int] {
        let bytes = Array((vocabulary.normalizeNFC ? text.precomposedStringWithCanonicalMapping : text).utf8)
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
                    for word in pre.words(bytes[range]) {
                        let slice = bytes[word]
                        let cacheable = slice.count <= 24
                        if cacheable, let index = cache.table[slice] {
                            output += cache.ids[Int(index)]
                            continue
                        }
                        let before = output.count
                        bpe.encode(word: slice, into: &output)
                        if cacheable && cache.ids.count < WordCache.limit {
                            cache.table.insert(slice, value: Int32(cache.ids.count))
                            cache.ids.append(Array(output[before...]))
                        }
                    }
                }
            }
        case .sentencePiece, .sentencePieceMerges:
            var previousWasSpecial = true   // a space prefix goes before the first text fragment
            for fragment in fragments {
                switch fragment {
                case .token(let id):
                    output.append(id)
                    previousWasSpecial = true
                case .text(let range):
                    let normalized = SentencePieceNormalizer.normalize(
                        bytes[range], addSpacePrefix: vocabulary.addSpacePrefix && previousWasSpecial)
                    switch model {
                    case .sentencePiece(let spm): spm.encode(normalized, into: &output)
                    case .sentencePieceMerges(let bpe) where vocabulary.pre == "gemma4":
                        Self.encodeGemma4(normalized, bpe, into: &output)
                    case .sentencePieceMerges(let bpe): bpe.encode(word: normalized, into: &output)
                    case .byteLevel: break
                    }
                    previousWasSpecial = false
                }
            }
        }
        if addSpecialTokens && vocabulary.addEOS, let eos = vocabulary.eosID { output.append(eos) }
        return output
    }

    /// Gemma 4 (llama.cpp `LLAMA_VOCAB_PRE_TYPE_GEMMA4`): the text is cut into runs of newlines and runs of
    /// anything else (`[^\n]+|[\n]+`) before merging; a run of newlines that is itself a token is taken whole.
    private static func encodeGemma4(_ text: [UInt8], _ bpe: BPEModel, into output: inout [Int]) {
        var start = 0
        while start < text.count {
            let newline = text[start] == 0x0A
            var end = start + 1
            while end < text.count, (text[end] == 0x0A) == newline { end += 1 }
            let word = text[start..<end]
            if newline, let id = bpe.tokenID(word) { output.append(id) } else { bpe.encode(word: word, into: &output) }
            start = end
        }
    }

    /// `encode` of each text, spread over the machine's cores; the same ids as encoding one by one.
    ///
    ///     let batch = tokenizer.encodeBatch(lines, addSpecialTokens: false, parseSpecial: true)
    public func encodeBatch(_ texts: [String], addSpecialTokens: Bool, parseSpecial: Bool) -> [[Int]] {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, texts.count))
        guard workers > 1 else { return texts.map { encode($0, addSpecialTokens: addSpecialTokens, parseSpecial: parseSpecial) } }
        let results = BatchResults(count: texts.count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            // Interleaved assignment keeps the cores busy when lengths vary; each worker keeps its word cache.
            var cache = WordCache()
            var i = worker
            while i < texts.count {
                results.set(i, encode(texts[i], addSpecialTokens: addSpecialTokens, parseSpecial: parseSpecial,
                                      cache: &cache))
                i += workers
            }
        }
        return results.values
    }

    /// `Tokenizer` conformance: special-token text is parsed, as Hugging Face does by default.
    public func encode(_ text: String, addSpecialTokens: Bool) throws -> [Int] {
        encode(text, addSpecialTokens: addSpecialTokens, parseSpecial: true)
    }

    public func decode(_ ids: [Int]) throws -> String {
        try decoder.decode(ids)
    }
}

/// The pre-tokenizer of a byte-level vocabulary: hand-written for the common regexes, ICU for the others.
enum WordSplitter: Sendable {
    case handWritten(HandWrittenSplitter)
    case regex(RegexPreTokenizer)

    /// The words of `text` (valid UTF-8) as byte ranges of it.
    func words(_ text: ArraySlice<UInt8>) -> [Range<Int>] {
        switch self {
        case .handWritten(let splitter):
            return splitter.split(text)
        case .regex(let pre):
            return pre.split(text)
        }
    }
}

/// Slots written by the batch workers, each index by exactly one of them.
private final class BatchResults: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [[Int]]
    init(count: Int) { values = Array(repeating: [], count: count) }
    func set(_ index: Int, _ ids: [Int]) { lock.withLock { values[index] = ids } }
}

/// Byte-level words already merged: words repeat, so short ones (≤ 24 bytes) are merged once and their ids
/// reused, up to `limit` words.
struct WordCache {
    static let limit = 65_536
    var table = ByteStringTable(capacity: 256)
    var ids: [[Int]] = []
}
