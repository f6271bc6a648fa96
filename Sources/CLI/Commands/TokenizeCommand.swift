import ArgumentParser
import Foundation
import TinyTune
import TinyTunePlugins

/// `tinytune tokenize --model PATH`: text on stdin → token ids, or ids → text with `--decode`.
///
///     echo "Hello world" | tinytune tokenize --model models/gemma-3-270m-q4_k_m.gguf          # 9259 1902 107
///     echo "Hello" | tinytune tokenize --model m.gguf --add-special --json                     # {"ids": [2, 9259, 107]}
///     printf '{"text": "a"}\n{"text": "b"}\n' | tinytune tokenize --model m.gguf --jsonl       # one {"ids": [...]} a line
///     echo "9259 1902" | tinytune tokenize --model m.gguf --decode                             # Hello world
///
/// Bad input: stdin that is not UTF-8 is an error naming the byte offset; ids outside the vocabulary are an error
/// naming the id; `--decode` writes U+FFFD for byte tokens that never form a character.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize", abstract: "Turn text on stdin into token ids (or ids into text with --decode).",
        discussion: """
            Special-token text such as <start_of_turn> becomes its id unless --no-parse-special. No BOS/EOS unless \
            --add-special. Plain output is the ids separated by spaces on one line; --decode reads ids separated by \
            spaces, commas or newlines, or a JSON array, or {"ids": [...]}.
            """)

    @Option(help: "The model: a GGUF file, a tokenizer.json or a model folder with one.") var model: String
    @Flag(inversion: .prefixedNo, help: "Parse special-token text into its id (default on).")
    var parseSpecial = true
    @Flag(help: "Add BOS/EOS as the model's configuration says.") var addSpecial = false
    @Flag(help: "Print {\"ids\": [...]} (with --decode: {\"text\": \"...\"}).") var json = false
    @Flag(help: "Read JSON lines {\"text\": ...} (with --decode: {\"ids\": [...]}) and write one result a line.")
    var jsonl = false
    @Flag(help: "Read ids, write text.") var decode = false
    @Flag(help: "Print input size, token count and encoding speed (MB/s, load excluded) on stderr.") var stats = false

    func run() throws {
        try runReportingErrors {
            let tokenizer = try TokenizerFiles.load(path: model)
            let input = FileHandle.standardInput.readDataToEndOfFile()
            let start = DispatchTime.now().uptimeNanoseconds
            let output = try TokenizeRunner(tokenizer: tokenizer, parseSpecial: parseSpecial, addSpecial: addSpecial)
                .run(input: input, json: json, jsonl: jsonl, decode: decode)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            FileHandle.standardOutput.write(Data(output.utf8))
            if stats {
                let megabytes = Double(input.count) / 1e6
                let line = String(format: "%.2f MB in %.3f s: %.2f MB/s\n", megabytes, seconds, megabytes / seconds)
                FileHandle.standardError.write(Data(line.utf8))
            }
        }
    }
}

/// The work of `tinytune tokenize`, apart from stdin and stdout so tests can call it.
struct TokenizeRunner {
    let tokenizer: TokenizerPipeline
    let parseSpecial: Bool
    let addSpecial: Bool

    func run(input: Data, json: Bool, jsonl: Bool, decode: Bool) throws -> String {
        let text = try Self.utf8(input, source: "stdin")
        if jsonl {
            // Parse every line first (errors name the line), then encode the batch on all cores.
            var inputs: [(source: String, value: JSONValue)] = []
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.utf8.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) {
                let source = "stdin:\(number + 1)"
                inputs.append((source, try JSONValue.parse(String(line), source: source)))
            }
            if decode {
                return try inputs.map { input in
                    let ids = try Self.ids(from: input.value, source: input.source)
                    return JSONValue.object([("text", .string(try tokenizer.decode(ids)))]).serialized() + "\n"
                }.joined()
            }
            let texts = try inputs.map { input -> String in
                guard case .string(let s)? = input.value["text"] else {
                    throw TinyTuneError.unsupported(
                        "\(input.source): expected {\"text\": \"...\"}, got \(input.value.excerpt)")
                }
                return s
            }
            return tokenizer.encodeBatch(texts, addSpecialTokens: addSpecial, parseSpecial: parseSpecial)
                .map { Self.idsJSON($0) + "\n" }.joined()
        }
        if decode {
            let ids = try Self.parseIDs(text)
            let decoded = try tokenizer.decode(ids)
            return json ? JSONValue.object([("text", .string(decoded))]).serialized() + "\n" : decoded
        }
        let ids = encode(text)
        return json ? Self.idsJSON(ids) + "\n" : ids.map(String.init).joined(separator: " ") + "\n"
    }

    private func encode(_ text: String) -> [Int] {
        tokenizer.encode(text, addSpecialTokens: addSpecial, parseSpecial: parseSpecial)
    }

    /// `data` as text; invalid UTF-8 is an error naming the first bad byte.
    static func utf8(_ data: Data, source: String) throws -> String {
        if let text = String(validating: data, as: UTF8.self) { return text }
        var iterator = data.makeIterator()
        var decoder = UTF8()
        var offset = 0
        loop: while true {
            let before = offset
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: break loop
            case .error: offset = before; break loop
            }
        }
        throw TinyTuneError.unsupported("\(source): not valid UTF-8 (first bad byte at offset \(offset))")
    }

    static func idsJSON(_ ids: [Int]) -> String {
        "{\"ids\": [" + ids.map(String.init).joined(separator: ", ") + "]}"
    }

    /// Ids as plain numbers (spaces, commas, newlines), a JSON array or {"ids": [...]}.
    static func parseIDs(_ text: String) throws -> [Int] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("[") || trimmed.hasPrefix("{") {
            return try ids(from: JSONValue.parse(trimmed, source: "stdin"), source: "stdin")
        }
        return try trimmed.split(whereSeparator: { $0 == " " || $0 == "," || $0.isNewline || $0 == "\t" })
            .map { word in
                guard let id = Int(word) else { throw TinyTuneError.unsupported("stdin: \"\(word)\" is not a token id") }
                return id
            }
    }

    static func ids(from value: JSONValue, source: String) throws -> [Int] {
        let list: JSONValue? = if case .array = value { value } else { value["ids"] }
        guard case .array(let elements)? = list else {
            throw TinyTuneError.unsupported("\(source): expected a list of ids or {\"ids\": [...]}, got \(value.excerpt)")
        }
        return try elements.map { element in
            guard case .int(let n) = element, let id = Int(exactly: n) else {
                throw TinyTuneError.unsupported("\(source): \(element.excerpt) is not a token id")
            }
            return id
        }
    }
}
