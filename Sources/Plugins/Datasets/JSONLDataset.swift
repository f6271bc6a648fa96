import CZstd
import Foundation
import TinyTune

/// Options of a JSON-lines dataset.
public struct JSONLDatasetOptions: PluginOptions {
    /// A `.jsonl` or zstd-compressed `.jsonl.zst` file, relative to the config file. Required.
    public let path: String
    /// Field conventions: `gsm8k` (question / answer ending in `#### N`), `math` (problem / solution with
    /// `\boxed{}`), or `custom` with `prompt_field` and `answer_field`. Default `gsm8k`.
    public let format: Format
    public let promptField: String
    public let answerField: String
    /// Rows held out for evaluation (taken after the seeded shuffle). Default 200.
    public let evalSize: Int
    /// Seed of the shuffle before the split. Default 0.
    public let shuffleSeed: UInt64
    /// Use at most this many rows in all. Default: every row.
    public let limit: Int?

    public enum Format: String, OptionEnum { case gsm8k, math, custom }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path, format, promptField = "prompt_field", answerField = "answer_field", evalSize = "eval_size"
        case shuffleSeed = "shuffle_seed", limit
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.required(.path, .nonEmpty)
        format = try c.value(.format, default: .gsm8k)
        let defaults: (String, String)
        switch format {
        case .gsm8k: defaults = ("question", "answer")
        case .math: defaults = ("problem", "solution")
        case .custom: defaults = ("prompt", "answer")
        }
        promptField = try c.value(.promptField, default: defaults.0, .nonEmpty)
        answerField = try c.value(.answerField, default: defaults.1, .nonEmpty)
        evalSize = try c.value(.evalSize, default: 200, .atLeast(0))
        shuffleSeed = try c.value(.shuffleSeed, default: 0)
        limit = try c.optional(.limit, .atLeast(1))
    }
}

/// Problems from a JSON-lines file, optionally zstd-compressed (`.zst`).
///
///     "dataset": {"type": "jsonl", "path": "data/gsm8k_train.jsonl.zst", "format": "gsm8k", "eval_size": 200}
///
/// Field conventions: `gsm8k` reads `question` and `answer`, whose final number after `####` becomes the gold;
/// `math` reads `problem` and `solution`, whose last `\boxed{}` becomes the gold; `custom` reads `prompt_field`
/// and `answer_field` as they are. Every example keeps its row's fields as columns, with `answer` set to the gold
/// and, when the gold was cut from a longer text, `solution` holding that text (the reference completion for SFT).
/// The first `limit` rows are kept, shuffled with `shuffle_seed`, and the first `eval_size` of them form the eval
/// split. A bad line is an error naming the file and the line.
public struct JSONLDataset: Plugin, Dataset {
    public static let typeName = "jsonl"
    public static let summary = "JSON lines (.jsonl or .jsonl.zst) with GSM8K, MATH or custom field names"
    public let options: JSONLDatasetOptions
    public let path: String

    public init(options: JSONLDatasetOptions, context: PluginContext) throws {
        self.options = options
        path = context.resolve(options.path)
    }

    public func examples(_ split: DatasetSplit) throws -> [Example] {
        var rows = try readExamples()
        var rng = SeededGenerator(seed: options.shuffleSeed)
        // Fisher–Yates from the end, with unbiased draws: the same order on every machine.
        if rows.count > 1 {
            for i in stride(from: rows.count - 1, to: 0, by: -1) { rows.swapAt(i, rng.int(in: 0...i)) }
        }
        let evalCount = min(options.evalSize, rows.count)
        switch split {
        case .eval:
            return Array(rows[..<evalCount])
        case .train:
            guard evalCount < rows.count else {
                throw TinyTuneError.invalidFile(path: path, reason:
                    "\(rows.count) rows and eval_size \(options.evalSize) leave none for training")
            }
            return Array(rows[evalCount...])
        }
    }

    /// Every row of the file as an example, in file order (at most `limit`), before the shuffle and split.
    public func readExamples() throws -> [Example] {
        let data = path.hasSuffix(".zst") ? try ZstdFile.decompress(path: path) : try Self.read(path)
        var examples: [Example] = []
        var lineNumber = 0
        var start = data.startIndex
        while start < data.endIndex {
            if let limit = options.limit, examples.count >= limit { break }
            let end = data[start...].firstIndex(of: 0x0A) ?? data.endIndex
            lineNumber += 1
            let line = data[start..<end]
            start = end < data.endIndex ? data.index(after: end) : end
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            examples.append(try example(from: Data(line), line: lineNumber))
        }
        return examples
    }

