import Foundation

/// One forward and backward pass over whole sequences for training: the forward records what the backward needs,
/// scores the chosen next tokens (log p of token t+1 at position t, logits divided by `temperature` as TRL does),
/// and the backward turns ∂loss/∂log p into gradients of the attached adapter's parameters only. Frozen weights
/// get no gradient storage: each linear layer passes ∂L/∂x back through W (and the adapter through its own path).
///
/// Sequences that share their tokens before the first scored position (a GRPO group: one prompt, several sampled
/// completions) share one copy of those rows: the prompt runs once, each completion attends to its keys and values,
/// and the backward sums the completions' gradients into it. Attention is the only place rows of different
/// sequences meet, so the result equals running each sequence whole (`sharePrefixes: false`), at a fraction of the
/// cost when completions are short (vLLM's prefix caching and TRL's shared-prompt scoring follow the same idea).
///
/// Memory grows with the tokens of the pass (activations of every layer, attention probabilities per head, and up to
/// `keptProbabilityBytes` of head softmax kept so the backward skips recomputing the head), so the trainer splits
/// batches into micro-batches and accumulates gradients in the adapter's `Parameter`s.
///
///     let pass = try TrainingPass(model: model, sequences: [ids], scoredPositions: [Array(p0..<ids.count - 1)],
///                                 adapter: adapter)
///     let objective = ... pass.logprobs ...                   // loss and ∂loss/∂logp per scored token
///     try pass.backward(logprobGradients: gradients)          // adds into adapter.parameters[i].gradient
public final class TrainingPass {
    public let model: DecoderModel
    public let adapter: (any AttachedAdapter)?
    public let sequences: [[Int]]
    public let scoredPositions: [[Int]]
    public let temperature: Float
    /// log p(token at t+1 | tokens ≤ t) for each scored position t, per sequence.
    public private(set) var logprobs: [[Float]] = []

    private struct LayerRecord {
        var input: Tensor, h: Tensor
        var qRaw: Tensor, kRaw: Tensor, q: Tensor, k: Tensor, v: Tensor
        var probabilities: [[Float]]  // per segment: heads × rows × keys
        var attention: Tensor, attended: Tensor
        var middle: Tensor, h2: Tensor
        var gate: Tensor, up: Tensor, activated: Tensor, mlp: Tensor
    }

    /// A run of consecutive rows of the batch: a whole sequence, a shared prefix, or a continuation whose queries
    /// also see its prefix's keys (`prefix` is that segment's index; prefixes have none).
    private struct Segment {
        var start: Int, count: Int, firstPosition: Int, prefix: Int?
    }

    private var records: [LayerRecord] = []
    private var finalInput = Tensor(zeros: [0])
    private var finalHidden = Tensor(zeros: [0])
    private var logSumExps: [[Float]] = []
    private var segments: [Segment] = []
    /// Token and position of every row.
    private var rowTokens: [Int] = []
    private var rowPositions: [Int] = []
    /// Row of sequence i's position t: `sequenceRowBase[i] + t`.
    private var sequenceRowBase: [Int] = []
    private var totalRows: Int { rowTokens.count }
    /// Rows the pass computes: the sequences' total length less what shared prefixes saved.
    public var rowCount: Int { totalRows }

    public init(model: DecoderModel, sequences: [[Int]], scoredPositions: [[Int]], adapter: (any AttachedAdapter)?,
                temperature: Float = 1, keptProbabilityBytes: Int = TrainingPass.defaultKeptProbabilityBytes,
                sharePrefixes: Bool = true) throws
    {
        precondition(sequences.count == scoredPositions.count, "one list of scored positions per sequence")
        self.model = model
        self.adapter = adapter
        self.sequences = sequences
        self.scoredPositions = scoredPositions
        self.temperature = temperature
        self.keptProbabilityBytes = keptProbabilityBytes
        let vocabulary = model.spec.shape.vocabularySize
        for (i, sequence) in sequences.enumerated() {
            for token in sequence where token < 0 || token >= vocabulary {
                throw DecoderModel.ModelError.tokenOutOfRange(token: token, vocabulary: vocabulary)
            }
            for t in scoredPositions[i] where t < 0 || t + 1 >= sequence.count {
                throw TinyTuneError.unsupported("scored position \(t) has no next token in a sequence of \(sequence.count)")
            }
        }
        layOutRows(sharePrefixes: sharePrefixes)
        try runForward()
    }

