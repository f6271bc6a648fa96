import ArgumentParser
import Foundation
import TinyTune
import TinyTunePlugins

/// `tinytune train CONFIG [--output DIR] [--resume]`: trains the config's adapter and saves it in PEFT format.
///
///     tinytune train Examples/quickstart.json
///     # stderr: accuracy before, a progress bar on a terminal (plain lines every `training.log_every` steps
///     # otherwise), accuracy after
///     # OUTPUT/metrics.jsonl: one JSON object per step (StepMetrics) and per evaluation ({"step", "eval_accuracy"})
///     # OUTPUT/checkpoint-N: every `training.save_every` steps and at the end; OUTPUT/adapter: the PEFT folder
///     tinytune train Examples/quickstart.json --resume   # continues from the latest OUTPUT/checkpoint-N
///
/// OUTPUT is `--output`, else the config's `output.dir` (relative to the config file), else `runs/<config name>`
/// next to the config. Held-out accuracy (see `RunSession.accuracy`) is measured before and after training.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train the config's adapter with its objective and rewards.")
    @Argument(help: "The config file.") var config: String
    @Option(help: "Where metrics.jsonl, the checkpoints and the adapter folder go (default: output.dir or runs/<config name>).")
    var output: String?
    @Flag(help: "Continue from the latest checkpoint in the output folder (refused if the config changed in a way that matters).")
    var resume = false

    func run() throws {
        try runReportingErrors {
            let display = ProgressDisplay(terminal: isatty(STDERR_FILENO) == 1)
            let result = try TrainRunner(configPath: config, output: output, resume: resume, log: display.line,
                                         progress: display.terminal ? { display.update($0) } : nil).run()
            display.finish()
            let n = result.evaluationExamples
            print("accuracy before \(RunSession.describe(result.accuracyBefore, examples: n))")
            print("accuracy after  \(RunSession.describe(result.accuracyAfter, examples: n))")
            if let test = result.significance {
                print(String(format: "change %+.4f on the same %d problems, McNemar exact p = %.4g", result.accuracyAfter - result.accuracyBefore, n, test.pValue))
            }
            if let plot = result.plotFile { print("plot written to \(plot)") }
            print("adapter saved to \(result.adapterFolder)")
        }
    }
}

/// The model, tokenizer and pipeline of one config, and what `train` and `eval` share: examples and accuracy.
struct RunSession {
    let pipeline: Pipeline
    let model: DecoderModel
    let tokenizer: TokenizerPipeline

    /// Loads and checks `configPath` for `mode`, then reads the model and its tokenizer.
    init(configPath: String, mode: RunMode) throws {
        let registry = try CLIRegistry.shared.get()
        let loaded = try ConfigLoader(registry: registry).load(path: configPath)
        pipeline = try Pipeline.assemble(loaded, registry: registry)
        try pipeline.checkRequirements(for: mode)
        try pipeline.checkFiles()
        model = try DecoderModel(checkpoint: CheckpointWeights(path: pipeline.loader.path))
        tokenizer = try TokenizerFiles.load(path: pipeline.loader.path)
    }

    /// The model's input ids for a (prompt-templated) dataset prompt: through the checkpoint's chat template as one
    /// user message with the generation prompt when it has one and `generation.chat_template` is `auto` (encoded as
    /// transformers' `apply_chat_template(tokenize=True)` does: special-token text parsed, nothing added, since
    /// templates write their own BOS), else the plain text with BOS as the tokenizer says.
    func promptIDs(for text: String) throws -> [Int] {
        if pipeline.config.generation.chatTemplate == .auto, tokenizer.vocabulary.chatTemplate != nil {
            let rendered = try ChatPrompt.render([ChatMessage(role: "user", content: text)], vocabulary: tokenizer.vocabulary,
                                                 addGenerationPrompt: true).text
            return tokenizer.encode(rendered, addSpecialTokens: false, parseSpecial: true)
        }
        return tokenizer.encode(text, addSpecialTokens: true, parseSpecial: false)
    }

