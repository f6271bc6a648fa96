import Foundation
import Testing
import TinyTune
@testable import TinyTunePlugins

/// Shared files for the tokenizer tests: llama.cpp's vocabulary vectors in `../shared/fixtures/llamacpp-vocab`
/// beside the clone, and the real model under `models/`.
enum TokenizerFixtures {
    /// The package root, found from this file's path.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let vocabFolder = packageRoot.appendingPathComponent("../shared/fixtures/llamacpp-vocab").standardized

    static func vocabPath(_ name: String) throws -> String {
        let path = vocabFolder.appendingPathComponent("ggml-vocab-\(name).gguf").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw TinyTuneError.io(path: path, reason: "missing: the llama.cpp vocabulary fixtures live in "
                                   + "../shared/fixtures/llamacpp-vocab beside the repository")
        }
        return path
    }

    /// llama.cpp `tests/test-tokenizer-0.cpp` format: inputs joined by "\n__ggml_vocab_test__\n" (with a trailing
    /// separator), one line of space-separated ids per input.
    static func vectors(_ name: String) throws -> [(text: String, ids: [Int])] {
        let base = try vocabPath(name)
        let input = try String(contentsOfFile: base + ".inp", encoding: .utf8)
        let output = try String(contentsOfFile: base + ".out", encoding: .utf8)
        var texts = input.components(separatedBy: "\n__ggml_vocab_test__\n")
        if texts.last == "" { texts.removeLast() }
        var lines = output.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        guard texts.count == lines.count else {
            throw TinyTuneError.invalidFile(path: base + ".out",
                                            reason: "\(lines.count) lines for \(texts.count) inputs")
        }
        return try zip(texts, lines).map { text, line in
            let ids = try line.split(separator: " ").map { word -> Int in
                guard let id = Int(word) else {
                    throw TinyTuneError.invalidFile(path: base + ".out", reason: "\"\(word)\" is not an id")
                }
                return id
            }
            return (text, ids)
        }
    }

    /// Tokenizers are costly to build (the Qwen2 vocabulary has 152k tokens): build each once per test process.
    static func tokenizer(_ name: String) throws -> TokenizerPipeline {
        try cache.get(name) { try TokenizerPipeline(vocabulary: TokenizerVocabulary(ggufPath: vocabPath(name))) }
    }

    static let gemmaPath = packageRoot.appendingPathComponent("models/gemma-3-270m-q4_k_m.gguf").path

    static func gemma() throws -> TokenizerPipeline {
        guard FileManager.default.fileExists(atPath: gemmaPath) else {
            throw TinyTuneError.io(path: gemmaPath, reason: "missing: run `bash scripts/install-deps.sh` to link it")
        }
        return try cache.get("gemma-3") { try TokenizerPipeline(vocabulary: TokenizerVocabulary(ggufPath: gemmaPath)) }
    }

    private static let cache = TokenizerCache()
}

/// One tokenizer per key, built once; different keys build at the same time (tests run in parallel).
final class TokenizerCache: @unchecked Sendable {
    private final class Entry: @unchecked Sendable {
        let lock = NSLock()
        var tokenizer: TokenizerPipeline?
    }
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    func get(_ key: String, make: () throws -> TokenizerPipeline) throws -> TokenizerPipeline {
        let entry = lock.withLock { () -> Entry in
            if let e = entries[key] { return e }
            let e = Entry()
            entries[key] = e
            return e
        }
        entry.lock.lock(); defer { entry.lock.unlock() }
        if let t = entry.tokenizer { return t }
        let t = try make()
        entry.tokenizer = t
        return t
    }
}
