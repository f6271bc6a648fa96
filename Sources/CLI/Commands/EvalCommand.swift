import ArgumentParser
import Foundation
import TinyTune
import TinyTunePlugins

/// `tinytune eval CONFIG [--adapter DIR]`: held-out accuracy of the base model, or of it with a PEFT adapter.
///
///     tinytune eval Examples/quickstart.json
///     tinytune eval Examples/quickstart.json --adapter runs/quickstart/adapter
///     # accuracy 0.5150 (103/200, 95% CI 0.4461–0.5833)
///
/// Accuracy is `RunSession.accuracy`: greedy (or `evaluation.temperature`) completions of the first
/// `evaluation.examples` eval examples; correct when the weighted reward total is at least 1.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Measure held-out accuracy of the model, with or without an adapter.")
    @Argument(help: "The config file.") var config: String
    @Option(help: "A PEFT adapter folder (adapter_config.json + adapter_model.safetensors) to apply.") var adapter: String?
    @Option(help: "Report pass@k: k > 1 samples per problem at evaluation.temperature (which must be above 0).")
    var k = 1
    @Option(help: "Samples per problem for pass@k (default k; more gives the unbiased estimate a lower variance).")
    var samples: Int?

    func validate() throws {
        guard k >= 1 else { throw ValidationError("--k must be at least 1, got \(k)") }
        if let samples, samples < k { throw ValidationError("--samples must be at least --k (\(k)), got \(samples)") }
    }

    func run() throws {
        try runReportingErrors {
            let runner = EvalRunner(configPath: config, adapter: adapter)
            if k == 1 && samples == nil {
                let (accuracy, count) = try runner.run()
                print("accuracy \(RunSession.describe(accuracy, examples: count))")
            } else {
                let result = try runner.passAtK(k: k, samples: samples ?? k)
                print(String(format: "pass@%d %.4f, pass@1 %.4f (%d eval examples × %d samples at temperature %g)",
                             k, result.passAtK, result.passAt1, result.examples, samples ?? k, result.temperature))
            }
        }
    }
}

/// The work of `tinytune eval`, apart from the command line so tests can call it.
struct EvalRunner {
    let configPath: String
    let adapter: String?

    /// The accuracy and the number of eval examples scored.
    func run() throws -> (accuracy: Double, examples: Int) {
        let session = try RunSession(configPath: configPath, mode: .eval)
        let hook: (any LinearHook)? = try adapter.map { try PEFTAdapterFiles.load(folder: $0, model: session.model) }
        let count = min(session.pipeline.config.evaluation.examples, try session.examples(.eval).count)
        return (try session.accuracy(hook: hook), count)
    }

    /// pass@k and pass@1 (the unbiased estimator) from `samples` completions per eval example.
    func passAtK(k: Int, samples: Int) throws -> (passAtK: Double, passAt1: Double, examples: Int, temperature: Double) {
        let session = try RunSession(configPath: configPath, mode: .eval)
        let temperature = session.pipeline.config.evaluation.temperature
        guard temperature > 0 else {
            throw TinyTuneError.unsupported("\(configPath): pass@k needs sampling, but evaluation.temperature is 0 (greedy gives \(samples) equal completions); set it above 0, e.g. 1.0")
        }
        let hook: (any LinearHook)? = try adapter.map { try PEFTAdapterFiles.load(folder: $0, model: session.model) }
        let correct = try session.evaluate(hook: hook, samples: samples)
        return (RunSession.passAtK(correct, k: k), RunSession.passAtK(correct, k: 1), correct.count, temperature)
    }
}