    /// Groups sequences by their tokens before the first scored position; a group of two or more gets one prefix
    /// segment followed by a continuation per sequence (from its first scored position on), the rest run whole.
    private func layOutRows(sharePrefixes: Bool) {
        var groups: [[Int]: [Int]] = [:]
        var order: [[Int]] = []
        if sharePrefixes {
            for (i, sequence) in sequences.enumerated() {
                guard let first = scoredPositions[i].min(), first > 0 else { continue }
                let key = Array(sequence[..<first])
                if groups[key] == nil { order.append(key) }
                groups[key, default: []].append(i)
            }
        }
        sequenceRowBase = [Int](repeating: 0, count: sequences.count)
        var shared = Set<Int>()
        func append(_ tokens: ArraySlice<Int>, firstPosition: Int, prefix: Int?) {
            segments.append(Segment(start: rowTokens.count, count: tokens.count, firstPosition: firstPosition, prefix: prefix))
            rowTokens += tokens
            rowPositions += firstPosition..<(firstPosition + tokens.count)
        }
        for key in order {
            guard let members = groups[key], members.count > 1 else { continue }
            let prefix = segments.count
            append(key[...], firstPosition: 0, prefix: nil)
            for i in members {
                sequenceRowBase[i] = rowTokens.count - key.count
                append(sequences[i][key.count...], firstPosition: key.count, prefix: prefix)
                shared.insert(i)
            }
        }
        for (i, sequence) in sequences.enumerated() where !shared.contains(i) {
            sequenceRowBase[i] = rowTokens.count
            append(sequence[...], firstPosition: 0, prefix: nil)
        }
    }

    private var spec: DecoderSpec { model.spec }

    private func norm(_ x: Tensor, _ weight: Tensor) -> Tensor {
        Kernels.rmsNorm(x, weight: weight, eps: spec.rmsNormEpsilon, unitOffset: spec.normAddsOne)
    }

    private func normBackward(_ x: Tensor, _ weight: Tensor, _ dy: Tensor) -> Tensor {
        Gradients.rmsNorm(x: x, weight: weight, eps: spec.rmsNormEpsilon, addsOne: spec.normAddsOne, dy: dy)
    }

    /// RoPE on the query and key rows of a layer; negated positions rotate back (the backward).
    private func rotate(_ q: inout Tensor, _ k: inout Tensor, layer: Int, positions: [Int]) {
        let s = spec.shape, rows = q.shape[0]
        let frequencies = spec.layers[layer].rope.inverseFrequencies(headDim: s.headDim)
        q.withMutableBaseAddress {
            RotaryEmbedding.apply($0, rows: rows, heads: s.attentionHeads, headDim: s.headDim, positions: positions,
                                  inverseFrequencies: frequencies)
        }
        k.withMutableBaseAddress {
            RotaryEmbedding.apply($0, rows: rows, heads: s.keyValueHeads, headDim: s.headDim, positions: positions,
                                  inverseFrequencies: frequencies)
        }
    }

    // MARK: Forward (the same math as DecoderModel.forward, recording activations)

