import TinyTune

/// Options of the built-in arithmetic word problems.
public struct ArithmeticDatasetOptions: PluginOptions {
    /// Which kind of problem. Default `which_larger` (where Gemma 3 270M has latent ability; see the README).
    public let task: Task
    /// Difficulty 1 (small numbers) to 5. Default 1.
    public let level: Int
    /// Worked examples shown before each problem. Default 2.
    public let fewShot: Int
    public let trainSize: Int
    public let evalSize: Int
    /// Seed of every draw; the eval split uses a separate stream so it never overlaps training. Default 0.
    public let seed: UInt64

    public enum Task: String, OptionEnum { case addition, subtraction, multiplication, double, counting, which_larger }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case task, level, fewShot = "few_shot", trainSize = "train_size", evalSize = "eval_size", seed
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        task = try c.value(.task, default: .which_larger)
        level = try c.value(.level, default: 1, .between(1, 5))
        fewShot = try c.value(.fewShot, default: 2, .between(0, 8))
        trainSize = try c.value(.trainSize, default: 1000, .atLeast(1))
        evalSize = try c.value(.evalSize, default: 200, .atLeast(1))
        seed = try c.value(.seed, default: 0)
    }
}

/// Generated arithmetic word problems, so the quickstart needs no download.
///
///     "dataset": {"type": "arithmetic", "task": "addition", "level": 2, "few_shot": 2, "seed": 0}
///
/// Each prompt is plain text, `few_shot` worked examples then the problem:
///
///     Question: Which is larger, 37 or 52?
///     Answer: 52
///
///     Question: Which is larger, 18 or 9?
///     Answer:
///
/// The gold answer (the `answer` column) is a bare number, so `math_answer`'s last-number extraction reads a
/// completion such as " 18". Operands have `level` digits (multiplication: `level` by ⌈level/2⌉ digits; counting:
/// lists of up to 5·level items). Train and eval never share a problem: every problem belongs to one split by a
/// seeded hash of its operands (one in five goes to eval), and each split draws from its own seeded stream.
/// Worked examples always come from the train side. Within a split problems may repeat when a level has few.
public struct ArithmeticDataset: Plugin, Dataset {
    public static let typeName = "arithmetic"
    public static let summary = "generated arithmetic word problems by task and level, seeded; no download"
    public let options: ArithmeticDatasetOptions

    public init(options: ArithmeticDatasetOptions, context: PluginContext) throws { self.options = options }

    public func examples(_ split: DatasetSplit) throws -> [Example] {
        let root = SeededGenerator(seed: options.seed)
        var stream = root.forked("arithmetic.\(split.rawValue)")
        var shots = root.forked("arithmetic.few_shot.\(split.rawValue)")
        let count = split == .train ? options.trainSize : options.evalSize
        var examples: [Example] = []
        examples.reserveCapacity(count)
        for _ in 0..<count {
            let problem = try draw(from: &stream, in: split)
            var prompt = ""
            for _ in 0..<options.fewShot {
                let shot = try draw(from: &shots, in: .train)
                prompt += "Question: \(shot.question)\nAnswer: \(shot.answer)\n\n"
            }
            prompt += "Question: \(problem.question)\nAnswer:"
            // The SFT completion continues "Answer:" as the worked examples do: " 52" and the newline that ends it.
            examples.append(Example(prompt: prompt, answer: String(problem.answer), completion: " \(problem.answer)\n", columns: [
                "question": .string(problem.question), "answer": .string(String(problem.answer)),
            ]))
        }
        return examples
    }

    /// One problem of the task and level whose split (by the seeded hash of its key) is `split`.
    func draw(from rng: inout SeededGenerator, in split: DatasetSplit) throws -> ArithmeticProblem {
        // One in five problems is on the eval side, so a handful of draws suffices; the bound only guards the loop.
        for _ in 0..<10_000 {
            let problem = ArithmeticProblem.random(task: options.task, level: options.level, using: &rng)
            if splitOf(problem.key) == split { return problem }
        }
        throw TinyTuneError.unsupported("the arithmetic task \(options.task.rawValue) at level \(options.level) has no \(split.rawValue) problems")
    }

