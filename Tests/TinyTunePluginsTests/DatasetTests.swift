import Foundation
import Testing
import TinyTune
import TinyTunePlugins

private func context(_ directory: URL = URL(fileURLWithPath: "/")) throws -> PluginContext {
    PluginContext(baseDirectory: directory, registry: try BuiltinPlugins.registry())
}

private func arithmetic(_ json: JSONValue) throws -> ArithmeticDataset {
    try ArithmeticDataset(options: try ConfigDecoder().decode(ArithmeticDatasetOptions.self, from: json), context: try context())
}

/// The numbers in a text, in order.
private func numbers(in text: String) -> [Int] {
    text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
}

@Suite struct ArithmeticDatasetTests {
    @Test(arguments: ArithmeticDatasetOptions.Task.allCases, 1...5)
    func answersAreRightAndSplitsNeverOverlap(task: ArithmeticDatasetOptions.Task, level: Int) throws {
        let dataset = try arithmetic(["task": .string(task.rawValue), "level": .int(Int64(level)), "few_shot": 0,
                                      "train_size": 300, "eval_size": 100, "seed": 7])
        let train = try dataset.examples(.train), eval = try dataset.examples(.eval)
        #expect(train.count == 300 && eval.count == 100)
        func question(_ e: Example) -> String? { if case .string(let q)? = e.columns["question"] { q } else { nil } }
        let trainQuestions = Set(train.compactMap(question))
        #expect(eval.allSatisfy { !trainQuestions.contains(question($0) ?? "") })
        for example in train + eval {
            guard case .string(let question)? = example.columns["question"], let answer = example.answer.flatMap({ Int($0) }) else {
                Issue.record("no question or numeric answer: \(example)")
                continue
            }
            #expect(example.columns["answer"] == .string(String(answer)))
            let n = numbers(in: question)
            switch task {
            case .addition: #expect(answer == n[0] + n[1])
            case .subtraction: #expect(answer == n[0] - n[1] && answer >= 0)
            case .multiplication: #expect(answer == n[0] * n[1])
            case .double: #expect(answer == 2 * n[0])
            case .counting: #expect(answer == question.split(separator: ":")[1].split(separator: ",").count)
            case .which_larger: #expect(answer == max(n[0], n[1]) && n[0] != n[1])
            }
            if task != .counting {
                // Operands have `level` digits (multiplication's second one ⌈level/2⌉).
                #expect(String(n[0]).count == level)
            }
        }
    }

    @Test func seededAndReproducible() throws {
        let options: JSONValue = ["task": "which_larger", "level": 2, "few_shot": 1, "train_size": 20, "eval_size": 5, "seed": 3]
        let a = try arithmetic(options).examples(.train)
        let b = try arithmetic(options).examples(.train)
        #expect(a == b)
        let other = try arithmetic(["task": "which_larger", "level": 2, "few_shot": 1, "train_size": 20, "eval_size": 5, "seed": 4])
        #expect(try other.examples(.train) != a)
    }

    @Test func promptFormatWithWorkedExamples() throws {
        let dataset = try arithmetic(["task": "addition", "few_shot": 2, "train_size": 3, "eval_size": 3, "seed": 0])
        for example in try dataset.examples(.eval) {
            // Two worked examples, then the problem; the prompt ends where the model answers.
            #expect(example.prompt.components(separatedBy: "Question: ").count - 1 == 3)
            #expect(example.prompt.components(separatedBy: "\nAnswer: ").count - 1 == 2)
            #expect(example.prompt.hasSuffix("\nAnswer:"))
            // A completion that states the answer as a bare number gets the math_answer reward.
            let reward = MathAnswerReward(options: MathAnswerOptions())
            let input = RewardInput(prompts: [example.prompt], completions: [" " + (example.answer ?? "")],
                                    columns: ["answer": [example.columns["answer"] ?? .null]])
            #expect(try reward.rewards(for: input) == [1])
            // SFT's target continues the prompt the way the worked examples do, newline included, so a model
            // trained on it answers in the format and stops.
            #expect(example.completion == " \(example.answer ?? "")\n")
        }
    }

    @Test func pinnedFirstProblem() throws {
        // The seeded streams are part of the format: changing them changes every experiment.
        let dataset = try arithmetic(["task": "which_larger", "level": 2, "few_shot": 0, "train_size": 2, "eval_size": 1, "seed": 0])
        let first = try #require(try dataset.examples(.train).first)
        #expect(first.prompt == "Question: Which is larger, 27 or 64?\nAnswer:")
        #expect(first.answer == "64")
    }
}

