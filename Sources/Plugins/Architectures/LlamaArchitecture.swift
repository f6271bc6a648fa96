import TinyTune

/// Llama 2 and 3: grouped-query attention without bias, RoPE (with llama3 scaling), RMSNorm, SwiGLU.
/// The forward pass arrives with issue #5.
public struct LlamaArchitecture: Plugin, ModelArchitecture {
    public static let typeName = "llama"
    public static let summary = "Llama 2/3 decoder: GQA, RoPE with llama3 scaling, RMSNorm, SwiGLU"
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
