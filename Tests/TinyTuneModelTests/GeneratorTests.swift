import Foundation
import Testing
import TinyTune
import TinyTuneLoaders
import TinyTunePlugins

/// `Generator` against transformers' greedy generations (tiny models and the real Gemma 3 270M), group decoding
/// against separate runs, and the stopping rules.
@Suite struct GeneratorTests {
    /// Stand-in detokenizer: id 52 → "<52>".
    static let bracketed: @Sendable ([Int]) throws -> String = { ids in ids.map { "<\($0)>" }.joined() }

    @Test(arguments: TinyModelReferenceTests.names) func greedyEqualsTransformers(name: String) throws {
        let (model, reference) = try TinyModelReferenceTests.load(name)
        for c in reference.cases {
            let generator = Generator(model: model, sampler: Sampler(temperature: 0), maxTokens: c.greedy.count)
            let completion = try generator.generate(prompt: c.ids)[0]
            #expect(completion.ids == c.greedy, "\(name) \(c.ids)")
            #expect(completion.finishReason == .length)
            #expect(completion.logprobs.count == c.greedy.count)
            #expect(completion.logprobs.allSatisfy { $0 <= 0 && $0.isFinite })
        }
    }

    @Test func greedyEqualsTransformersOnGemma3_270M() throws {
        let model = try Gemma3ReferenceTests.model.get()
        let reference = try Gemma3ReferenceTests.reference.get()
        for c in reference.cases {
            let generator = Generator(model: model, sampler: Sampler(temperature: 0), maxTokens: c.greedy.count,
                                      eosIDs: [1])
            let completion = try generator.generate(prompt: c.ids)[0]
            #expect(completion.ids == c.greedy, "\(c.prompt)")
        }
    }

    /// G samples decoded together from one prefill give what G lone runs give with the same per-sample seeds.
    @Test(arguments: ["gemma3", "qwen2_untied"]) func groupDecodingEqualsSeparateRuns(name: String) throws {
        let (model, reference) = try TinyModelReferenceTests.load(name)
        let prompt = reference.cases[1].ids
        let generator = Generator(model: model, sampler: Sampler(temperature: 1.0, topK: 50, topP: 0.95),
                                  maxTokens: 10, eosIDs: [2], decode: Self.bracketed)
        var streamed = [String](repeating: "", count: 6)
        let group = try generator.generate(prompt: prompt, samples: 6, seed: 7) { streamed[$0] += $1 }
        #expect(group.count == 6)
        #expect(Set(group.map(\.ids)).count > 1, "different seeds should give different samples")
        for (i, sample) in group.enumerated() {
            let alone = try generator.generate(prompt: prompt, seeds: [Generator.sampleSeed(7, i)])[0]
            #expect(alone.ids == sample.ids, "sample \(i)")
            #expect(alone.finishReason == sample.finishReason)
            for (a, b) in zip(alone.logprobs, sample.logprobs) { #expect(abs(a - b) <= 1e-4) }
            #expect(streamed[i] == sample.text)
            #expect(sample.text == (try Self.bracketed(sample.finishReason == .eos ? sample.ids.dropLast() : sample.ids)))
        }
        // The same seed again gives the same group.
        #expect(try generator.generate(prompt: prompt, samples: 6, seed: 7) == group)
    }

    @Test func stopsAtEOSStopStringsAndMaxTokens() throws {
        let (model, reference) = try TinyModelReferenceTests.load("qwen2_tied")
        let c = reference.cases[0]  // greedy: 52, 237, 157, ...
        let greedy = Sampler(temperature: 0)

        let eos = try Generator(model: model, sampler: greedy, maxTokens: 12, eosIDs: [c.greedy[2]], decode: Self.bracketed)
            .generate(prompt: c.ids)[0]
        #expect(eos.ids == Array(c.greedy[..<3]))
        #expect(eos.text == (try Self.bracketed(Array(c.greedy[..<2]))))
        #expect(eos.finishReason == .eos)

        let stopText = "<\(c.greedy[2])>"
        var pieces: [String] = []
        let stopped = try Generator(model: model, sampler: greedy, maxTokens: 12, stop: [stopText], decode: Self.bracketed)
            .generate(prompt: c.ids) { pieces.append($1) }[0]
        #expect(stopped.ids == Array(c.greedy[..<3]))
        #expect(stopped.text == (try Self.bracketed(Array(c.greedy[..<2]))))
        #expect(stopped.finishReason == .stop)
        #expect(pieces.joined() == stopped.text)

        let short = try Generator(model: model, sampler: greedy, maxTokens: 4).generate(prompt: c.ids)[0]
        #expect(short.ids == Array(c.greedy[..<4]) && short.finishReason == .length && short.text.isEmpty)

        #expect(throws: Generator.GeneratorError.emptyPrompt) {
            try Generator(model: model, sampler: greedy, maxTokens: 4).generate(prompt: [])
        }
        #expect(throws: Generator.GeneratorError.stopStringsNeedDecode) {
            try Generator(model: model, sampler: greedy, maxTokens: 4, stop: ["x"]).generate(prompt: c.ids)
        }
    }
}
