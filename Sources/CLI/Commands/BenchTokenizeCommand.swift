import ArgumentParser
import Foundation
import TinyTune
import TinyTunePlugins

/// `tinytune bench tokenize --model PATH --file TEXT`: encoding throughput in MB/s of UTF-8 input, the whole file as
/// one text on one thread, and its lines as a batch over all cores (`encodeBatch`). Special-token text is parsed,
/// as Hugging Face does; no BOS/EOS. `scripts/bench/tokenizers_throughput.py` measures Hugging Face `tokenizers`
/// the same way (`encode` and `encode_batch`) on the same file and vocabulary.
///
///     tinytune bench tokenize --model models/gemma-3-270m-q4_k_m.gguf --file corpus.txt --repeats 1
///     # tokenize gemma-3-270m-q4_k_m.gguf: 10.0 MB, 226394 lines → 4054995 tokens (3828602 as lines); load 0.76 s;
///     # one thread 0.77 MB/s, batch on 2 cores 0.93 MB/s (best of 1)   [load average 11 on 2 cores]
struct TokenizeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize", abstract: "Tokenizer encoding throughput (MB/s): one thread, and a batch of lines on all cores.")

    @Option(help: "A GGUF file, a tokenizer.json or a model folder.") var model: String
    @Option(help: "A UTF-8 text file to encode.") var file: String
    @Option(help: "Timed repetitions of each mode; the best is reported.") var repeats = 3
    @Flag(help: "Print {\"bytes\", \"lines\", \"tokens\", \"single_mb_s\", \"batch_mb_s\", ...} as JSON.") var json = false

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1, got \(repeats)") }
    }

    func run() throws {
        try runReportingErrors {
            let loadStart = DispatchTime.now().uptimeNanoseconds
            let tokenizer = try TokenizerFiles.load(path: model)
            let loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - loadStart) / 1e9
            guard let data = FileManager.default.contents(atPath: file) else {
                throw TinyTuneError.io(path: file, reason: "not readable")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw TinyTuneError.invalidFile(path: file, reason: "not valid UTF-8")
            }
            // Split at "\n" bytes as Python's str.split("\n") does (a Swift Character would keep "\r\n" whole).
            let lines = text.utf8.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
            let megabytes = Double(data.count) / 1e6

            func best(_ body: () -> Int) -> (seconds: Double, tokens: Int) {
                var seconds = Double.infinity, tokens = 0
                for _ in 0..<repeats {
                    let start = DispatchTime.now().uptimeNanoseconds
                    tokens = body()
                    seconds = min(seconds, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                }
                return (seconds, tokens)
            }
            let single = best { tokenizer.encode(text, addSpecialTokens: false, parseSpecial: true).count }
            let batch = best {
                tokenizer.encodeBatch(lines, addSpecialTokens: false, parseSpecial: true).reduce(0) { $0 + $1.count }
            }
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let name = URL(fileURLWithPath: model).lastPathComponent
            if json {
                print(JSONValue.object([
                    ("model", .string(name)), ("bytes", .int(Int64(data.count))), ("lines", .int(Int64(lines.count))),
                    ("tokens", .int(Int64(single.tokens))), ("batch_tokens", .int(Int64(batch.tokens))),
                    ("load_seconds", .double(loadSeconds)),
                    ("single_seconds", .double(single.seconds)), ("single_mb_s", .double(megabytes / single.seconds)),
                    ("batch_seconds", .double(batch.seconds)), ("batch_mb_s", .double(megabytes / batch.seconds)),
                    ("cores", .int(Int64(cores))),
                ]).serialized())
            } else {
                print(String(format: "tokenize %@: %.1f MB, %d lines → %d tokens (%d as lines); load %.2f s; "
                             + "one thread %.2f MB/s, batch on %d cores %.2f MB/s (best of %d)",
                             name, megabytes, lines.count, single.tokens, batch.tokens, loadSeconds,
                             megabytes / single.seconds, cores, megabytes / batch.seconds, repeats))
            }
        }
    }
}
