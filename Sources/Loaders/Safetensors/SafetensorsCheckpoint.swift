// A Hugging Face checkpoint's weights: one `model.safetensors`, or shards listed by
// `model.safetensors.index.json` ({"metadata": {...}, "weight_map": {tensor name: shard file}}).

import Foundation
import TinyTune

/// The weights of a model folder (or one .safetensors file), with lookup by tensor name across shards.
///
///     let weights = try SafetensorsCheckpoint(path: "checkpoints/qwen2-tiny")   // folder or file
///     let names = weights.tensorNames                                          // every tensor, sorted
///     let q = try weights.tensor(named: "model.layers.0.self_attn.q_proj.weight")
public struct SafetensorsCheckpoint: Sendable {
    /// The shard files, each parsed (header checked) and mapped.
    public let shards: [SafetensorsFile]
    private let location: [String: Int]

    /// Opens a `.safetensors` file, or a folder with `model.safetensors` or `model.safetensors.index.json`.
    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TinyTuneError.io(path: path, reason: "no such file or folder")
        }
        guard isDirectory.boolValue else {
            let file = try SafetensorsFile(path: path)
            self.init(shards: [file], location: Dictionary(file.tensors.map { ($0.name, 0) }, uniquingKeysWith: { a, _ in a }))
            return
        }
        let folder = URL(fileURLWithPath: path)
        let indexPath = folder.appendingPathComponent("model.safetensors.index.json").path
        let singlePath = folder.appendingPathComponent("model.safetensors").path
        if FileManager.default.fileExists(atPath: indexPath) {
            let index = try JSONValue.parse(contentsOf: indexPath)
            guard case .object(let map)? = index["weight_map"] else {
                throw TinyTuneError.invalidFile(path: indexPath, reason: "no \"weight_map\" object")
            }
            var shardOrder: [String] = []
            var shardNumber: [String: Int] = [:]
            var location: [String: Int] = [:]
            for (tensor, value) in map {
                guard case let .string(file) = value, !file.contains("/"), !file.isEmpty else {
                    throw TinyTuneError.invalidFile(path: indexPath, reason: "weight_map[\"\(tensor)\"] must be a file name in the folder")
                }
                if shardNumber[file] == nil {
                    shardNumber[file] = shardOrder.count
                    shardOrder.append(file)
                }
                location[tensor] = shardNumber[file]
            }
            let shards = try shardOrder.map { try SafetensorsFile(path: folder.appendingPathComponent($0).path) }
            for (tensor, shard) in location where shards[shard].info(named: tensor) == nil {
                throw TinyTuneError.invalidFile(path: indexPath, reason: "weight_map puts \"\(tensor)\" in \(shardOrder[shard]), which has no such tensor")
            }
            for (number, shard) in shards.enumerated() {
                for info in shard.tensors where location[info.name] != number {
                    throw TinyTuneError.invalidFile(path: shard.path, reason: "tensor \"\(info.name)\" is not listed for this shard in model.safetensors.index.json")
                }
            }
            self.init(shards: shards, location: location)
        } else if FileManager.default.fileExists(atPath: singlePath) {
            try self.init(path: singlePath)
        } else {
            throw TinyTuneError.invalidFile(path: path, reason: "a model folder needs model.safetensors or model.safetensors.index.json")
        }
    }

    private init(shards: [SafetensorsFile], location: [String: Int]) {
        self.shards = shards
        self.location = location
    }

    /// Every tensor name, sorted.
    public var tensorNames: [String] { location.keys.sorted() }

    /// The info and file of the tensor named `name`.
    public func info(named name: String) -> (info: SafetensorsTensorInfo, file: SafetensorsFile)? {
        guard let shard = location[name], let info = shards[shard].info(named: name) else { return nil }
        return (info, shards[shard])
    }

    /// The tensor as f32 (see `SafetensorsFile.tensor(named:)`).
    public func tensor(named name: String) throws -> Tensor {
        guard let (info, file) = info(named: name) else {
            throw TinyTuneError.invalidFile(path: shards.first?.path ?? "", reason: "no tensor named \"\(name)\" in the checkpoint")
        }
        return try file.tensor(info)
    }
}
