// A Hugging Face model folder: config.json (typed), safetensors weights (one file or sharded), and the tokenizer
// files when present: tokenizer.json, tokenizer_config.json (special tokens, chat_template) and
// generation_config.json (EOS ids).

import Foundation
import TinyTune
import TinyTuneLoaders

/// Everything a model folder holds, parsed and checked; weights stay memory-mapped.
///
///     let folder = try ModelFolder(path: "checkpoints/qwen2.5-0.5b-instruct")
///     folder.configuration.family          // .qwen2
///     folder.eosTokenIDs                   // [151645, 151643] from generation_config.json
///     let w = try folder.weights.tensor(named: "model.layers.0.mlp.up_proj.weight")
public struct ModelFolder: Sendable {
    public let path: String
    public let configuration: DecoderConfiguration
    public let weights: SafetensorsCheckpoint
    /// tokenizer.json, when the folder has one.
    public let tokenizerPath: String?
    /// tokenizer_config.json, when present.
    public let tokenizerConfig: JSONValue?
    /// generation_config.json, when present.
    public let generationConfig: JSONValue?

    public init(path: String) throws {
        self.path = path
        let folder = URL(fileURLWithPath: path)
        func file(_ name: String) -> String? {
            let p = folder.appendingPathComponent(name).path
            return FileManager.default.fileExists(atPath: p) ? p : nil
        }
        guard let configPath = file("config.json") else {
            throw TinyTuneError.invalidFile(path: path, reason: "a model folder needs config.json")
        }
        do {
            configuration = try DecoderConfiguration(huggingFace: JSONValue.parse(contentsOf: configPath))
        } catch let error as ConfigError {
            throw TinyTuneError.invalidFile(path: configPath, reason: "\(error.path): \(error.message)")
        }
        weights = try SafetensorsCheckpoint(path: path)
        tokenizerPath = file("tokenizer.json")
        tokenizerConfig = try file("tokenizer_config.json").map { try JSONValue.parse(contentsOf: $0) }
        generationConfig = try file("generation_config.json").map { try JSONValue.parse(contentsOf: $0) }
        // Tied embeddings: the head must exist unless the config ties it.
        if !configuration.tieWordEmbeddings, weights.info(named: "lm_head.weight") == nil,
           weights.info(named: "model.embed_tokens.weight") != nil {
            throw TinyTuneError.invalidFile(path: path, reason: "config.json has tie_word_embeddings false but there is no lm_head.weight")
        }
    }

    /// EOS ids: generation_config.json's `eos_token_id` (a number or a list) if present, else config.json's is
    /// not read here (the tokenizer's EOS applies).
    public var eosTokenIDs: [Int] {
        switch generationConfig?["eos_token_id"] {
        case let .int(i)?: return [Int(i)]
        case let .array(items)?: return items.compactMap { if case let .int(i) = $0 { Int(i) } else { nil } }
        default: return []
        }
    }

    /// tokenizer_config.json's `chat_template`, when it is a string.
    public var chatTemplate: String? {
        if case let .string(s)? = tokenizerConfig?["chat_template"] { return s }
        return nil
    }
}
