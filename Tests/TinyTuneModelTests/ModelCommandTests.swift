import Foundation
import Testing
import ArgumentParser
import TinyTune
@testable import TinyTuneCLI
import TinyTunePlugins

/// `tinytune logits` and `tinytune generate` on the tiny transformers checkpoints.
@Suite struct ModelCommandTests {
    struct LogitsOutput: Decodable { let logits: [[Double]] }
    struct TopOutput: Decodable { let logits: [[[Double]]] }
    struct GenerateOutput: Decodable {
        let text: String
        let ids: [Int]
        let logprobs: [Double]
        let finish_reason: String
    }

    @Test func logitsPrintsFullRowsEqualToTransformers() throws {
        let (model, reference) = try TinyModelReferenceTests.load("llama3")
        let c = reference.cases[0]
        let runner = LogitsRunner(model: model)
        let all = try JSONDecoder().decode(LogitsOutput.self, from: Data(runner.run(ids: c.ids, last: false, top: nil).utf8))
        #expect(all.logits.count == c.ids.count)
        for (row, want) in zip(all.logits, c.logits) {
            #expect(TinyModelReferenceTests.relativeDifference(row.map { Float($0) }, want) < 2e-5)
        }
        let last = try JSONDecoder().decode(LogitsOutput.self, from: Data(runner.run(ids: c.ids, last: true, top: nil).utf8))
        #expect(last.logits.count == 1 && last.logits[0] == all.logits[all.logits.count - 1])

        let top = try JSONDecoder().decode(TopOutput.self, from: Data(runner.run(ids: c.ids, last: true, top: 3).utf8))
        let row = c.logits[c.logits.count - 1]
        let expected = row.indices.sorted { row[$0] > row[$1] }.prefix(3)
        #expect(top.logits.count == 1 && top.logits[0].map { Int($0[0]) } == Array(expected))
        #expect(top.logits[0].allSatisfy { $0.count == 2 })
    }

    @Test func idsAreParsedExactly() throws {
        #expect(try LogitsRunner.parseIDs("1, 2,3") == [1, 2, 3])
        #expect(throws: (any Error).self) { try LogitsRunner.parseIDs("1,x") }
        #expect(throws: (any Error).self) { try LogitsRunner.parseIDs("-1") }
        #expect(throws: (any Error).self) { try LogitsRunner.parseIDs("") }
    }

    @Test func generateJSONGivesTransformersGreedyIDs() throws {
        let (model, reference) = try TinyModelReferenceTests.load("gemma3")
        let c = reference.cases[1]
        let runner = GenerateRunner(model: model, tokenizer: nil, sampler: Sampler(temperature: 0),
                                    maxTokens: c.greedy.count, stop: [], seed: 0)
        let completion = try runner.run(prompt: c.ids, chat: false) { _ in }
        let output = try JSONDecoder().decode(GenerateOutput.self, from: Data(GenerateRunner.json(completion).utf8))
        #expect(output.ids == c.greedy)
        #expect(output.logprobs.count == c.greedy.count)
        #expect(output.finish_reason == "length")
    }

    @Test func generateRefusesAMissingAdapterFolder() throws {
        let folder = try TinyModelReferenceTests.folder("llama3")
        let command = try GenerateCommand.parse(["--model", folder, "--ids", "1,2", "--adapter", "/nonexistent/adapter"])
        #expect(throws: ExitCode(1)) { try command.run() }
        #expect(throws: (any Error).self) { _ = try GenerateCommand.parse(["--model", folder]) }
    }
}