    private func runForward() throws {
        let s = spec.shape
        let total = totalRows
        var x = Tensor(zeros: [total, s.hiddenSize])
        x.withMutableBaseAddress { xp in
            for (r, token) in rowTokens.enumerated() { model.weights.embedding.row(token, into: xp + r * s.hiddenSize) }
        }
        if let scale = spec.embeddingScale { Kernels.scale(&x, by: scale) }
        let hook: (any LinearHook)? = adapter
        for (l, layer) in model.weights.layers.enumerated() {
            let h = norm(x, layer.attentionNorm)
            let qRaw = layer.q(h, hook: hook), kRaw = layer.k(h, hook: hook), v = layer.v(h, hook: hook)
            var q = qRaw, k = kRaw
            if spec.queryKeyNorm, let qn = layer.queryNorm, let kn = layer.keyNorm {
                q = norm(qRaw.reshaped([total * s.attentionHeads, s.headDim]), qn).reshaped(qRaw.shape)
                k = norm(kRaw.reshaped([total * s.keyValueHeads, s.headDim]), kn).reshaped(kRaw.shape)
            }
            var attention = Tensor(zeros: [total, s.attentionHeads * s.headDim])
            var probabilities: [[Float]] = []
            PhaseTimer.time("attention") {
                rotate(&q, &k, layer: l, positions: rowPositions)
                for i in segments.indices {
                    probabilities.append(attendForward(q: q, k: k, v: v, segment: i, layer: l, into: &attention))
                }
            }
            var attended = layer.o(attention, hook: hook)
            let attendedRaw = attended
            if spec.sandwichNorms, let post = layer.attentionOutputNorm { attended = norm(attended, post) }
            let input = x
            Kernels.addInPlace(&x, attended)
            let middle = x
            let h2 = norm(x, layer.mlpNorm)
            let gate = layer.gate(h2, hook: hook), up = layer.up(h2, hook: hook)
            let activated = Kernels.multiply(spec.activation == .silu ? Kernels.silu(gate) : Kernels.gelu(gate), up)
            var mlp = layer.down(activated, hook: hook)
            let mlpRaw = mlp
            if spec.sandwichNorms, let post = layer.mlpOutputNorm { mlp = norm(mlp, post) }
            Kernels.addInPlace(&x, mlp)
            records.append(LayerRecord(input: input, h: h, qRaw: qRaw, kRaw: kRaw, q: q, k: k, v: v,
                                       probabilities: probabilities, attention: attention, attended: attendedRaw,
                                       middle: middle, h2: h2, gate: gate, up: up, activated: activated, mlp: mlpRaw))
        }
        finalInput = x
        finalHidden = norm(x, model.weights.finalNorm)
        // Score the chosen tokens in chunks of rows across all sequences, so (rows × vocabulary) logits never all
        // exist at once. Each chunk's logits become its softmax in place; up to `keptProbabilityBytes` of them stay
        // for the backward, which then skips a second head product.
        logprobs = scoredPositions.map { [Float](repeating: 0, count: $0.count) }
        logSumExps = logprobs
        let vocabulary = spec.shape.vocabularySize
        var keptBytes = 0
        for (c, chunk) in scoredChunks.enumerated() {
            var values = chunkLogits(chunk)
            let targets = chunk.map { sequences[$0.sequence][scoredPositions[$0.sequence][$0.index] + 1] }
            let scores = PhaseTimer.time("head softmax") {
                values.withUnsafeMutableBufferPointer {
                    Self.softmaxScoring($0.baseAddress!, rows: chunk.count, vocabulary: vocabulary, targets: targets,
                                        temperature: temperature)
                }
            }
            for (r, row) in chunk.enumerated() {
                logprobs[row.sequence][row.index] = scores[r].logp
                logSumExps[row.sequence][row.index] = scores[r].lse
            }
            // With soft-capping the backward also needs tanh of the raw logits, so it recomputes them.
            let bytes = chunk.count * vocabulary * MemoryLayout<Float>.size
            if spec.finalLogitSoftcap == nil, keptBytes + bytes <= keptProbabilityBytes {
                keptProbabilities[c] = values
                keptBytes += bytes
            }
        }
    }

    /// Every scored row as (sequence, index among its scored positions), in order.
    private var scoredRows: [(sequence: Int, index: Int)] {
        scoredPositions.enumerated().flatMap { i, positions in positions.indices.map { (i, $0) } }
    }

