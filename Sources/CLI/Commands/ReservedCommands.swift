import ArgumentParser
import TinyTune

// Subcommands that later issues fill in. Each accepts its future arguments and says which issue builds it, so
// scripts written against the documented interface fail with a clear message rather than a usage error.

/// Loads and checks a config, builds the pipeline, checks the mode's sections, then reports what is missing.
private func assembleThenDefer(config: String, mode: RunMode, feature: String, issue: Int) throws {
    let registry = try CLIRegistry.shared.get()
    let loaded = try ConfigLoader(registry: registry).load(path: config)
    let pipeline = try Pipeline.assemble(loaded, registry: registry)
    try pipeline.checkRequirements(for: mode)
    throw TinyTuneError.notAvailableYet(feature: feature, issue: issue)
}

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Train several adapter families and sizes on one task and tabulate them.")
    @Argument(help: "The config file.") var config: String
    func run() throws {
        try runReportingErrors {
            try assembleThenDefer(config: config, mode: .train, feature: "`tinytune compare`", issue: 8)
        }
    }
}
