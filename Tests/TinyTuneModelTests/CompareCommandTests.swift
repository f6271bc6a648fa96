import Foundation
import Testing
import TinyTune
@testable import TinyTuneCLI
import TinyTunePlugins

/// `tinytune compare`: the `compare` section, the derived configs and a real (tiny) comparison on Gemma 3 270M:
/// two variants, one SFT step each, four eval problems.
@Suite(.serialized) struct CompareCommandTests {
    static let modelPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/gemma-3-270m-q4_k_m.gguf").path

    /// The real model must be there (CI installs it): a missing file fails the test rather than skipping it.
    func requireModel() throws {
        try #require(FileManager.default.fileExists(atPath: Self.modelPath),
                     "\(Self.modelPath) is missing: run `bash scripts/install-deps.sh`")
    }

    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tinytune-compare-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A tiny compare config whose model path is relative to the config file (derived configs must fix that).
    func writeConfig(compare: String, in folder: URL) throws -> String {
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("model.gguf").path,
                                                   withDestinationPath: Self.modelPath)
        let config = """
            {
              "model": {"type": "gguf", "path": "model.gguf"},
              "adapter": {"type": "lora", "r": 1, "target_modules": ["q_proj"]},
              "objective": {"type": "grpo", "num_generations": 2, "loss_type": "dr_grpo"},
              "rewards": [{"type": "math_answer", "weight": 1.0}],
              "dataset": {"type": "arithmetic", "task": "which_larger", "few_shot": 0, "seed": 0},
              "generation": {"max_completion_length": 4, "temperature": 1.0, "stop": ["\\n"]},
              "evaluation": {"examples": 4},
              "training": {"steps": 1, "learning_rate": 0.01, "prompts_per_step": 1, "seed": 7},
              "compare": \(compare)
            }
            """
        let path = folder.appendingPathComponent("cmp.json").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func errors(_ compare: String) throws -> [String] {
        let path = try writeConfig(compare: compare, in: try folder())
        do {
            _ = try CompareRunner(configPath: path, output: nil) { _ in }
            return []
        } catch let error as ConfigErrors {
            return error.errors.map(\.description).map { $0.replacingOccurrences(of: path + ": ", with: "") }
        }
    }

    @Test func badCompareSectionsNameTheField() throws {
        try requireModel()
        #expect(try errors(#"{"variants": [{"adapter": {"type": "lora"}}]}"#)
            == ["compare.variants[0].name: missing required field (expected a name such as \"tinylora-u13-grpo\")"])
        #expect(try errors(#"{"variants": [{"name": "a b", "objective": 3}], "seeds": [0, -1], "sed": 1}"#) == [
            "compare.sed: unknown field \"sed\"; allowed: variants, seeds",
            "compare.seeds[1]: expected a non-negative integer, found an integer -1",
            "compare.variants[0].name: \"a b\" is not a usable name: use letters, digits, '-', '_' and '.' (it names the run folder)",
            "compare.variants[0].objective: expected \"grpo\", \"sft\" or an objective object, found an integer 3",
        ])
        #expect(try errors(#"{"variants": [{"name": "a"}, {"name": "a"}]}"#)
            == ["compare.variants[1].name: \"a\" names two variants; names must differ"])
        #expect(try errors(#"{"variants": []}"#).first?.hasPrefix("compare.variants: expected a non-empty list") == true)
        // A variant whose merged config is invalid is named, with the field it breaks.
        let derived = try errors(#"{"variants": [{"name": "ok"}, {"name": "bad", "adapter": {"type": "tinylora", "u": 0}}]}"#)
        #expect(derived.count == 1 && derived[0].hasPrefix("compare.variants[1]: variant \"bad\" makes adapter.u: "), "\(derived)")
    }

    @Test func aFailingRunDoesNotStopTheOthersAndIsReported() throws {
        try requireModel()
        let dir = try folder()
        // One problem, all of it held out: no train split, which only training finds out.
        try #"{"prompt": "Which is larger, 3 or 9?", "answer": "9"}"#.write(
            to: dir.appendingPathComponent("one.jsonl"), atomically: true, encoding: .utf8)
        let path = try writeConfig(compare: #"{"variants": [{"name": "a", "objective": "sft"}, {"name": "b", "objective": "sft"}]}"#, in: dir)
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(
            of: #""dataset": {"type": "arithmetic", "task": "which_larger", "few_shot": 0, "seed": 0}"#,
            with: #""dataset": {"type": "jsonl", "path": "one.jsonl", "format": "custom", "eval_size": 5}"#)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var lines: [String] = []
        let output = dir.appendingPathComponent("out")
        do {
            _ = try CompareRunner(configPath: path, output: output.path) { lines.append($0) }.run()
            Issue.record("the comparison should report its failed runs")
        } catch let failed as CompareRunsFailed {
            #expect(failed.report.rows.isEmpty)
            let reason = dir.appendingPathComponent("one.jsonl").standardizedFileURL.path + ": 1 rows and eval_size 5 leave none for training"
            #expect(failed.failures == ["a seed 7: " + reason, "b seed 7: " + reason])
        }
        #expect(lines.filter { $0.hasPrefix("  run failed:") }.count == 2)   // the second variant still ran
        let csv = try String(contentsOf: output.appendingPathComponent("results.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 1)   // the header alone
    }

    /// `--only a --only b,c` trains a, b and c (a repeated option used to keep only its last value).
    @Test func onlyAccumulatesRepeatsAndCommas() throws {
        let command = try CompareCommand.parse(["cmp.json", "--only", "a", "--only", "b, c"])
        #expect(command.onlyNames == ["a", "b", "c"])
        #expect(try CompareCommand.parse(["cmp.json"]).onlyNames == nil)
    }

    @Test func overridesMergeTheSameTypeAndReplaceAnother() {
        let base: JSONValue = ["type": "tinylora", "r": 2, "u": 13, "target_modules": "all-linear"]
        #expect(CompareSpec.overlay(base, ["u": 1], inherited: ["target_modules"])
            == ["type": "tinylora", "r": 2, "u": 1, "target_modules": "all-linear"])
        #expect(CompareSpec.overlay(base, ["type": "lora", "r": 1], inherited: ["target_modules"])
            == ["type": "lora", "r": 1, "target_modules": "all-linear"])
        let grpo: JSONValue = ["type": "grpo", "num_generations": 8]
        #expect(CompareSpec.overlay(grpo, "sft") == ["type": "sft"])
        #expect(CompareSpec.overlay(grpo, "grpo") == grpo)
    }

    @Test func comparesTwoVariantsAndWritesReproducibleRuns() throws {
        try requireModel()
        let dir = try folder()
        let config = try writeConfig(compare: """
            {"seeds": [3], "variants": [
              {"name": "tiny-u1-sft", "adapter": {"type": "tinylora", "r": 2, "u": 1, "weight_tying": 1.0}, "objective": "sft"},
              {"name": "lora-r1-sft", "objective": "sft", "training": {"learning_rate": 0.001}},
              {"name": "tiny-u1-uniform-sft", "adapter": {"type": "tinylora", "r": 2, "u": 1, "weight_tying": 1.0,
               "init_weights": "uniform", "init_v_bound": 0.5}, "objective": "sft"}]}
            """, in: dir)
        let output = dir.appendingPathComponent("out")
        let planned = try CompareRunner(configPath: config, output: output.path) { _ in }.plannedRuns()
        #expect(Array(planned.prefix(2)) == [
            "tiny-u1-sft seed 3: tinylora, sft, 1 trainable parameters, 4 bytes f32 -> \(output.path)/runs/tiny-u1-sft-seed3",
            "lora-r1-sft seed 3: lora, sft, 29952 trainable parameters, 119808 bytes f32 -> \(output.path)/runs/lora-r1-sft-seed3"])
        #expect(!FileManager.default.fileExists(atPath: output.path))   // checking trains and writes nothing
        var log: [String] = []
        let report = try CompareRunner(configPath: config, output: output.path) { log.append($0) }.run()

        #expect(report.rows.map(\.variant) == ["tiny-u1-sft", "lora-r1-sft", "tiny-u1-uniform-sft"])
        #expect(report.rows.map(\.family) == ["tinylora", "lora", "tinylora"] && report.rows.allSatisfy { $0.objective == "sft" })
        // Fully tied TinyLoRA with u = 1 trains one number; LoRA r = 1 on the 18 q_proj (640 -> 1024) trains
        // 18 * (640 + 1024) (REFERENCES.md: Gemma 3 270M has 18 layers, hidden 640, 4 query heads of 256).
        #expect(report.rows.map(\.trainableParameters) == [1, 18 * (640 + 1024), 1])
        #expect(report.rows.map(\.bytesF32) == [4, 4 * 18 * (640 + 1024), 4])
        #expect(report.rows.allSatisfy { $0.evalExamples == 4 && $0.steps == 1 && $0.seed == 3 })
        #expect(report.rows[0].accuracyBefore == report.rows[1].accuracyBefore)   // same base model, same problems
        // The base model is evaluated by the first run; LoRA (B = 0) starts as the identity and reuses it, while
        // TinyLoRA with v drawn from ±0.5 changes the model before training, so it is evaluated itself.
        let befores = log.filter { $0.contains("accuracy before: ") }
        #expect(befores.count == 3, "\(log)")
        #expect(befores.map { $0.contains("measured by an earlier run") } == [false, true, false], "\(befores)")

        // Each run's config stands alone: absolute model path, its own output folder, the seed and the overrides.
        let derived = try JSONValue.parse(contentsOf: output.appendingPathComponent("runs/lora-r1-sft-seed3/config.json").path)
        #expect(derived["compare"] == nil && derived["objective"] == ["type": "sft"])
        #expect(derived["model"]?["path"] == .string(dir.appendingPathComponent("model.gguf").standardizedFileURL.path))
        #expect(derived["output"]?["dir"] == "." && derived["training"]?["seed"] == 3)
        #expect(derived["training"]?["learning_rate"] == 0.001 && derived["adapter"]?["type"] == "lora")
        let loaded = try ConfigLoader(registry: try CLIRegistry.shared.get())
            .load(path: output.appendingPathComponent("runs/tiny-u1-sft-seed3/config.json").path)
        #expect(loaded.training.seed == 3 && loaded.adapter?.type == "tinylora")

        for file in ["results.csv", "results.json", "accuracy_vs_bytes.svg", "runs/tiny-u1-sft-seed3/adapter/adapter_config.json",
                     "runs/tiny-u1-sft-seed3/metrics.jsonl", "runs/tiny-u1-sft-seed3/metrics.svg"] {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path), "missing \(file)")
        }
        let csv = try String(contentsOf: output.appendingPathComponent("results.csv"), encoding: .utf8)
        #expect(csv == report.csv && csv.split(separator: "\n").count == 4)

        // Running again trains nothing: both runs are finished and their result.json files are reused.
        var lines: [String] = []
        let again = try CompareRunner(configPath: config, output: output.path, only: ["lora-r1-sft"]) { lines.append($0) }.run()
        #expect(again.rows == report.rows)
        #expect(lines == ["[1/1] lora-r1-sft seed 3: finished earlier, reusing lora-r1-sft-seed3/result.json"])
        #expect(throws: ConfigErrors.self) {
            try CompareRunner(configPath: config, output: output.path, only: ["lora-r2-sft"]) { _ in }
        }
    }
}
