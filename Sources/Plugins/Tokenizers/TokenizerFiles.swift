import Foundation
import TinyTune
import TinyTuneLoaders

/// Finds and loads a tokenizer from a checkpoint path: a GGUF file, a `tokenizer.json` (byte-level BPE for now) or
/// a model folder holding one (with its `tokenizer_config.json`).
///
///     let tokenizer = try TokenizerFiles.load(path: "models/gemma-3-270m-q4_k_m.gguf")
///     tokenizer.encode("Hello", addSpecialTokens: true, parseSpecial: true)   // [2, 9259]
public enum TokenizerFiles {
    public static func load(path: String) throws -> TokenizerPipeline {
        try TokenizerPipeline(vocabulary: vocabulary(path: path))
    }

    public static func vocabulary(path: String) throws -> TokenizerVocabulary {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw TinyTuneError.io(path: path, reason: "no such file or folder")
        }
        if isFolder.boolValue {
            let json = URL(fileURLWithPath: path).appendingPathComponent("tokenizer.json").path
            guard FileManager.default.fileExists(atPath: json) else {
                throw TinyTuneError.io(path: path, reason: "a model folder needs a tokenizer.json")
            }
            return try TokenizerVocabulary(tokenizerJSONPath: json)
        }
        if path.hasSuffix(".json") { return try TokenizerVocabulary(tokenizerJSONPath: path) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TinyTuneError.io(path: path, reason: "not readable")
        }
        let magic = (try? handle.read(upToCount: 4)) ?? Data()
        try? handle.close()
        guard magic == Data("GGUF".utf8) else {
            throw TinyTuneError.invalidFile(
                path: path, reason: "not a GGUF file (the first four bytes are not \"GGUF\"); tokenizers load from "
                    + "GGUF files for now")
        }
        return try TokenizerVocabulary(ggufPath: path)
    }
}

/// A tokenizer loaded on first use, so building a pipeline from a config reads no files.
final class LazyTokenizer: @unchecked Sendable {
    private let lock = NSLock()
    private var loaded: Result<TokenizerPipeline, any Error>?
    private let path: String
    private let expected: TokenizerVocabulary.Model
    private let pluginName: String

    init(path: String, expected: TokenizerVocabulary.Model, pluginName: String) {
        self.path = path
        self.expected = expected
        self.pluginName = pluginName
    }

    func get() throws -> TokenizerPipeline {
        try lock.withLock {
            if let loaded { return try loaded.get() }
            let result = Result { () throws -> TokenizerPipeline in
                let vocabulary = try TokenizerFiles.vocabulary(path: path)
                guard vocabulary.model == expected else {
                    throw TinyTuneError.invalidFile(
                        path: path, reason: "tokenizer.ggml.model is \"\(vocabulary.model.rawValue)\", which the "
                            + "\(pluginName) tokenizer does not read (it expects \"\(expected.rawValue)\")")
                }
                return try TokenizerPipeline(vocabulary: vocabulary)
            }
            loaded = result
            return try result.get()
        }
    }
}
