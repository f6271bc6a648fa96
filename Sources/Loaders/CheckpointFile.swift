// Any checkpoint TinyTune reads, opened by what it is: a GGUF file, a .safetensors file, or a Hugging Face
// model folder. For `tinytune inspect` and anything else that lists tensors without caring about the format.

import Foundation
import TinyTune

/// A checkpoint opened by format, with a format-neutral tensor table.
///
///     let checkpoint = try CheckpointFile(path: "models/gemma-3-270m-q4_k_m.gguf")
///     for t in checkpoint.tensorTable { print(t.name, t.dtype, t.shape) }
///     let (tensor, dtype) = try checkpoint.values(named: "output_norm.weight")   // f32, stored names
public enum CheckpointFile: Sendable {
    case gguf(GGUFFile)
    /// A .safetensors file or a model folder; `config` is the folder's config.json when there is one.
    case safetensors(SafetensorsCheckpoint, config: JSONValue?)

    /// One row of the tensor table: the name as stored, the stored type's name, and the row-major shape.
    public struct TensorRow: Sendable, Equatable {
        public let name: String
        public let dtype: String
        public let shape: [Int]
    }

    /// Opens `path`: a folder is a Hugging Face model folder; a file starting with "GGUF" is GGUF; anything else
    /// must be safetensors.
    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TinyTuneError.io(path: path, reason: "no such file or folder")
        }
        if isDirectory.boolValue {
            let configPath = URL(fileURLWithPath: path).appendingPathComponent("config.json").path
            let config = FileManager.default.fileExists(atPath: configPath) ? try JSONValue.parse(contentsOf: configPath) : nil
            self = .safetensors(try SafetensorsCheckpoint(path: path), config: config)
            return
        }
        let mapped = try MappedFile(path: path)
        if mapped.bytes.starts(with: "GGUF".utf8) {
            self = .gguf(try GGUFFile(file: mapped))
        } else {
            do {
                self = .safetensors(try SafetensorsCheckpoint(path: path), config: nil)
            } catch let TinyTuneError.invalidFile(errorPath, reason) where !path.hasSuffix(".safetensors") {
                throw TinyTuneError.invalidFile(path: errorPath, reason: "not GGUF (no \"GGUF\" magic) and not safetensors: \(reason)")
            }
        }
    }

    /// "gguf" or "safetensors".
    public var format: String {
        switch self {
        case .gguf: return "gguf"
        case .safetensors: return "safetensors"
        }
    }

    /// Every tensor in stored order (GGUF) or by name (safetensors).
    public var tensorTable: [TensorRow] {
        switch self {
        case let .gguf(file):
            return file.tensors.map { TensorRow(name: $0.name, dtype: $0.type.name, shape: $0.shape) }
        case let .safetensors(checkpoint, _):
            return checkpoint.tensorNames.compactMap { name in
                checkpoint.info(named: name).map { TensorRow(name: name, dtype: $0.info.dtype.rawValue, shape: $0.info.shape) }
            }
        }
    }

    /// The metadata as JSON: GGUF key-value pairs in file order, or for safetensors each shard's
    /// `__metadata__` and the folder's config.json.
    public var metadataJSON: JSONValue {
        switch self {
        case let .gguf(file):
            return .object(file.metadata.entries.map { ($0.key, $0.value.json) })
        case let .safetensors(checkpoint, config):
            var members: [(key: String, value: JSONValue)] = []
            for shard in checkpoint.shards where !shard.metadata.isEmpty {
                let name = URL(fileURLWithPath: shard.path).lastPathComponent
                members.append((name, .object(shard.metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
            }
            if let config { members.append(("config.json", config)) }
            return .object(members)
        }
    }

    /// The stored values of tensor `name` as f32 (dequantized, no model-level conversion) and the stored type.
    public func values(named name: String) throws -> (tensor: Tensor, dtype: String) {
        switch self {
        case let .gguf(file):
            guard let info = file.tensor(named: name) else {
                throw TinyTuneError.invalidFile(path: file.path, reason: "no tensor named \"\(name)\"")
            }
            return (try file.dequantize(info), info.type.name)
        case let .safetensors(checkpoint, _):
            guard let (info, shard) = checkpoint.info(named: name) else {
                throw TinyTuneError.invalidFile(path: checkpoint.shards.first?.path ?? "", reason: "no tensor named \"\(name)\"")
            }
            if info.dtype.isInteger {
                let ints = try shard.integers(named: name)
                return (Tensor(ints.map { Float($0) }, shape: info.shape), info.dtype.rawValue)
            }
            return (try shard.tensor(info), info.dtype.rawValue)
        }
    }
}
