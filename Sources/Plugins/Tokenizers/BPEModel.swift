import HeapModule
import TinyTune

/// Byte-level BPE merges by rank: the lowest-ranked adjacent pair merges first, ties to the left.
/// Follows llama.cpp `llm_tokenizer_bpe_session::tokenize` (`src/llama-vocab.cpp`), including `ignore_merges`
/// (a word that is itself a token is taken whole, as Llama 3 does) and its fallback for a final symbol that is not
/// a token (each byte of its text looked up alone).
///
/// Words are handled as the UTF-8 bytes of their byte-level text; every vocabulary text, merge part and merge
/// result is interned once, so a merge is a table look-up on two integers.
///
///     let model = try BPEModel(vocabulary: vocab, ignoreMerges: false)
///     var ids: [Int] = []
///     model.encode(word: Array("Hello".utf8), into: &ids)
struct BPEModel: Sendable {
    private struct Merge: Sendable { let rank: Int32; let result: Int32 }

    /// Interned byte-level texts → id; vocabulary ids first, then extra texts that only merges mention.
    private let ids: ByteStringTable
    private let vocabularyCount: Int32
    /// (left id, right id) packed in 64 bits → rank and merged id.
    private let merges: [UInt64: Merge]
    /// The interned id of each byte's one-character text, or -1.
    private let byteSymbol: [Int32]
    private let ignoreMerges: Bool
    private let alphabet: Alphabet

    /// What the merges start from.
    enum Alphabet: Sendable {
        /// Bytes in GPT-2's alphabet (byte-level BPE).
        case bytes
        /// UTF-8 characters (Hugging Face BPE on `▁` text, as Gemma's and Llama 2's tokenizer.json); a character
        /// outside the vocabulary becomes its `<0xXX>` tokens when `byteFallback`, else the unknown token
        /// (consecutive unknowns fused), as `tokenizers/src/models/bpe/model.rs` does.
        case characters(byteFallback: Bool, unknown: Int32?)
    }

    init(vocabulary: TokenizerVocabulary, ignoreMerges: Bool, alphabet: Alphabet = .bytes) throws {
        var ids = ByteStringTable(capacity: vocabulary.count + vocabulary.merges.count)
        for (i, token) in vocabulary.tokens.enumerated() {
            ids.insert(ArraySlice(token.utf8), value: Int32(i), replace: true)   // last wins, as in llama.cpp
        }
        var next = Int32(vocabulary.count)
        func intern(_ bytes: ArraySlice<UInt8>) -> Int32 {
            let id = ids.insert(bytes, value: next)
            if id == next { next += 1 }
            return id
        }
        var merges: [UInt64: Merge] = [:]
        merges.reserveCapacity(vocabulary.merges.count)
        for (rank, line) in vocabulary.merges.enumerated() {
            // "left right", split at the first space after the first byte (llama.cpp `word.find(' ', 1)`).
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, let space = bytes[1...].firstIndex(of: 0x20), space + 1 < bytes.count else {
                throw TinyTuneError.invalidFile(
                    path: vocabulary.source, reason: "tokenizer.ggml.merges[\(rank)] \"\(line)\" is not \"left right\"")
            }
            let left = intern(bytes[..<space]), right = intern(bytes[(space + 1)...])
            var joined = Array(bytes[..<space]); joined += bytes[(space + 1)...]
            let result = intern(ArraySlice(joined))
            let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
            if merges[key] == nil { merges[key] = Merge(rank: Int32(rank), result: result) }   // first wins
        }
        self.ids = ids
        self.merges = merges
        self.vocabularyCount = Int32(vocabulary.count)
        switch alphabet {
        case .bytes:
            self.byteSymbol = ByteLevelEncoding.byteToUTF8.map { ids[ArraySlice($0)] ?? -1 }
        case .characters:
            self.byteSymbol = (0..<256).map { b in
                let hex = String(b, radix: 16, uppercase: true)
                return ids[ArraySlice(("<0x" + (hex.count == 1 ? "0" + hex : hex) + ">").utf8)] ?? -1
            }
        }
        self.ignoreMerges = ignoreMerges
        self.alphabet = alphabet
    }

