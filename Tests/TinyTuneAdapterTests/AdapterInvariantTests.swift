// Invariants of every family attached to the tiny llama and Gemma 3 checkpoints: a fresh adapter leaves the logits
// unchanged (B = 0, λ_b = 0, R = 0, v = 0); with non-zero values the hook and the merged weights give the same
// logits and unmerging restores the base; the trainable count equals the plan; bf16 storage rounds; the SVD cache
// is written once and gives the same factors.

import Foundation
import Testing
import TinyTune
import TinyTunePlugins
import TinyTuneLoaders

private let ids = [1, 4, 2, 7, 3]

private func logits(_ model: DecoderModel, hook: (any LinearHook)? = nil) throws -> Tensor {
    try model.forward([(ids, model.makeCache())], logits: .all, hook: hook)[0]
}

/// Every trainable value replaced by a seeded N(0, 0.3²) draw.
private func randomize(_ adapter: any AttachedAdapter, seed: UInt64 = 9) {
    var generator = SeededGenerator(seed: seed)
    for p in adapter.parameters { generator.fillNormal(&p.value, std: 0.3) }
}

@Suite struct AdapterInvariantTests {
    static let families: [JSONValue] = [
        ["type": "lora", "r": 2, "lora_alpha": 4],
        ["type": "lora", "r": 2, "init_lora_weights": "gaussian", "use_rslora": true, "target_modules": ["q_proj", "v_proj"]],
        ["type": "vera", "r": 4],
        ["type": "loraxs", "r": 2, "svd_cache_dir": .string(testSVDCache)],
        ["type": "tinylora", "r": 2, "u": 3, "weight_tying": 0.5, "svd_method": "exact", "svd_cache_dir": .string(testSVDCache)],
        ["type": "tinylora", "r": 2, "u": 13, "weight_tying": 1.0, "sigma_placement": "split", "svd_cache_dir": .string(testSVDCache)],
    ]

    @Test(arguments: families, ["tiny_llama", "tiny_gemma3"])
    func freshAdapterLeavesLogitsAndMergingRoundTrips(options: JSONValue, modelName: String) throws {
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: tinyModelPath(modelName)))
        let family = try adapterFamily(options)
        let adapter = try #require(try family.attach(to: model) as? AttachedAdapterLayers)
        let base = try logits(model)
        #expect(relativeError(try logits(model, hook: adapter), base) == 0, "a fresh adapter changes nothing")

        // The trainable count equals the plan.
        let targeted = model.linearModules.filter { family.targetModules.matches($0.name) }
        #expect(adapter.parameters.reduce(0) { $0 + $1.value.count } == family.trainableParameterCount(for: targeted))
        #expect(adapter.modules == targeted.map(\.name))

        randomize(adapter)
        let hooked = try logits(model, hook: adapter)
        #expect(relativeError(hooked, base) > 1e-4, "non-zero values change the logits")
        let merged = try adapter.merged(into: model)
        expectClose(try logits(merged), hooked, tolerance: 1e-4, "merged equals unmerged")
        expectClose(try logits(adapter.unmerged(from: merged)), base, tolerance: 1e-4, "unmerge restores the base")
    }

    @Test func bfloat16StorageRoundsTrainableValues() throws {
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: tinyModelPath("tiny_llama")))
        let adapter = try #require(try adapterFamily(["type": "lora", "r": 2, "parameter_dtype": "bfloat16"])
            .attach(to: model) as? AttachedAdapterLayers)
        for p in adapter.parameters {
            #expect(p.value.array.allSatisfy { HalfPrecision.bf16ToFloat(HalfPrecision.floatToBF16($0)) == $0 })
        }
        let v = try #require(adapter.parameters.first)
        v.value = Tensor(filled: 1.00390625 + 0.001, shape: v.value.shape)  // between two bf16 values
        adapter.storeParameters()
        #expect(v.value.array.allSatisfy { $0 == 1.0078125 })
    }

    @Test func svdCacheIsWrittenOnceAndGivesTheSameFactors() throws {
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: tinyModelPath("tiny_llama")))
        let directory = try temporaryDirectory("svd")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let options: JSONValue = ["type": "tinylora", "u": 2, "init_weights": "uniform", "svd_cache_dir": .string(directory)]
        let first = try adapterFamily(options).attach(to: model)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(files.count == model.linearModules.count)
        let second = try adapterFamily(options).attach(to: model)
        #expect(try logits(model, hook: first) == logits(model, hook: second))
        // Randomized top-r agrees with the exact SVD on the adapter's output.
        let exact = try adapterFamily(["type": "tinylora", "u": 2, "init_weights": "uniform", "svd_method": "exact",
                                       "svd_cache_dir": .string(directory)]).attach(to: model)
        expectClose(try logits(model, hook: exact), try logits(model, hook: first), tolerance: 1e-3, "randomized vs exact")
    }

    @Test func dropoutOnlyInTrainingAndItsMaskReachesTheBackward() throws {
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: tinyModelPath("tiny_llama")))
        let adapter = try #require(try adapterFamily(["type": "lora", "r": 2, "lora_dropout": 0.5, "target_modules": ["q_proj"]])
            .attach(to: model) as? AttachedAdapterLayers)
        randomize(adapter)
        let module = "model.layers.0.self_attn.q_proj"
        var x = Tensor(zeros: [4, 8])
        var generator = SeededGenerator(seed: 3)
        generator.fillNormal(&x)
        var eval = Tensor(zeros: [4, 8]), again = Tensor(zeros: [4, 8])
        adapter.adjust(module: module, input: x, output: &eval)
        adapter.adjust(module: module, input: x, output: &again)
        #expect(eval == again, "no dropout outside training")

        adapter.training = true
        var trained = Tensor(zeros: [4, 8])
        adapter.adjust(module: module, input: x, output: &trained)
        let dx = try #require(adapter.backward(module: module, input: x, outputGradient: Tensor(filled: 1, shape: [4, 8])))
        // Entries dropped in the forward pass get no gradient.
        let layer = try #require(adapter.layers[module])
        let undropped = layer.backward(input: x, outputGradient: Tensor(filled: 1, shape: [4, 8]))
        let zeros = dx.array.enumerated().filter { $0.element == 0 }.count
        #expect(zeros > 0 && zeros < 32)
        #expect(zip(dx.array, undropped.array).allSatisfy { $0 == 0 || abs($0 - 2 * $1) < 1e-4 * max(1, abs($0)) })
        #expect(adapter.backward(module: "model.layers.0.mlp.up_proj", input: x, outputGradient: x) == nil)
    }
}
