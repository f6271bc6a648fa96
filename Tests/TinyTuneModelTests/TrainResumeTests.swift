import Foundation
import Testing
import TinyTune
@testable import TinyTuneCLI
import TinyTunePlugins

/// Checkpoints, `--resume`, periodic evaluation and the per-step metrics of `tinytune train`, on a random tiny Llama
/// with a real BPE tokenizer (TinyRunFixture): GRPO with LoRA dropout, a KL term, a cosine schedule, two format
/// rewards and resampled zero-variance groups, so every piece of state a resume must restore is exercised.
@Suite struct TrainResumeTests {
    /// A run's config in a fresh folder; returns its path.
    static func writeConfig(in folder: URL, model: String, steps: Int = 24, learningRate: Double = 0.05,
                            saveEvery: Int = 2, extraTraining: String = "", generation: String = "") throws -> String {
        let config = """
            {
              "model": {"type": "safetensors", "path": "\(model)"},
              "adapter": {"type": "lora", "r": 2, "lora_alpha": 4, "lora_dropout": 0.1, "target_modules": "all-linear", "seed": 3},
              "objective": {"type": "grpo", "num_generations": 4, "beta": 0.05, "loss_type": "dapo", "zero_variance_groups": "resample"},
              "rewards": [{"type": "format", "pattern": "e"}, {"type": "format", "pattern": "[0-9]", "weight": 0.5}],
              "dataset": {"type": "arithmetic", "task": "which_larger", "few_shot": 0, "train_size": 7, "eval_size": 6, "seed": 0},
              "generation": {"max_completion_length": 6, "temperature": 1.0\(generation)},
              "evaluation": {"examples": 4, "every": 4},
              "training": {"steps": \(steps), "learning_rate": \(learningRate), "prompts_per_step": 2, "micro_batch_size": 4,
                           "save_every": \(saveEvery), "seed": 1, "lr_scheduler": "cosine", "warmup_steps": 2\(extraTraining)}
            }
            """
        let path = folder.appendingPathComponent("run.json").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// metrics.jsonl as JSON objects without the fields that measure time.
    static func metrics(_ folder: String) throws -> [[String: NSObject]] {
        let text = try String(contentsOfFile: folder + "/metrics.jsonl", encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            var object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: NSObject])
            for key in StepMetrics.timingKeys { object.removeValue(forKey: key) }
            return object
        }
    }

    static var binary: String { TinyRunFixture.root.appendingPathComponent(".build/release/tinytune").path }

    /// Kill a `tinytune train` child with SIGKILL once its second checkpoint exists, resume it, and compare with an
    /// uninterrupted run: the adapter's bytes, the optimizer state and every metric but the timings are identical.
    @Test func killedAndResumedRunEqualsAnUninterruptedOne() throws {
        let folder = try TinyRunFixture.temporaryFolder("resume")
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try Self.writeConfig(in: folder, model: try TinyRunFixture.makeModel(in: folder))
        let whole = folder.appendingPathComponent("whole").path, killed = folder.appendingPathComponent("killed").path

        let uninterrupted = try TrainRunner(configPath: config, output: whole) { _ in }.run()
        #expect(uninterrupted.resumedFromStep == nil && uninterrupted.steps == 24)

        try #require(FileManager.default.isExecutableFile(atPath: Self.binary),
                     "\(Self.binary) is missing: build with `swift build -c release --build-tests`")
        let child = Process()
        child.executableURL = URL(fileURLWithPath: Self.binary)
        child.arguments = ["train", config, "--output", killed]
        let stderr = folder.appendingPathComponent("child.err")
        try Data().write(to: stderr)
        child.standardError = try FileHandle(forWritingTo: stderr)
        child.standardOutput = FileHandle.nullDevice
        try child.run()
        let second = killed + "/checkpoint-4"
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: second) && child.isRunning && Date() < deadline { usleep(500) }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        let log = (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
        try #require(child.terminationReason == .uncaughtSignal && child.terminationStatus == SIGKILL,
                     "the child ended by itself (status \(child.terminationStatus)) before the kill: \(log)")
        try #require(!FileManager.default.fileExists(atPath: killed + "/adapter"), "the child finished before the kill")
        let kept = TrainCheckpoint.all(in: URL(fileURLWithPath: killed)).map(\.step)
        #expect(kept.contains(4) && !kept.contains(24), "checkpoints at the kill: \(kept)")

        // Half-written folders a kill can leave are removed when the run continues.
        try FileManager.default.createDirectory(atPath: killed + "/.checkpoint-9.tmp-123", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: killed + "/.adapter-123-456", withIntermediateDirectories: true)
        var lines: [String] = []
        let resumed = try TrainRunner(configPath: config, output: killed, resume: true) { lines.append($0) }.run()
        #expect(TrainCheckpoint.leftovers(in: URL(fileURLWithPath: killed)).isEmpty)
        let from = try #require(resumed.resumedFromStep)
        #expect(from >= 4 && from < 24 && from % 2 == 0)
        #expect(lines.first == "resuming from checkpoint-\(from) (step \(from) of 24)")
        print("killed after checkpoint-4, resumed from checkpoint-\(from)")

        func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }
        #expect(try bytes(whole + "/adapter/adapter_model.safetensors") == bytes(killed + "/adapter/adapter_model.safetensors"))
        #expect(try bytes(whole + "/checkpoint-24/state.safetensors") == bytes(killed + "/checkpoint-24/state.safetensors"))
        let a = try Self.metrics(whole), b = try Self.metrics(killed)
        #expect(a.count == b.count && a.count == 24 + 7)   // 24 steps, evaluations at 0, 4, ..., 20 and 24
        for (x, y) in zip(a, b) { #expect(x == y) }
        // The run resampled zero-variance groups (so the data cursor moved unevenly) and the KL term was on.
        #expect(a.compactMap { $0["resampled_groups"] as? Int }.reduce(0, +) > 0)
        #expect(a.contains { (($0["kl"] as? NSNumber)?.doubleValue ?? 0) > 0 })
        #expect(resumed.accuracyBefore == uninterrupted.accuracyBefore && resumed.accuracyAfter == uninterrupted.accuracyAfter)
        #expect(resumed.evaluations.map(\.step) == uninterrupted.evaluations.map(\.step))
        #expect(resumed.evaluations.map(\.accuracy) == uninterrupted.evaluations.map(\.accuracy))
        // The adapter moved: LoRA's B starts at zero.
        let state = try JSONValue.parse(contentsOf: whole + "/checkpoint-24/trainer_state.json")
        #expect(state["step"] == 24 && state["optimizer"]?["steps"] == 24)
    }

    /// The per-step metrics TRL users expect, checked against each other: with rewards "contains e" (weight 1) and
    /// "contains a digit" (weight 0.5) both applying to every completion, reward = mean_e + 0.5 · mean_digit and
    /// accuracy (total ≥ 1) = mean_e exactly.
    @Test func metricsHaveTheTRLFieldsAndAgree() throws {
        let folder = try TinyRunFixture.temporaryFolder("metrics")
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try Self.writeConfig(in: folder, model: try TinyRunFixture.makeModel(in: folder), steps: 6,
                                          saveEvery: 4, extraTraining: #", "log_every": 3"#)
        var lines: [String] = []
        let result = try TrainRunner(configPath: config, output: nil) { lines.append($0) }.run()
        let metrics = try Self.metrics(result.outputFolder)
        let evaluations = metrics.filter { $0["eval_accuracy"] != nil }
        #expect(evaluations.map { $0["step"] as? Int } == [0, 4, 6])
        #expect(result.evaluations.map(\.step) == [0, 4, 6])
        let steps = metrics.filter { $0["loss"] != nil }
        #expect(steps.map { $0["step"] as? Int } == Array(1...6))
        var previousTokens = 0
        for m in steps {
            func number(_ key: String) throws -> Double { try #require((m[key] as? NSNumber)?.doubleValue, "no \(key) in \(m)") }
            let e = try number("rewards/format/mean"), digit = try number("rewards/format_1/mean")
            #expect(abs(try number("reward_mean") - (e + 0.5 * digit)) < 1e-12)
            #expect(try number("accuracy") == e)
            #expect(try number("completions/min_length") <= number("completions/mean_length"))
            #expect(try number("completions/mean_length") <= number("completions/max_length"))
            #expect(try number("completions/max_length") <= 6)
            #expect(try (0...1).contains(number("frac_reward_zero_std")) && number("zero_variance_groups") <= 2)
            #expect(try number("kl") >= 0 && number("clip_ratio/region_mean") >= 0)
            let tokens = Int(try number("num_tokens"))
            #expect(tokens > previousTokens)
            previousTokens = tokens
            for key in ["rewards/format/std", "rewards/format_1/std", "resampled_groups", "completions/clipped_ratio",
                        "grad_norm", "learning_rate"] {
                #expect(m[key] != nil, "metrics lack \(key)")
            }
        }
        // log_every 3: console lines after steps 3 and 6 only; checkpoints at 4 and at the end.
        #expect(lines.filter { $0.hasPrefix("step ") && $0.contains("reward") }.map { $0.prefix(8) } == ["step 3/6", "step 6/6"])
        #expect(TrainCheckpoint.all(in: URL(fileURLWithPath: result.outputFolder)).map(\.step) == [4, 6])
        #expect(result.checkpointFolder == result.outputFolder + "/checkpoint-6")
        // The checkpoint's adapter is the final adapter.
        #expect(try Data(contentsOf: URL(fileURLWithPath: result.outputFolder + "/checkpoint-6/adapter/adapter_model.safetensors"))
                == Data(contentsOf: URL(fileURLWithPath: result.adapterFolder + "/adapter_model.safetensors")))
    }

    /// A changed learning rate refuses to resume and names the field; bookkeeping options do not.
    @Test func resumeRefusesAChangedConfig() throws {
        let folder = try TinyRunFixture.temporaryFolder("refuse")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try TinyRunFixture.makeModel(in: folder)
        let output = folder.appendingPathComponent("out").path
        var config = try Self.writeConfig(in: folder, model: model, steps: 4)
        let first = try TrainRunner(configPath: config, output: output) { _ in }.run()

        config = try Self.writeConfig(in: folder, model: model, steps: 4, learningRate: 0.07)
        do {
            _ = try TrainRunner(configPath: config, output: output, resume: true) { _ in }.run()
            Issue.record("a changed learning rate resumed")
        } catch {
            #expect("\(error)".contains("training.learning_rate: 0.05 → 0.07"), "\(error)")
        }

        // save_every, log_every and the evaluation section may change: the finished run resumes to the same adapter.
        config = try Self.writeConfig(in: folder, model: model, steps: 4, saveEvery: 3, extraTraining: #", "log_every": 2"#)
        let again = try TrainRunner(configPath: config, output: output, resume: true) { _ in }.run()
        #expect(again.resumedFromStep == 4 && again.accuracyAfter == first.accuracyAfter)
        #expect(try Self.metrics(output).count == 4 + 2)

        let empty = folder.appendingPathComponent("empty").path
        do {
            _ = try TrainRunner(configPath: config, output: empty, resume: true) { _ in }.run()
            Issue.record("resumed without a checkpoint")
        } catch {
            #expect("\(error)".contains("has no checkpoint-N folder to continue from"), "\(error)")
        }
    }

    /// `generation.prompt_template` wraps the dataset's prompt and `max_prompt_length` keeps the last tokens, as TRL
    /// cuts prompts (`ids[-max_prompt_length:]`); rewards still see the dataset's prompt.
    @Test func promptTemplateAndLeftTruncation() throws {
        let folder = try TinyRunFixture.temporaryFolder("prompt")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try TinyRunFixture.makeModel(in: folder)
        let plain = try RunSession(configPath: try Self.writeConfig(in: folder, model: model), mode: .train).examples(.train)
        let templated = try RunSession(
            configPath: try Self.writeConfig(in: folder, model: model,
                                             generation: #", "prompt_template": "Think first.\n{prompt}", "max_prompt_length": 9"#),
            mode: .train)
        let examples = try templated.examples(.train)
        #expect(examples.count == plain.count)
        for (t, p) in zip(examples, plain) {
            let full = templated.tokenizer.encode("Think first.\n" + p.prompt, addSpecialTokens: true, parseSpecial: false)
            #expect(full.count > 9)
            #expect(t.promptIDs == Array(full.suffix(9)))
            #expect(t.prompt == p.prompt)
        }

        let bad = try Self.writeConfig(in: folder, model: model, generation: #", "prompt_template": "no placeholder""#)
        do {
            _ = try RunSession(configPath: bad, mode: .train)
            Issue.record("a template without {prompt} was accepted")
        } catch {
            #expect("\(error)".contains("generation.prompt_template"), "\(error)")
        }
    }

    @Test func promptsGoThroughTheCheckpointsChatTemplate() throws {
        let folder = try TinyRunFixture.temporaryFolder("chat")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try TinyRunFixture.makeModel(in: folder)
        let plain = try RunSession(configPath: try Self.writeConfig(in: folder, model: model), mode: .train).examples(.train)
        try "{% for m in messages %}<user>{{ m.content | trim }}</user>\n{% endfor %}{% if add_generation_prompt %}<bot>{% endif %}"
            .write(toFile: model + "/chat_template.jinja", atomically: true, encoding: .utf8)
        let session = try RunSession(configPath: try Self.writeConfig(in: folder, model: model), mode: .train)
        for (chat, p) in zip(try session.examples(.train), plain) {
            let rendered = "<user>\(p.prompt.trimmingCharacters(in: .whitespacesAndNewlines))</user>\n<bot>"
            #expect(chat.promptIDs == session.tokenizer.encode(rendered, addSpecialTokens: false, parseSpecial: true))
            #expect(chat.prompt == p.prompt)
        }
        // `chat_template: never` keeps the plain text.
        let never = try RunSession(configPath: try Self.writeConfig(in: folder, model: model,
                                                                    generation: #", "chat_template": "never""#), mode: .train)
        #expect(try never.examples(.train).map(\.promptIDs) == plain.map(\.promptIDs))
    }

    @Test func progressBarLine() {
        var metrics = StepMetrics(step: 8, loss: 0.01234, learningRate: 0.01, gradientNorm: 1, rewardMean: 0.41,
                                  rewardStd: 0.2, zeroVarianceGroups: 0, completionTokensMean: 5, seconds: 2, objective: [:])
        metrics.accuracy = 0.375
        let line = ProgressDisplay.render(TrainProgress(done: 9, total: 30, first: 0, metrics: metrics, elapsed: 18), width: 10)
        #expect(line == "[███░░░░░░░] 9/30  reward 0.410  accuracy 0.375  loss 0.0123  2.0 s/step  eta 42s")
    }
}
