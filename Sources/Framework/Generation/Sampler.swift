import Foundation

/// Picks the next token from a row of logits the way transformers' `generate(do_sample=True)` does: temperature,
/// then top-k, then top-p, then min-p (`GenerationMixin._get_logits_processor`, transformers 5), then a draw from
/// what is left. Temperature 0 is greedy (the first largest logit, as `torch.argmax`).
///
/// The draw uses our `SeededGenerator`, so a seed gives the same tokens on every machine (not PyTorch's stream).
/// The reported log-probability is log softmax(logits / T) at the chosen token, over the whole vocabulary and
/// before top-k/top-p/min-p, which is what TRL's GRPO recomputes for the sampling policy.
///
///     let sampler = Sampler(temperature: 0.7, topK: 50, topP: 0.95, minP: 0)
///     var generator = SeededGenerator(seed: 1)
///     let (token, logprob) = logits.withUnsafeBufferPointer { sampler.sample($0, generator: &generator) }
public struct Sampler: Sendable, Equatable {
    public var temperature: Double
    public var topK: Int
    public var topP: Double
    public var minP: Double

    public init(temperature: Double = 1, topK: Int = 0, topP: Double = 1, minP: Double = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
    }

    public init(_ options: GenerationOptions) {
        self.init(temperature: options.temperature, topK: options.topK, topP: options.topP, minP: options.minP)
    }

    public var isGreedy: Bool { temperature == 0 }

    /// Chooses a token and returns it with its log-probability (see the type's comment for which distribution).
    public func sample(_ logits: UnsafeBufferPointer<Float>, generator: inout SeededGenerator) -> (token: Int, logprob: Float) {
        let (token, logprob, _) = sampleWithEntropy(logits, generator: &generator)
        return (token, logprob)
    }

    /// `sample`, plus the entropy of softmax(logits / T) over the whole vocabulary (T = 1 when greedy): the
    /// per-token entropy TRL's GRPO logs, from the same pass that gives the log-probability.
    public func sampleWithEntropy(_ logits: UnsafeBufferPointer<Float>, generator: inout SeededGenerator)
        -> (token: Int, logprob: Float, entropy: Float)
    {
        precondition(!logits.isEmpty, "cannot sample from an empty row of logits")
        if isGreedy {
            let token = Self.argmax(logits)
            let (logprob, entropy) = Self.logSoftmaxAndEntropy(logits, at: token, temperature: 1)
            return (token, logprob, entropy)
        }
        let (tokens, probabilities) = filteredDistribution(logits)
        // Inverse CDF over the kept tokens in ascending id order.
        let target = generator.nextUniformDouble() * probabilities.reduce(0, +)
        var cumulative = 0.0
        var chosen = tokens[tokens.count - 1]
        for (token, probability) in zip(tokens, probabilities) {
            cumulative += probability
            if cumulative > target { chosen = token; break }
        }
        let (logprob, entropy) = Self.logSoftmaxAndEntropy(logits, at: chosen, temperature: Float(temperature))
        return (chosen, logprob, entropy)
    }

    /// The tokens that survive temperature, top-k, top-p and min-p (ascending ids) and their probabilities,
    /// renormalized over the survivors: the distribution `sample` draws from.
    public func filteredDistribution(_ logits: UnsafeBufferPointer<Float>) -> (tokens: [Int], probabilities: [Double]) {
        let inverseTemperature = temperature > 0 ? 1 / temperature : 1
        let scaled = logits.map { Double($0) * inverseTemperature }
        var kept = [Int](0..<scaled.count)

        // top-k: keep every logit ≥ the k-th largest (ties at the boundary survive, as in TopKLogitsWarper).
        if topK > 0 && topK < kept.count {
            var heap = MaxHeap(kept.map { (scaled[$0], $0) })
            var kth = -Double.infinity
            for _ in 0..<topK { if let top = heap.pop() { kth = top.0 } }
            kept = kept.filter { scaled[$0] >= kth }
        }
        // top-p: scanning from the most likely token, keep a token while the mass before it is below p
        // (TopPLogitsWarper removes ascending cumulative mass ≤ 1 − p; at least one token stays).
        if topP < 1 {
            let probabilities = Self.softmax(kept.map { scaled[$0] })
            var heap = MaxHeap(zip(probabilities, kept).map { ($0, $1) })
            var mass = 0.0
            var survivors: [Int] = []
            while let (probability, token) = heap.pop() {
                if !survivors.isEmpty && mass >= topP { break }
                survivors.append(token)
                mass += probability
            }
            kept = survivors.sorted()
        }
        // min-p: drop tokens less likely than min_p × the top probability (MinPLogitsWarper).
        if minP > 0 {
            let probabilities = Self.softmax(kept.map { scaled[$0] })
            let threshold = minP * (probabilities.max() ?? 0)
            kept = zip(kept, probabilities).filter { $0.1 >= threshold }.map(\.0)
        }
        return (kept, Self.softmax(kept.map { scaled[$0] }))
    }

    /// Index of the first largest value.
    static func argmax(_ values: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for i in 1..<values.count where values[i] > values[best] { best = i }
        return best
    }

    /// log softmax(values / T) at one index, in Double for accuracy over a large vocabulary.
    static func logSoftmax(_ values: UnsafeBufferPointer<Float>, at index: Int, temperature: Float) -> Float {
        logSoftmaxAndEntropy(values, at: index, temperature: temperature).logprob
    }

    /// log softmax(values / T) at `index` and the distribution's entropy H = log Z − Σ pᵢ·(sᵢ − m), with
    /// sᵢ = valuesᵢ / T, m = max sᵢ and Z = Σ exp(sᵢ − m): one extra product per entry in the same pass.
    static func logSoftmaxAndEntropy(_ values: UnsafeBufferPointer<Float>, at index: Int, temperature: Float)
        -> (logprob: Float, entropy: Float)
    {
        let t = Double(temperature)
        var maximum = -Double.infinity
        for v in values { maximum = Swift.max(maximum, Double(v) / t) }
        var total = 0.0, weighted = 0.0
        for v in values {
            let shifted = Double(v) / t - maximum
            let e = exp(shifted)
            total += e
            weighted += e * shifted
        }
        let logZ = log(total)
        return (Float(Double(values[index]) / t - maximum - logZ), Float(logZ - weighted / total))
    }

    static func softmax(_ values: [Double]) -> [Double] {
        let maximum = values.max() ?? 0
        let exps = values.map { exp($0 - maximum) }
        let total = exps.reduce(0, +)
        return exps.map { $0 / total }
    }
}

/// A binary max-heap on (key, token), ties broken towards the smaller token id; built in O(n), so taking the few
/// largest of 262,144 logits never sorts the whole vocabulary.
struct MaxHeap {
    private var items: [(Double, Int)]

    init(_ items: [(Double, Int)]) {
        self.items = items
        var i = items.count / 2 - 1
        while i >= 0 { siftDown(i); i -= 1 }
    }

    private func above(_ a: (Double, Int), _ b: (Double, Int)) -> Bool { a.0 > b.0 || (a.0 == b.0 && a.1 < b.1) }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let left = 2 * i + 1, right = left + 1
            var largest = i
            if left < items.count && above(items[left], items[largest]) { largest = left }
            if right < items.count && above(items[right], items[largest]) { largest = right }
            if largest == i { return }
            items.swapAt(i, largest)
            i = largest
        }
    }

    mutating func pop() -> (Double, Int)? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            siftDown(0)
        }
        return first
    }
}
