import ArgumentParser
import TinyTune
import TinyTunePlugins

/// `tinytune plan CONFIG [--json]`: the adapter's exact trainable parameter count, its bytes in f32 and bf16 and
/// its tying groups, from the model's configuration (config.json or GGUF metadata) without reading weights.
///
///     $ tinytune plan Examples/quickstart.json --json
///     {"trainable_parameters":13,"bytes_f32":52,"bytes_bf16":26,"groups":[{"name":"tinylora_v.0",...}]}
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Count an adapter's trainable parameters, bytes and tying groups.")
    @Argument(help: "The config file.") var config: String
    @Flag(help: "Print {\"trainable_parameters\", \"bytes_f32\", \"bytes_bf16\", \"groups\"}.") var json = false

    func run() throws {
        try runReportingErrors {
            let plan = try Self.plan(configPath: config, registry: try CLIRegistry.shared.get())
            print(json ? plan.json.serialized() : plan.text)
        }
    }

    static func plan(configPath: String, registry: PluginRegistry) throws -> AdapterPlan {
        let loaded = try ConfigLoader(registry: registry).load(path: configPath)
        let pipeline = try Pipeline.assemble(loaded, registry: registry)
        guard let adapter = pipeline.adapter else {
            throw TinyTuneError.unsupported("\(configPath): no adapter section to plan")
        }
        let configuration = try CheckpointWeights(path: pipeline.loader.path).configuration
        return AdapterPlan(family: adapter, modules: PlannedModel(shape: configuration.shape).linearModules)
    }
}

/// Only the shape of a checkpoint's model: enough to list its linear modules.
private struct PlannedModel: ModelArchitecture {
    let shape: DecoderShape
}
