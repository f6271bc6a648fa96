import ArgumentParser
import Foundation
import TinyTune
import TinyTunePlugins

/// `tinytune generate --model PATH --prompt TEXT`: streams a completion to stdout.
///
///     tinytune generate --model models/gemma-3-270m-q4_k_m.gguf --prompt "The capital of France is" --max-tokens 16
///     tinytune generate --model m.gguf --prompt "2 + 2?" --chat --temperature 0.7 --top-p 0.95 --seed 1 --json
///     # {"text": "...", "ids": [...], "logprobs": [...], "finish_reason": "eos"}
///     tinytune generate --model Tests/TinyTuneModelTests/Fixtures/tiny_models/llama3 --ids 1,17,42 --json
///
/// The prompt gets BOS as the tokenizer's configuration says (Gemma 3: yes); `--ids` are used exactly as given.
/// `--chat` wraps the prompt as one user turn with the checkpoint's `chat_template` (GGUF metadata or
/// tokenizer_config.json), else the built-in format its control tokens point to; a template we cannot render is an
/// error unless `--chat-fallback` (then the built-in format is used and stderr says so).
/// Temperature 0 (the default) is greedy. Generation stops at the tokenizer's EOS (and the chat format's end of
/// turn), a `--stop` string, or `--max-tokens`.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate text from a prompt, optionally with an adapter.")

    @Option(help: "The model: a GGUF file or a Hugging Face model folder.") var model: String
    @Option(help: "The prompt text.") var prompt: String?
    @Option(help: "Prompt token ids separated by commas instead of --prompt (used exactly as given).") var ids: String?
    @Flag(help: "Wrap the prompt as a user turn in the model's chat template (or built-in chat format).")
    var chat = false
    @Flag(help: "With --chat: if the checkpoint's chat_template cannot be rendered, use the built-in format.")
    var chatFallback = false
    @Option(help: "New tokens at most.") var maxTokens = 64
    @Option(help: "Sampling temperature; 0 is greedy.") var temperature = 0.0
    @Option(help: "Nucleus sampling mass; 1 turns it off.") var topP = 1.0
    @Option(help: "Keep only the K most likely tokens; 0 turns it off.") var topK = 0
    @Option(help: "Drop tokens below min-p × the top probability; 0 turns it off.") var minP = 0.0
    @Option(help: "Seed of the draws.") var seed: UInt64 = 0
    @Option(help: "Stop when the text contains this string (repeatable).") var stop: [String] = []
    @Flag(help: "Print {\"text\", \"ids\", \"logprobs\", \"finish_reason\"} at the end instead of streaming.")
    var json = false
    @Option(help: "A PEFT adapter folder (adapter_config.json + adapter_model.safetensors) to apply.") var adapter: String?

    func validate() throws {
        guard (prompt == nil) != (ids == nil) else { throw ValidationError("give exactly one of --prompt and --ids") }
        if chat && prompt == nil { throw ValidationError("--chat needs --prompt") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1, got \(maxTokens)") }
        guard temperature >= 0, temperature.isFinite else {
            throw ValidationError("--temperature must be ≥ 0, got \(temperature)")
        }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must be in (0, 1], got \(topP)") }
        guard topK >= 0 else { throw ValidationError("--top-k must be ≥ 0, got \(topK)") }
        guard minP >= 0, minP <= 1 else { throw ValidationError("--min-p must be in [0, 1], got \(minP)") }
        if let ids { _ = try LogitsRunner.parseIDs(ids) }
    }

    func run() throws {
        try runReportingErrors {
            let decoder = try ModelLoading.model(path: model, adapter: adapter)
            // A model folder without tokenizer.json can still run from --ids (the text is then empty).
            let tokenizer: TokenizerPipeline? = prompt == nil ? try? TokenizerFiles.load(path: model)
                : try TokenizerFiles.load(path: model)
            let runner = GenerateRunner(model: decoder, tokenizer: tokenizer,
                                        sampler: Sampler(temperature: temperature, topK: topK, topP: topP, minP: minP),
                                        maxTokens: maxTokens, stop: stop, seed: seed, chatFallback: chatFallback)
            let promptIDs = try ids.map(LogitsRunner.parseIDs) ?? runner.encode(prompt ?? "", chat: chat)
            let output = FileHandle.standardOutput
            let completion = try runner.run(prompt: promptIDs, chat: chat) { piece in
                if !json { output.write(Data(piece.utf8)) }
            }
            output.write(Data(((json ? GenerateRunner.json(completion) : "") + "\n").utf8))
        }
    }
}

/// The work of `tinytune generate`, apart from the command line so tests can call it.
struct GenerateRunner {
    let model: DecoderModel
    let tokenizer: TokenizerPipeline?
    let sampler: Sampler
    let maxTokens: Int
    let stop: [String]
    let seed: UInt64
    var chatFallback = false

    /// Prompt ids: BOS as the tokenizer says, or the chat template's rendering (which carries its own BOS).
    func encode(_ prompt: String, chat: Bool) throws -> [Int] {
        guard let tokenizer else { throw TinyTuneError.unsupported("no tokenizer: give --ids") }
        guard chat else { return tokenizer.encode(prompt, addSpecialTokens: true, parseSpecial: false) }
        let (text, _) = try ChatPrompt.render([ChatMessage(role: "user", content: prompt)],
                                              vocabulary: tokenizer.vocabulary, addGenerationPrompt: true,
                                              fallback: chatFallback) { message in
            FileHandle.standardError.write(Data("tinytune generate --chat: \(message)\n".utf8))
        }
        return tokenizer.encode(text, addSpecialTokens: false, parseSpecial: true)
    }

    /// EOS ids: the tokenizer's, and with `chat` the format's end-of-turn token.
    func eosIDs(chat: Bool) -> Set<Int> {
        guard let vocabulary = tokenizer?.vocabulary else { return [] }
        var ids = Set([vocabulary.eosID].compactMap { $0 })
        if chat {
            for name in ["<end_of_turn>", "<|im_end|>", "<|eot_id|>"] {
                if let id = vocabulary.tokens.firstIndex(of: name) { ids.insert(id) }
            }
        }
        return ids
    }

    func run(prompt: [Int], chat: Bool, onText: @escaping (String) -> Void) throws -> Generator.Completion {
        var decode: (@Sendable ([Int]) throws -> String)?
        if let tokenizer { decode = { ids in try tokenizer.decode(ids) } }
        let generator = Generator(model: model, sampler: sampler, maxTokens: maxTokens, eosIDs: eosIDs(chat: chat),
                                  stop: stop, decode: decode)
        return try generator.generate(prompt: prompt, samples: 1, seed: seed) { _, piece in onText(piece) }[0]
    }

    static func json(_ c: Generator.Completion) -> String {
        JSONValue.object([
            ("text", .string(c.text)),
            ("ids", .array(c.ids.map { .int(Int64($0)) })),
            ("logprobs", .array(c.logprobs.map { .double(Double($0)) })),
            ("finish_reason", .string(c.finishReason.rawValue)),
        ]).serialized()
    }
}
