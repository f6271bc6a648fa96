// The same tiny llama and gemma3 models as a Hugging Face folder and as the GGUF llama.cpp's converter writes
// (Fixtures/tiny_*, from scripts/reference/make_loader_fixtures.py): both sources give the same configuration, the
// same tensor names and the same values once the GGUF conventions are undone.

import Foundation
import Testing
import TinyTune
import TinyTuneLoaders
@testable import TinyTunePlugins

@Suite("GGUF and Hugging Face folder give the same model")
struct CheckpointWeightsTests {
    @Test("configuration, names and every tensor agree", arguments: ["llama", "gemma3"])
    func paired(family: String) throws {
        let folder = try CheckpointWeights(path: fixturePath("tiny_\(family)"))
        let gguf = try CheckpointWeights(path: fixturePath("tiny_\(family).gguf"))
        #expect(gguf.configuration == folder.configuration)
        #expect(gguf.tensorNames == folder.tensorNames)
        #expect(folder.tensorNames.count == (family == "llama" ? 3 + 2 * 9 : 2 + 2 * 13))
        for name in folder.tensorNames {
            let expected = try folder.tensor(named: name)
            let got = try gguf.tensor(named: name)
            #expect(got.shape == expected.shape, "\(name)")
            if family == "gemma3" && name.hasSuffix("norm.weight") {
                // llama.cpp stored (w + 1) in f32; (w + 1) − 1 is w to within half an ulp of 1 (2⁻²⁴) per step.
                let worst = zip(got.array, expected.array).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 0x1p-23, "\(name): \(worst)")
                #expect(got.array != (try GGUFFile(path: fixturePath("tiny_gemma3.gguf"))
                    .dequantize(named: TensorNaming(family: .gemma3).ggufName(forHuggingFace: name) ?? "").array),
                        "\(name) is converted, not passed through")
            } else {
                #expect(got.array.map(\.bitPattern) == expected.array.map(\.bitPattern), "\(name)")
            }
        }
        if family == "gemma3" {
            #expect(try gguf.tensor(named: "lm_head.weight") == folder.tensor(named: "model.embed_tokens.weight"))
        }
    }

    @Test("the real Gemma 3 270M: every weight under its Hugging Face name, norms converted")
    func realGemma() throws {
        let weights = try CheckpointWeights(path: realModelPath())
        #expect(weights.tensorNames.count == 236)
        let stored = try RealModel.file().dequantize(named: "output_norm.weight").array
        let converted = try weights.tensor(named: "model.norm.weight").array
        #expect(converted == stored.map { $0 - 1 })
    }
}
