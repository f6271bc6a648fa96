import Foundation
import Testing
import TinyTune
import TinyTuneLoaders
import TinyTunePlugins

/// Tiny random Qwen2 (tied and untied, q/k/v bias), Llama (llama3 RoPE scaling) and Gemma 3 (sliding and full
/// layers, window 5, query_pre_attn_scalar ≠ head_dim) checkpoints made by transformers
/// (`scripts/reference/make_tiny_model_fixtures.py`), loaded from their Hugging Face folders and compared with
/// transformers' fp32 logits at every position and its greedy generations.
///
/// Tolerance: per row, max |ours − transformers| ≤ 1e-5 · max(1, max |transformers|) plus the fixture's rounding
/// (5 decimals); measured worst relative differences are printed.
@Suite struct TinyModelReferenceTests {
    struct Reference: Decodable {
        struct Case: Decodable {
            let ids: [Int]
            let logits: [[Double]]
            let greedy: [Int]
        }
        let model: String
        let eos: Int
        let cases: [Case]
    }

    static let names = ["qwen2_tied", "qwen2_untied", "llama3", "gemma3"]

    static func folder(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: "tiny_models", withExtension: nil, subdirectory: "Fixtures") else {
            throw TinyTuneError.io(path: "Fixtures/tiny_models", reason: "fixture folder missing")
        }
        return url.appendingPathComponent(name).path
    }

    static func load(_ name: String) throws -> (DecoderModel, Reference) {
        let path = try folder(name)
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: path))
        let data = try Data(contentsOf: URL(fileURLWithPath: path).appendingPathComponent("reference.json"))
        return (model, try JSONDecoder().decode(Reference.self, from: data))
    }

    /// Largest |a − b| / max(1, max |b|) over the row.
    static func relativeDifference(_ ours: [Float], _ reference: [Double]) -> Double {
        let scale = max(1, reference.map(abs).max() ?? 0)
        return zip(ours, reference).map { abs(Double($0) - $1) }.max().map { $0 / scale } ?? .infinity
    }

    @Test(arguments: names) func logitsMatchTransformers(name: String) throws {
        let (model, reference) = try Self.load(name)
        var worst = 0.0
        for c in reference.cases {
            let logits = try model.forward([(c.ids, model.makeCache())], logits: .all)[0]
            try #require(logits.shape == [c.ids.count, model.spec.shape.vocabularySize])
            for (t, want) in c.logits.enumerated() {
                worst = max(worst, Self.relativeDifference(logits.row(t).array, want))
            }
        }
        print("\(name): worst relative logit difference from transformers (fp32): \(worst)")
        #expect(worst < 2e-5, "\(name)")
    }

    /// Prefill then decode one token at a time against the cache: the same logits as the full forward.
    @Test(arguments: names) func decodingTokenByTokenMatchesTransformers(name: String) throws {
        let (model, reference) = try Self.load(name)
        let c = reference.cases[reference.cases.count - 1]
        let cache = model.makeCache(capacity: 2)  // grows on the way
        var worst = 0.0
        for (t, id) in c.ids.enumerated() {
            let row = try model.forward([([id], cache)], logits: .last)[0]
            worst = max(worst, Self.relativeDifference(row.array, c.logits[t]))
        }
        #expect(worst < 2e-5, "\(name): \(worst)")
    }

    @Test(arguments: names) func greedyDecodingMatchesTransformers(name: String) throws {
        let (model, reference) = try Self.load(name)
        for c in reference.cases {
            let cache = model.makeCache()
            var logits = try model.forward([(c.ids, cache)], logits: .last)[0].array
            var generated: [Int] = []
            for _ in c.greedy {
                let next = logits.indices.max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) } ?? 0
                generated.append(next)
                logits = try model.forward([([next], cache)], logits: .last)[0].array
            }
            #expect(generated == c.greedy, "\(name) \(c.ids)")
        }
    }
}
