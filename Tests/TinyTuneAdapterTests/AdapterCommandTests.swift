// `tinytune logits --adapter DIR`: a PEFT-saved adapter folder (scripts/reference/make_adapter_fixtures.py) gives
// PEFT's logits through the command's own code path (the adapter merged into the weights).

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
}
