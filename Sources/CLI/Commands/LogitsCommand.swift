import ArgumentParser
import Foundation
import TinyTune
import TinyTunePlugins

/// `tinytune logits --model PATH --ids 1,2,3 --json`: the model's logits for a list of token ids, used exactly as
/// given (no BOS is added).
///
///     tinytune logits --model models/gemma-3-270m-q4_k_m.gguf --ids 2,818,5279 --last --top 5 --json
///     # {"logits": [[[1234, 21.5], [99, 20.25], ...]]}
///
/// One full row of vocabulary-size logits per position, only the last with `--last`, or with `--top K` the K
/// largest as `[id, logit]` pairs, largest first (ties: smaller id first).
struct LogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logits", abstract: "Print the logits for a list of token ids.")

    @Option(help: "The model: a GGUF file or a Hugging Face model folder.") var model: String
    @Option(help: "Token ids separated by commas (used exactly as given: no BOS is added).") var ids: String
    @Flag(help: "Only the last position's row.") var last = false
    @Option(help: "Only the K largest logits per row, as [id, logit] pairs.") var top: Int?
    @Flag(help: "Print JSON (the only output format).") var json = false
    @Option(help: "A PEFT adapter folder (adapter_config.json + adapter_model.safetensors) to apply.") var adapter: String?

    func validate() throws {
        if let top, top < 1 { throw ValidationError("--top must be at least 1, got \(top)") }
        _ = try LogitsRunner.parseIDs(ids)
    }

    func run() throws {
        try runReportingErrors {
            let tokens = try LogitsRunner.parseIDs(ids)
            let decoder = try ModelLoading.model(path: model, adapter: adapter)
            let output = try LogitsRunner(model: decoder).run(ids: tokens, last: last, top: top)
            FileHandle.standardOutput.write(Data((output + "\n").utf8))
        }
    }
}

/// The work of `tinytune logits`, apart from the command line so tests can call it.
struct LogitsRunner {
    let model: DecoderModel

    /// `{"logits": [...]}` for `ids`.
    func run(ids: [Int], last: Bool, top: Int?) throws -> String {
        let logits = try model.forward([(ids, model.makeCache(capacity: ids.count))], logits: last ? .last : .all)[0]
        let vocabulary = model.spec.shape.vocabularySize
        var out = "{\"logits\": ["
        logits.withUnsafeBufferPointer { all in
            for r in 0..<logits.shape[0] {
                if r > 0 { out += ", " }
                let row = UnsafeBufferPointer(rebasing: all[(r * vocabulary)..<((r + 1) * vocabulary)])
                out += "["
                if let top {
                    let best = Self.largest(row, count: top)
                    out += best.map { "[\($0), \(Self.number(row[$0]))]" }.joined(separator: ", ")
                } else {
                    out += row.map(Self.number).joined(separator: ", ")
                }
                out += "]"
            }
        }
        return out + "]}"
    }

    /// Indices of the `count` largest values, largest first, ties to the smaller index.
    static func largest(_ row: UnsafeBufferPointer<Float>, count: Int) -> [Int] {
        Array(row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(count))
    }

    /// Shortest text that reads back as the same Float; non-finite values become null (JSON has no NaN).
    static func number(_ value: Float) -> String { value.isFinite ? "\(value)" : "null" }

    /// "1,2,3" (spaces allowed) → [1, 2, 3]; anything else names the bad item.
    static func parseIDs(_ text: String) throws -> [Int] {
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.isEmpty else { throw ValidationError("--ids needs at least one token id") }
        return try items.map { item in
            guard let id = Int(item), id >= 0 else {
                throw ValidationError("--ids: \"\(item)\" is not a token id (a non-negative integer)")
            }
            return id
        }
    }
}