    private static let chunkRows = 128
    /// Default for `keptProbabilityBytes`: 256 MiB is ~440 rows of a 151,936-entry vocabulary.
    public static let defaultKeptProbabilityBytes = 256 << 20
    /// Softmax chunks kept from forward to backward up to this many bytes; later chunks redo the head product.
    public let keptProbabilityBytes: Int
    /// Chunk index → softmax(z/T) of its rows (rows × vocabulary), when kept.
    private var keptProbabilities: [Int: Tensor] = [:]

    /// Scored rows split into chunks of `chunkRows`.
    private var scoredChunks: [[(sequence: Int, index: Int)]] {
        let all = scoredRows
        return stride(from: 0, to: all.count, by: Self.chunkRows).map { Array(all[$0..<min($0 + Self.chunkRows, all.count)]) }
    }

    /// Logits (after soft-capping) of a chunk's rows through the f32 head: rows × vocabulary.
    private func chunkLogits(_ chunk: [(sequence: Int, index: Int)]) -> Tensor {
        let hidden = gatherRows(finalHidden, chunk.map { sequenceRowBase[$0.sequence] + scoredPositions[$0.sequence][$0.index] })
        var logits = PhaseTimer.time("head product") { model.denseOutputHead.multiply(batch: hidden) }
        if let cap = spec.finalLogitSoftcap {
            logits.withUnsafeMutableBufferPointer { b in for j in b.indices { b[j] = cap * tanhf(b[j] / cap) } }
        }
        return logits
    }

    /// Per row of `rows × vocabulary` logits z: log p of the target = (z_y/T − m) − log Σ exp(z/T − m) with m the
    /// row's max (stable log-sum-exp), and the row overwritten by softmax(z/T). Rows are split across cores;
    /// each row's sum is accumulated in Float lanes folded into Double blocks (`Kernels.sum`).
    static func softmaxScoring(_ z: UnsafeMutablePointer<Float>, rows: Int, vocabulary: Int, targets: [Int],
                               temperature: Float) -> [(logp: Float, lse: Float)]
    {
        var scores = [(logp: Float, lse: Float)](repeating: (0, 0), count: rows)
        scores.withUnsafeMutableBufferPointer { out in
            targets.withUnsafeBufferPointer { targets in
                nonisolated(unsafe) let z = z, out = out, targets = targets
                parallelFor(rows, minimumChunk: 1) { range in
                    for r in range {
                        let row = z + r * vocabulary
                        let maximum = Kernels.max(row, count: vocabulary) / temperature
                        let target = row[targets[r]] / temperature
                        for j in 0..<vocabulary { row[j] = expf(row[j] / temperature - maximum) }
                        let total = Kernels.sum(row, count: vocabulary)
                        let logTotal = logf(total)
                        let inverse = 1 / total
                        for j in 0..<vocabulary { row[j] *= inverse }
                        out[r] = ((target - maximum) - logTotal, maximum + logTotal)
                    }
                }
            }
        }
        return scores
    }

    private func gatherRows(_ x: Tensor, _ rows: [Int]) -> Tensor {
        let width = x.shape[1]
        var out = Tensor(zeros: [rows.count, width])
        x.withBaseAddress { xp in
            out.withMutableBaseAddress { op in
                for (r, row) in rows.enumerated() { (op + r * width).update(from: xp + row * width, count: width) }
            }
        }
        return out
    }

    /// The key rows a segment's queries see, as contiguous blocks (its prefix's rows, then its own), with the
    /// column each block starts at in the segment's heads × rows × keys probabilities.
    private func keyBlocks(_ segment: Segment) -> [(start: Int, count: Int, column: Int)] {
        var blocks: [(start: Int, count: Int, column: Int)] = []
        if let p = segment.prefix { blocks.append((segments[p].start, segments[p].count, 0)) }
        blocks.append((segment.start, segment.count, blocks.first?.count ?? 0))
        return blocks
    }

