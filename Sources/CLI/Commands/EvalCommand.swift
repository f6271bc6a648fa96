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

    func run() throws {
        try runReportingErrors {
            let (accuracy, count) = try EvalRunner(configPath: config, adapter: adapter).run()
            print("accuracy \(RunSession.describe(accuracy, examples: count))")
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
}
