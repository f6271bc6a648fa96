import Foundation
import Testing
@testable import TinyTune

/// Against transformers' logits warpers (scripts/reference/make_sampler_fixtures.py).
@Suite struct SamplerTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let row: Int
            let temperature: Double
            let top_k: Int
            let top_p: Double
            let min_p: Double
            let kept: [Int]
            let probabilities: [Double]
            let log_softmax: [Double]
            let entropy: Double
        }
        let rows: [[Float]]
        let cases: [Case]
    }

    static let fixture: Fixture? = {
        guard let url = Bundle.module.url(forResource: "sampler_reference", withExtension: "json", subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(Fixture.self, from: data)
    }()

    @Test func filteredDistributionsMatchTransformers() throws {
        let fixture = try #require(Self.fixture, "sampler_reference.json is missing or malformed")
        #expect(fixture.cases.count == 29)
        for c in fixture.cases {
            let sampler = Sampler(temperature: c.temperature, topK: c.top_k, topP: c.top_p, minP: c.min_p)
            let (tokens, probabilities) = fixture.rows[c.row].withUnsafeBufferPointer { sampler.filteredDistribution($0) }
            #expect(tokens == c.kept, "T=\(c.temperature) k=\(c.top_k) p=\(c.top_p) min_p=\(c.min_p)")
            guard tokens == c.kept else { continue }
            for (got, want) in zip(probabilities, c.probabilities) { #expect(abs(got - want) <= 1e-6) }
            for (token, want) in zip(c.kept.prefix(5), c.log_softmax) {
                let got = fixture.rows[c.row].withUnsafeBufferPointer {
                    Sampler.logSoftmax($0, at: token, temperature: Float(c.temperature))
                }
                #expect(abs(Double(got) - want) <= 1e-5)
            }
            // The entropy reported with each sampled token: the unfiltered distribution at temperature T.
            let entropy = fixture.rows[c.row].withUnsafeBufferPointer {
                Sampler.logSoftmaxAndEntropy($0, at: 0, temperature: Float(c.temperature)).entropy
            }
            #expect(abs(Double(entropy) - c.entropy) <= 1e-5 * max(1, c.entropy), "T=\(c.temperature)")
        }
    }

    @Test func samplingFollowsTheFilteredDistribution() throws {
        let fixture = try #require(Self.fixture)
        let c = fixture.cases[4]  // T = 0.8, top-k 50, top-p 0.95 on the first row
        let sampler = Sampler(temperature: c.temperature, topK: c.top_k, topP: c.top_p, minP: c.min_p)
        var generator = SeededGenerator(seed: 11)
        var counts: [Int: Int] = [:]
        let draws = 3_000
        fixture.rows[c.row].withUnsafeBufferPointer { logits in
            for _ in 0..<draws { counts[sampler.sample(logits, generator: &generator).token, default: 0] += 1 }
        }
        #expect(Set(counts.keys).isSubset(of: Set(c.kept)))
        // Each frequency within 5 standard errors of its probability.
        for (token, probability) in zip(c.kept, c.probabilities) {
            let frequency = Double(counts[token, default: 0]) / Double(draws)
            let standardError = (probability * (1 - probability) / Double(draws)).squareRoot()
            #expect(abs(frequency - probability) <= 5 * standardError + 1e-4, "token \(token)")
        }
    }

    @Test func sameSeedSameTokensAndGreedyIsArgmax() throws {
        let fixture = try #require(Self.fixture)
        let sampler = Sampler(temperature: 1.0, topK: 0, topP: 0.9)
        func run(seed: UInt64) -> [Int] {
            var generator = SeededGenerator(seed: seed)
            return fixture.rows[1].withUnsafeBufferPointer { logits in (0..<50).map { _ in sampler.sample(logits, generator: &generator).token } }
        }
        #expect(run(seed: 3) == run(seed: 3))
        #expect(run(seed: 3) != run(seed: 4))

        var generator = SeededGenerator(seed: 0)
        let ties: [Float] = [0, 2, 5, 5, 1]
        let (token, logprob) = ties.withUnsafeBufferPointer { Sampler(temperature: 0).sample($0, generator: &generator) }
        #expect(token == 2)  // the first of two equal maxima, as torch.argmax
        let expected = 5 - log(exp(0.0) + exp(2.0) + 2 * exp(5.0) + exp(1.0))
        #expect(abs(Double(logprob) - expected) < 1e-6)
    }
}