    /// A dataset split as training examples: the prompt through `generation.prompt_template` (and the chat template,
    /// see `promptIDs(for:)`), its ids cut from the left to `generation.max_prompt_length` (TRL's `ids[-max_prompt_length:]`),
    /// the answer's ids as the SFT reference, and the columns (with the gold `answer`) rewards read. Rewards see the
    /// dataset's prompt, as TRL passes them the prompt before templating.
    func examples(_ split: DatasetSplit) throws -> [TrainingExample] {
        guard let dataset = pipeline.dataset else {
            throw TinyTuneError.unsupported("the config has no dataset section")
        }
        let generation = pipeline.config.generation
        return try dataset.examples(split).map { example in
            var columns = example.columns
            if let answer = example.answer, columns["answer"] == nil { columns["answer"] = .string(answer) }
            var promptIDs = try promptIDs(for: generation.render(prompt: example.prompt))
            if promptIDs.count > generation.maxPromptLength { promptIDs = Array(promptIDs.suffix(generation.maxPromptLength)) }
            let reference = (example.completion ?? example.answer).map { tokenizer.encode($0, addSpecialTokens: false, parseSpecial: false) }
            return TrainingExample(prompt: example.prompt, promptIDs: promptIDs, referenceIDs: reference, columns: columns)
        }
    }

    /// A generator with the config's limits, stop strings and EOS, sampling at `temperature` through `hook`.
    func generator(temperature: Double, hook: (any LinearHook)?) -> Generator {
        let g = pipeline.config.generation
        let tokenizer = tokenizer
        let eos = Set([tokenizer.vocabulary.eosID].compactMap { $0 })
        return Generator(model: model, sampler: Sampler(temperature: temperature, topK: g.topK, topP: g.topP, minP: g.minP),
                         maxTokens: g.maxCompletionLength, eosIDs: eos, stop: g.stop,
                         decode: { ids in try tokenizer.decode(ids) }, hook: hook)
    }

    /// Held-out accuracy: one completion (at `evaluation.temperature`, greedy by default) for each of the first
    /// `evaluation.examples` eval examples, scored by the config's weighted rewards; a completion counts as correct
    /// when its total reward is at least 1 (for `math_answer` with weight 1: the answer is right).
    func accuracy(hook: (any LinearHook)?) throws -> Double {
        let correct = try evaluate(hook: hook)
        return Double(correct.filter { $0 }.count) / Double(correct.count)
    }

    /// Whether each of the first `evaluation.examples` eval examples is answered correctly (what `accuracy` counts);
    /// kept per problem so before and after can be compared on the same problems (McNemar's test).
    func evaluate(hook: (any LinearHook)?) throws -> [Bool] {
        try evaluate(hook: hook, samples: 1).map { $0[0] }
    }

    /// `samples` completions per eval example (one prefill each, sample j of example i seeded as
    /// `Generator.sampleSeed(i, j)`, so sample 0 is what `evaluate(hook:)` scores) and whether each is correct.
    func evaluate(hook: (any LinearHook)?, samples: Int) throws -> [[Bool]] {
        let examples = Array(try examples(.eval).prefix(pipeline.config.evaluation.examples))
        guard !examples.isEmpty else { throw TinyTuneError.unsupported("the dataset's eval split is empty") }
        let generator = generator(temperature: pipeline.config.evaluation.temperature, hook: hook)
        var texts: [String] = []
        for (i, example) in examples.enumerated() {
            texts += try generator.generate(prompt: example.promptIDs, samples: samples, seed: UInt64(i)).map(\.text)
        }
        var columns: [String: [JSONValue]] = [:]
        for key in Set(examples.flatMap { $0.columns.keys }) {
            columns[key] = examples.flatMap { example in Array(repeating: example.columns[key] ?? .null, count: samples) }
        }
        let prompts = examples.flatMap { Array(repeating: $0.prompt, count: samples) }
        let totals = try pipeline.rewards.score(RewardInput(prompts: prompts, completions: texts, columns: columns)).total
        let correct = totals.map { ($0 ?? 0) >= 1 }
        return (0..<examples.count).map { Array(correct[($0 * samples)..<(($0 + 1) * samples)]) }
    }

    /// pass@k from n ≥ k samples per problem: the unbiased estimator 1 − C(n−c, k)/C(n, k) of Chen et al. (2021),
    /// averaged over problems (c = correct samples of the problem).
    static func passAtK(_ correct: [[Bool]], k: Int) -> Double {
        guard !correct.isEmpty else { return 0 }
        let total = correct.reduce(0.0) { sum, samples in
            let n = samples.count, c = samples.filter { $0 }.count
            if c == 0 { return sum }
            if n - c < k { return sum + 1 }
            // C(n−c, k)/C(n, k) = Π_{i=n−c+1}^{n} (1 − k/i), the numerically stable product form.
            var ratio = 1.0
            for i in (n - c + 1)...n { ratio *= 1 - Double(k) / Double(i) }
            return sum + 1 - ratio
        }
        return total / Double(correct.count)
    }

