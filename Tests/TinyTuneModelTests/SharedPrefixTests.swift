import Foundation
import Testing
import TinyTune
import TinyTunePlugins

/// A GRPO group (one prompt, several completions) runs its prompt rows once in `TrainingPass`; these tests check
/// that this changes nothing but the cost: log-probabilities and every gradient equal those of running each
/// sequence whole, the path `BackwardTests` checks against PyTorch autograd.
@Suite struct SharedPrefixTests {
    /// Three completions of one 9-token prompt (longer than tiny Gemma 3's sliding window of 5, so the window
    /// crosses from a completion into the shared prompt), two of another prompt, and one sequence alone.
    static func batch(vocabulary: Int) -> (sequences: [[Int]], scored: [[Int]]) {
        var rng = SeededGenerator(seed: 7)
        func tokens(_ n: Int) -> [Int] { (0..<n).map { _ in rng.int(in: 0..<vocabulary) } }
        let first = tokens(9), second = tokens(4)
        let sequences = [first + tokens(3), first + tokens(1), first + tokens(5), second + tokens(2), second + tokens(6),
                         tokens(8)]
        let scored = sequences.enumerated().map { i, s in Array((i == 5 ? 3 : (i < 3 ? 8 : 3))..<(s.count - 1)) }
        return (sequences, scored)
    }

    @Test(arguments: ["tiny_llama", "tiny_gemma3"])
    func sharedPrefixesGiveTheSameLogprobsAndGradients(model name: String) throws {
        let folder = BackwardTests.root.appendingPathComponent("Tests/TinyTuneLoadersTests/Fixtures/\(name)").path
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: folder))
        let (sequences, scored) = Self.batch(vocabulary: model.spec.shape.vocabularySize)
        var rng = SeededGenerator(seed: 11)
        var biases: [String: [Float]] = [:]
        for module in model.linearModules {
            biases[module.name] = (0..<module.outFeatures).map { _ in 0.1 * rng.nextNormal() }
        }
        let coefficients: [[Float]] = scored.map { $0.map { _ in rng.nextNormal() } }

        func run(sharing: Bool) throws -> (pass: TrainingPass, gradients: [String: [Float]]) {
            let adapter = BiasAdapter(biases)
            let pass = try TrainingPass(model: model, sequences: sequences, scoredPositions: scored, adapter: adapter,
                                        temperature: 0.7, sharePrefixes: sharing)
            try pass.backward(logprobGradients: coefficients)
            return (pass, adapter.biases.mapValues { $0.gradient.array })
        }
        let whole = try run(sharing: false), shared = try run(sharing: true)
        // The first prompt's 8 rows and the second's 3 run once instead of 3 and 2 times.
        #expect(whole.pass.rowCount == sequences.reduce(0) { $0 + $1.count })
        #expect(shared.pass.rowCount == whole.pass.rowCount - 2 * 8 - 1 * 3)
        let sharedLogprobs = shared.pass.logprobs.flatMap { $0 }, wholeLogprobs = whole.pass.logprobs.flatMap { $0 }
        #expect(sharedLogprobs.count == wholeLogprobs.count)
        for (a, b) in zip(sharedLogprobs, wholeLogprobs) {
            #expect(abs(a - b) <= 2e-6 * max(1, abs(b)), "\(name) logp \(a) vs \(b)")
        }
        let scale = whole.gradients.values.flatMap { $0 }.map { abs($0) }.max() ?? 1
        var worst: Float = 0
        for (module, expected) in whole.gradients {
            for (a, b) in zip(try #require(shared.gradients[module]), expected) { worst = max(worst, abs(a - b) / scale) }
        }
        print("\(name): shared-prefix gradients vs whole sequences, largest difference relative to \(scale): \(worst)")
        #expect(worst < 2e-6)
    }
}
