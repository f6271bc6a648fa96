import Foundation

/// A decoder-only transformer (Llama, Qwen2, Gemma 3) run on the CPU, with a KV cache per sequence.
///
/// `forward` takes the new tokens of several sequences at once: their rows are stacked so every linear layer is one
/// matrix product for the whole batch (no padding), and attention runs per sequence against its own cache. This
/// serves prefill (many tokens, empty cache), decoding (one token per sequence) and group decoding (G forks of one
/// prompt's cache) alike.
///
///     let model = try DecoderModel(spec: spec, weights: weights)
///     let cache = model.makeCache()
///     let logits = try model.forward([(promptIDs, cache)], logits: .last)[0]   // (1, vocab)
public final class DecoderModel: Sendable {
    public let spec: DecoderSpec
    public let weights: DecoderWeights
    private let inverseFrequencies: [[Float]]
    private let denseHeadCache = DenseHeadCache()

    /// Which rows of logits `forward` returns for each sequence.
    public enum LogitRows: Sendable {
        /// One row per new token (scoring, training).
        case all
        /// Only the last new token's row (generation).
        case last
        /// None: only fill the caches.
        case none
    }

    public enum ModelError: Error, CustomStringConvertible, Equatable {
        case tokenOutOfRange(token: Int, vocabulary: Int)
        case shapeMismatch(String)

        public var description: String {
            switch self {
            case let .tokenOutOfRange(token, vocabulary): return "token id \(token) is outside the vocabulary (0..<\(vocabulary))"
            case let .shapeMismatch(what): return "weights do not fit the model: \(what)"
            }
        }
    }

    public init(spec: DecoderSpec, weights: DecoderWeights) throws {
        let s = spec.shape
        func check(_ ok: Bool, _ what: @autoclosure () -> String) throws {
            if !ok { throw ModelError.shapeMismatch(what()) }
        }
        try check(spec.layers.count == s.layerCount, "\(spec.layers.count) layer specs for \(s.layerCount) layers")
        try check(weights.layers.count == s.layerCount, "\(weights.layers.count) layers of weights for \(s.layerCount)")
        try check(weights.embedding.cols == s.hiddenSize, "embedding width \(weights.embedding.cols) ≠ hidden \(s.hiddenSize)")
        try check(weights.outputHead.cols == s.hiddenSize && weights.outputHead.rows == s.vocabularySize,
                  "output head \(weights.outputHead.rows)×\(weights.outputHead.cols)")
        for (i, layer) in weights.layers.enumerated() {
            let q = s.attentionHeads * s.headDim, kv = s.keyValueHeads * s.headDim
            for (linear, out, inp) in [(layer.q, q, s.hiddenSize), (layer.k, kv, s.hiddenSize), (layer.v, kv, s.hiddenSize),
                                       (layer.o, s.hiddenSize, q), (layer.gate, s.intermediateSize, s.hiddenSize),
                                       (layer.up, s.intermediateSize, s.hiddenSize), (layer.down, s.hiddenSize, s.intermediateSize)] {
                try check(linear.weight.rows == out && linear.weight.cols == inp,
                          "layer \(i) \(linear.name) is \(linear.weight.rows)×\(linear.weight.cols), expected \(out)×\(inp)")
            }
        }
        self.spec = spec
        self.weights = weights
        inverseFrequencies = spec.layers.map { $0.rope.inverseFrequencies(headDim: s.headDim) }
    }

    /// The output head in f32 for training, where many rows of logits are computed and differentiated at once:
    /// a compact head would be expanded again for every chunk of rows. Built on first use and kept (Gemma 3 270M:
    /// 671 MB); the values equal the compact ones exactly.
    public var denseOutputHead: DenseMatrix { denseHeadCache.get(weights.outputHead) }

    /// Every linear layer in model order (q, k, v, o, gate, up, down per layer): what adapters may wrap.
    public var linearLayers: [Linear] {
        weights.layers.flatMap { [$0.q, $0.k, $0.v, $0.o, $0.gate, $0.up, $0.down] }
    }

