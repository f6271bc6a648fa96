import Foundation
import Testing
import TinyTune
import TinyTunePlugins

/// Samples from the model with the Sampler, one sequence at a time, with the adapter's hook active (a test double
/// for the generation engine).
struct TestSampler: CompletionSampler {
    let model: DecoderModel
    let length: Int
    let adapter: any AttachedAdapter

    func complete(promptIDs: [Int], count: Int, seed: UInt64) throws -> [SampledCompletion] {
        var generator = SeededGenerator(seed: seed)
        let sampler = Sampler(temperature: 1)
        return try (0..<count).map { _ in
            let cache = model.makeCache()
            var logits = try model.forward([(promptIDs, cache)], logits: .last, hook: adapter)[0]
            var ids: [Int] = []
            for _ in 0..<length {
                let token = logits.array.withUnsafeBufferPointer { sampler.sample($0, generator: &generator).token }
                ids.append(token)
                logits = try model.forward([([token], cache)], logits: .last, hook: adapter)[0]
            }
            return SampledCompletion(ids: ids, text: ids.map { "t\($0)" }.joined(separator: " "), truncated: true)
        }
    }
}

/// Reward: the share of completion tokens that are token 7.
struct SevensReward: RewardFunction {
    func rewards(for input: RewardInput) throws -> [Double?] {
        input.completions.map { text in
            let tokens = text.split(separator: " ")
            return Double(tokens.filter { $0 == "t7" }.count) / Double(max(1, tokens.count))
        }
    }
}

@Suite struct TrainerTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func model() throws -> DecoderModel {
        try DecoderModel(checkpoint: CheckpointWeights(path: Self.root.appendingPathComponent("Tests/TinyTuneLoadersTests/Fixtures/tiny_gemma3").path))
    }

    func trainingOptions(_ json: JSONValue) throws -> TrainingOptions {
        try ConfigDecoder().decode(TrainingOptions.self, from: json)
    }

    /// Trains `adapter` with GRPO on the toy reward and returns the mean reward of 64 seeded completions
    /// (16 per prompt) before and after.
    func trainOnSevens(_ model: DecoderModel, _ adapter: any AttachedAdapter, learningRate: Double, seed: UInt64,
                       evaluationSeed: UInt64) throws -> (before: Double, after: Double)
    {
        let grpo = GRPO(options: try ConfigDecoder().decode(GRPOOptions.self, from: ["num_generations": 4, "loss_type": "dapo"]))
        let options = try trainingOptions(["steps": 30, "learning_rate": .double(learningRate), "prompts_per_step": 4,
                                           "seed": .int(Int64(seed))])
        let trainer = Trainer(model: model, adapter: adapter, objective: grpo,
                              rewards: WeightedRewards([("sevens", 1, SevensReward())]), options: options,
                              temperature: 1, maxCompletionLength: 6)
        let sampler = TestSampler(model: model, length: 6, adapter: adapter)
        let prompts = [[1, 2, 3], [4, 5], [6, 0, 1, 2], [8, 9]].map { TrainingExample(prompt: "p", promptIDs: $0) }
        func evaluate() throws -> Double {
            var total = 0.0
            for (i, example) in prompts.enumerated() {
                let completions = try sampler.complete(promptIDs: example.promptIDs, count: 16, seed: evaluationSeed + UInt64(i))
                total += try SevensReward().rewards(for: RewardInput(prompts: [], completions: completions.map(\.text)))
                    .reduce(0) { $0 + ($1 ?? 0) }
            }
            return total / 64
        }
        let before = try evaluate()
        for step in 0..<options.steps { _ = try trainer.step(prompts, sampler: sampler, step: step) }
        return (before, try evaluate())
    }

    @Test func grpoRaisesTheMeanReward() throws {
        let model = try model()
        let adapter = BiasAdapter(Dictionary(uniqueKeysWithValues: model.linearModules.map { ($0.name, [Float](repeating: 0, count: $0.outFeatures)) }))
        let (before, after) = try trainOnSevens(model, adapter, learningRate: 0.05, seed: 3, evaluationSeed: 1000)
        print("GRPO on a toy reward (tiny Gemma 3): mean reward \(before) → \(after)")
        #expect(after > 2 * before && after > before + 0.15)
    }

    @Test func sftLowersTheLoss() throws {
        let model = try model()
        let adapter = BiasAdapter(Dictionary(uniqueKeysWithValues: model.linearModules.map { ($0.name, [Float](repeating: 0, count: $0.outFeatures)) }))
        let sft = SFT(options: try ConfigDecoder().decode(SFTOptions.self, from: [:]))
        let options = try trainingOptions(["steps": 10, "learning_rate": 0.05, "seed": 0])
        let trainer = Trainer(model: model, adapter: adapter, objective: sft, rewards: WeightedRewards([]),
                              options: options, temperature: 1, maxCompletionLength: 8)
        let examples = [TrainingExample(prompt: "p", promptIDs: [1, 2], referenceIDs: [7, 3, 7, 3]),
                        TrainingExample(prompt: "q", promptIDs: [5], referenceIDs: [9, 9, 1])]
        var losses: [Double] = []
        for step in 0..<options.steps { losses.append(try trainer.step(examples, sampler: nil, step: step).loss) }
        print("SFT loss: \(losses.first ?? 0) → \(losses.last ?? 0)")
        #expect(losses.last! < losses.first! * 0.8)
    }

    /// The whole path with a real adapter: TinyLoRA (r 2, one tied vector of 4) from the registry on the tiny
    /// Gemma 3, trained by GRPO through the model's backward.
    @Test func grpoTrainsATinyLoRAVector() throws {
        let model = try model()
        let registry = try BuiltinPlugins.registry()
        let entry = try registry.adapters.entry(named: "tinylora")
        let options = try entry.options(from: ["r": 2, "u": 4, "weight_tying": 1.0, "svd_method": "exact",
                                                "svd_cache_dir": .string(FileManager.default.temporaryDirectory.appendingPathComponent("tinytune-svd-test-\(getpid())").path)],
                                        at: ConfigPath().appending("adapter"))
        let family = try entry.make(options, context: PluginContext(baseDirectory: Self.root, registry: registry))
        let adapter = try family.attach(to: model)
        #expect(adapter.parameters.map(\.value.count).reduce(0, +) == 4)
        let (before, after) = try trainOnSevens(model, adapter, learningRate: 0.1, seed: 5, evaluationSeed: 2000)
        print("GRPO with TinyLoRA (4 tied parameters, tiny Gemma 3): mean reward \(before) → \(after), v = \(adapter.parameters[0].value.array)")
        #expect(after > before + 0.05)
    }
}

