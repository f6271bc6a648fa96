// The real Gemma 3 270M Q4_K_M file (linked by scripts/install-deps.sh): every tensor's info checks out against
// gguf-py's reading and the architecture metadata, and samples of each stored type (F32, Q5_0, Q8_0, Q4_K, Q6_K)
// equal gguf-py's dequantized values (Fixtures/gemma_samples.json) bit for bit.

import Foundation
import Testing
import TinyTune
@testable import TinyTuneLoaders

@Suite("Gemma 3 270M GGUF (real file)")
struct GemmaGGUFTests {
    @Test("every tensor: name, type and dimensions as gguf-py reads them; shapes follow the metadata")
    func tensorTable() throws {
        let gguf = try RealModel.file()
        let expected = try #require(try fixtureJSON("gemma_samples.json")["tensors"]?.arrayValue)
        #expect(gguf.tensors.count == expected.count)
        for (info, entry) in zip(gguf.tensors, expected) {
            #expect(info.name == entry["name"]?.stringValue)
            #expect(info.type.name == entry["type"]?.stringValue)
            #expect(info.dimensions == entry["dimensions"]?.arrayValue?.compactMap { $0.intValue })
        }
        #expect(Set(gguf.tensors.map(\.type)) == Set<GGMLType>([.f32, .q5_0, .q8_0, .q4_K, .q6_K]))

        // Shapes from the hyperparameters (row-major, out × in).
        let m = gguf.metadata
        #expect(m["general.architecture"]?.string == "gemma3")
        let layers = try #require(m["gemma3.block_count"]?.int)
        let hidden = try #require(m["gemma3.embedding_length"]?.int)
        let ffn = try #require(m["gemma3.feed_forward_length"]?.int)
        let heads = try #require(m["gemma3.attention.head_count"]?.int)
        let kvHeads = try #require(m["gemma3.attention.head_count_kv"]?.int)
        let headDim = try #require(m["gemma3.attention.key_length"]?.int)
        let vocabulary = try #require(m["tokenizer.ggml.tokens"]?.strings?.count)
        let hyperparameters: [Int] = [layers, hidden, ffn, heads, kvHeads, headDim, vocabulary]
        #expect(hyperparameters == [18, 640, 2048, 4, 1, 256, 262_144])
        #expect(gguf.tensor(named: "token_embd.weight")?.shape == [vocabulary, hidden])
        #expect(gguf.tensor(named: "output_norm.weight")?.shape == [hidden])
        for layer in 0..<layers {
            let expectedShapes: [String: [Int]] = [
                "attn_q": [heads * headDim, hidden], "attn_k": [kvHeads * headDim, hidden],
                "attn_v": [kvHeads * headDim, hidden], "attn_output": [hidden, heads * headDim],
                "ffn_gate": [ffn, hidden], "ffn_up": [ffn, hidden], "ffn_down": [hidden, ffn],
                "attn_norm": [hidden], "ffn_norm": [hidden], "post_attention_norm": [hidden],
                "post_ffw_norm": [hidden], "attn_q_norm": [headDim], "attn_k_norm": [headDim],
            ]
            for (suffix, shape) in expectedShapes {
                let name = "blk.\(layer).\(suffix).weight"
                #expect(gguf.tensor(named: name)?.shape == shape, "\(name)")
            }
        }
        #expect(gguf.tensors.count == 2 + 13 * layers)
    }

    @Test("sampled values of each type equal gguf-py's dequantize")
    func samples() throws {
        let gguf = try RealModel.file()
        let samples = try #require(try fixtureJSON("gemma_samples.json")["samples"]?.arrayValue)
        #expect(Set(samples.compactMap { $0["type"]?.stringValue }) == Set<String>(["F32", "Q5_0", "Q8_0", "Q4_K", "Q6_K"]))
        for sample in samples {
            let name = try #require(sample["name"]?.stringValue)
            let info = try #require(gguf.tensor(named: name))
            for range in try #require(sample["ranges"]?.arrayValue) {
                let start = try #require(range["start"]?.intValue)
                let bits = try #require(range["f32Bits"]?.bitPatterns)
                let values = try gguf.dequantize(info, elements: start..<(start + bits.count))
                #expect(values.map(\.bitPattern) == bits, "\(name) from \(start)")
            }
        }
    }

    @Test("a whole small tensor of each quantized type dequantizes to the values sampled from it")
    func wholeTensors() throws {
        let gguf = try RealModel.file()
        let samples = try #require(try fixtureJSON("gemma_samples.json")["samples"]?.arrayValue)
        for sample in samples where sample["name"]?.stringValue != "token_embd.weight" {
            let name = try #require(sample["name"]?.stringValue)
            let tensor = try gguf.dequantize(named: name)
            let flat = tensor.array
            for range in try #require(sample["ranges"]?.arrayValue) {
                let start = try #require(range["start"]?.intValue)
                let bits = try #require(range["f32Bits"]?.bitPatterns)
                #expect(flat[start..<(start + bits.count)].map(\.bitPattern) == bits, "\(name)")
            }
        }
    }
}
