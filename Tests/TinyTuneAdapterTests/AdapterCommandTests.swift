// `tinytune logits --adapter DIR` and `tinytune generate --adapter DIR`: PEFT-saved adapter folders
// (scripts/reference/make_adapter_fixtures.py, make_family_gradients.py) give PEFT's logits and PEFT's greedy
// continuation through the commands' own code path (the adapter merged into the weights).

import Foundation
import Testing
import TinyTune
@testable import TinyTuneCLI

@Suite struct AdapterCommandTests {
    @Test(arguments: ["lora", "vera", "tinylora"])
    func logitsWithAPEFTAdapterEqualPEFT(family: String) throws {
        let expected = try JSONValue.parse(contentsOf: fixturePath("peft_logits.json"))
        guard case .array(let idItems)? = expected["ids"] else { Issue.record("no ids"); return }
        let ids = idItems.compactMap { if case .int(let n) = $0 { Int(n) } else { nil } }
        let reference = try #require(expected["logits"]).tensor("\(family)_tiny_gemma3")
        let model = try ModelLoading.model(path: tinyModelPath("tiny_gemma3"),
                                           adapter: fixturePath("peft_\(family)_tiny_gemma3"))
        let printed = try JSONValue.parse(try LogitsRunner(model: model).run(ids: ids, last: false, top: nil))
        guard case .array(let rows)? = printed["logits"] else { Issue.record("no logits"); return }
        let values = rows.flatMap { row -> [Float] in
            guard case .array(let items) = row else { return [] }
            return items.compactMap { item -> Float? in
                switch item {
                case .double(let d): return Float(d)
                case .int(let i): return Float(i)
                default: return nil
                }
            }
        }
        expectClose(Tensor(values, shape: reference.shape), reference, tolerance: 1e-4, "\(family) through `logits --adapter`")
    }

    /// Every PEFT family on the tiny Qwen2, Llama and Gemma 3 of the model tests: `logits --adapter` prints PEFT's
    /// float64 logits (within 2e-5 of the largest) and `generate --adapter` PEFT's greedy ids.
    @Test(arguments: ["lora", "vera", "tinylora"], FamilyFixture.models)
    func logitsAndGenerateWithAPEFTAdapterOnEveryArchitecture(family: String, modelName: String) throws {
        let f = try FamilyFixture.load()
        let c = try #require(f["cases"]?["\(family)_\(modelName)"])
        let ids = try FamilyFixture.sequences(f)[0]
        let model = try ModelLoading.model(path: FamilyFixture.modelPath(modelName),
                                           adapter: fixturePath("family_\(family)_\(modelName)"))
        let printed = try JSONValue.parse(try LogitsRunner(model: model).run(ids: ids, last: false, top: nil))
        guard case .array(let rows)? = printed["logits"] else { Issue.record("no logits"); return }
        let values = try rows.flatMap { row -> [Float] in
            guard case .array(let items) = row else { return [] }
            return try items.map { Float(try $0.number("logit")) }
        }
        let reference = try c.tensor("logits")
        expectClose(Tensor(values, shape: reference.shape), reference, tolerance: 2e-5, "\(family) on \(modelName) `logits --adapter`")

        guard case .array(let greedyItems)? = c["greedy"] else { Issue.record("no greedy ids"); return }
        let greedy = greedyItems.compactMap { if case .int(let n) = $0 { Int(n) } else { nil } }
        let margin = try #require(c["greedy_margin"]).number("greedy_margin")
        #expect(margin > 1e-3, "PEFT's greedy choices are not near ties")
        let runner = GenerateRunner(model: model, tokenizer: nil, sampler: Sampler(temperature: 0),
                                    maxTokens: greedy.count, stop: [], seed: 0)
        let completion = try runner.run(prompt: ids, chat: false) { _ in }
        #expect(completion.ids == greedy, "\(family) on \(modelName) `generate --adapter`")
        let plain = try GenerateRunner(model: ModelLoading.model(path: FamilyFixture.modelPath(modelName), adapter: nil),
                                       tokenizer: nil, sampler: Sampler(temperature: 0), maxTokens: greedy.count,
                                       stop: [], seed: 0).run(prompt: ids, chat: false) { _ in }
        #expect(plain.ids != greedy, "\(family) on \(modelName): the adapter changes the greedy continuation")
    }
}