    static func format(_ accuracy: Double) -> String { String(format: "%.4f", accuracy) }

    /// `0.6300 (126/200, 95% CI 0.5612–0.6939)`: the accuracy with its Wilson interval.
    static func describe(_ accuracy: Double, examples: Int) -> String {
        let correct = Int((accuracy * Double(examples)).rounded())
        let (low, high) = ProportionStatistics.wilson(successes: correct, trials: examples)
        return String(format: "%.4f (%d/%d, 95%% CI %.4f–%.4f)", accuracy, correct, examples, low, high)
    }
}

/// Samples a prompt's group with the generation engine (one prefill, decoded together) through the adapter.
struct GeneratorSampler: CompletionSampler {
    let generator: Generator

    func complete(promptIDs: [Int], count: Int, seed: UInt64) throws -> [SampledCompletion] {
        try generator.generate(prompt: promptIDs, samples: count, seed: seed).map {
            SampledCompletion(ids: $0.ids, text: $0.text, truncated: $0.finishReason == .length, entropies: $0.entropies)
        }
    }
}

/// The work of `tinytune train`, apart from the command line so tests can call it.
///
///     let result = try TrainRunner(configPath: "run.json", output: nil) { print($0) }.run()
///     let resumed = try TrainRunner(configPath: "run.json", output: nil, resume: true) { print($0) }.run()
struct TrainRunner {
    let configPath: String
    let output: String?
    /// Continue from the latest `OUTPUT/checkpoint-N` instead of starting over.
    let resume: Bool
    /// Receives the progress lines (the command writes them to stderr).
    let log: (String) -> Void
    /// Called after every step (the command draws a progress bar with it on a terminal).
    let progress: ((TrainProgress) -> Void)?
    /// The base model's per-problem results from an earlier run (compare's first run); used instead of evaluating
    /// again when that run's `BaseEvaluation.key` equals this config's and the attached adapter starts as the identity.
    let knownBase: BaseEvaluation?

    /// Which eval problems the model answered correctly before training, and what decides that: the config without
    /// its adapter, objective, training and output sections (model, dataset, prompt, generation, evaluation, rewards).
    struct BaseEvaluation {
        let key: String
        let correct: [Bool]

        /// nil for a config that is not a JSON object (a YAML config is always evaluated).
        static func key(configPath: String) -> String? {
            guard case .object(let fields)? = try? JSONValue.parse(contentsOf: configPath) else { return nil }
            let kept = fields.filter { !["adapter", "objective", "training", "output", "compare"].contains($0.key) }
            return JSONValue.object(kept.sorted { $0.key < $1.key }).serialized()
        }
    }

    init(configPath: String, output: String?, resume: Bool = false, knownBase: BaseEvaluation? = nil,
         log: @escaping (String) -> Void, progress: ((TrainProgress) -> Void)? = nil) {
        self.configPath = configPath
        self.output = output
        self.resume = resume
        self.knownBase = knownBase
        self.log = log
        self.progress = progress
    }

    struct Result {
        let accuracyBefore: Double
        let accuracyAfter: Double
        let steps: Int
        let outputFolder: String
        let adapterFolder: String
        /// The step the run continued from (`--resume`), nil for a fresh run.
        var resumedFromStep: Int? = nil
        /// The last checkpoint written (the one at the end of training).
        var checkpointFolder: String? = nil
        /// Held-out accuracy by steps completed: before training (0), every `evaluation.every` steps, and after.
        var evaluations: [(step: Int, accuracy: Double)] = []
        /// OUTPUT/metrics.jsonl.
        var metricsFile: String = ""
        /// The number of held-out problems each accuracy is over.
        var evaluationExamples: Int = 0
        /// McNemar's exact test of after against before on the same problems; nil when resumed (the checkpoint keeps
        /// the accuracy before, not which problems were right).
        var significance: ProportionStatistics.TestResult? = nil
        /// OUTPUT/metrics.svg (reward and accuracy against step) when `output.plot` is on.
        var plotFile: String? = nil
        /// The base evaluation this run measured or reused (nil when resumed), for the next run of a comparison.
        var baseEvaluation: BaseEvaluation? = nil
    }

