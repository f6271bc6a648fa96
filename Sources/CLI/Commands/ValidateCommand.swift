import ArgumentParser
import Foundation
import TinyTune

/// `tinytune validate CONFIG`: checks a config without running anything heavy.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a config file: plugin types, option names, types and ranges.",
        discussion: "Exits 0 when the config is valid, 1 with every error (each naming its key) otherwise.")

    @Argument(help: "The config file (JSON).")
    var config: String

    @Flag(name: .customLong("check-files"), help: "Also check that the files the config names exist and look right.")
    var checkFiles = false

    func run() throws {
        try runReportingErrors {
            let registry = try CLIRegistry.shared.get()
            let loaded = try ConfigLoader(registry: registry).load(path: config)
            let pipeline = try Pipeline.assemble(loaded, registry: registry)
            if checkFiles { try pipeline.checkFiles() }
            print("\(config): valid")
            print(Self.summary(loaded).map { "  " + $0 }.joined(separator: "\n"))
        }
    }

    /// One line per section that is set, e.g. "adapter: tinylora".
    static func summary(_ config: PipelineConfig) -> [String] {
        var lines = ["model: \(config.model.type)"]
        if let tokenizer = config.tokenizer { lines.append("tokenizer: \(tokenizer.type)") }
        if let adapter = config.adapter { lines.append("adapter: \(adapter.type)") }
        if let objective = config.objective { lines.append("objective: \(objective.type)") }
        if !config.rewards.isEmpty {
            lines.append("rewards: " + config.rewards.map { "\($0.plugin.type) × \($0.weight)" }.joined(separator: ", "))
        }
        if let dataset = config.dataset { lines.append("dataset: \(dataset.type)") }
        lines.append("training: \(config.training.steps) steps, learning rate \(config.training.learningRate)")
        return lines
    }
}
