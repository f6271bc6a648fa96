import ArgumentParser
import Foundation
import TinyTune

/// `tinytune reward --type math_answer --jsonl`: scores completions with one reward plugin.
///
///     $ echo '{"completion": "so 3 + 4 = 7. The answer is 7.", "answer": "#### 7"}' | tinytune reward --jsonl
///     {"reward":1.0,"reason":null}
///     $ echo '{"completion": "no idea", "answer": "7"}' | tinytune reward --type math_answer --jsonl
///     {"reward":0.0,"reason":"no answer found (tried boxed, gsm8k, answer_is, latex, last_number)"}
///
/// Each input line is a JSON object with `completion`, an optional `prompt`, and any other fields, passed to the
/// reward as dataset columns (`answer` for `math_answer`). Each output line has the `reward` (null: not applicable)
/// and, when the reward gives one, the `reason`. Lines are scored in batches of 256, in order.
struct RewardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward",
        abstract: "Score completions with a reward: JSON lines {\"completion\", \"answer\", ...} on stdin.",
        discussion: "Writes one line {\"reward\": x, \"reason\": ...} per input line.")

    @Option(name: .customLong("type"), help: "The reward plugin (see `tinytune plugins`).")
    var type = "math_answer"

    @Option(name: .customLong("options"), help: "The reward's options as a JSON object, e.g. '{\"tolerance\": 0.01}'.")
    var options = "{}"

    @Flag(help: "Read JSON lines on stdin and write JSON lines (the only format for now).")
    var jsonl = false

    func validate() throws {
        guard jsonl else { throw ValidationError("--jsonl is required: input and output are JSON lines") }
    }

    func run() throws {
        try runReportingErrors {
            let registry = try CLIRegistry.shared.get()
            let reward = try Self.makeReward(type: type, options: options, registry: registry)
            var batch: [(number: Int, text: String)] = []
            var number = 0
            func flush() throws {
                for line in try Self.score(batch, with: reward) { print(line) }
                batch.removeAll(keepingCapacity: true)
            }
            while let line = readLine(strippingNewline: true) {
                number += 1
                if line.allSatisfy(\.isWhitespace) { continue }
                batch.append((number, line))
                if batch.count == 256 { try flush() }
            }
            try flush()
        }
    }

    /// The reward named `type`, built from `options` (a JSON object) as a config's `rewards` entry would be.
    static func makeReward(type: String, options: String, registry: PluginRegistry) throws -> any RewardFunction {
        let entry = try registry.rewards.entry(named: type)
        let path = ConfigPath().appending("--options")
        let parsed = try entry.options(from: try JSONValue.parse(options, source: "--options"), at: path)
        try parsed.validate(at: path)
        let context = PluginContext(baseDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                                    registry: registry)
        return try entry.make(parsed, context: context)
    }

    /// Scores input lines (with their line numbers for errors) and returns the output lines.
    static func score(_ lines: [(number: Int, text: String)], with reward: any RewardFunction) throws -> [String] {
        guard !lines.isEmpty else { return [] }
        var prompts: [String] = [], completions: [String] = []
        var columns: [String: [JSONValue]] = [:]
        for (index, line) in lines.enumerated() {
            let row = try JSONValue.parse(line.text, source: "stdin line \(line.number)")
            guard case .object(let members) = row else {
                throw TinyTuneError.unsupported("stdin line \(line.number): expected a JSON object, found \(row.kindDescription)")
            }
            guard case .string(let completion)? = row["completion"] else {
                throw TinyTuneError.unsupported("stdin line \(line.number): no string field \"completion\"")
            }
            completions.append(completion)
            if case .string(let prompt)? = row["prompt"] { prompts.append(prompt) } else { prompts.append("") }
            for (key, value) in members where key != "completion" && key != "prompt" {
                if columns[key] == nil { columns[key] = Array(repeating: .null, count: lines.count) }
                columns[key]?[index] = value
            }
        }
        let scores = try reward.scores(for: RewardInput(prompts: prompts, completions: completions, columns: columns))
        return scores.map { score in
            JSONValue.object([
                ("reward", score.reward.map(JSONValue.double) ?? .null),
                ("reason", score.reason.map(JSONValue.string) ?? .null),
            ]).serialized()
        }
    }
}
