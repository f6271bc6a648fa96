// Every adapter family on the tiny random Qwen2, Llama and Gemma 3 checkpoints of the model tests, against PyTorch
// (scripts/reference/make_family_gradients.py → Fixtures/family_gradients.json and family_<family>_<model>/): lora,
// vera and tinylora adapters made and saved by PEFT 0.21.2 and read by our loader; LoRA-XS from the script's PyTorch
// version (PEFT has none), attached by our family (our SVD) with the script's R. Checked: the logits, the
// log-probabilities and the gradient of L = Σ w·log p with respect to every trainable parameter (TrainingPass's
// backward against float64 autograd, in one pass and accumulated over one pass per sequence); central finite
// differences on our own model; zeroed adapters, merging and the rank-r SVD against numpy.
//
// Tolerances, relative to the largest reference entry of the case (f32 through two or three decoder layers against
// f64; measured with TINYTUNE_PRINT_ERRORS=1): logits and log-probabilities 2e-5 (worst 3.0e-6), gradients 2e-5
// (worst 4.8e-6). LoRA-XS also carries our f32 randomized SVD against the script's f64 one: logits 5e-5 (worst
// 1.2e-5), gradients 2e-4 (worst 4.8e-5).

import Foundation
import Testing
import TinyTune
import TinyTunePlugins
import TinyTuneLoaders

/// family_gradients.json, parsed once for all tests.
enum FamilyFixture {
    static let parsed: JSONValue? = Bundle.module.resourceURL
        .flatMap { try? JSONValue.parse(contentsOf: $0.appendingPathComponent("Fixtures/family_gradients.json").path) }

    static func load() throws -> JSONValue {
        try #require(parsed, "Fixtures/family_gradients.json is missing (scripts/reference/make_family_gradients.py)")
    }

    static let models = ["qwen2_untied", "llama3", "gemma3"]
    static let families = ["lora", "vera", "tinylora", "loraxs"]

    /// A tiny checkpoint of the model tests (make_tiny_model_fixtures.py).
    static func modelPath(_ name: String) -> String {
        packageRoot.appendingPathComponent("Tests/TinyTuneModelTests/Fixtures/tiny_models/\(name)").path
    }

    static func sequences(_ f: JSONValue) throws -> [[Int]] {
        guard case .array(let rows)? = f["sequences"] else { throw TinyTuneError.unsupported("fixture: no sequences") }
        return rows.map { row in
            guard case .array(let items) = row else { return [] }
            return items.compactMap { if case .int(let n) = $0 { Int(n) } else { nil } }
        }
    }

    static func numbers(_ value: JSONValue?, _ what: String) throws -> [[Double]] {
        guard case .array(let rows)? = value else { throw TinyTuneError.unsupported("fixture: no \(what)") }
        return try rows.map { row in
            guard case .array(let items) = row else { throw TinyTuneError.unsupported("fixture: bad \(what)") }
            return try items.map { try $0.number(what) }
        }
    }

    /// The case's adapter on `model`: PEFT's folder through our loader, or our LoRA-XS with the script's R values.
    static func adapter(_ family: String, _ modelName: String, _ model: DecoderModel, _ c: JSONValue) throws
        -> AttachedAdapterLayers
    {
        guard family == "loraxs" else {
            return try PEFTAdapterFiles.load(folder: fixturePath("family_\(family)_\(modelName)"), model: model)
        }
        let adapter = try #require(try adapterFamily(["type": "loraxs", "r": 2]).attach(to: model) as? AttachedAdapterLayers)
        let values = try #require(c["parameters"])
        for p in adapter.parameters { p.value = try values.tensor(p.name) }
        return adapter
    }

    /// L = Σ_s Σ_t w_{s,t} · log p_{s,t} from a forward-only training pass, in f64.
    static func loss(_ model: DecoderModel, _ adapter: AttachedAdapterLayers, _ sequences: [[Int]], _ weights: [[Double]]) throws -> Double {
        let pass = try TrainingPass(model: model, sequences: sequences, scoredPositions: scored(sequences), adapter: adapter)
        return zip(pass.logprobs, weights).reduce(0) { total, pair in
            total + zip(pair.0, pair.1).reduce(0) { $0 + Double($1.0) * $1.1 }
        }
    }

