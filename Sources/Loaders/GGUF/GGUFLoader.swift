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

    public func checkFiles() throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TinyTuneError.io(path: path, reason: "no such file (or not readable)")
        }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 4)) ?? Data()
        guard magic == Data("GGUF".utf8) else {
            throw TinyTuneError.invalidFile(path: path, reason: "not a GGUF file (the first four bytes are not \"GGUF\")")
        }
    }
}
