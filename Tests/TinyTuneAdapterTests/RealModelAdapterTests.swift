// TinyLoRA on the real Gemma 3 270M (models/gemma-3-270m-q4_k_m.gguf, linked by scripts/install-deps.sh): SVD
// initialization of all 126 modules cold and from the disk cache, with the paper's 13 parameters.

import Foundation
import Testing
import TinyTune
import TinyTunePlugins
import TinyTuneLoaders

@Suite struct RealModelAdapterTests {
    @Test func tinyLoRAInitializesFromTheCacheWithThirteenParameters() throws {
        let path = packageRoot.appendingPathComponent("models/gemma-3-270m-q4_k_m.gguf").path
        try #require(FileManager.default.fileExists(atPath: path), "run scripts/install-deps.sh to link the model")
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: path))
        let directory = try temporaryDirectory("svd-real")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let family = try adapterFamily(["type": "tinylora", "r": 2, "u": 13, "weight_tying": 1.0, "init_weights": "uniform",
                                        "svd_cache_dir": .string(directory)])
        let clock = ContinuousClock()
        var cold: (any AttachedAdapter)?
        let coldTime = try clock.measure { cold = try family.attach(to: model) }
        var cached: (any AttachedAdapter)?
        let cachedTime = try clock.measure { cached = try family.attach(to: model) }
        print("TinyLoRA init on Gemma 3 270M (126 modules, r = 2): cold \(coldTime), cached \(cachedTime)")
        let first = try #require(cold), second = try #require(cached)
        #expect(first.parameters.reduce(0) { $0 + $1.value.count } == 13)
        #expect(first.modules.count == 126)
        // Randomized top-2 (the cache's sketch settings) against LAPACK's exact SVD on layer 0's real weights.
        for linear in model.linearLayers.prefix(7) {
            let w = linear.weight.dense()
            let exact = try svd(w, rank: 2)
            let cache = SVDCache(directory: nil)
            let fast = try cache.truncatedSVD(w, rank: 2, method: .randomized, seed: 0)
            expectClose(Tensor(fast.s, shape: [2]), Tensor(exact.s, shape: [2]), tolerance: 1e-4, "σ of \(linear.name)")
            expectClose(fast.reconstructed(), exact.reconstructed(), tolerance: 5e-3, "rank-2 part of \(linear.name)")
        }
        let ids = [2, 818, 5279, 1018]
        #expect(try model.forward([(ids, model.makeCache())], hook: first) == model.forward([(ids, model.makeCache())], hook: second))
    }
}