    static func scored(_ sequences: [[Int]]) -> [[Int]] { sequences.map { Array(0..<($0.count - 1)) } }
}

private func maxAbs(_ t: Tensor) -> Float { t.array.map(abs).max() ?? 0 }

@Suite struct FamilyGradientTests {
    static let cases = FamilyFixture.families.flatMap { f in FamilyFixture.models.map { (f, $0) } }

    @Test(arguments: cases)
    func logitsAndGradientsEqualAutograd(family: String, modelName: String) throws {
        let f = try FamilyFixture.load()
        let c = try #require(f["cases"]?["\(family)_\(modelName)"])
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: FamilyFixture.modelPath(modelName)))
        let adapter = try FamilyFixture.adapter(family, modelName, model, c)
        let sequences = try FamilyFixture.sequences(f)
        let what = "\(family) on \(modelName)"

        let reference = try c.tensor("logits")
        let logits = try model.forward([(sequences[0], model.makeCache())], logits: .all, hook: adapter)[0]
        let loose = family == "loraxs"
        expectClose(logits, reference, tolerance: loose ? 5e-5 : 2e-5, "\(what): logits")
        let base = try model.forward([(sequences[0], model.makeCache())], logits: .all)[0]
        #expect(relativeError(base, reference) > 1e-2, "\(what): the adapter changes the logits")

        let pass = try TrainingPass(model: model, sequences: sequences, scoredPositions: FamilyFixture.scored(sequences),
                                    adapter: adapter)
        let wantLogprobs = try FamilyFixture.numbers(c["logprobs"], "logprobs").flatMap { $0 }
        let gotLogprobs = pass.logprobs.flatMap { $0 }
        expectClose(Tensor(gotLogprobs, shape: [gotLogprobs.count]), Tensor(wantLogprobs.map { Float($0) }, shape: [wantLogprobs.count]),
                    tolerance: loose ? 5e-5 : 2e-5, "\(what): log-probabilities")

        adapter.zeroGradients()
        try pass.backward(logprobGradients: try FamilyFixture.numbers(f["weights"], "weights").map { $0.map { Float($0) } })
        let gradients = try #require(c["gradients"])
        guard case .object(let entries) = gradients else { Issue.record("gradients is not an object"); return }
        #expect(Set(entries.map(\.key)) == Set(adapter.parameters.map(\.name)), "\(what): one gradient per parameter")
        let expected = try Dictionary(uniqueKeysWithValues: entries.map { ($0.key, try gradients.tensor($0.key)) })
        let scale = max(1e-6, expected.values.map(maxAbs).max() ?? 0)
        func worstError() throws -> Float {
            var worst: Float = 0
            for p in adapter.parameters {
                let want = try #require(expected[p.name])
                #expect(p.gradient.shape == want.shape, "\(what): \(p.name) gradient shape")
                guard p.gradient.count == want.count else { continue }
                worst = max(worst, zip(p.gradient.array, want.array).map { abs($0 - $1) }.max() ?? 0)
            }
            return worst / scale
        }
        let worst = try worstError()
        if ProcessInfo.processInfo.environment["TINYTUNE_PRINT_ERRORS"] != nil {
            print("measured \(what): gradient error \(worst) of the largest gradient \(scale)")
        }
        #expect(scale > 1e-2, "\(what): the gradients are not trivial")
        #expect(worst <= (loose ? 2e-4 : 2e-5), "\(what): gradients differ from autograd by \(worst) of the largest (\(scale))")

        // Gradient accumulation: one pass per sequence (micro-batches of one) adds up to the same gradients.
        adapter.zeroGradients()
        let weights = try FamilyFixture.numbers(f["weights"], "weights").map { $0.map { Float($0) } }
        for (sequence, w) in zip(sequences, weights) {
            let micro = try TrainingPass(model: model, sequences: [sequence], scoredPositions: FamilyFixture.scored([sequence]),
                                         adapter: adapter)
            try micro.backward(logprobGradients: [w])
        }
        let accumulated = try worstError()
        #expect(accumulated <= (loose ? 2e-4 : 2e-5), "\(what): accumulated over micro-batches, \(accumulated) off")
    }

    /// Central differences D(h) = (L(θ + h) − L(θ − h)) / 2h for three entries of each case against our backward: a
    /// check of the backward that needs no reference. L is strongly curved along some entries (LoRA's A in layer 0:
    /// D(1e-2) is 2% off even in f64), so the O(h²) term is cancelled by Richardson's (4·D(h) − D(2h)) / 3, h = 5e-3;
    /// L is f32, so the differences carry about 3e-4 of rounding.
    @Test(arguments: cases)
    func finiteDifferencesAgreeWithOurBackward(family: String, modelName: String) throws {
        let f = try FamilyFixture.load()
        let c = try #require(f["cases"]?["\(family)_\(modelName)"])
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: FamilyFixture.modelPath(modelName)))
        let adapter = try FamilyFixture.adapter(family, modelName, model, c)
        let sequences = try FamilyFixture.sequences(f)
        let weights = try FamilyFixture.numbers(f["weights"], "weights")
        adapter.zeroGradients()
        let pass = try TrainingPass(model: model, sequences: sequences, scoredPositions: FamilyFixture.scored(sequences),
                                    adapter: adapter)
        try pass.backward(logprobGradients: weights.map { $0.map { Float($0) } })
        // The first entry of the first parameter, the middle entry of the middle one, the last of the last.
        let ps = adapter.parameters
        let picks = [(ps[0], 0), (ps[ps.count / 2], ps[ps.count / 2].value.count / 2), (ps[ps.count - 1], ps[ps.count - 1].value.count - 1)]
        for (p, i) in picks {
            let analytic = Double(p.gradient.array[i])
            let original = p.value
            func difference(_ h: Float) throws -> Double {
                var plus = original, minus = original
                plus.withUnsafeMutableBufferPointer { $0[i] += h }
                minus.withUnsafeMutableBufferPointer { $0[i] -= h }
                defer { p.value = original }
                p.value = plus
                let lp = try FamilyFixture.loss(model, adapter, sequences, weights)
                p.value = minus
                let lm = try FamilyFixture.loss(model, adapter, sequences, weights)
                // The step actually taken in f32.
                return (lp - lm) / (Double(plus.array[i]) - Double(minus.array[i]))
            }
            let numeric = (4 * (try difference(5e-3)) - (try difference(1e-2))) / 3
            if ProcessInfo.processInfo.environment["TINYTUNE_PRINT_ERRORS"] != nil {
                print("measured \(family) on \(modelName) \(p.name)[\(i)]: backward \(analytic), finite difference \(numeric)")
            }
            #expect(abs(numeric - analytic) <= 2e-3 * max(1, abs(analytic)),
                    "\(family) on \(modelName): \(p.name)[\(i)] backward \(analytic) vs finite difference \(numeric)")
        }
    }

    /// With the trainable factor zeroed (LoRA's B, VeRA's λ_b, LoRA-XS's R, TinyLoRA's v) the logits are the base
    /// model's exactly; with the fixture's values, merged weights give the hooked logits and unmerging restores the base.
    @Test(arguments: cases)
    func zeroedAdapterLeavesLogitsAndMergedEqualsUnmerged(family: String, modelName: String) throws {
        let f = try FamilyFixture.load()
        let c = try #require(f["cases"]?["\(family)_\(modelName)"])
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: FamilyFixture.modelPath(modelName)))
        let adapter = try FamilyFixture.adapter(family, modelName, model, c)
        let ids = try FamilyFixture.sequences(f)[0]
        func logits(_ m: DecoderModel, _ hook: (any LinearHook)? = nil) throws -> Tensor {
            try m.forward([(ids, m.makeCache())], logits: .all, hook: hook)[0]
        }
        let base = try logits(model), hooked = try logits(model, adapter)
        let merged = try adapter.merged(into: model)
        expectClose(try logits(merged), hooked, tolerance: 1e-5, "\(family) on \(modelName): merged equals unmerged")
        expectClose(try logits(adapter.unmerged(from: merged)), base, tolerance: 1e-5, "\(family) on \(modelName): unmerge")

        let zeroed = adapter.parameters.filter { p in
            switch family {
            case "lora": p.name.hasSuffix("lora_B.weight")
            case "vera": p.name.hasSuffix("vera_lambda_b")
            default: true  // LoRA-XS's R, TinyLoRA's v
            }
        }
        #expect(!zeroed.isEmpty)
        for p in zeroed { p.value = Tensor(zeros: p.value.shape) }
        #expect(try logits(model, adapter) == base, "\(family) on \(modelName): a zeroed adapter changes nothing")
    }

    /// Layer 0's seven weights: our exact and randomized top-2 SVDs give numpy's σ₁, σ₂ and ‖W − W₂‖_F, and a LoRA-XS
    /// layer with R = I is that rank-2 part (ΔW = U₂Σ₂V₂ᵀ).
    @Test(arguments: FamilyFixture.models)
    func svdReconstructsWToRankR(modelName: String) throws {
        let f = try FamilyFixture.load()
        let entries = try #require(f["svd"]?[modelName])
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: FamilyFixture.modelPath(modelName)))
        let loraXS = try #require(try adapterFamily(["type": "loraxs", "r": 2]).attach(to: model) as? AttachedAdapterLayers)
        func frobenius(_ a: Tensor, minus b: Tensor) -> Double {
            zip(a.array, b.array).reduce(0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
        }
        let layer0 = model.linearLayers.filter { $0.name.hasPrefix("model.layers.0.") }
        #expect(layer0.count == 7)
        for linear in layer0 {
            let entry = try #require(entries[linear.name])
            let norm = try #require(entry["norm"]).number("norm"), error = try #require(entry["error"]).number("error")
            guard case .array(let sItems)? = entry["s"] else { Issue.record("no s"); continue }
            let sigma = try sItems.map { try $0.number("s") }
            let w = linear.weight.dense()
            #expect(error > 1e-2 * norm, "\(linear.name): rank 2 does not already reconstruct W")
            let exact = try svd(w, rank: 2)
            let randomized = try SVDCache(directory: nil).truncatedSVD(w, rank: 2, method: .randomized, seed: 0)
            for (label, result) in [("exact", exact), ("randomized", randomized)] {
                for (got, want) in zip(result.s, sigma) {
                    #expect(abs(Double(got) - want) <= 1e-5 * want, "\(linear.name) \(label): σ \(got) vs numpy \(want)")
                }
                let ours = frobenius(w, minus: result.reconstructed())
                #expect(abs(ours - error) <= 1e-5 * norm, "\(linear.name) \(label): ‖W − W₂‖ \(ours) vs numpy \(error)")
            }
            let layer = try #require(loraXS.layers[linear.name] as? LoRAXSLayer)
            layer.r.value = Tensor([1, 0, 0, 1], shape: [2, 2])
            expectClose(layer.deltaWeight(), exact.reconstructed(), tolerance: 1e-5, "\(linear.name): LoRA-XS with R = I")
        }
    }
}

