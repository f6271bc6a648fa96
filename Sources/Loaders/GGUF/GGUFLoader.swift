import Foundation
import TinyTune

/// Loads a GGUF file (llama.cpp's format, v2 and v3), including its tokenizer metadata.
///
///     "model": {"type": "gguf", "path": "../models/gemma-3-270m-q4_k_m.gguf"}
public struct GGUFLoader: Plugin, WeightLoader {
    public static let typeName = "gguf"
    public static let summary = "a GGUF file (llama.cpp), quantized or not, with its tokenizer"

    public let path: String

    public init(options: CheckpointPathOptions, context: PluginContext) throws {
        path = context.resolve(options.path)
    }

    /// Parses the whole header (metadata and tensor table, every offset checked); reads no tensor data.
    public func checkFiles() throws {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw TinyTuneError.io(path: path, reason: "no such file (or not readable)")
        }
        _ = try GGUFFile(path: path)
    }

    /// The parsed file (memory-mapped; tensors are converted on demand).
    public func open() throws -> GGUFFile {
        try GGUFFile(path: path)
    }
}
