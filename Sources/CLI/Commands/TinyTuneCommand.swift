import ArgumentParser
import Foundation
import TinyTune
import TinyTunePlugins

/// The `tinytune` command line. Programs that add plugins reuse it whole:
///
///     let registry = try BuiltinPlugins.registry()
///     try registry.rewards.register(KeywordReward.self)
///     TinyTuneCommand.main(registry: registry)
public struct TinyTuneCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tinytune",
        abstract: "Train tiny adapters (TinyLoRA, LoRA-XS, VeRA, LoRA) with GRPO or SFT on a CPU.",
        discussion: """
            Exit status: 0 success, 1 error (bad config, bad file), 2 feature not available yet, 64 bad usage.
            """,
        subcommands: [
            PluginsCommand.self, ValidateCommand.self, InspectCommand.self, TokenizeCommand.self,
            GenerateCommand.self, LogitsCommand.self, PlanCommand.self, TrainCommand.self, EvalCommand.self,
            CompareCommand.self, PlotCommand.self, RewardCommand.self, BenchCommand.self,
        ])

    public init() {}

    /// Runs the command line with `registry` instead of the built-in plugins alone.
    public static func main(registry: PluginRegistry) {
        CLIRegistry.shared.set(registry)
        main()
    }
}

/// The registry the commands use: the built-ins unless a program passed its own to `main(registry:)`.
final class CLIRegistry: @unchecked Sendable {
    static let shared = CLIRegistry()
    private let lock = NSLock()
    private var registry: PluginRegistry?

    func set(_ registry: PluginRegistry) { lock.withLock { self.registry = registry } }

    func get() throws -> PluginRegistry {
        try lock.withLock {
            if let registry { return registry }
            let builtins = try BuiltinPlugins.registry()
            registry = builtins
            return builtins
        }
    }
}

/// Prints an error the way every command does and picks the exit status.
func fail(_ error: any Error) -> ExitCode {
    if case TinyTuneError.notAvailableYet = error {
        FileHandle.standardError.write(Data("tinytune: \(error)\n".utf8))
        return ExitCode(2)
    }
    let lines = (error as? ConfigErrors)?.errors.map(\.description) ?? ["\(error)"]
    FileHandle.standardError.write(Data(lines.map { "error: \($0)\n" }.joined().utf8))
    return ExitCode(1)
}

/// Runs a command body, turning thrown errors into a message and an exit status.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        throw fail(error)
    }
}
