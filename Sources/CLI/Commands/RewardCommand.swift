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
///
/// With `--config CONFIG` the config's weighted `rewards` list scores instead: `reward` is Σ weight·reward over the
/// rewards that apply, `rewards` holds each one's own score by type, and `reason` joins their reasons.
struct RewardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward",
        abstract: "Score completions with a reward: JSON lines {\"completion\", \"answer\", ...} on stdin.",
        discussion: "Writes one line {\"reward\": x, \"reason\": ...} per input line.")

    @Option(name: .customLong("type"), help: "The reward plugin (see `tinytune plugins`).")
    var type = "math_answer"

    @Option(name: .customLong("options"), help: "The reward's options as a JSON object, e.g. '{\"tolerance\": 0.01}'.")
    var options = "{}"

    @Option(name: .customLong("config"), help: "Score with this config's weighted rewards instead of --type.")
    var config: String?

    @Flag(help: "Read JSON lines on stdin and write JSON lines (the only format for now).")
    var jsonl = false

    func validate() throws {
        guard jsonl else { throw ValidationError("--jsonl is required: input and output are JSON lines") }
    }

    func run() throws {
        try runReportingErrors {
            let registry = try CLIRegistry.shared.get()
            let reward: any RewardFunction
            if let config {
                let loaded = try ConfigLoader(registry: registry).load(path: config)
                let pipeline = try Pipeline.assemble(loaded, registry: registry)
                guard !pipeline.rewards.functions.isEmpty else {
                    throw TinyTuneError.unsupported("\(config): the config lists no rewards")
                }
                reward = ConfigRewards(rewards: pipeline.rewards)
            } else {
                reward = try Self.makeReward(type: type, options: options, registry: registry)
            }
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
        let input = RewardInput(prompts: prompts, completions: completions, columns: columns)
        if let weighted = reward as? ConfigRewards {
            let (perFunction, total) = try weighted.rewards.scoreWithReasons(input)
            let names = weighted.rewards.functions.map(\.name)
            return total.indices.map { i in
                let reasons = names.indices.compactMap { f in perFunction[f][i].reason.map { "\(names[f]): \($0)" } }
                return JSONValue.object([
                    ("reward", total[i].map(JSONValue.double) ?? .null),
                    ("rewards", .object(names.indices.map { f in (names[f], perFunction[f][i].reward.map(JSONValue.double) ?? .null) })),
                    ("reason", reasons.isEmpty ? .null : .string(reasons.joined(separator: "; "))),
                ]).serialized()
            }
        }
        return try reward.scores(for: input).map { score in
            JSONValue.object([
                ("reward", score.reward.map(JSONValue.double) ?? .null),
                ("reason", score.reason.map(JSONValue.string) ?? .null),
            ]).serialized()
        }
    }
}

/// A config's weighted rewards seen as one reward, for `--config`.
struct ConfigRewards: RewardFunction {
    let rewards: WeightedRewards
    func rewards(for input: RewardInput) throws -> [Double?] { try rewards.score(input).total }
}
