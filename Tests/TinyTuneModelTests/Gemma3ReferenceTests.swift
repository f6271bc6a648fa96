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
            /// Best minus second-best raw logit at each greedy step (how close a tie transformers broke).
            let greedy_margins: [Double]
            /// The last position of prompt + greedy tokens (all but the last).
            let final: Position
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

    /// Greedy decoding through the KV cache equals transformers' `generate` token for token (48 new tokens on each
    /// of 4 prompts, EOS not special), and the logits at the end of the generated text still agree. The prompts
    /// decode together, one batched forward per step (as group decoding runs). On a disagreement the message gives
    /// the step and transformers' margin there, to tell a near-tie from a bug.
    @Test func greedyGenerationMatchesTransformers() throws {
        let model = try Self.model.get()
        let reference = try Self.reference.get()
        let cases = reference.cases
        #expect(cases.count >= 3)
        for c in cases { #expect(c.greedy.count >= 40 && c.greedy_margins.count == c.greedy.count) }
        let caches = cases.map { _ in model.makeCache() }
        var rows = try model.forward(zip(cases, caches).map { ($0.ids, $1) }, logits: .last)
        var active = Array(cases.indices)
        var worst = 0.0, checked = 0
        for step in 0..<(cases.map(\.greedy.count).max() ?? 0) {
            var next: [Int] = []
            for (slot, i) in active.enumerated() {
                let row = rows[slot].array
                let token = row.indices.max(by: { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }) ?? 0
                let c = cases[i]
                if token != c.greedy[step] {
                    Issue.record("\(c.prompt): step \(step) gave \(token), transformers \(c.greedy[step]) (its margin \(c.greedy_margins[step]))")
                } else if step + 1 == c.greedy.count {
                    // This row follows prompt + greedy[..<last]: the reference's `final`.
                    checked += 1
                    for (id, want) in zip(c.final.top_ids + reference.probe_ids, c.final.top_logits + c.final.probe_logits) {
                        worst = max(worst, abs(Double(row[id]) - want))
                    }
                } else {
                    next.append(token)
                    continue
                }
                next.append(-1)  // finished or diverged
            }
            let survivors = active.indices.filter { next[$0] >= 0 }.map { (index: active[$0], token: next[$0]) }
            active = survivors.map(\.index)
            if active.isEmpty { break }
            rows = try model.forward(survivors.map { ([$0.token], caches[$0.index]) }, logits: .last)
        }
        #expect(checked == cases.count, "every case reaches its last greedy token")
        print("Gemma 3 270M: largest logit difference after 48 greedy tokens: \(worst)")
        #expect(worst < 2e-3)
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
