import Foundation

/// Generates completions of a prompt with a `DecoderModel`: one prefill, then one batched `forward` per step for
/// all samples still running. G samples of one prompt (group decoding, GRPO's `num_generations`) share the
/// prompt's prefill through `KVCache.fork()` and are decoded together.
///
/// Each sample draws from its own `SeededGenerator`, seeded by `Generator.sampleSeed(seed, index)`, so sample i
/// of a group equals a lone run with that seed (up to the rounding of batched products), and a seed gives the
/// same completions on every machine. Temperature 0 is greedy.
///
/// A sample stops at an EOS id (kept as its last id, left out of the text), when its text contains a stop string
/// (the text is cut before it; the ids keep the token that completed it), or after `maxTokens` ids.
///
///     let generator = Generator(model: model, sampler: Sampler(temperature: 0.7, topP: 0.95),
///                               maxTokens: 64, eosIDs: [1], stop: ["\n\n"], decode: { try tokenizer.decode($0) })
///     let completions = try generator.generate(prompt: ids, samples: 8, seed: 42)
///     completions[0].text, completions[0].ids, completions[0].logprobs
public struct Generator: Sendable {
    public let model: DecoderModel
    public var sampler: Sampler
    public var maxTokens: Int
    public var eosIDs: Set<Int>
    public var stop: [String]
    /// Ids → text (a tokenizer's `decode`); needed for `text`, stop strings and streaming. Without it the text
    /// stays empty and stop strings are refused.
    public var decode: (@Sendable ([Int]) throws -> String)?
    /// Where adapters change the linear layers; nil runs the bare model.
    public var hook: (any LinearHook)?

    /// Why a sample stopped.
    public enum FinishReason: String, Sendable, Equatable {
        case eos, stop, length
    }

    /// One sample: the new ids, their text, log softmax(logits / T) of each id (see `Sampler`) and the entropy of
    /// the distribution each id was drawn from.
    public struct Completion: Sendable, Equatable {
        public var ids: [Int]
        public var text: String
        public var logprobs: [Float]
        public var finishReason: FinishReason
        public var entropies: [Float]

        public init(ids: [Int], text: String, logprobs: [Float], finishReason: FinishReason, entropies: [Float] = []) {
            self.ids = ids
            self.text = text
            self.logprobs = logprobs
            self.finishReason = finishReason
            self.entropies = entropies
        }
    }

    public enum GeneratorError: Error, CustomStringConvertible, Equatable {
        case emptyPrompt
        case stopStringsNeedDecode
        case noSamples

        public var description: String {
            switch self {
            case .emptyPrompt: return "the prompt has no tokens (generation needs at least one, e.g. BOS)"
            case .stopStringsNeedDecode: return "stop strings need a decode function to turn ids into text"
            case .noSamples: return "asked for 0 samples; give at least one seed"
            }
        }
    }

    public init(model: DecoderModel, sampler: Sampler, maxTokens: Int, eosIDs: Set<Int> = [], stop: [String] = [],
                decode: (@Sendable ([Int]) throws -> String)? = nil, hook: (any LinearHook)? = nil)
    {
        self.model = model
        self.sampler = sampler
        self.maxTokens = max(0, maxTokens)
        self.eosIDs = eosIDs
        self.stop = stop.filter { !$0.isEmpty }
        self.decode = decode
        self.hook = hook
    }

    /// The seed of sample `index` in a group generated with `seed`: a SplitMix64-style hash, so neighbouring
    /// samples and neighbouring seeds give unrelated streams.
    public static func sampleSeed(_ seed: UInt64, _ index: Int) -> UInt64 {
        var child = SeededGenerator(seed: seed).split(stream: UInt64(index))
        return child.next()
    }

    /// `samples` completions of one prompt from one prefill, with seeds `sampleSeed(seed, 0..<samples)`.
    /// `onText(sample, piece)` receives each sample's text as it grows (for streaming).
    public func generate(prompt: [Int], samples: Int = 1, seed: UInt64 = 0,
                         onText: ((_ sample: Int, _ piece: String) -> Void)? = nil) throws -> [Completion]
    {
        try generate(prompt: prompt, seeds: (0..<samples).map { Self.sampleSeed(seed, $0) }, onText: onText)
    }