@Suite struct JSONLDatasetTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tinytune-jsonl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func dataset(_ file: String, _ text: String?, _ options: JSONValue) throws -> JSONLDataset {
        if let text { try Data(text.utf8).write(to: directory.appendingPathComponent(file)) }
        var members: [(key: String, value: JSONValue)] = [("path", .string(file))]
        if case .object(let more) = options { members += more }
        return try JSONLDataset(options: try ConfigDecoder().decode(JSONLDatasetOptions.self, from: .object(members)),
                                context: try context(directory))
    }

    @Test func gsm8kFieldsFinalNumberAndSolution() throws {
        let text = """
            {"question": "Q1?", "answer": "2 + 2 = 4\\n#### 4"}

            {"question": "Q2?", "answer": "600 * 2 = 1200\\n#### 1,200", "id": 9}
            """
        let examples = try dataset("g.jsonl", text, ["eval_size": 0]).readExamples()
        #expect(examples.map { $0.prompt } == ["Q1?", "Q2?"])
        #expect(examples.map { $0.answer } == ["4", "1,200"])
        #expect(examples[1].columns["answer"] == "1,200")
        #expect(examples[1].columns["solution"] == "600 * 2 = 1200\n#### 1,200")
        // SFT trains on the worked solution, not the bare number.
        #expect(examples[1].completion == "600 * 2 = 1200\n#### 1,200")
        #expect(examples[1].columns["id"] == 9)
    }

    @Test func mathFieldsLastBoxed() throws {
        let text = #"{"problem": "P?", "solution": "First $\\boxed{1}$, then $\\boxed{\\frac{1}{2}}$."}"#
        let examples = try dataset("m.jsonl", text, ["format": "math", "eval_size": 0]).readExamples()
        #expect(examples.first?.answer == "\\frac{1}{2}")
        #expect(examples.first?.prompt == "P?")
    }

    @Test func customFields() throws {
        let text = #"{"q": "What?", "a": 12}"#
        let examples = try dataset("c.jsonl", text, ["format": "custom", "prompt_field": "q", "answer_field": "a",
                                                     "eval_size": 0]).readExamples()
        #expect(examples == [Example(prompt: "What?", answer: "12", completion: "12",
                                     columns: ["q": "What?", "a": 12, "answer": "12"])])
    }

    @Test func zstdCompressedWithSeveralFrames() throws {
        // Two concatenated frames, the second without a content size (Fixtures/gsm8k_sample.jsonl.zst).
        let url = try #require(Bundle.module.url(forResource: "gsm8k_sample.jsonl", withExtension: "zst", subdirectory: "Fixtures"))
        let set = try dataset(url.path, nil, ["eval_size": 1])
        let all = try set.readExamples()
        #expect(all.map(\.answer) == ["4", "6", "8", "1,200"])
        #expect(try set.examples(.train).count == 3)
        #expect(try set.examples(.eval).count == 1)
    }

    @Test func seededShuffleAndDisjointSplits() throws {
        let text = (0..<50).map { "{\"question\": \"Q\($0)\", \"answer\": \"#### \($0)\"}" }.joined(separator: "\n")
        let a = try dataset("s.jsonl", text, ["eval_size": 10, "shuffle_seed": 1])
        let train = try a.examples(.train), eval = try a.examples(.eval)
        #expect(train.count == 40 && eval.count == 10)
        #expect(Set(train.map(\.prompt)).isDisjoint(with: eval.map(\.prompt)))
        #expect(Set(train.map(\.prompt) + eval.map(\.prompt)).count == 50)
        #expect(try a.examples(.eval) == eval)   // reproducible
        let b = try dataset("s.jsonl", nil, ["eval_size": 10, "shuffle_seed": 2])
        #expect(try b.examples(.eval) != eval)
        let limited = try dataset("s.jsonl", nil, ["eval_size": 5, "limit": 20])
        #expect(try limited.examples(.train).count == 15)
    }

    @Test(arguments: [
        // (file text, text the error must contain)
        ("{\"question\": \"Q\", \"answer\": \"#### 1\"}\n{\"question\": \"Q\", \"answer\": \"#### 2\",}", "line 2: column"),  // malformed JSON on line 2
        ("[1, 2]", "line 1: expected a JSON object"),                                      // not an object
        ("{\"answer\": \"#### 1\"}", "line 1: no field \"question\""),                       // missing prompt
        ("{\"question\": 5, \"answer\": \"#### 1\"}", "line 1: field \"question\" is an integer"),  // wrong type
        ("{\"question\": \"Q\", \"answer\": \"four\"}", "line 1: the answer has no \"#### N\" line"),  // no ####
    ])
    func badLinesNameFileAndLine(text: String, message: String) throws {
        let set = try dataset("bad.jsonl", text, ["eval_size": 0])
        do {
            _ = try set.readExamples()
            Issue.record("accepted \(text)")
        } catch let error as TinyTuneError {
            #expect(error.description.contains("bad.jsonl: " + message), "\(error)")
        }
    }

    @Test func missingAndCorruptFiles() throws {
        #expect(throws: TinyTuneError.self) { try dataset("absent.jsonl", nil, [:]).readExamples() }
        let corrupt = try dataset("corrupt.jsonl.zst", "not zstd at all", [:])
        #expect { try corrupt.readExamples() } throws: { "\($0)".contains("zstd") }
        let tooSmall = try dataset("one.jsonl", "{\"question\": \"Q\", \"answer\": \"#### 1\"}", ["eval_size": 1])
        #expect { try tooSmall.examples(.train) } throws: { "\($0)".contains("leave none for training") }
    }
}