    private struct Candidate: Comparable {
        let rank: Int32, left: Int32, right: Int32, leftID: Int32, rightID: Int32
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.rank != b.rank ? a.rank < b.rank : a.left < b.left
        }
    }

    /// The vocabulary id of a text given as its bytes, if it is a token.
    func tokenID(_ text: ArraySlice<UInt8>) -> Int? {
        guard let id = ids[text], id < vocabularyCount else { return nil }
        return Int(id)
    }

    /// Appends the ids of one pre-tokenized word, given as raw UTF-8 bytes.
    func encode(word: some Collection<UInt8>, into output: inout [Int]) {
        if word.isEmpty { return }
        if ignoreMerges {
            let encoded = Self.byteLevel(word)
            if let id = ids[encoded[...]], id < vocabularyCount { output.append(Int(id)); return }
        }
        let bytes = Array(word)
        var symbol: [Int32], length: [Int32]
        switch alphabet {
        case .bytes:
            symbol = bytes.map { byteSymbol[Int($0)] }
            length = [Int32](repeating: 1, count: bytes.count)
        case let .characters(byteFallback, unknown):
            (symbol, length) = characterSymbols(bytes, byteFallback: byteFallback, unknown: unknown)
        }
        let n = symbol.count
        if n == 0 { return }
        var prev = (0..<n).map { Int32($0) - 1 }
        var next = (0..<n).map { $0 + 1 == n ? Int32(-1) : Int32($0 + 1) }
        var queue = Heap<Candidate>()

        func consider(_ left: Int32, _ right: Int32) {
            guard left >= 0, right >= 0 else { return }
            let a = symbol[Int(left)], b = symbol[Int(right)]
            guard a >= 0, b >= 0 else { return }
            let key = UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
            guard let merge = merges[key] else { return }
            queue.insert(Candidate(rank: merge.rank, left: left, right: right, leftID: a, rightID: b))
        }
        for i in 1..<max(n, 1) { consider(Int32(i - 1), Int32(i)) }

        while let best = queue.popMin() {
            let l = Int(best.left), r = Int(best.right)
            // Outdated: one side merged since (llama.cpp compares the texts; equal texts ⇔ equal interned ids).
            guard length[l] > 0, length[r] > 0, symbol[l] == best.leftID, symbol[r] == best.rightID else { continue }
            let key = UInt64(UInt32(bitPattern: best.leftID)) << 32 | UInt64(UInt32(bitPattern: best.rightID))
            guard let merge = merges[key] else { continue }
            symbol[l] = merge.result
            length[l] += length[r]
            length[r] = 0
            next[l] = next[r]
            if next[r] >= 0 { prev[Int(next[r])] = best.left }
            consider(prev[l], best.left)
            consider(best.left, next[l])
        }

        // Symbol i starts at byte offset start[i] (lengths are in bytes).
        var start = [Int](repeating: 0, count: n)
        if case .bytes = alphabet { for k in 0..<n { start[k] = k } }
        var i = 0
        while i >= 0 && i < n {
            let id = symbol[i]
            if id >= 0 && id < vocabularyCount {
                output.append(Int(id))
            } else if case .characters = alphabet {
                // Not reachable with a consistent vocabulary (merge results are tokens); dropped, not guessed.
            } else {
                // Not a token: each byte of its byte-level text alone, if that is a token (llama.cpp does the same;
                // with a complete byte alphabet this never happens).
                let encoded = Self.byteLevel(bytes[start[i]..<(start[i] + Int(length[i]))])
                for b in encoded {
                    if let single = ids[[b][...]], single < vocabularyCount { output.append(Int(single)) }
                }
            }
            i = Int(next[i])
        }
    }

    /// Initial symbols for the character alphabet: one per UTF-8 character in the vocabulary, else its byte tokens
    /// or one (fused) unknown token.
    private func characterSymbols(_ bytes: [UInt8], byteFallback: Bool, unknown: Int32?) -> ([Int32], [Int32]) {
        var symbol: [Int32] = [], length: [Int32] = []
        symbol.reserveCapacity(bytes.count); length.reserveCapacity(bytes.count)
        var offset = 0
        var previousUnknown = false
        while offset < bytes.count {
            let lead = bytes[offset]
            let len = min(lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4, bytes.count - offset)
            if let id = ids[bytes[offset..<(offset + len)]], id < vocabularyCount {
                symbol.append(id); length.append(Int32(len)); previousUnknown = false
            } else if byteFallback, bytes[offset..<(offset + len)].allSatisfy({ byteSymbol[Int($0)] >= 0 }) {
                for b in bytes[offset..<(offset + len)] { symbol.append(byteSymbol[Int(b)]); length.append(1) }
                previousUnknown = false
            } else if let unknown {
                if previousUnknown, let last = length.indices.last { length[last] += Int32(len) } else {
                    symbol.append(unknown); length.append(Int32(len))
                }
                previousUnknown = true
            }
            offset += len
        }
        return (symbol, length)
    }

    /// The UTF-8 bytes of the byte-level text of `bytes`.
    static func byteLevel(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out += ByteLevelEncoding.byteToUTF8[Int(b)] }
        return out
    }
}
