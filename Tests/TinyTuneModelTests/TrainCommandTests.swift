import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TinyTune
@testable import TinyTuneCLI
import TinyTunePlugins

/// `tinytune train` and `tinytune eval` end to end on the real Gemma 3 270M (the tiny fixtures have no tokenizer),
/// with a config small enough to run in seconds: one GRPO step of one prompt, two completions of four tokens.
@Suite(.serialized) struct TrainCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let modelPath = root.appendingPathComponent("models/gemma-3-270m-q4_k_m.gguf").path

    /// Writes a tiny training config into a fresh temporary folder and returns its path.
    func writeConfig(objective: String = #"{"type": "grpo", "num_generations": 2, "loss_type": "dr_grpo"}"#,
                     adapter: String = #"{"type": "lora", "r": 1, "target_modules": ["q_proj"]}"#) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tinytune-train-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = """
            {
              "model": {"type": "gguf", "path": "\(Self.modelPath)"},
              "adapter": \(adapter),
              "objective": \(objective),
              "rewards": [{"type": "math_answer", "weight": 1.0}],
              "dataset": {"type": "arithmetic", "task": "which_larger", "few_shot": 0, "seed": 0},
              "generation": {"max_completion_length": 4, "temperature": 1.0, "stop": ["\\n"]},
              "evaluation": {"examples": 4},
              "training": {"steps": 1, "learning_rate": 0.01, "prompts_per_step": 1, "seed": 0}
            }
            """
        let path = folder.appendingPathComponent("tiny.json").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The real model must be there (CI installs it): a missing file fails the test rather than skipping it.
    func requireModel() throws {
        try #require(FileManager.default.fileExists(atPath: Self.modelPath),
                     "\(Self.modelPath) is missing: run `bash scripts/install-deps.sh`")
    }

    @Test func trainWritesMetricsAndALoadableAdapterAndEvalReadsIt() throws {
        try requireModel()
        let config = try writeConfig()
        var lines: [String] = []
        let result = try TrainRunner(configPath: config, output: nil) { lines.append($0) }.run()
        let output = URL(fileURLWithPath: config).deletingLastPathComponent().appendingPathComponent("runs/tiny")
        #expect(result.outputFolder == output.path)
        #expect((0...1).contains(result.accuracyBefore) && (0...1).contains(result.accuracyAfter))
        #expect(lines.contains { $0.hasPrefix("step 1/1") })

        let metrics = try String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        // The evaluation before training, the step, the evaluation after.
        #expect(metrics.count == 3 && metrics[0].contains("\"eval_accuracy\"") && metrics[2].contains("\"eval_accuracy\""))
        let object = try JSONSerialization.jsonObject(with: Data(metrics[1].utf8)) as? [String: Any] ?? [:]
        for key in ["step", "loss", "learning_rate", "grad_norm", "reward_mean", "reward_std", "seconds",
                    "rewards/math_answer/mean", "accuracy", "entropy", "completions/mean_length", "frac_reward_zero_std", "num_tokens"] {
            #expect(object[key] != nil, "metrics.jsonl lacks \(key)")
        }

        let model = try DecoderModel(checkpoint: CheckpointWeights(path: Self.modelPath))
        let adapter = try PEFTAdapterFiles.load(folder: result.adapterFolder, model: model)
        #expect(adapter.modules.allSatisfy { $0.hasSuffix("q_proj") } && !adapter.modules.isEmpty)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: output.path).filter { $0.hasPrefix(".adapter") }
        #expect(leftovers.isEmpty)

        // The plot of reward and accuracy against step: well-formed SVG with both curves named.
        let plot = try #require(result.plotFile)
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        #expect(XMLParser(data: Data(svg.utf8)).parse())
        #expect(svg.contains("reward mean") && svg.contains("held-out accuracy"))
        // Before and after were scored on the same 4 problems, so McNemar's test applies.
        #expect(result.evaluationExamples == 4 && result.significance != nil)

        // eval with the saved (merged) adapter scores what training measured through the hook.
        let (accuracy, count) = try EvalRunner(configPath: config, adapter: result.adapterFolder).run()
        #expect(count == 4 && accuracy == result.accuracyAfter)
    }

    @Test func sftTrainsOnTheDatasetAnswers() throws {
        try requireModel()
        let config = try writeConfig(objective: #"{"type": "sft"}"#)
        let folder = URL(fileURLWithPath: config).deletingLastPathComponent().appendingPathComponent("out").path
        let result = try TrainRunner(configPath: config, output: folder) { _ in }.run()
        #expect(result.outputFolder == folder && result.steps == 1)
        #expect(FileManager.default.fileExists(atPath: folder + "/adapter/adapter_config.json"))
    }

    @Test func sftTargetIsTheCompletionTheWorkedExamplesShow() throws {
        try requireModel()
        let session = try RunSession(configPath: try writeConfig(objective: #"{"type": "sft"}"#), mode: .train)
        let example = try #require(try session.examples(.train).first)
        let answer = try #require(example.columns["answer"].flatMap { if case .string(let s) = $0 { s } else { nil } })
        #expect(try session.tokenizer.decode(try #require(example.referenceIDs)) == " \(answer)\n")
    }

    @Test func loraXSIsSavedAsTheEquivalentPlainLoRA() throws {
        try requireModel()
        let config = try writeConfig(objective: #"{"type": "sft"}"#,
                                     adapter: #"{"type": "loraxs", "r": 2, "target_modules": ["q_proj"]}"#)
        var lines: [String] = []
        let result = try TrainRunner(configPath: config, output: nil) { lines.append($0) }.run()
        #expect(lines.contains { $0.contains("saved as the equivalent plain LoRA") })
        let saved = try JSONValue.parse(String(contentsOfFile: result.adapterFolder + "/adapter_config.json", encoding: .utf8),
                                        source: "adapter_config.json")
        #expect(saved["peft_type"] == .string("LORA") && saved["r"] == .int(2))
        // The exported LoRA scores what the trained LoRA-XS scored.
        let (accuracy, _) = try EvalRunner(configPath: config, adapter: result.adapterFolder).run()
        #expect(accuracy == result.accuracyAfter)
    }

    @Test func passAtKIsChenEtAlsUnbiasedEstimator() {
        // Expected values: 1 − comb(n−c, k)/comb(n, k) with Python's math.comb.
        func problem(_ n: Int, _ c: Int) -> [Bool] { (0..<n).map { $0 < c } }
        #expect(abs(RunSession.passAtK([problem(5, 2)], k: 1) - 0.4) < 1e-12)
        #expect(abs(RunSession.passAtK([problem(5, 2)], k: 2) - 0.7) < 1e-12)
        #expect(RunSession.passAtK([problem(5, 0)], k: 2) == 0)
        #expect(RunSession.passAtK([problem(5, 4)], k: 2) == 1)
        #expect(abs(RunSession.passAtK([problem(5, 2), problem(10, 3)], k: 4) - (1 + (1 - 35.0 / 210)) / 2) < 1e-12)
    }

    @Test func samplesPerProblemStartWithTheSingleEvaluation() throws {
        try requireModel()
        let session = try RunSession(configPath: try writeConfig(), mode: .eval)
        let single = try session.evaluate(hook: nil)
        let several = try session.evaluate(hook: nil, samples: 3)
        #expect(several.count == single.count && several.allSatisfy { $0.count == 3 })
        // Greedy (evaluation.temperature 0): every sample is the single evaluation's completion.
        #expect(several.map { $0[0] } == single && several.allSatisfy { Set($0).count == 1 })
    }
}