    /// Causal (windowed) attention of one segment's queries over its keys; returns the probabilities
    /// (heads × rows × keys). A key at position j is seen from position t when j ≤ t and t − j < window.
    private func attendForward(q: Tensor, k: Tensor, v: Tensor, segment i: Int, layer: Int, into out: inout Tensor) -> [Float] {
        let s = spec.shape, d = s.headDim, segment = segments[i], n = segment.count, row = segment.start
        let blocks = keyBlocks(segment), keys = blocks.reduce(0) { $0 + $1.count }
        let qw = s.attentionHeads * d, kw = s.keyValueHeads * d, group = s.attentionHeads / s.keyValueHeads
        let window = spec.layers[layer].slidingWindow
        var probabilities = [Float](repeating: 0, count: s.attentionHeads * n * keys)
        guard n > 0 else { return probabilities }
        q.withBaseAddress { qp in k.withBaseAddress { kp in v.withBaseAddress { vp in out.withMutableBaseAddress { op in
            probabilities.withUnsafeMutableBufferPointer { pb in
                for h in 0..<s.attentionHeads {
                    let g = h / group, p = pb.baseAddress! + h * n * keys
                    for b in blocks {
                        gemm(m: n, n: b.count, k: d, a: qp + row * qw + h * d, lda: qw, transA: .none,
                             b: kp + b.start * kw + g * d, ldb: kw, transB: .transposed, c: p + b.column, ldc: keys,
                             alpha: spec.attentionScale, beta: 0)
                    }
                    for t in 0..<n {
                        // The key columns hold positions 0..<keys in order (a prefix starts at 0 and its
                        // continuations where it ends), so the visible keys are one range.
                        let position = segment.firstPosition + t, r = p + t * keys
                        let first = window.map { max(0, position - $0 + 1) } ?? 0
                        var maximum = -Float.infinity
                        for j in first...position { maximum = max(maximum, r[j]) }
                        var sum = 0.0
                        for j in first...position { r[j] = expf(r[j] - maximum); sum += Double(r[j]) }
                        let inverse = Float(1 / sum)
                        for j in 0..<keys { r[j] = (j >= first && j <= position) ? r[j] * inverse : 0 }
                    }
                    for (index, b) in blocks.enumerated() {
                        gemm(m: n, n: d, k: b.count, a: p + b.column, lda: keys, transA: .none,
                             b: vp + b.start * kw + g * d, ldb: kw, transB: .none, c: op + row * qw + h * d, ldc: qw,
                             alpha: 1, beta: index == 0 ? 0 : 1)
                    }
                }
            }
        } } } }
        return probabilities
    }

    // MARK: Backward

    /// Gradients of the loss with respect to each scored log-probability (same shape as `logprobs`) in; the
    /// adapter's parameter gradients accumulate. Call once per pass.
    public func backward(logprobGradients: [[Float]]) throws {
        let s = spec.shape
        let total = totalRows
        // logp = z[y]/T − logsumexp(z/T), z = cap·tanh(raw/cap) or raw
        //   ∂logp/∂z = (onehot(y) − softmax(z/T)) / T;  ∂z/∂raw = 1 − tanh²(raw/cap)
        var dHidden = Tensor(zeros: [total, s.hiddenSize])
        let vocabulary = s.vocabularySize
        let head = model.denseOutputHead
        for (c, chunk) in scoredChunks.enumerated() {
            let rows = chunk.map { sequenceRowBase[$0.sequence] + scoredPositions[$0.sequence][$0.index] }
            let kept = keptProbabilities.removeValue(forKey: c)
            var values = kept ?? chunkLogits(chunk)
            let g = chunk.map { logprobGradients[$0.sequence][$0.index] }
            let lse = chunk.map { logSumExps[$0.sequence][$0.index] }
            let targets = chunk.map { sequences[$0.sequence][scoredPositions[$0.sequence][$0.index] + 1] }
            let cap = spec.finalLogitSoftcap, temperature = temperature
            PhaseTimer.time("head softmax") { values.withUnsafeMutableBufferPointer { z in
                nonisolated(unsafe) let z = z.baseAddress!
                parallelFor(chunk.count, minimumChunk: 1) { range in
                    for r in range {
                        let row = z + r * vocabulary, scale = g[r] / temperature
                        if kept != nil {
                            // row holds softmax(z/T): ∂L/∂z = g·(onehot − p)/T
                            for j in 0..<vocabulary { row[j] *= -scale }
                            row[targets[r]] += scale
                        } else {
                            for j in 0..<vocabulary {
                                var capped = row[j], squash: Float = 1
                                if let cap {
                                    let tanhValue = tanhf(row[j] / cap)
                                    capped = cap * tanhValue
                                    squash = 1 - tanhValue * tanhValue
                                }
                                let onehot: Float = j == targets[r] ? 1 : 0
                                row[j] = scale * (onehot - expf(capped / temperature - lse[r])) * squash
                            }
                        }
                    }
                }
            } }
            let dRows = PhaseTimer.time("head product") { head.multiplyTransposed(batch: values) }
            dHidden.withMutableBaseAddress { dp in
                dRows.withBaseAddress { sp in
                    for (r, row) in rows.enumerated() {
                        Kernels.addInPlace(dp + row * s.hiddenSize, sp + r * s.hiddenSize, count: s.hiddenSize)
                    }
                }
            }
        }
        var dx = normBackward(finalInput, model.weights.finalNorm, dHidden)
        for l in model.weights.layers.indices.reversed() {
            dx = layerBackward(l, dx)
        }
    }

