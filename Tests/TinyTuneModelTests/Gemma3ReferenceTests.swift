import Foundation
import Testing
import TinyTune
import TinyTuneLoaders
import TinyTunePlugins

/// The real Gemma 3 270M GGUF against transformers in float32 on the same file
/// (scripts/reference/make_gemma3_reference.py): logits at every position and greedy generation.
@Suite(.serialized) struct Gemma3ReferenceTests {
    struct Reference: Decodable {
        struct Position: Decodable {
            let top_ids: [Int]
            let top_logits: [Double]
            let probe_logits: [Double]
            let logsumexp: Double
        }
        struct Case: Decodable {
            let prompt: String
            let ids: [Int]
            let positions: [Position]
            let greedy: [Int]
        }
        let probe_ids: [Int]
        let cases: [Case]
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Loading takes a few seconds, so the suite shares one model.
    static let model: Result<DecoderModel, any Error> = Result {
        let path = repositoryRoot.appendingPathComponent("models/gemma-3-270m-q4_k_m.gguf").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw TinyTuneError.io(path: path, reason: "the real model is missing: run `bash scripts/install-deps.sh`")
        }
        return try DecoderModel(checkpoint: CheckpointWeights(path: path))
    }

    static let reference: Result<Reference, any Error> = Result {
        guard let url = Bundle.module.url(forResource: "gemma3_270m_reference", withExtension: "json", subdirectory: "Fixtures") else {
            throw TinyTuneError.io(path: "gemma3_270m_reference.json", reason: "fixture missing")
        }
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    @Test func logitsMatchTransformers() throws {
        let model = try Self.model.get()
        let reference = try Self.reference.get()
        var worst = 0.0
        for c in reference.cases {
            let logits = try model.forward([(c.ids, model.makeCache())], logits: .all)[0]
            #expect(logits.shape == [c.ids.count, 262_144])
            for (t, position) in c.positions.enumerated() {
                let row = logits.row(t).array
                // The most likely token agrees, and every compared logit is within 2e-3 (logits are O(10)).
                #expect(row.indices.max(by: { row[$0] < row[$1] }) == position.top_ids[0], "\(c.prompt) position \(t)")
                for (id, want) in zip(position.top_ids + reference.probe_ids, position.top_logits + position.probe_logits) {
                    worst = max(worst, abs(Double(row[id]) - want))
                }
                let maximum = Double(row.max() ?? 0)
                let logsumexp = maximum + log(row.reduce(0.0) { $0 + exp(Double($1) - maximum) })
                worst = max(worst, abs(logsumexp - position.logsumexp))
            }
        }
        print("Gemma 3 270M: largest logit difference from transformers (fp32): \(worst)")
        #expect(worst < 2e-3)
    }

    @Test func greedyGenerationMatchesTransformers() throws {
        let model = try Self.model.get()
        let reference = try Self.reference.get()
        for c in reference.cases {
            let cache = model.makeCache()
            var logits = try model.forward([(c.ids, cache)], logits: .last)[0]
            var generated: [Int] = []
            for _ in 0..<c.greedy.count {
                let row = logits.array
                let next = row.indices.max(by: { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }) ?? 0
                generated.append(next)
                if next == 1 { break }  // EOS
                logits = try model.forward([([next], cache)], logits: .last)[0]
            }
            #expect(generated == c.greedy, "\(c.prompt)")
        }
    }

    @Test func batchedSequencesEqualSeparateOnes() throws {
        let model = try Self.model.get()
        let reference = try Self.reference.get()
        let a = reference.cases[0].ids, b = reference.cases[1].ids
        let together = try model.forward([(a, model.makeCache()), (b, model.makeCache())], logits: .last)
        let alone = try model.forward([(b, model.makeCache())], logits: .last)[0]
        for (x, y) in zip(together[1].array, alone.array) { #expect(abs(x - y) <= 1e-4) }
        // A forked cache continues exactly like the original.
        let cache = model.makeCache()
        _ = try model.forward([(a, cache)], logits: .none)
        let fork = cache.fork()
        let first = try model.forward([([42], cache)], logits: .last)[0]
        let second = try model.forward([([42], fork)], logits: .last)[0]
        #expect(first.array == second.array)
    }
}
