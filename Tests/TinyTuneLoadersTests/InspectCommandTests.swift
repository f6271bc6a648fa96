// `tinytune inspect`: the tensor table and `--tensor NAME --values --json` report, checked against the fixtures'
// reference values (gguf-py and the safetensors package).

import Foundation
import Testing
import TinyTune
@testable import TinyTuneCLI
@testable import TinyTuneLoaders

@Suite("tinytune inspect")
struct InspectCommandTests {
    @Test("GGUF: --json lists format, version, metadata in order and every tensor with its row-major shape")
    func ggufTable() throws {
        let path = try fixturePath("types_v3.gguf")
        let report = try JSONValue.parse(InspectCommand.render(CheckpointFile(path: path), json: true))
        let expected = try fixtureJSON("gguf_expected.json")
        #expect(report["format"] == "gguf")
        #expect(report["version"] == 3)
        guard case .object(let metadata)? = report["metadata"] else { Issue.record("no metadata"); return }
        #expect(metadata.map(\.key) == expected["metadata"]?.arrayValue?.compactMap { $0["key"]?.stringValue })
        #expect(report["metadata"]?["test.array_nested"] == [[1, 2], [3]])
        #expect(report["metadata"]?["test.uint64"] == "9223372036854775813")
        let tensors = try #require(report["tensors"]?.arrayValue)
        let expectedTensors = try #require(expected["tensors"]?.arrayValue)
        #expect(tensors.count == expectedTensors.count)
        for (row, entry) in zip(tensors, expectedTensors) {
            #expect(row["name"] == entry["name"])
            #expect(row["dtype"] == entry["type"])
            #expect(row["shape"]?.arrayValue?.compactMap { $0.intValue } == entry["dimensions"]?.arrayValue?.compactMap { $0.intValue }.reversed())
        }
    }

    @Test("--tensor NAME --values --json: stored values dequantized to f32, names as stored",
          arguments: ["quant.q4_0", "kquant.q6_k", "plain.f32"])
    func ggufValues(name: String) throws {
        let path = try fixturePath("types_v3.gguf")
        let report = try InspectCommand.tensorReport(name, CheckpointFile(path: path), path: path, values: true)
        // Round trip through the printed text, as a script would read it.
        let parsed = try JSONValue.parse(report.serialized())
        let expected = try #require(try fixtureJSON("gguf_expected.json")["tensors"]?.arrayValue?.first { $0["name"]?.stringValue == name })
        #expect(parsed["name"] == .string(name))
        #expect(parsed["dtype"] == expected["type"])
        let values = try #require(parsed["values"]?.arrayValue?.compactMap { $0.doubleValue.map(Float.init) })
        #expect(values.map(\.bitPattern) == expected["f32Bits"]?.bitPatterns)
    }

    @Test("a model folder: config.json and shard metadata, tensors across shards, values")
    func folder() throws {
        let path = try fixturePath("sharded")
        let checkpoint = try CheckpointFile(path: path)
        let report = try JSONValue.parse(InspectCommand.render(checkpoint, json: true))
        #expect(report["format"] == "safetensors")
        #expect(report["metadata"]?["config.json"]?["model_type"] == "llama")
        #expect(report["tensors"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ==
                ["lm_head.weight", "model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight", "model.norm.weight"])
        let values = try InspectCommand.tensorReport("model.norm.weight", checkpoint, path: path, values: true)
        let expected = try fixtureJSON("sharded_expected.json")["model.norm.weight"]
        #expect(values["values"]?.arrayValue?.compactMap { $0.doubleValue.map { Float($0).bitPattern } } == expected?["f32Bits"]?.bitPatterns)
        #expect(throws: TinyTuneError.self) { try InspectCommand.tensorReport("nope", checkpoint, path: path, values: false) }
    }
}