/// Adapters we make and save: each family with seeded non-zero values (N(0, 0.3²), seed 11) on a tiny checkpoint.
/// lora, vera and tinylora in PEFT's format; LoRA-XS exported as a plain LoRA.
enum OurSavedAdapters {
    static let ids = [1, 17, 42, 99, 7, 23, 5, 64]
    static let options: [(name: String, options: JSONValue)] = [
        ("lora", ["type": "lora", "r": 2, "lora_alpha": 3, "use_rslora": true]),
        ("vera", ["type": "vera", "r": 4]),
        ("tinylora", ["type": "tinylora", "r": 2, "u": 3, "weight_tying": 0.5, "sigma_placement": "full"]),
        ("loraxs_as_lora", ["type": "loraxs", "r": 2]),
    ]

    static func make(_ name: String, on model: DecoderModel) throws -> (family: any AdapterFamily, adapter: AttachedAdapterLayers) {
        let json = try #require(options.first { $0.name == name }).options
        let family = try adapterFamily(json)
        let adapter = try #require(try family.attach(to: model) as? AttachedAdapterLayers)
        var generator = SeededGenerator(seed: 11)
        for p in adapter.parameters { generator.fillNormal(&p.value, std: 0.3) }
        return (family, adapter)
    }

    static func save(_ name: String, _ family: any AdapterFamily, _ adapter: AttachedAdapterLayers, to folder: String) throws {
        if name == "loraxs_as_lora" {
            try PEFTAdapterFiles.exportLoRA(adapter, to: folder)
        } else {
            try PEFTAdapterFiles.save(adapter, family: family, to: folder)
        }
    }
}

