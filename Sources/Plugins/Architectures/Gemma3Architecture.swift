import TinyTune

/// Gemma 3 text decoder: √d embedding scale, (1 + w) RMSNorm, Q/K norms, GeGLU, sandwich norms, sliding-window
/// layers beside global ones. Registered also as `gemma3_text` (transformers' `model_type`).
/// The forward pass arrives with issue #5.
public struct Gemma3Architecture: Plugin, ModelArchitecture {
    public static let typeName = "gemma3"
    public static let summary = "Gemma 3 decoder: GeGLU, Q/K norms, sandwich norms, sliding-window + global layers"
    public let configuration: DecoderConfiguration
    public var shape: DecoderShape { configuration.shape }

    public init(options: ArchitectureOptions, context: PluginContext) throws {
        self.init(configuration: options.configuration)
    }

    /// From a configuration read from config.json or GGUF metadata.
    public init(configuration: DecoderConfiguration) {
        self.configuration = configuration
    }
}