    /// ∂L/∂x through a linear layer: dy·W, plus the adapter's own path when it wraps this layer.
    private func linearBackward(_ linear: Linear, input: Tensor, dy: Tensor) -> Tensor {
        var dx = PhaseTimer.time("weight products") { linear.weight.multiplyTransposed(batch: dy) }
        if let adapter {
            _ = PhaseTimer.time("adapter") {
                adapter.backward(module: linear.name, input: input, outputGradient: dy, addingInputGradientTo: &dx)
            }
        }
        return dx
    }

    private func layerBackward(_ l: Int, _ dOut: Tensor) -> Tensor {
        let s = spec.shape, record = records[l], layer = model.weights.layers[l]
        let total = totalRows
        // MLP block — forward: out = middle + post(down(act(gate(h2)) ∘ up(h2))), h2 = norm(middle)
        var dMLP = dOut
        if spec.sandwichNorms, let post = layer.mlpOutputNorm { dMLP = normBackward(record.mlp, post, dOut) }
        let dActivated = linearBackward(layer.down, input: record.activated, dy: dMLP)
        let (dGate, dUp) = Gradients.gatedActivation(gate: record.gate, up: record.up, outputGradient: dActivated,
                                                     spec.activation)
        var dH2 = linearBackward(layer.gate, input: record.h2, dy: dGate)
        Kernels.addInPlace(&dH2, linearBackward(layer.up, input: record.h2, dy: dUp))
        var dMiddle = dOut
        Kernels.addInPlace(&dMiddle, normBackward(record.middle, layer.mlpNorm, dH2))

        // Attention block — forward: middle = input + post(o(attention(rope(qn(q(h))), rope(kn(k(h))), v(h))))
        var dAttended = dMiddle
        if spec.sandwichNorms, let post = layer.attentionOutputNorm { dAttended = normBackward(record.attended, post, dMiddle) }
        let dAttention = linearBackward(layer.o, input: record.attention, dy: dAttended)
        var dQ = Tensor(zeros: record.q.shape), dK = Tensor(zeros: record.k.shape), dV = Tensor(zeros: record.v.shape)
        PhaseTimer.time("attention") {
            for i in segments.indices {
                attentionBackward(record: record, segment: i, dOut: dAttention, dQ: &dQ, dK: &dK, dV: &dV)
            }
            // Rotation is orthogonal: its backward rotates by the opposite angle.
            rotate(&dQ, &dK, layer: l, positions: rowPositions.map { -$0 })
        }
        if spec.queryKeyNorm, let qn = layer.queryNorm, let kn = layer.keyNorm {
            dQ = normBackward(record.qRaw.reshaped([total * s.attentionHeads, s.headDim]), qn,
                              dQ.reshaped([total * s.attentionHeads, s.headDim])).reshaped(record.qRaw.shape)
            dK = normBackward(record.kRaw.reshaped([total * s.keyValueHeads, s.headDim]), kn,
                              dK.reshaped([total * s.keyValueHeads, s.headDim])).reshaped(record.kRaw.shape)
        }
        var dH = linearBackward(layer.q, input: record.h, dy: dQ)
        Kernels.addInPlace(&dH, linearBackward(layer.k, input: record.h, dy: dK))
        Kernels.addInPlace(&dH, linearBackward(layer.v, input: record.h, dy: dV))
        var dInput = dMiddle
        Kernels.addInPlace(&dInput, normBackward(record.input, layer.attentionNorm, dH))
        return dInput
    }

