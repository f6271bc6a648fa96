import HeapModule
import TinyTune

/// SentencePiece-style BPE: start from single characters, repeatedly merge the adjacent pair whose joined text is
/// the token with the highest score (ties to the left), then write each piece as its token or, failing that, as
/// `<0xXX>` byte tokens. Follows llama.cpp `llm_tokenizer_spm_session` (`src/llama-vocab.cpp`).
///
/// The caller has already escaped spaces to `▁` and added the space prefix (`SentencePieceNormalizer`).
///
///     let model = SentencePieceModel(vocabulary: vocab)
///     var ids: [Int] = []
///     model.encode(Array("▁Hello".utf8), into: &ids)
struct SentencePieceModel: Sendable {
    private let ids: ByteStringTable
    private let scores: [Float]
    /// The token for each byte: `<0xXX>`, else the one-byte text, else the unknown token (-1 if none).
    private let byteToken: [Int32]

    init(vocabulary: TokenizerVocabulary) {
        var ids = ByteStringTable(capacity: vocabulary.count)
        for (i, token) in vocabulary.tokens.enumerated() {
            ids.insert(ArraySlice(token.utf8), value: Int32(i), replace: true)   // last wins, as in llama.cpp
        }
        self.ids = ids
        self.scores = vocabulary.scores
        let unknown = Int32(vocabulary.unknownID ?? -1)
        self.byteToken = (0..<256).map { b in
            let hex = String(b, radix: 16, uppercase: true)
            let name = "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
            return ids[ArraySlice(name.utf8)] ?? ids[[UInt8(b)][...]] ?? unknown
        }
    }

    private struct Bigram: Comparable {
        let score: Float, left: Int32, right: Int32, size: Int32
        /// "Smaller" is better: higher score first, then the leftmost (llama.cpp `llm_bigram_spm::comparator`).
        static func < (a: Bigram, b: Bigram) -> Bool {
            a.score != b.score ? a.score > b.score : a.left < b.left
        }
    }

    /// Appends the ids of `text` (UTF-8 bytes of already normalized text).
    func encode(_ text: [UInt8], into output: inout [Int]) {
        guard !text.isEmpty else { return }
        // Symbols: one per UTF-8 character (length from the lead byte, clamped at the end like llama.cpp).
        var start: [Int32] = [], length: [Int32] = []
        start.reserveCapacity(text.count); length.reserveCapacity(text.count)
        var offset = 0
        while offset < text.count {
            let lead = text[offset]
            let len = lead < 0x80 ? 1 : lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
            let n = min(len, text.count - offset)
            start.append(Int32(offset)); length.append(Int32(n))
            offset += n
        }
        let count = start.count
        var prev = (0..<count).map { Int32($0) - 1 }
        var next = (0..<count).map { $0 + 1 == count ? Int32(-1) : Int32($0 + 1) }
        var queue = Heap<Bigram>()

        func consider(_ left: Int32, _ right: Int32) {
            guard left >= 0, right >= 0 else { return }
            let a = Int(start[Int(left)])
            let size = Int(length[Int(left)] + length[Int(right)])
            guard let token = ids[text[a..<(a + size)]] else { return }
            queue.insert(Bigram(score: scores[Int(token)], left: left, right: right, size: Int32(size)))
        }
        for i in 1..<max(count, 1) { consider(Int32(i - 1), Int32(i)) }

        while let best = queue.popMin() {
            let l = Int(best.left), r = Int(best.right)
            guard length[l] > 0, length[r] > 0, length[l] + length[r] == best.size else { continue }
            length[l] += length[r]
            length[r] = 0
            next[l] = next[r]
            if next[r] >= 0 { prev[Int(next[r])] = best.left }
            consider(prev[l], best.left)
            consider(best.left, next[l])
        }

        var i = 0
        while i >= 0 && i < count {
            let a = Int(start[i]), n = Int(length[i])
            if let token = ids[text[a..<(a + n)]] {
                output.append(Int(token))
            } else {
                // llama.cpp's `resegment` would first look the text up among merged pairs, but a symbol that is
                // not a token is always a single character, so only the byte fallback applies.
                for b in text[a..<(a + n)] where byteToken[Int(b)] >= 0 { output.append(Int(byteToken[Int(b)])) }
            }
            i = Int(next[i])
        }
    }
}