    private func example(from line: Data, line number: Int) throws -> Example {
        func bad(_ reason: String) -> TinyTuneError { .invalidFile(path: path, reason: "line \(number): \(reason)") }
        let row: JSONValue
        do {
            row = try JSONValue.parse(line, source: "line")
        } catch let error as JSONParseError {
            throw bad("column \(error.column): malformed JSON: \(error.reason)")
        }
        guard case .object(let members) = row else { throw bad("expected a JSON object, found \(row.kindDescription)") }
        guard case .string(let prompt)? = row[options.promptField] else {
            throw bad(row[options.promptField] == nil ? "no field \"\(options.promptField)\""
                      : "field \"\(options.promptField)\" is \(row[options.promptField]?.kindDescription ?? "null"), expected a string")
        }
        var columns = Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        let answerText: String?
        switch row[options.answerField] {
        case .string(let s)?: answerText = s
        case .int(let i)?: answerText = String(i)
        case .double(let d)?: answerText = String(d)
        case nil, .null?: answerText = nil
        case let other?: throw bad("field \"\(options.answerField)\" is \(other.kindDescription), expected a string or number")
        }
        var answer = answerText
        if let text = answerText {
            switch options.format {
            case .gsm8k:
                guard let final = MathAnswerExtractor.extract(from: text, order: [.gsm8k]) else {
                    throw bad("the answer has no \"#### N\" line")
                }
                answer = final.text
                columns["solution"] = .string(text)
            case .math:
                guard let boxed = MathAnswerExtractor.extract(from: text, order: [.boxed]) else {
                    throw bad("the solution has no \\boxed{} answer")
                }
                answer = boxed.text
                columns["solution"] = .string(text)
            case .custom:
                break
            }
            columns["answer"] = answer.map(JSONValue.string)
        }
        // SFT trains on the whole worked solution when there is one, as TRL's prompt-completion data does.
        let completion: String? = if case .string(let solution)? = columns["solution"] { solution } else { answerText }
        return Example(prompt: prompt, answer: answer, completion: completion, columns: columns)
    }

    private static func read(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TinyTuneError.io(path: path, reason: "cannot read the file (missing or not readable)")
        }
        return data
    }
}

/// Streaming zstd decompression (`ZSTD_decompressStream`), so frames without a content size and concatenated
/// frames both work.
enum ZstdFile {
    static func decompress(path: String) throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TinyTuneError.io(path: path, reason: "cannot read the file (missing or not readable)")
        }
        defer { try? handle.close() }
        guard let stream = ZSTD_createDStream() else {
            throw TinyTuneError.io(path: path, reason: "zstd could not allocate a decompression stream")
        }
        defer { ZSTD_freeDStream(stream) }
        ZSTD_initDStream(stream)
        let inSize = ZSTD_DStreamInSize(), outSize = ZSTD_DStreamOutSize()
        var output = Data()
        var outBuffer = [UInt8](repeating: 0, count: outSize)
        var lastResult = 0
        var sawInput = false
        while true {
            let chunk = try handle.read(upToCount: inSize) ?? Data()
            if chunk.isEmpty { break }
            sawInput = true
            try chunk.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                var input = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
                while input.pos < input.size {
                    let produced: Int = try outBuffer.withUnsafeMutableBytes { out in
                        var buffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                        let result = ZSTD_decompressStream(stream, &buffer, &input)
                        if ZSTD_isError(result) != 0 {
                            throw TinyTuneError.invalidFile(path: path, reason:
                                "zstd: \(String(cString: ZSTD_getErrorName(result)))")
                        }
                        lastResult = result
                        return buffer.pos
                    }
                    output.append(contentsOf: outBuffer[..<produced])
                }
            }
        }
        // Drain what the decoder still holds (a frame whose end fit in the last input chunk).
        while lastResult != 0 && sawInput {
            var input = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
            let produced: Int = try outBuffer.withUnsafeMutableBytes { out in
                var buffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                let result = ZSTD_decompressStream(stream, &buffer, &input)
                if ZSTD_isError(result) != 0 {
                    throw TinyTuneError.invalidFile(path: path, reason: "zstd: \(String(cString: ZSTD_getErrorName(result)))")
                }
                lastResult = result
                return buffer.pos
            }
            output.append(contentsOf: outBuffer[..<produced])
            if produced == 0 { break }
        }
        guard lastResult == 0 else {
            throw TinyTuneError.invalidFile(path: path, reason: "zstd: the compressed data ends early (truncated file?)")
        }
        return output
    }
}
