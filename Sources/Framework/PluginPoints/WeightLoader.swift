/// Reads a checkpoint from disk (safetensors file or Hugging Face folder, GGUF file).
/// Registered under `loaders`; the config's `model` section names one.
public protocol WeightLoader: Sendable {
    /// The resolved file or folder this loader reads.
    var path: String { get }
    /// Checks that the files exist and their headers are sound, without reading tensor data.
    func checkFiles() throws
}
