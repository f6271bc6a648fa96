import Foundation
import Testing
import TinyTune
import TinyTunePlugins

/// A test adapter whose own backward is trivial: y += b for every wrapped layer, so ∂L/∂b is the column sum of
/// ∂L/∂y and the test checks the decoder's backward through every layer against PyTorch autograd
/// (scripts/reference/make_backward_fixtures.py).
final class BiasAdapter: AttachedAdapter, @unchecked Sendable {
    let biases: [String: Parameter]
    var parameters: [Parameter] { modules.compactMap { biases[$0] } }
    let modules: [String]

    init(_ values: [String: [Float]]) {
        modules = values.keys.sorted()
        biases = values.mapValues { Parameter(name: "bias", value: Tensor($0, shape: [$0.count])) }
    }

    func adjust(module: String, input: Tensor, output: inout Tensor) {
        guard let bias = biases[module] else { return }
        let width = output.shape[1], rows = output.shape[0]
        output.withMutableBaseAddress { out in
            bias.value.withBaseAddress { b in
                for r in 0..<rows { Kernels.addInPlace(out + r * width, b, count: width) }
            }
        }
    }

    func backward(module: String, input: Tensor, outputGradient: Tensor) -> Tensor? {
        guard let bias = biases[module] else { return nil }
        let width = outputGradient.shape[1]
        outputGradient.withBaseAddress { dy in
            bias.gradient.withMutableBaseAddress { g in
                for r in 0..<outputGradient.shape[0] { Kernels.addInPlace(g, dy + r * width, count: width) }
            }
        }
        return nil
    }
}

@Suite struct BackwardTests {
    struct Reference: Decodable {
        struct Case: Decodable {
            let model: String
            let sequences: [[Int]]
            let scored: [[Int]]
            let coefficients: [[Float]]
            let temperature: Float
            let logprobs: [[Double]]
            let biases: [String: [Float]]
            let gradients: [String: [Double]]
        }
        let cases: [Case]
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Both backward paths: the head softmax kept from the forward (default) and recomputed (nothing kept).
    @Test(arguments: [TrainingPass.defaultKeptProbabilityBytes, 0])
    func gradientsMatchPyTorchAutograd(keptProbabilityBytes: Int) throws {
        let url = try #require(Bundle.module.url(forResource: "backward_reference", withExtension: "json", subdirectory: "Fixtures"))
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        #expect(reference.cases.map(\.model) == ["tiny_llama", "tiny_gemma3"])
        for c in reference.cases {
            let folder = Self.root.appendingPathComponent("Tests/TinyTuneLoadersTests/Fixtures/\(c.model)").path
            let model = try DecoderModel(checkpoint: CheckpointWeights(path: folder))
            let adapter = BiasAdapter(c.biases)
            #expect(adapter.modules.count == model.linearModules.count)
            let pass = try TrainingPass(model: model, sequences: c.sequences, scoredPositions: c.scored,
                                        adapter: adapter, temperature: c.temperature,
                                        keptProbabilityBytes: keptProbabilityBytes)
            for (got, want) in zip(pass.logprobs.flatMap { $0 }, c.logprobs.flatMap { $0 }) {
                #expect(abs(Double(got) - want) <= 2e-5 * max(1, abs(want)), "\(c.model) logp \(got) vs \(want)")
            }
            try pass.backward(logprobGradients: c.coefficients)
            // Errors relative to the largest gradient of the model: f32 sums of gradients up to O(100) leave
            // absolute noise O(1e-5) on the small components.
            let scale = c.gradients.values.flatMap { $0 }.map(abs).max() ?? 1
            var worst = 0.0
            for (module, expected) in c.gradients {
                let got = try #require(adapter.biases[module]).gradient.array
                #expect(got.count == expected.count)
                for (a, b) in zip(got, expected) { worst = max(worst, abs(Double(a) - b) / scale) }
            }
            print("\(c.model): largest gradient difference from PyTorch, relative to the largest gradient (\(scale)): \(worst)")
            #expect(worst < 1e-5)
        }
    }

    @Test func trainingForwardScoresLikeInference() throws {
        let folder = Self.root.appendingPathComponent("Tests/TinyTuneLoadersTests/Fixtures/tiny_gemma3").path
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: folder))
        let ids = [1, 4, 2, 8, 5, 7, 3, 9, 0]
        let pass = try TrainingPass(model: model, sequences: [ids], scoredPositions: [Array(0..<(ids.count - 1))], adapter: nil)
        let logits = try model.forward([(ids, model.makeCache())], logits: .all)[0]
        for t in 0..<(ids.count - 1) {
            let row = logits.row(t).array
            let maximum = row.max() ?? 0
            let lse = Double(maximum) + log(row.reduce(0.0) { $0 + exp(Double($1 - maximum)) })
            #expect(abs(Double(pass.logprobs[0][t]) - (Double(row[ids[t + 1]]) - lse)) <= 1e-5)
        }
    }
}