    /// OUTPUT: `--output`, else `output.dir` relative to the config file, else `runs/<config name>` next to it.
    static func outputFolder(_ explicit: String?, config: PipelineConfig, configPath: String) -> URL {
        if let explicit { return URL(fileURLWithPath: explicit) }
        if let dir = config.output.directory {
            return dir.hasPrefix("/") ? URL(fileURLWithPath: dir) : config.baseDirectory.appendingPathComponent(dir)
        }
        let name = URL(fileURLWithPath: configPath).deletingPathExtension().lastPathComponent
        return config.baseDirectory.appendingPathComponent("runs").appendingPathComponent(name)
    }

    /// A metrics.jsonl line for a held-out evaluation after `step` steps.
    static func evaluationLine(step: Int, accuracy: Double, examples: Int) -> String {
        JSONValue.object([("step", .int(Int64(step))), ("eval_accuracy", .double(accuracy)),
                          ("eval_examples", .int(Int64(examples)))]).serialized()
    }

    func run() throws -> Result {
        let session = try RunSession(configPath: configPath, mode: .train)
        let pipeline = session.pipeline, config = pipeline.config, options = config.training
        guard let family = pipeline.adapter, let objective = pipeline.objective else {
            throw TinyTuneError.unsupported("training needs an adapter and an objective")
        }
        let fingerprint = try ConfigFingerprint(configPath: configPath)
        let outputURL = Self.outputFolder(output, config: config, configPath: configPath)
        try FileManager.default.createDirectory(at: outputURL, withIntermediateDirectories: true)
        // --resume: the checkpoint, and whether the config still matches it, before any heavy work.
        var latest: URL? = nil
        if resume {
            guard let found = TrainCheckpoint.all(in: outputURL).last?.url else {
                throw TinyTuneError.unsupported("--resume: \(outputURL.path) has no checkpoint-N folder to continue from; run without --resume to start")
            }
            let saved = try TrainCheckpoint.fingerprint(of: found)
            guard saved.hash == fingerprint.hash else {
                throw TinyTuneError.unsupported(
                    "--resume: \(configPath) changed since \(found.path) was written, in ways that change training: "
                        + fingerprint.differences(from: saved).joined(separator: "; ")
                        + ". Undo the change, or start a new run (without --resume, or with another --output)")
            }
            latest = found
        }
        guard let adapter = try family.attach(to: session.model) as? AttachedAdapterLayers else {
            throw TinyTuneError.unsupported("the adapter family \(config.adapter?.type ?? "?") does not attach as adapter layers, which saving needs")
        }
        let examples = try session.examples(.train)
        guard !examples.isEmpty else { throw TinyTuneError.unsupported("the dataset's train split is empty") }
        let evalCount = min(config.evaluation.examples, try session.examples(.eval).count)
        var handling = ZeroVarianceGroupHandling.keep
        switch (objective as? GRPO)?.options.zeroVarianceGroups {
        case .drop?: handling = .drop
        case .resample?: handling = .resample
        case .keep?, nil: break
        }
        let trainer = Trainer(model: session.model, adapter: adapter, objective: objective, rewards: pipeline.rewards,
                              options: options, temperature: config.generation.temperature,
                              maxCompletionLength: config.generation.maxCompletionLength, zeroVarianceGroups: handling)
        let sampler = GeneratorSampler(generator: session.generator(temperature: config.generation.temperature, hook: adapter))
        for leftover in TrainCheckpoint.leftovers(in: outputURL) { try? FileManager.default.removeItem(at: leftover) }

        // Where the run starts: a checkpoint (--resume) or step 0 with the accuracy before training.
        var order = TrainingDataOrder(count: examples.count, seed: options.seed)
        var metricsLines: [String] = []
        var evaluations: [(step: Int, accuracy: Double)] = []
        var correctBefore: [Bool]? = nil, correctAfter: [Bool]? = nil
        var baseEvaluation: BaseEvaluation? = nil
        let before: Double
        var after: Double? = nil
        var startStep = 0
        if let latest {
            let checkpoint = try TrainCheckpoint.read(latest, parameters: adapter.parameters, options: options)
            guard checkpoint.dataOrder.count == examples.count, checkpoint.dataOrder.seed == options.seed else {
                throw TinyTuneError.unsupported("--resume: \(latest.path) was written for \(checkpoint.dataOrder.count) training examples, the dataset now has \(examples.count)")
            }
            guard checkpoint.step <= options.steps else {
                throw TinyTuneError.unsupported("--resume: \(latest.path) is at step \(checkpoint.step), past training.steps \(options.steps)")
            }
            for (parameter, saved) in zip(adapter.parameters, checkpoint.parameters) { parameter.value = saved.value }
            adapter.parametersDidChange()
            adapter.dropoutCallCount = checkpoint.dropoutCalls
            trainer.restore(optimizer: checkpoint.optimizer, tokensSeen: checkpoint.tokensSeen)
            order = checkpoint.dataOrder
            metricsLines = checkpoint.metricsLines
            startStep = checkpoint.step
            before = checkpoint.accuracyBefore
            if checkpoint.step == options.steps { after = checkpoint.accuracyAfter }
            evaluations = Self.evaluations(in: metricsLines)
            log("resuming from \(latest.lastPathComponent) (step \(startStep) of \(options.steps))")
        } else {
            let stale = TrainCheckpoint.all(in: outputURL)
            if !stale.isEmpty {
                log("removing \(stale.count) checkpoint(s) of an earlier run in \(outputURL.path) (use --resume to continue one)")
                for old in stale { try FileManager.default.removeItem(at: old.url) }
            }
            adapter.training = false
            let key = BaseEvaluation.key(configPath: configPath)
            if let known = knownBase, let key, known.key == key, known.correct.count == evalCount, adapter.startsAsIdentity {
                correctBefore = known.correct
                before = Double(known.correct.filter { $0 }.count) / Double(known.correct.count)
                log("accuracy before: \(RunSession.describe(before, examples: evalCount)) "
                    + "(the base model's, measured by an earlier run on the same eval set; the adapter starts as the identity)")
            } else {
                correctBefore = try session.evaluate(hook: adapter)
                before = Double(correctBefore!.filter { $0 }.count) / Double(correctBefore!.count)
                log("accuracy before: \(RunSession.describe(before, examples: evalCount))")
            }
            if let key { baseEvaluation = BaseEvaluation(key: key, correct: correctBefore!) }
            metricsLines.append(Self.evaluationLine(step: 0, accuracy: before, examples: evalCount))
            evaluations.append((0, before))
        }

        // metrics.jsonl holds exactly the lines up to the starting step, then grows line by line.
        let metricsURL = outputURL.appendingPathComponent("metrics.jsonl")
        try Data(metricsLines.map { $0 + "\n" }.joined().utf8).write(to: metricsURL, options: .atomic)
        let metricsFile = try FileHandle(forWritingTo: metricsURL)
        defer { try? metricsFile.close() }
        try metricsFile.seekToEnd()
        func append(_ line: String) {
            metricsLines.append(line)
            metricsFile.write(Data((line + "\n").utf8))
        }
        func checkpoint(at step: Int, accuracyAfter: Double? = nil) throws -> URL {
            let written = try TrainCheckpoint(
                step: step, config: fingerprint, dataOrder: order, dropoutCalls: adapter.dropoutCallCount,
                tokensSeen: trainer.tokensSeen, accuracyBefore: before, accuracyAfter: accuracyAfter,
                optimizer: trainer.optimizer, parameters: adapter.parameters, metricsLines: metricsLines
            ).write(into: outputURL, adapter: adapter, family: family)
            return written
        }

        let perStep = options.promptsPerStep
        let started = DispatchTime.now().uptimeNanoseconds
        for step in startStep..<options.steps {
            let batch = (0..<perStep).map { _ in examples[order.next()] }
            adapter.training = true
            let metrics = try trainer.step(batch, sampler: objective.needsRewards ? sampler : nil, step: step,
                                           draw: { examples[order.next()] })
            adapter.training = false
            append(metrics.json.serialized())
            let done = step + 1
            progress?(TrainProgress(done: done, total: options.steps, first: startStep, metrics: metrics,
                                    elapsed: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9))
            if done % options.logEvery == 0 || done == options.steps { log(Self.stepLine(metrics, total: options.steps)) }
            if config.evaluation.every > 0, done % config.evaluation.every == 0, done < options.steps {
                let accuracy = try session.accuracy(hook: adapter)
                append(Self.evaluationLine(step: done, accuracy: accuracy, examples: evalCount))
                evaluations.append((done, accuracy))
                log("step \(done)/\(options.steps)  eval accuracy \(RunSession.format(accuracy))")
            }
            if options.saveEvery > 0, done % options.saveEvery == 0, done < options.steps {
                let saving = DispatchTime.now().uptimeNanoseconds
                let url = try checkpoint(at: done)
                log("checkpoint saved: \(url.path) (" + String(format: "%.2f s",
                    Double(DispatchTime.now().uptimeNanoseconds - saving) / 1e9) + ")")
            }
        }

        var lastCheckpoint = TrainCheckpoint.all(in: outputURL).last?.url
        let finalAccuracy: Double
        if let after {
            finalAccuracy = after   // resumed from the checkpoint of a finished run: nothing left to measure
        } else {
            correctAfter = try session.evaluate(hook: adapter)
            finalAccuracy = Double(correctAfter!.filter { $0 }.count) / Double(correctAfter!.count)
            log("accuracy after: \(RunSession.describe(finalAccuracy, examples: evalCount))")
            append(Self.evaluationLine(step: options.steps, accuracy: finalAccuracy, examples: evalCount))
            evaluations.append((options.steps, finalAccuracy))
            lastCheckpoint = try checkpoint(at: options.steps, accuracyAfter: finalAccuracy)
        }

        // Write beside the final folder, then swap it in, so no half-written adapter is ever left at OUTPUT/adapter.
        let finalURL = outputURL.appendingPathComponent("adapter")
        let temporary = outputURL.appendingPathComponent(".adapter-\(getpid())-\(UInt64(Date().timeIntervalSince1970))")
        try? FileManager.default.removeItem(at: temporary)
        do {
            if try PEFTAdapterFiles.saveOrExportLoRA(adapter, family: family, to: temporary.path) {
                log("\(config.adapter?.type ?? "this family") has no PEFT method: the adapter is saved as the equivalent plain LoRA")
            }
            try TrainCheckpoint.syncTree(temporary)
            if FileManager.default.fileExists(atPath: finalURL.path) { try FileManager.default.removeItem(at: finalURL) }
            try FileManager.default.moveItem(at: temporary, to: finalURL)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        var significance: ProportionStatistics.TestResult? = nil
        if let correctBefore, let correctAfter {
            significance = try ProportionStatistics.mcNemar(first: correctBefore, second: correctAfter)
        }
        // The plot is redrawn from the whole metrics.jsonl, so a resumed run's plot covers every step.
        var plotURL: URL? = nil
        if config.output.plot {
            let url = outputURL.appendingPathComponent("metrics.svg")
            let curves = try TrainingCurves(contentsOf: metricsURL.path)
            // The config's name, or the run folder's for compare's runs/<variant>-seed<s>/config.json.
            let name = URL(fileURLWithPath: configPath).deletingPathExtension().lastPathComponent
            let svg = curves.plot(title: name == "config" ? outputURL.lastPathComponent : name).render()
            do {
                try svg.write(to: url, atomically: true, encoding: .utf8)
            } catch {
                throw TinyTuneError.io(path: url.path, reason: "cannot write the plot: \(error.localizedDescription)")
            }
            plotURL = url
        }
        return Result(accuracyBefore: before, accuracyAfter: finalAccuracy, steps: options.steps,
                      outputFolder: outputURL.path, adapterFolder: finalURL.path,
                      resumedFromStep: resume ? startStep : nil, checkpointFolder: lastCheckpoint?.path,
                      evaluations: evaluations, metricsFile: metricsURL.path, evaluationExamples: evalCount,
                      significance: significance, plotFile: plotURL?.path, baseEvaluation: baseEvaluation)
    }

    /// The console line of a step: `step 3/30  reward 0.4125 ± 0.3100  accuracy 0.3750  loss 0.00123  ...`.
    static func stepLine(_ m: StepMetrics, total: Int) -> String {
        var line = String(format: "step %d/%d  reward %.4f ± %.4f", m.step + 1, total, m.rewardMean, m.rewardStd)
        if let accuracy = m.accuracy { line += String(format: "  accuracy %.4f", accuracy) }
        line += String(format: "  loss %.5f", m.loss)
        if let kl = m.objective["kl"] { line += String(format: "  kl %.5f", kl) }
        line += String(format: "  length %.1f", m.completionTokensMean)
        if m.zeroVarianceGroups > 0 { line += "  zero-variance groups \(m.zeroVarianceGroups)" }
        line += String(format: "  %.0f tok/s  %.1f s", m.tokensPerSecond, m.seconds)
        return line
    }

    /// The (step, eval_accuracy) pairs of metrics.jsonl lines.
    static func evaluations(in lines: [String]) -> [(step: Int, accuracy: Double)] {
        lines.compactMap { line in
            guard let value = try? JSONValue.parse(line), case .int(let step)? = value["step"] else { return nil }
            switch value["eval_accuracy"] {
            case .double(let a)?: return (Int(step), a)
            case .int(let a)?: return (Int(step), Double(a))
            default: return nil
            }
        }
    }
}
