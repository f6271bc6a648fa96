import TinyTune

/// Token ids back to text. Follows llama.cpp `llama_vocab::impl::token_to_piece`: byte-level vocabularies undo the
/// byte alphabet, SentencePiece ones turn `▁` into spaces and `<0xXX>` tokens into their byte; user-defined tokens
/// are their own text; control and unknown tokens are their text unless `skipSpecialTokens`.
///
/// Bytes are joined before they become a `String`, so a character split over several byte tokens comes out whole.
/// Bytes that never form valid UTF-8 become U+FFFD (the documented replacement).
///
///     let decoder = TokenDecoder(vocabulary: vocab)
///     try decoder.decode([9707, 1879])   // "Hello world"
public struct TokenDecoder: Sendable {
    private let vocabulary: TokenizerVocabulary

    public init(vocabulary: TokenizerVocabulary) {
        self.vocabulary = vocabulary
    }

    /// The bytes of one token; an id outside the vocabulary is an error naming it.
    public func bytes(of id: Int, skipSpecialTokens: Bool = false) throws -> [UInt8] {
        guard id >= 0 && id < vocabulary.count else {
            throw TinyTuneError.unsupported(
                "token id \(id) is outside the vocabulary of \(vocabulary.source) (0..<\(vocabulary.count))")
        }
        let text = vocabulary.tokens[id]
        switch vocabulary.tokenTypes[id] {
        case .control, .unknown:
            return skipSpecialTokens ? [] : Array(text.utf8)
        case .userDefined:
            return Array(text.utf8)
        case .byte where vocabulary.model == .llama:
            // "<0xXX>"
            let hex = text.utf8.dropFirst(3).prefix(2)
            if hex.count == 2, let value = UInt8(String(decoding: hex, as: UTF8.self), radix: 16) { return [value] }
            return Array(text.utf8)
        case .normal, .byte, .unused, .undefined:
            switch vocabulary.model {
            case .gpt2:
                return ByteLevelEncoding.decode(text) ?? Array(text.utf8)
            case .llama:
                return Array(text.replacingOccurrences(of: "\u{2581}", with: " ").utf8)
            }
        }
    }

    /// The text of `ids`. With a space prefix in the vocabulary (Llama 2 style), the first piece loses one leading
    /// space, as Hugging Face's `Strip` decoder does.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) throws -> String {
        var streaming = StreamingDecoder(decoder: self, skipSpecialTokens: skipSpecialTokens)
        var text = ""
        for id in ids { text += try streaming.append(id) }
        return text + streaming.finish()
    }

    var stripsFirstSpace: Bool { vocabulary.model == .llama && vocabulary.addSpacePrefix }
    var bosID: Int? { vocabulary.bosID }
}

/// Decodes tokens one at a time for streaming output: each call returns only complete characters, holding back
/// the bytes of a character that the next token will finish.
///
///     var stream = StreamingDecoder(decoder: decoder)
///     for id in generated { print(try stream.append(id), terminator: "") }
///     print(stream.finish())
public struct StreamingDecoder: Sendable {
    private let decoder: TokenDecoder
    private let skipSpecialTokens: Bool
    private var pending: [UInt8] = []
    private var atStart = true

    public init(decoder: TokenDecoder, skipSpecialTokens: Bool = false) {
        self.decoder = decoder
        self.skipSpecialTokens = skipSpecialTokens
    }

    /// The text completed by `id` (possibly empty).
    public mutating func append(_ id: Int) throws -> String {
        var bytes = try decoder.bytes(of: id, skipSpecialTokens: skipSpecialTokens)
        if atStart && !bytes.isEmpty && id != decoder.bosID {
            atStart = false
            if decoder.stripsFirstSpace && bytes.first == 0x20 { bytes.removeFirst() }
        }
        pending += bytes
        let complete = Self.completePrefixLength(pending)
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Whatever is held back, with U+FFFD for an unfinished character.
    public mutating func finish() -> String {
        defer { pending = [] }
        return String(decoding: pending, as: UTF8.self)
    }

    /// How many leading bytes can be turned into text now: all but an unfinished (still valid) sequence at the
    /// end. Invalid bytes are let through, to become U+FFFD.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        // Look back at most 3 bytes for the lead byte of the last sequence.
        var i = n - 1
        var continuation = 0
        while i >= 0 && continuation < 3 && bytes[i] & 0xC0 == 0x80 { i -= 1; continuation += 1 }
        guard i >= 0 else { return n }
        let lead = bytes[i]
        let needed = lead >= 0xF0 && lead < 0xF8 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        if needed > 1 && n - i < needed { return i }   // wait for the rest of this character
        return n
    }
}