    /// forward, per head h (KV head g):  S = scale·Q_h·K_gᵀ,  P = softmax_masked(S),  O_h = P·V_g
    /// backward: dP = dO_h·V_gᵀ;  dV_g += Pᵀ·dO_h;  dS = P∘(dP − rowsum(dP∘P));  dQ_h = scale·dS·K_g;  dK_g += scale·dSᵀ·Q_h
    /// K_g and V_g are the segment's key blocks (a shared prefix's rows, then its own), so a prefix's dK and dV
    /// collect the sum over every continuation that sees it.
    private func attentionBackward(record: LayerRecord, segment i: Int, dOut: Tensor,
                                   dQ: inout Tensor, dK: inout Tensor, dV: inout Tensor)
    {
        let s = spec.shape, d = s.headDim, segment = segments[i], n = segment.count, row = segment.start
        guard n > 0 else { return }
        let blocks = keyBlocks(segment), keys = blocks.reduce(0) { $0 + $1.count }
        let qw = s.attentionHeads * d, kw = s.keyValueHeads * d, group = s.attentionHeads / s.keyValueHeads
        let scale = spec.attentionScale
        var dP = [Float](repeating: 0, count: n * keys)
        record.probabilities[i].withUnsafeBufferPointer { pb in
            record.q.withBaseAddress { qp in record.k.withBaseAddress { kp in record.v.withBaseAddress { vp in
                dOut.withBaseAddress { dop in dQ.withMutableBaseAddress { dqp in dK.withMutableBaseAddress { dkp in
                    dV.withMutableBaseAddress { dvp in dP.withUnsafeMutableBufferPointer { dpb in
                        let dPp = dpb.baseAddress!
                        for h in 0..<s.attentionHeads {
                            let g = h / group, p = pb.baseAddress! + h * n * keys
                            let dO = dop + row * qw + h * d
                            for b in blocks {
                                gemm(m: n, n: b.count, k: d, a: dO, lda: qw, transA: .none, b: vp + b.start * kw + g * d,
                                     ldb: kw, transB: .transposed, c: dPp + b.column, ldc: keys, alpha: 1, beta: 0)
                                gemm(m: b.count, n: d, k: n, a: p + b.column, lda: keys, transA: .transposed, b: dO,
                                     ldb: qw, transB: .none, c: dvp + b.start * kw + g * d, ldc: kw, alpha: 1, beta: 1)
                            }
                            for t in 0..<n {
                                let pr = p + t * keys, dr = dPp + t * keys
                                var dot: Float = 0
                                for j in 0..<keys { dot += dr[j] * pr[j] }
                                for j in 0..<keys { dr[j] = pr[j] * (dr[j] - dot) }
                            }
                            for b in blocks {
                                gemm(m: n, n: d, k: b.count, a: dPp + b.column, lda: keys, transA: .none,
                                     b: kp + b.start * kw + g * d, ldb: kw, transB: .none, c: dqp + row * qw + h * d,
                                     ldc: qw, alpha: scale, beta: 1)
                                gemm(m: b.count, n: d, k: n, a: dPp + b.column, lda: keys, transA: .transposed,
                                     b: qp + row * qw + h * d, ldb: qw, transB: .none, c: dkp + b.start * kw + g * d,
                                     ldc: kw, alpha: scale, beta: 1)
                            }
                        }
                    } }
                } } }
            } } }
        }
    }
}