/// Adapters we saved, committed as Fixtures/ours_<name>_<model>/ (one per family), and PEFT's logits after loading
/// them with PeftModel.from_pretrained (make_family_gradients.py --ours-in-peft → ours_in_peft.json): PEFT reads our
/// files to our logits. The folders must still be what we save today, so the check follows the writer.
@Suite struct OurAdaptersInPEFTTests {
    static let committed = [("lora", "qwen2_untied"), ("vera", "llama3"), ("tinylora", "gemma3"), ("loraxs_as_lora", "gemma3")]

    @Test(arguments: committed)
    func peftGivesOurLogitsForOurSavedAdapter(name: String, modelName: String) throws {
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: FamilyFixture.modelPath(modelName)))
        let (family, adapter) = try OurSavedAdapters.make(name, on: model)
        let committed = try fixturePath("ours_\(name)_\(modelName)")
        let folder = try temporaryDirectory("ours")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try OurSavedAdapters.save(name, family, adapter, to: folder)
        #expect(try JSONValue.parse(contentsOf: folder + "/adapter_config.json")
                == JSONValue.parse(contentsOf: committed + "/adapter_config.json"), "\(name): the config we write changed")
        let fresh = try SafetensorsFile(path: folder + "/adapter_model.safetensors")
        let old = try SafetensorsFile(path: committed + "/adapter_model.safetensors")
        #expect(fresh.tensors.map(\.name).sorted() == old.tensors.map(\.name).sorted(), "\(name): the tensors we write changed")
        for t in old.tensors where fresh.info(named: t.name) != nil {
            expectClose(try fresh.tensor(named: t.name), try old.tensor(named: t.name), tolerance: 1e-5, "\(name) \(t.name)")
        }

        let reference = try JSONValue.parse(contentsOf: fixturePath("ours_in_peft.json"))
        let peft = try #require(reference["logits"]).tensor("\(name)_\(modelName)")
        let ours = try model.forward([(OurSavedAdapters.ids, model.makeCache())], logits: .all, hook: adapter)[0]
        expectClose(ours, peft, tolerance: 2e-5, "\(name) on \(modelName): PEFT's logits of our saved adapter")
        #expect(relativeError(try model.forward([(OurSavedAdapters.ids, model.makeCache())], logits: .all)[0], peft) > 1e-2)
    }
}

