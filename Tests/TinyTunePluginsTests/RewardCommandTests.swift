import Foundation
import Testing
import TinyTune
@testable import TinyTuneCLI
import TinyTunePlugins

/// `tinytune reward --type math_answer --jsonl`, line in → line out.
@Suite struct RewardCommandTests {
    let reward: any RewardFunction

    init() throws {
        reward = try RewardCommand.makeReward(type: "math_answer", options: "{}", registry: try BuiltinPlugins.registry())
    }

    @Test(arguments: [
        // (input line, output line)
        (##"{"completion": "3 + 4 = 7. The answer is 7.", "answer": "7"}"##, #"{"reward":1.0,"reason":null}"#),  // right
        (#"{"completion": "I am not sure.", "answer": "7"}"#,
         #"{"reward":0.0,"reason":"no answer found (tried boxed, gsm8k, answer_is, latex, last_number)"}"#),                  // nothing to read
        (#"{"completion": "\\boxed{8}", "answer": "7", "prompt": "q"}"#,
         #"{"reward":0.0,"reason":"answer \"8\" (boxed) differs from the gold \"7\""}"#),                              // wrong
        (#"{"completion": "7"}"#, #"{"reward":null,"reason":"no gold answer in column \"answer\""}"#),               // no gold
    ])
    func scoresOneLine(input: String, output: String) throws {
        #expect(try RewardCommand.score([(1, input)], with: reward) == [output])
    }

    @Test func keepsOrderAcrossABatch() throws {
        let lines = (1...5).map { (number: $0, text: #"{"completion": "The answer is \#($0)", "answer": "3"}"#) }
        let out = try RewardCommand.score(lines, with: reward)
        #expect(out.map { $0.hasPrefix(#"{"reward":1.0"#) } == [false, false, true, false, false])
    }

    @Test func badLinesNameTheLine() throws {
        #expect { try RewardCommand.score([(4, #"{"answer": "7"}"#)], with: reward) } throws: {
            "\($0)".contains("stdin line 4: no string field \"completion\"")
        }
        #expect { try RewardCommand.score([(2, "{not json")], with: reward) } throws: { "\($0)".contains("stdin line 2") }
    }

    @Test func optionsAreCheckedLikeAConfig() throws {
        let registry = try BuiltinPlugins.registry()
        #expect(throws: ConfigError.self) { try RewardCommand.makeReward(type: "math_answer", options: #"{"tolerance": -1}"#, registry: registry) }
        #expect(throws: (any Error).self) { try RewardCommand.makeReward(type: "math_answr", options: "{}", registry: registry) }
    }

    @Test func configRewardsAreWeightedAndListed() throws {
        let registry = try BuiltinPlugins.registry()
        let json: JSONValue = [
            "model": ["type": "gguf", "path": "m.gguf"],
            "rewards": [["type": "math_answer"], ["type": "format", "pattern": "boxed", "weight": 0.5]],
        ]
        let config = try ConfigLoader(registry: registry).load(json: json, baseDirectory: URL(fileURLWithPath: "/tmp"))
        let weighted = ConfigRewards(rewards: try Pipeline.assemble(config, registry: registry).rewards)
        let out = try RewardCommand.score([(1, #"{"completion": "$\\boxed{7}$", "answer": "7"}"#),
                                           (2, #"{"completion": "8", "answer": "7"}"#)], with: weighted)
        #expect(out == [
            #"{"reward":1.5,"rewards":{"math_answer":1.0,"format":1.0},"reason":null}"#,
            #"{"reward":0.0,"rewards":{"math_answer":0.0,"format":0.0},"reason":"math_answer: answer \"8\" (last_number) differs from the gold \"7\""}"#,
        ])
    }
}
