// A model's weights under Hugging Face names with the source's conventions undone, so a GGUF file and a model
// folder of the same model give the same configuration and the same tensors (TensorNaming.swift lists the
// conversions). This is where model loading reads weights; `tinytune inspect` shows them as stored instead.

import Foundation
import TinyTune
import TinyTuneLoaders

/// The weights and configuration of a model, from a GGUF file or a Hugging Face model folder.
///
///     let weights = try CheckpointWeights(path: "models/gemma-3-270m-q4_k_m.gguf")
///     weights.configuration.family                         // .gemma3
///     let norm = try weights.tensor(named: "model.norm.weight")   // w, not llama.cpp's stored 1 + w
public struct CheckpointWeights: Sendable {
    public enum Source: Sendable {
        case gguf(GGUFFile)
        case folder(ModelFolder)
    }

    public let source: Source
    public let configuration: DecoderConfiguration
    /// Hugging Face name → GGUF name (GGUF sources only).
    private let ggufNames: [String: String]

    /// Opens a GGUF file or a model folder.
    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TinyTuneError.io(path: path, reason: "no such file or folder")
        }
        if isDirectory.boolValue {
            let folder = try ModelFolder(path: path)
            self.init(source: .folder(folder), configuration: folder.configuration, ggufNames: [:])
            return
        }
        let file = try GGUFFile(path: path)
        let configuration = try DecoderConfiguration(gguf: file)
        let naming = TensorNaming(family: configuration.family)
        var names: [String: String] = [:]
        for tensor in file.tensors {
            if let hf = naming.huggingFaceName(forGGUF: tensor.name) { names[hf] = tensor.name }
        }
        self.init(source: .gguf(file), configuration: configuration, ggufNames: names)
    }

    private init(source: Source, configuration: DecoderConfiguration, ggufNames: [String: String]) {
        self.source = source
        self.configuration = configuration
        self.ggufNames = ggufNames
    }

    /// Every weight's Hugging Face name, sorted (GGUF tensors without one, such as `rope_freqs.weight`, are left out).
    public var tensorNames: [String] {
        switch source {
        case .gguf: return ggufNames.keys.sorted()
        case let .folder(folder): return folder.weights.tensorNames
        }
    }

    /// The weight named `name` (Hugging Face spelling) as f32, converted to Hugging Face's conventions.
    /// `lm_head.weight` of a model with tied embeddings is the embedding.
    public func tensor(named name: String) throws -> Tensor {
        if name == "lm_head.weight", configuration.tieWordEmbeddings, !tensorNames.contains(name) {
            return try tensor(named: "model.embed_tokens.weight")
        }
        switch source {
        case let .folder(folder):
            return try folder.weights.tensor(named: name)
        case let .gguf(file):
            guard let stored = ggufNames[name] else {
                throw TinyTuneError.invalidFile(path: file.path, reason: "no tensor for \"\(name)\"")
            }
            let conversion = TensorNaming(family: configuration.family).conversion(forGGUF: stored, configuration: configuration)
            return try conversion.apply(to: file.dequantize(named: stored))
        }
    }
}
