import TinyTune

/// Qwen2 and Qwen2.5: grouped-query attention with Q/K/V bias, RoPE, RMSNorm, SwiGLU. The forward pass arrives
/// with issue #5; the configuration is read now so `plan` and `validate` work.
public struct Qwen2Architecture: Plugin, ModelArchitecture {
    public static let typeName = "qwen2"
    public static let summary = "Qwen2/Qwen2.5 decoder: GQA with Q/K/V bias, RoPE, RMSNorm, SwiGLU"
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
