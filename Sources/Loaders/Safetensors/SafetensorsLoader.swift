import Foundation
import TinyTune

/// Loads a `.safetensors` file or a Hugging Face model folder (`config.json`, `model.safetensors` or a sharded
/// `model.safetensors.index.json`, `tokenizer.json`).
///
///     "model": {"type": "safetensors", "path": "checkpoints/qwen2-tiny"}
public struct SafetensorsLoader: Plugin, WeightLoader {
    public static let typeName = "safetensors"
    public static let summary = "a .safetensors file or a Hugging Face model folder (config.json + safetensors shards)"

    public let path: String

    public init(options: CheckpointPathOptions, context: PluginContext) throws {
        path = context.resolve(options.path)
    }

    public func checkFiles() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TinyTuneError.io(path: path, reason: "no such file or folder")
        }
        if isDirectory.boolValue {
            let folder = URL(fileURLWithPath: path)
            let config = folder.appendingPathComponent("config.json").path
            guard FileManager.default.fileExists(atPath: config) else {
                throw TinyTuneError.invalidFile(path: path, reason: "a model folder needs config.json")
            }
            let weights = ["model.safetensors", "model.safetensors.index.json"]
            guard weights.contains(where: { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) })
            else {
                throw TinyTuneError.invalidFile(path: path, reason: "a model folder needs model.safetensors or model.safetensors.index.json")
            }
        }
        // Parses every header (offsets, dtypes, shard index); reads no tensor data.
        _ = try SafetensorsCheckpoint(path: path)
    }

    /// The weights, memory-mapped (tensors are converted on demand).
    public func open() throws -> SafetensorsCheckpoint {
        try SafetensorsCheckpoint(path: path)
    }
}
