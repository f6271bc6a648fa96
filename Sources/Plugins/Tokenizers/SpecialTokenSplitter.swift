/// Cuts special and added tokens out of text before the model sees it. Follows llama.cpp
/// `llama_vocab::impl::tokenizer_st_partition`: tokens of type control, user-defined or unknown, longest text
/// first, each splitting every text fragment left by the previous ones at each occurrence. Control and unknown
/// tokens count only when `parseSpecial` is on; user-defined (added) tokens are always cut out, as in Hugging Face
/// `tokenizers`.
///
/// A byte trie first finds which special texts occur at all, so the sequential passes run only for those (a
/// Gemma vocabulary has thousands of added tokens).
///
///     let splitter = SpecialTokenSplitter(vocabulary: vocab)
///     splitter.split(Array("<bos>Hi".utf8), parseSpecial: true)   // [.token(2), .text(5..<7)]
struct SpecialTokenSplitter: Sendable {
    enum Fragment: Equatable, Sendable {
        /// A byte range of the input.
        case text(Range<Int>)
        case token(Int)
    }

    private struct Special: Sendable {
        let id: Int
        let bytes: [UInt8]
        /// Control and unknown tokens: only with parse-special on.
        let needsParseSpecial: Bool
    }

    /// In llama.cpp's order: longest text first (ties by id, for a stable order).
    private let specials: [Special]
    /// Byte trie over the special texts: children per node, and the index into `specials` ending there.
    private let children: [[UInt8: Int32]]
    private let terminal: [Int32]

    init(vocabulary: TokenizerVocabulary) {
        var list: [Special] = []
        for (id, type) in vocabulary.tokenTypes.enumerated() {
            switch type {
            case .control, .unknown:
                list.append(Special(id: id, bytes: Array(vocabulary.tokens[id].utf8), needsParseSpecial: true))
            case .userDefined:
                list.append(Special(id: id, bytes: Array(vocabulary.tokens[id].utf8), needsParseSpecial: false))
            case .normal, .byte, .unused, .undefined:
                break
            }
        }
        list.sort { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id }
        specials = list
        var children: [[UInt8: Int32]] = [[:]]
        var terminal: [Int32] = [-1]
        for (index, special) in list.enumerated() where !special.bytes.isEmpty {
            var node = 0
            for b in special.bytes {
                if let child = children[node][b] {
                    node = Int(child)
                } else {
                    children.append([:]); terminal.append(-1)
                    children[node][b] = Int32(children.count - 1)
                    node = children.count - 1
                }
            }
            if terminal[node] < 0 { terminal[node] = Int32(index) }
        }
        self.children = children
        self.terminal = terminal
    }

    /// The fragments of `text`, in order.
    func split(_ text: [UInt8], parseSpecial: Bool) -> [Fragment] {
        guard !text.isEmpty else { return [] }
        var fragments: [Fragment] = [.text(0..<text.count)]
        guard specials.count > 0 else { return fragments }
        for index in occurring(in: text).sorted() {
            let special = specials[index]
            if special.needsParseSpecial && !parseSpecial { continue }
            var result: [Fragment] = []
            result.reserveCapacity(fragments.count + 2)
            for fragment in fragments {
                guard case .text(let range) = fragment else { result.append(fragment); continue }
                var start = range.lowerBound
                while let match = Self.find(special.bytes, in: text, from: start, to: range.upperBound) {
                    if match > start { result.append(.text(start..<match)) }
                    result.append(.token(special.id))
                    start = match + special.bytes.count
                }
                if start < range.upperBound { result.append(.text(start..<range.upperBound)) }
            }
            fragments = result
        }
        return fragments
    }

    /// Indices into `specials` of every special text found anywhere in `text`.
    private func occurring(in text: [UInt8]) -> Set<Int> {
        var found = Set<Int>()
        text.withUnsafeBufferPointer { buffer in
            for start in 0..<buffer.count {
                var node = 0
                var i = start
                while i < buffer.count, let child = children[node][buffer[i]] {
                    node = Int(child)
                    if terminal[node] >= 0 { found.insert(Int(terminal[node])) }
                    i += 1
                }
            }
        }
        return found
    }

    private static func find(_ needle: [UInt8], in text: [UInt8], from: Int, to end: Int) -> Int? {
        let n = needle.count
        guard n > 0, end - from >= n else { return nil }
        let first = needle[0]
        var i = from
        while i + n <= end {
            if text[i] == first {
                var j = 1
                while j < n && text[i + j] == needle[j] { j += 1 }
                if j == n { return i }
            }
            i += 1
        }
        return nil
    }
}