/// Answers the same completions for a prompt whatever the seed, so two trainers see identical groups.
struct FixedSampler: CompletionSampler {
    let table: [[Int]: [[Int]]]

    func complete(promptIDs: [Int], count: Int, seed: UInt64) throws -> [SampledCompletion] {
        guard let ids = table[promptIDs], ids.count == count else {
            throw TinyTuneError.unsupported("FixedSampler: no \(count) completions for \(promptIDs)")
        }
        return ids.map { SampledCompletion(ids: $0, text: $0.map { "t\($0)" }.joined(separator: " "), truncated: false) }
    }
}

/// Zero-variance groups (all rewards equal): dropping one trains exactly as if its prompt were not in the batch;
/// resampling replaces it with the next prompt of the data order, as training on that prompt would.
@Suite struct ZeroVarianceGroupTests {
    // A: four identical completions (one reward, zero variance); B and C: varied completions.
    static let a = [1, 2], b = [4, 5], c = [6, 3]
    static let sampler = FixedSampler(table: [
        a: Array(repeating: [7, 3, 7], count: 4),
        b: [[7, 7, 1], [2, 3, 4], [7, 0, 0], [5, 5, 5]],
        c: [[0, 7], [7, 7], [1, 1], [3, 7]],
    ])

    func run(_ prompts: [[Int]], handling: ZeroVarianceGroupHandling, draws: [[Int]] = []) throws
        -> (parameters: [[Float]], metrics: StepMetrics, drawn: Int)
    {
        let model = try TrainerTests().model()
        let adapter = BiasAdapter(Dictionary(uniqueKeysWithValues: model.linearModules.map { ($0.name, [Float](repeating: 0, count: $0.outFeatures)) }))
        let grpo = GRPO(options: try ConfigDecoder().decode(GRPOOptions.self, from: [
            "num_generations": 4, "loss_type": "dapo", "beta": 0.1, "zero_variance_groups": .string(handling.rawValue)]))
        let options = try TrainerTests().trainingOptions(["steps": 1, "learning_rate": 0.05, "seed": 0, "micro_batch_size": 4])
        let trainer = Trainer(model: model, adapter: adapter, objective: grpo,
                              rewards: WeightedRewards([("sevens", 1, SevensReward())]), options: options,
                              temperature: 1, maxCompletionLength: 3, zeroVarianceGroups: handling)
        var drawn = 0
        let metrics = try trainer.step(prompts.map { TrainingExample(prompt: "p", promptIDs: $0) }, sampler: Self.sampler,
                                       step: 0, draw: {
                                           defer { drawn += 1 }
                                           return TrainingExample(prompt: "p", promptIDs: draws[drawn % draws.count])
                                       })
        return (adapter.parameters.map(\.value.array), metrics, drawn)
    }

    @Test func droppingAGroupEqualsLeavingItsPromptOut() throws {
        let dropped = try run([Self.a, Self.b], handling: .drop)
        let alone = try run([Self.b], handling: .keep)
        let kept = try run([Self.a, Self.b], handling: .keep)
        #expect(dropped.metrics.droppedGroups == 1 && dropped.metrics.zeroVarianceGroups == 1)
        #expect(dropped.parameters == alone.parameters && dropped.metrics.loss == alone.metrics.loss)
        // Kept, the group adds no gradient at step 0 (zero advantage, KL 0 at the reference) but its 12 tokens join
        // dapo's denominator: the gradient is half of B's alone.
        #expect(abs(kept.metrics.gradientNorm - 0.5 * alone.metrics.gradientNorm) <= 1e-6 * alone.metrics.gradientNorm)
        #expect(kept.metrics.droppedGroups == 0 && kept.metrics.zeroVarianceGroups == 1)
    }

    @Test func resamplingReplacesAGroupWithTheNextPrompt() throws {
        let resampled = try run([Self.a, Self.b], handling: .resample, draws: [Self.c])
        let direct = try run([Self.c, Self.b], handling: .keep)
        #expect(resampled.drawn == 1 && resampled.metrics.resampledGroups == 1 && resampled.metrics.zeroVarianceGroups == 0)
        #expect(resampled.parameters == direct.parameters && resampled.metrics.rewardMean == direct.metrics.rewardMean)

        // Prompts that never vary: `resample_attempts` (3) draws, then the group stays.
        let exhausted = try run([Self.a, Self.b], handling: .resample, draws: [Self.a])
        #expect(exhausted.drawn == 3 && exhausted.metrics.resampledGroups == 0 && exhausted.metrics.zeroVarianceGroups == 1)
        #expect(exhausted.parameters == (try run([Self.a, Self.b], handling: .keep)).parameters)
    }
}