    /// eval when FNV-1a-64(seed, key) mod 5 = 0, else train.
    func splitOf(_ key: String) -> DatasetSplit {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in withUnsafeBytes(of: options.seed.littleEndian, Array.init) + Array(key.utf8) {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash % 5 == 0 ? .eval : .train
    }
}

/// One generated problem: its text, its answer and a key naming the task and operands (the same key means the
/// same problem, whatever the wording).
struct ArithmeticProblem: Equatable {
    let question: String
    let answer: Int
    let key: String

    private static let names = ["Tom", "Sara", "Ali", "Mia", "Ben", "Lena", "Omar", "Yuki", "Noah", "Ava"]
    private static let things = ["apples", "pencils", "stickers", "marbles", "books", "cards", "shells", "coins"]
    private static let listWords = ["cat", "dog", "sun", "cup", "hat", "pen", "box", "car", "egg", "map", "bee", "owl"]

    /// A number with `digits` digits: 1–9 for one digit, 10–99 for two, ...
    static func operand(digits: Int, using rng: inout SeededGenerator) -> Int {
        let low = digits == 1 ? 1 : Int(pow10(digits - 1))
        return rng.int(in: low...(Int(pow10(digits)) - 1))
    }

    private static func pow10(_ n: Int) -> Int { (0..<n).reduce(1) { acc, _ in acc * 10 } }

    static func random(task: ArithmeticDatasetOptions.Task, level: Int, using rng: inout SeededGenerator) -> ArithmeticProblem {
        let name = names[rng.int(in: 0..<names.count)]
        let thing = things[rng.int(in: 0..<things.count)]
        switch task {
        case .addition:
            let a = operand(digits: level, using: &rng), b = operand(digits: level, using: &rng)
            return ArithmeticProblem(question: "\(name) has \(a) \(thing) and gets \(b) more. How many \(thing) does \(name) have now?",
                                     answer: a + b, key: "addition|\(a)|\(b)")
        case .subtraction:
            let x = operand(digits: level, using: &rng), y = operand(digits: level, using: &rng)
            let (a, b) = (max(x, y), min(x, y))
            return ArithmeticProblem(question: "\(name) has \(a) \(thing) and gives away \(b). How many \(thing) are left?",
                                     answer: a - b, key: "subtraction|\(a)|\(b)")
        case .multiplication:
            let a = operand(digits: level, using: &rng), b = operand(digits: (level + 1) / 2, using: &rng)
            return ArithmeticProblem(question: "There are \(a) boxes with \(b) \(thing) in each. How many \(thing) are there in all?",
                                     answer: a * b, key: "multiplication|\(a)|\(b)")
        case .double:
            let a = operand(digits: level, using: &rng)
            return ArithmeticProblem(question: "\(name) has \(a) \(thing). \(name)'s friend has twice as many. How many \(thing) does the friend have?",
                                     answer: 2 * a, key: "double|\(a)")
        case .counting:
            let n = rng.int(in: 1...(5 * level))
            let words = (0..<n).map { _ in listWords[rng.int(in: 0..<listWords.count)] }
            return ArithmeticProblem(question: "How many words are in this list: \(words.joined(separator: ", "))?",
                                     answer: n, key: "counting|" + words.joined(separator: ","))
        case .which_larger:
            let a = operand(digits: level, using: &rng)
            var b = operand(digits: level, using: &rng)
            while b == a { b = operand(digits: level, using: &rng) }
            return ArithmeticProblem(question: "Which is larger, \(a) or \(b)?", answer: max(a, b), key: "which_larger|\(a)|\(b)")
        }
    }
}