    /// The linear modules' names and shapes, for planning adapters.
    public var linearModules: [LinearModule] {
        weights.layers.enumerated().flatMap { index, layer in
            [layer.q, layer.k, layer.v, layer.o, layer.gate, layer.up, layer.down].map {
                LinearModule(name: $0.name, inFeatures: $0.weight.cols, outFeatures: $0.weight.rows, layer: index)
            }
        }
    }

    public func makeCache(capacity: Int = 256) -> KVCache {
        KVCache(layers: spec.shape.layerCount, keyValueHeads: spec.shape.keyValueHeads, headDim: spec.shape.headDim,
                capacity: capacity)
    }

    /// Runs `tokens` of each sequence after what its cache holds, appends them to the cache and returns the
    /// requested logits per sequence: (rows, vocabulary).
    public func forward(_ sequences: [(tokens: [Int], cache: KVCache)], logits rows: LogitRows = .last,
                        hook: (any LinearHook)? = nil) throws -> [Tensor]
    {
        let s = spec.shape
        let counts = sequences.map(\.tokens.count)
        let total = counts.reduce(0, +)
        let offsets = counts.reduce(into: [0]) { $0.append($0.last! + $1) }
        for token in sequences.flatMap(\.tokens) where token < 0 || token >= s.vocabularySize {
            throw ModelError.tokenOutOfRange(token: token, vocabulary: s.vocabularySize)
        }
        guard total > 0 else { return sequences.map { _ in Tensor(zeros: [0, s.vocabularySize]) } }

        // x = embed(tokens) · scale                                         x: (N, hidden)
        var x = Tensor(zeros: [total, s.hiddenSize])
        x.withMutableBaseAddress { xp in
            for (r, token) in sequences.flatMap(\.tokens).enumerated() {
                weights.embedding.row(token, into: xp + r * s.hiddenSize)
            }
        }
        if let scale = spec.embeddingScale { Kernels.scale(&x, by: scale) }
        for sequence in sequences { sequence.cache.reserve(sequence.tokens.count) }

        for (l, layer) in weights.layers.enumerated() {
            // Attention block: x += [norm_out](o(attention(rope(norm_qk(q(h))), rope(norm_qk(k(h))), v(h)))), h = norm(x)
            let h = norm(x, layer.attentionNorm)
            var q = layer.q(h, hook: hook)                                 // (N, heads·d)
            var k = layer.k(h, hook: hook)                                 // (N, kv·d)
            let v = layer.v(h, hook: hook)                                 // (N, kv·d)
            if spec.queryKeyNorm, let qn = layer.queryNorm, let kn = layer.keyNorm {
                q = norm(q.reshaped([total * s.attentionHeads, s.headDim]), qn).reshaped([total, s.attentionHeads * s.headDim])
                k = norm(k.reshaped([total * s.keyValueHeads, s.headDim]), kn).reshaped([total, s.keyValueHeads * s.headDim])
            }
            let positions = sequences.flatMap { sequence in (0..<sequence.tokens.count).map { sequence.cache.count + $0 } }
            q.withMutableBaseAddress {
                RotaryEmbedding.apply($0, rows: total, heads: s.attentionHeads, headDim: s.headDim, positions: positions,
                                      inverseFrequencies: inverseFrequencies[l])
            }
            k.withMutableBaseAddress {
                RotaryEmbedding.apply($0, rows: total, heads: s.keyValueHeads, headDim: s.headDim, positions: positions,
                                      inverseFrequencies: inverseFrequencies[l])
            }
            var attention = Tensor(zeros: [total, s.attentionHeads * s.headDim])
            k.withBaseAddress { kp in
                v.withBaseAddress { vp in
                    q.withBaseAddress { qp in
                        attention.withMutableBaseAddress { ap in
                            for (i, sequence) in sequences.enumerated() where counts[i] > 0 {
                                let row = offsets[i], width = s.keyValueHeads * s.headDim
                                sequence.cache.write(layer: l, keys: kp + row * width, values: vp + row * width, rows: counts[i])
                                attend(queries: qp + row * s.attentionHeads * s.headDim, count: counts[i],
                                       cache: sequence.cache, layer: l, into: ap + row * s.attentionHeads * s.headDim)
                            }
                        }
                    }
                }
            }
            var attended = layer.o(attention, hook: hook)                 // (N, hidden)
            if spec.sandwichNorms, let post = layer.attentionOutputNorm { attended = norm(attended, post) }
            Kernels.addInPlace(&x, attended)

            // MLP block: x += [norm_out](down(act(gate(h)) · up(h))), h = norm(x)
            let h2 = norm(x, layer.mlpNorm)
            let gate = layer.gate(h2, hook: hook)
            let up = layer.up(h2, hook: hook)
            var activated = spec.activation == .silu ? Kernels.silu(gate) : Kernels.gelu(gate)
            activated = Kernels.multiply(activated, up)
            var mlp = layer.down(activated, hook: hook)
            if spec.sandwichNorms, let post = layer.mlpOutputNorm { mlp = norm(mlp, post) }
            Kernels.addInPlace(&x, mlp)
        }
        for (i, sequence) in sequences.enumerated() { sequence.cache.advance(by: counts[i]) }

        // The selected rows of every sequence go through the output head together: the head (Gemma 3: 178 MB)
        // is read once per step, not once per sequence, which is what makes group decoding pay.
        let selections: [Range<Int>] = sequences.indices.map { i in
            switch rows {
            case .all: return offsets[i]..<offsets[i + 1]
            case .last: return counts[i] > 0 ? (offsets[i + 1] - 1)..<offsets[i + 1] : 0..<0
            case .none: return 0..<0
            }
        }
        let selectedCount = selections.reduce(0) { $0 + $1.count }
        guard selectedCount > 0 else { return sequences.map { _ in Tensor(zeros: [0, s.vocabularySize]) } }
        var hidden = Tensor(zeros: [selectedCount, s.hiddenSize])
        hidden.withMutableBaseAddress { hp in
            x.withBaseAddress { xp in
                var row = 0
                for range in selections where !range.isEmpty {
                    (hp + row * s.hiddenSize).update(from: xp + range.lowerBound * s.hiddenSize, count: range.count * s.hiddenSize)
                    row += range.count
                }
            }
        }
        var logits = weights.outputHead.multiply(batch: norm(hidden, weights.finalNorm))
        if let cap = spec.finalLogitSoftcap {
            logits.withUnsafeMutableBufferPointer { buffer in
                for j in buffer.indices { buffer[j] = cap * tanhf(buffer[j] / cap) }
            }
        }
        var first = 0
        return selections.map { range in
            var part = Tensor(zeros: [range.count, s.vocabularySize])
            if !range.isEmpty {
                part.withMutableBaseAddress { pp in
                    logits.withBaseAddress { pp.update(from: $0 + first * s.vocabularySize, count: range.count * s.vocabularySize) }
                }
            }
            first += range.count
            return part
        }
    }

    /// RMSNorm over the last dimension, with Gemma's (1 + w) where the spec says so.
    private func norm(_ x: Tensor, _ weight: Tensor) -> Tensor {
        Kernels.rmsNorm(x, weight: weight, eps: spec.rmsNormEpsilon, unitOffset: spec.normAddsOne)
    }
}

/// Holds the f32 output head once built; safe to use from several threads.
private final class DenseHeadCache: @unchecked Sendable {
    private let lock = NSLock()
    private var head: DenseMatrix?

    func get(_ source: any WeightMatrix) -> DenseMatrix {
        lock.withLock {
            if let head { return head }
            let built = (source as? DenseMatrix) ?? DenseMatrix(source.dense())
            head = built
            return built
        }
    }
}