/// With TINYTUNE_EXPORT_FAMILY_ADAPTERS=DIR, saves every family (`OurSavedAdapters`) on the three tiny checkpoints
/// with our logits to DIR, for `make_family_gradients.py --check-ours DIR`, which loads them in PEFT and compares.
/// Does nothing otherwise.
@Suite struct FamilyExportForPythonCheck {
    @Test func writeOurAdaptersForPEFT() throws {
        guard let root = ProcessInfo.processInfo.environment["TINYTUNE_EXPORT_FAMILY_ADAPTERS"] else { return }
        var expected: [(key: String, value: JSONValue)] = []
        for modelName in FamilyFixture.models {
            let model = try DecoderModel(checkpoint: CheckpointWeights(path: FamilyFixture.modelPath(modelName)))
            for name in OurSavedAdapters.options.map(\.name) {
                let (family, adapter) = try OurSavedAdapters.make(name, on: model)
                try OurSavedAdapters.save(name, family, adapter, to: "\(root)/\(name)_\(modelName)")
                let logits = try model.forward([(OurSavedAdapters.ids, model.makeCache())], logits: .all, hook: adapter)[0]
                expected.append(("\(name)_\(modelName)", .array(logits.array.map { .double(Double($0)) })))
            }
        }
        try JSONValue.object([("ids", .array(OurSavedAdapters.ids.map { .int(Int64($0)) })), ("logits", .object(expected))])
            .serialized().write(toFile: "\(root)/logits.json", atomically: true, encoding: .utf8)
    }
}
