import ArgumentParser
import Foundation
import TinyTune
import TinyTunePlugins

/// `tinytune train CONFIG [--output DIR]`: trains the config's adapter and saves it in PEFT format.
///
///     tinytune train Examples/quickstart.json
///     # stderr: accuracy before, one line per step (reward mean, loss, seconds), accuracy after
///     # OUTPUT/metrics.jsonl: one StepMetrics JSON object per step; OUTPUT/adapter: the PEFT folder
///
/// OUTPUT is `--output`, else the config's `output.dir` (relative to the config file), else `runs/<config name>`
/// next to the config. Held-out accuracy (see `RunSession.accuracy`) is measured before and after training.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train the config's adapter with its objective and rewards.")
    @Argument(help: "The config file.") var config: String
    @Option(help: "Where metrics.jsonl and the adapter folder go (default: output.dir or runs/<config name>).")
    var output: String?

    func run() throws {
        try runReportingErrors {
            let result = try TrainRunner(configPath: config, output: output) { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }.run()
            print("accuracy before \(RunSession.format(result.accuracyBefore)) after \(RunSession.format(result.accuracyAfter))")
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

    /// A dataset split as training examples: prompt ids with BOS as the tokenizer says, the answer's ids as the SFT
    /// reference, and the columns (with the gold `answer`) rewards read.
    func examples(_ split: DatasetSplit) throws -> [TrainingExample] {
        guard let dataset = pipeline.dataset else {
            throw TinyTuneError.unsupported("the config has no dataset section")
        }
        return try dataset.examples(split).map { example in
            var columns = example.columns
            if let answer = example.answer, columns["answer"] == nil { columns["answer"] = .string(answer) }
            let promptIDs = tokenizer.encode(example.prompt, addSpecialTokens: true, parseSpecial: false)
            let reference = example.answer.map { tokenizer.encode($0, addSpecialTokens: false, parseSpecial: false) }
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
        let examples = Array(try examples(.eval).prefix(pipeline.config.evaluation.examples))
        guard !examples.isEmpty else { throw TinyTuneError.unsupported("the dataset's eval split is empty") }
        let generator = generator(temperature: pipeline.config.evaluation.temperature, hook: hook)
        var texts: [String] = []
        for (i, example) in examples.enumerated() {
            texts.append(try generator.generate(prompt: example.promptIDs, samples: 1, seed: UInt64(i))[0].text)
        }
        var columns: [String: [JSONValue]] = [:]
        for key in Set(examples.flatMap { $0.columns.keys }) { columns[key] = examples.map { $0.columns[key] ?? .null } }
        let totals = try pipeline.rewards.score(RewardInput(prompts: examples.map(\.prompt), completions: texts,
                                                             columns: columns)).total
        return Double(totals.filter { ($0 ?? 0) >= 1 }.count) / Double(examples.count)
    }

    static func format(_ accuracy: Double) -> String { String(format: "%.4f", accuracy) }
}

/// Samples a prompt's group with the generation engine (one prefill, decoded together) through the adapter.
struct GeneratorSampler: CompletionSampler {
    let generator: Generator

    func complete(promptIDs: [Int], count: Int, seed: UInt64) throws -> [SampledCompletion] {
        try generator.generate(prompt: promptIDs, samples: count, seed: seed).map {
            SampledCompletion(ids: $0.ids, text: $0.text, truncated: $0.finishReason == .length)
        }
    }
}

/// The work of `tinytune train`, apart from the command line so tests can call it.
struct TrainRunner {
    let configPath: String
    let output: String?
    /// Receives the progress lines (the command writes them to stderr).
    let log: (String) -> Void

    struct Result {
        let accuracyBefore: Double
        let accuracyAfter: Double
        let steps: Int
        let outputFolder: String
        let adapterFolder: String
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

    func run() throws -> Result {
        let session = try RunSession(configPath: configPath, mode: .train)
        let pipeline = session.pipeline, config = pipeline.config
        guard let family = pipeline.adapter, let objective = pipeline.objective else {
            throw TinyTuneError.unsupported("training needs an adapter and an objective")
        }
        let outputURL = Self.outputFolder(output, config: config, configPath: configPath)
        try FileManager.default.createDirectory(at: outputURL, withIntermediateDirectories: true)
        guard let adapter = try family.attach(to: session.model) as? AttachedAdapterLayers else {
            throw TinyTuneError.unsupported("the adapter family \(config.adapter?.type ?? "?") does not attach as adapter layers, which saving needs")
        }
        var examples = try session.examples(.train)
        guard !examples.isEmpty else { throw TinyTuneError.unsupported("the dataset's train split is empty") }
        var order = SeededGenerator(seed: config.training.seed)
        examples.shuffle(using: &order)

        adapter.training = false
        let before = try session.accuracy(hook: adapter)
        log("accuracy before: \(RunSession.format(before)) (\(config.evaluation.examples) eval examples at most)")

        let trainer = Trainer(model: session.model, adapter: adapter, objective: objective, rewards: pipeline.rewards,
                              options: config.training, temperature: config.generation.temperature,
                              maxCompletionLength: config.generation.maxCompletionLength)
        let sampler = GeneratorSampler(generator: session.generator(temperature: config.generation.temperature, hook: adapter))
        let metricsURL = outputURL.appendingPathComponent("metrics.jsonl")
        try Data().write(to: metricsURL)
        let metricsFile = try FileHandle(forWritingTo: metricsURL)
        defer { try? metricsFile.close() }
        let perStep = config.training.promptsPerStep
        for step in 0..<config.training.steps {
            let batch = (0..<perStep).map { examples[(step * perStep + $0) % examples.count] }
            adapter.training = true
            let metrics = try trainer.step(batch, sampler: objective.needsRewards ? sampler : nil, step: step)
            adapter.training = false
            try metricsFile.seekToEnd()
            metricsFile.write(Data((metrics.json.serialized() + "\n").utf8))
            log(String(format: "step %d/%d  reward %.4f  loss %.5f  %.1f s", step + 1, config.training.steps,
                       metrics.rewardMean, metrics.loss, metrics.seconds))
        }

        let after = try session.accuracy(hook: adapter)
        log("accuracy after: \(RunSession.format(after))")

        // Write beside the final folder, then swap it in, so no half-written adapter is ever left at OUTPUT/adapter.
        let finalURL = outputURL.appendingPathComponent("adapter")
        let temporary = outputURL.appendingPathComponent(".adapter-\(getpid())-\(UInt64(Date().timeIntervalSince1970))")
        try? FileManager.default.removeItem(at: temporary)
        do {
            try PEFTAdapterFiles.save(adapter, family: family, to: temporary.path)
            if FileManager.default.fileExists(atPath: finalURL.path) { try FileManager.default.removeItem(at: finalURL) }
            try FileManager.default.moveItem(at: temporary, to: finalURL)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        return Result(accuracyBefore: before, accuracyAfter: after, steps: config.training.steps,
                      outputFolder: outputURL.path, adapterFolder: finalURL.path)
    }
}