    /// One completion per seed, all from one prefill of `prompt` and decoded together.
    public func generate(prompt: [Int], seeds: [UInt64],
                         onText: ((_ sample: Int, _ piece: String) -> Void)? = nil) throws -> [Completion]
    {
        guard !prompt.isEmpty else { throw GeneratorError.emptyPrompt }
        guard !seeds.isEmpty else { throw GeneratorError.noSamples }
        guard stop.isEmpty || decode != nil else { throw GeneratorError.stopStringsNeedDecode }
        guard maxTokens > 0 else {
            return seeds.map { _ in Completion(ids: [], text: "", logprobs: [], finishReason: .length) }
        }

        // Prefill once; every sample starts from the same last-position logits and a copy of the cache (the forks
        // are all made here, before sample 0 writes to the original).
        let first = model.makeCache(capacity: prompt.count + maxTokens + 1)
        let prefill = try model.forward([(prompt, first)], logits: .last, hook: hook)[0]
        var states = try seeds.indices.map { i in
            try SampleState(cache: i == 0 ? first : first.fork(), generator: SeededGenerator(seed: seeds[i]),
                            logits: prefill, stop: stop, decode: decode)
        }
        var running = Array(states.indices)
        while !running.isEmpty {
            for i in running {
                let (token, logprob, entropy) = states[i].logits.withUnsafeBufferPointer { row in
                    sampler.sampleWithEntropy(row, generator: &states[i].generator)
                }
                states[i].entropies.append(entropy)
                try states[i].append(token, logprob: logprob, eosIDs: eosIDs, maxTokens: maxTokens)
                if let onText, let piece = states[i].takeStreamable() { onText(i, piece) }
            }
            running.removeAll { states[$0].finish != nil }
            guard !running.isEmpty else { break }
            // One forward for every running sample: its last id after its own cache.
            let rows = try model.forward(running.map { ([states[$0].ids[states[$0].ids.count - 1]], states[$0].cache) },
                                         logits: .last, hook: hook)
            for (i, row) in zip(running, rows) { states[i].logits = row }
        }
        return states.map { $0.completion }
    }
}

/// The state of one sample while it decodes.
private struct SampleState {
    let cache: KVCache
    var generator: SeededGenerator
    var logits: Tensor
    var ids: [Int] = []
    var logprobs: [Float] = []
    var entropies: [Float] = []
    var text = ""
    var finish: Generator.FinishReason?
    /// Characters of `text` already handed to the streaming callback.
    var streamed = 0
    let stop: [String]
    let decode: (@Sendable ([Int]) throws -> String)?
    /// Text that could still be the start of a stop string is held back from streaming.
    let holdBack: Int

    init(cache: KVCache, generator: SeededGenerator, logits: Tensor, stop: [String],
         decode: (@Sendable ([Int]) throws -> String)?) throws
    {
        self.cache = cache
        self.generator = generator
        self.logits = logits
        self.stop = stop
        self.decode = decode
        holdBack = max(0, (stop.map(\.count).max() ?? 0) - 1)
    }

    var completion: Generator.Completion {
        Generator.Completion(ids: ids, text: text, logprobs: logprobs, finishReason: finish ?? .length, entropies: entropies)
    }

    mutating func append(_ token: Int, logprob: Float, eosIDs: Set<Int>, maxTokens: Int) throws {
        ids.append(token)
        logprobs.append(logprob)
        if eosIDs.contains(token) {
            finish = .eos
            return
        }
        if let decode {
            text = try decode(ids)
            // Only a stop string that ends in the newest token's text can be new; searching the whole text is
            // simpler and the texts are short.
            if let cut = stop.compactMap({ text.range(of: $0)?.lowerBound }).min() {
                text = String(text[..<cut])
                finish = .stop
                return
            }
        }
        if ids.count >= maxTokens { finish = .length }
    }

    /// The text not yet streamed: all of it once finished, else all but what could start a stop string or be
    /// an incomplete UTF-8 character (a trailing U+FFFD).
    mutating func takeStreamable() -> String? {
        var end = text.count
        if finish == nil {
            end -= holdBack
            if text.last == "\u{FFFD}" { end -= 1 }
        }
        guard end > streamed else { return nil }
        let start = text.index(text.startIndex, offsetBy: streamed)
        let piece = String(text[start..<text.index(text.startIndex, offsetBy: end)])
        streamed = end
        return piece
    }
}
