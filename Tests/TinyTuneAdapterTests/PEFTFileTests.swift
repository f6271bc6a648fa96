// PEFT adapter folders: adapters saved by PEFT 0.21.2 on the tiny llama and Gemma 3 checkpoints (non-zero random
// trainable values; scripts/reference/make_adapter_fixtures.py) give PEFT's logits here; what we save loads back
// to the same logits; every adapter_config.json field is honoured or refused.
//
// Tolerance: 1e-4 relative to the largest logit (the whole decoder in f32 on both sides).

import Foundation
import Testing
import TinyTune
import TinyTunePlugins
import TinyTuneLoaders

private func logits(_ model: DecoderModel, _ ids: [Int], hook: (any LinearHook)? = nil) throws -> Tensor {
    try model.forward([(ids, model.makeCache())], logits: .all, hook: hook)[0]
}

@Suite struct PEFTFileTests {
    static let cases = ["lora", "vera", "tinylora"].flatMap { f in ["tiny_llama", "tiny_gemma3"].map { (f, $0) } }

    @Test(arguments: cases)
    func peftAdapterGivesPEFTLogits(family: String, modelName: String) throws {
        let expected = try JSONValue.parse(contentsOf: fixturePath("peft_logits.json"))
        guard case .array(let idItems)? = expected["ids"] else { Issue.record("no ids"); return }
        let ids = idItems.compactMap { if case .int(let n) = $0 { Int(n) } else { nil } }
        let reference = try #require(expected["logits"]).tensor("\(family)_\(modelName)")
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: tinyModelPath(modelName)))
        let adapter = try PEFTAdapterFiles.load(folder: fixturePath("peft_\(family)_\(modelName)"), model: model)
        #expect(adapter.modules.count == 14)
        let ours = try logits(model, ids, hook: adapter)
        expectClose(ours, reference, tolerance: 1e-4, "\(family) on \(modelName)")
        #expect(relativeError(try logits(model, ids), reference) > 1e-3, "the adapter matters")

        // Saved again and reloaded: the same logits; merged: the same logits.
        let folder = try temporaryDirectory("peft-save")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try PEFTAdapterFiles.save(adapter, to: folder)
        expectClose(try logits(model, ids, hook: PEFTAdapterFiles.load(folder: folder, model: model)), ours, tolerance: 0, "reloaded")
        expectClose(try logits(adapter.merged(into: model), ids), ours, tolerance: 1e-4, "merged")

        // Exported as a plain rank-r LoRA: the same logits.
        let exported = try temporaryDirectory("peft-export")
        defer { try? FileManager.default.removeItem(atPath: exported) }
        try PEFTAdapterFiles.exportLoRA(adapter, to: exported)
        expectClose(try logits(model, ids, hook: PEFTAdapterFiles.load(folder: exported, model: model)), ours,
                    tolerance: 1e-5, "exported as LoRA")
    }

    static let refusals: [(String, JSONValue, String)] = [
        // (field, value, expected words in the error)
        ("use_dora", .bool(true), "use_dora: true is not supported"),
        ("modules_to_save", .array([.string("lm_head")]), "modules_to_save"),
        ("bias", .string("all"), "bias: \"all\" is not supported"),
        ("fan_in_fan_out", .string("yes"), "fan_in_fan_out: \"yes\" is not true or false"),
        ("init_lora_weights", .string("pissa"), "init_lora_weights: \"pissa\" is not supported"),
        ("init_lora_weights", .string("olora"), "init_lora_weights: \"olora\" is not supported"),
        ("init_lora_weights", .string("mica"), "init_lora_weights: \"mica\" is not supported"),
        ("arrow_config", .object([("top_k", .int(3))]), "arrow_config"),
        ("kasa_config", .object([("x", .int(1))]), "kasa_config"),
        ("lora_bias", .bool(true), "lora_bias: true is not supported"),
        ("exclude_modules", .int(3), "exclude_modules: 3 is not a list"),
        ("target_modules", .string(".*q_proj"), "layers_to_transform: cannot be used when target_modules is a regular"),
        ("layers_pattern", .string("blocks"), "layers_pattern"),
        ("some_future_field", .int(1), "some_future_field: unknown field"),
        ("peft_type", .string("LOHA"), "\"LOHA\" is not supported"),
        ("r", .int(3), "is [2, 8], expected [3, 8]"),
    ]

    @Test(arguments: refusals)
    func everyFieldIsHonouredOrRefused(field: String, value: JSONValue, message: String) throws {
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: tinyModelPath("tiny_llama")))
        let folder = try copyOfFixture("peft_lora_tiny_llama") { config in
            guard case .object(var members) = config else { return config }
            members.removeAll { $0.key == field || (field == "target_modules" && $0.key == "layers_to_transform") }
            members.append((field, value))
            if field == "target_modules" { members.append(("layers_to_transform", .array([.int(1)]))) }
            return .object(members)
        }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect { try PEFTAdapterFiles.load(folder: folder, model: model) } throws: { error in
            let text = "\(error)"
            return text.contains(message) && text.contains("adapter")
        }
    }

    @Test func rankAlphaPatternsAndLayersToTransformAreHonoured() throws {
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: tinyModelPath("tiny_llama")))
        let plain = try PEFTAdapterFiles.load(folder: fixturePath("peft_lora_tiny_llama"), model: model)
        // alpha_pattern doubles the scaling of down_proj only.
        let patterned = try copyOfFixture("peft_lora_tiny_llama") { config in
            guard case .object(var members) = config else { return config }
            members.removeAll { $0.key == "alpha_pattern" }
            members.append(("alpha_pattern", ["down_proj": 10]))
            return .object(members)
        }
        defer { try? FileManager.default.removeItem(atPath: patterned) }
        let adapter = try PEFTAdapterFiles.load(folder: patterned, model: model)
        let down = "model.layers.1.mlp.down_proj", up = "model.layers.1.mlp.up_proj"
        let ratio = { (a: AttachedAdapterLayers, m: String) in (a.layers[m] as? LoRALayer)?.scaling ?? 0 }
        #expect(ratio(adapter, down) == 2 * ratio(plain, down))
        #expect(ratio(adapter, up) == ratio(plain, up))

        // layers_to_transform [] means every layer, as in PEFT (`is_using_layer_indexes` is false for an empty list).
        let emptyList = try copyOfFixture("peft_lora_tiny_llama") { config in
            guard case .object(var members) = config else { return config }
            members.removeAll { $0.key == "layers_to_transform" }
            members.append(("layers_to_transform", .array([])))
            return .object(members)
        }
        defer { try? FileManager.default.removeItem(atPath: emptyList) }
        #expect(try PEFTAdapterFiles.load(folder: emptyList, model: model).modules == plain.modules)

        // layers_to_transform [1]: only layer 1's modules (the file's layer-0 tensors are then refused as unused).
        let onlyLayer1 = try copyOfFixture("peft_lora_tiny_llama") { config in
            guard case .object(var members) = config else { return config }
            members.removeAll { $0.key == "layers_to_transform" }
            members.append(("layers_to_transform", .array([.int(1)])))
            return .object(members)
        }
        defer { try? FileManager.default.removeItem(atPath: onlyLayer1) }
        #expect { try PEFTAdapterFiles.load(folder: onlyLayer1, model: model) } throws: {
            "\($0)".contains("tensors for modules the config does not target: base_model.model.model.layers.0")
        }
    }

    /// PEFT-made adapters using exclude_modules (a list; a regular expression), all-linear, layers_to_transform, layers_pattern
    /// and init_lora_weights "gaussian" (make_family_gradients.py `config_field_cases`): the same modules, PEFT's logits.
    @Test(arguments: ["lora_llama3", "lora_qwen2_untied", "tinylora_gemma3"])
    func targetingFieldsAreHonouredAsPEFTDoes(name: String) throws {
        let f = try FamilyFixture.load()
        let c = try #require(f["fields"]?[name])
        guard case .string(let modelName)? = c["model"], case .array(let moduleItems)? = c["modules"] else {
            Issue.record("bad fields case"); return
        }
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: FamilyFixture.modelPath(modelName)))
        let adapter = try PEFTAdapterFiles.load(folder: fixturePath("fields_\(name)"), model: model)
        #expect(adapter.modules.sorted() == moduleItems.compactMap { if case .string(let s) = $0 { s } else { nil } })
        let ids = try FamilyFixture.sequences(f)[0]
        expectClose(try logits(model, ids, hook: adapter), try c.tensor("logits"), tolerance: 2e-5, "fields \(name)")
        // fan_in_fan_out true changes nothing on Linear modules (PEFT turns it off for them).
        let flipped = try copyOfFixture("fields_\(name)") { config in
            guard case .object(var members) = config else { return config }
            members.removeAll { $0.key == "fan_in_fan_out" }
            members.append(("fan_in_fan_out", .bool(true)))
            return .object(members)
        }
        defer { try? FileManager.default.removeItem(atPath: flipped) }
        #expect(try logits(model, ids, hook: PEFTAdapterFiles.load(folder: flipped, model: model))
                == logits(model, ids, hook: adapter))
    }

    @Test func tinyLoRASavedByUsLoadsWithTheSameLogitsAndGroups() throws {
        let model = try DecoderModel(checkpoint: CheckpointWeights(path: tinyModelPath("tiny_llama")))
        let family = try adapterFamily(["type": "tinylora", "u": 3, "tie_groups": 7, "init_weights": "uniform", "svd_method": "exact"])
        let adapter = try #require(try family.attach(to: model) as? AttachedAdapterLayers)
        let folder = try temporaryDirectory("tiny-save")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try PEFTAdapterFiles.save(adapter, family: family, to: folder)
        let loaded = try PEFTAdapterFiles.load(folder: folder, model: model)
        #expect(loaded.parameters.count == 7)
        #expect(try logits(model, [1, 2, 3], hook: loaded) == logits(model, [1, 2, 3], hook: adapter))
        // 5 groups over 14 modules: PEFT would give the remainder to the last group, so saving is refused.
        let uneven = try adapterFamily(["type": "tinylora", "u": 3, "tie_groups": 5, "svd_method": "exact"])
        let unevenAdapter = try #require(try uneven.attach(to: model) as? AttachedAdapterLayers)
        #expect { try PEFTAdapterFiles.save(unevenAdapter, family: uneven, to: folder) } throws: {
            "\($0)".contains("cannot be written as PEFT's weight_tying")
        }
        // weight_tying uses PEFT's layout, so any fraction saves: 0.3 on 14 modules → 10 groups, the last of 5.
        let fraction = try adapterFamily(["type": "tinylora", "u": 2, "weight_tying": 0.3, "init_weights": "uniform",
                                          "svd_method": "exact"])
        let fractionAdapter = try #require(try fraction.attach(to: model) as? AttachedAdapterLayers)
        #expect(fractionAdapter.parameters.count == 10)
        try PEFTAdapterFiles.save(fractionAdapter, family: fraction, to: folder)
        #expect(try logits(model, [1, 2, 3], hook: PEFTAdapterFiles.load(folder: folder, model: model))
                == logits(model, [1, 2, 3], hook: fractionAdapter))
        // PEFT's own grouping: 14 modules, weight_tying 0.5 → 7 groups of 2.
        #expect(PEFTAdapterFiles.pefTinyLoRAGroups(moduleCount: 14, weightTying: 0.5) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6])
        #expect(PEFTAdapterFiles.pefTinyLoRAGroups(moduleCount: 5, weightTying: 0.5) == [0, 0, 1, 1, 1])  // round(2.5) = 2
    }

    /// A temporary copy of a fixture folder with its adapter_config.json rewritten.
    func copyOfFixture(_ name: String, edit: (JSONValue) -> JSONValue) throws -> String {
        let source = try fixturePath(name)
        let folder = try temporaryDirectory("peft-edit") + "/adapter"
        try FileManager.default.copyItem(atPath: source, toPath: folder)
        let configPath = folder + "/adapter_config.json"
        let edited = edit(try JSONValue.parse(contentsOf: configPath))
        try FileManager.default.removeItem(atPath: configPath)
        try edited.serialized().write(toFile: configPath, atomically: true, encoding: .utf8)
        return folder
    }
}

/// With TINYTUNE_EXPORT_ADAPTERS=DIR, writes adapters we saved (non-zero values) on both tiny models with our logits
/// to DIR, for `make_adapter_fixtures.py --check-ours DIR`, which loads them in PEFT and compares the logits.
@Suite struct PEFTExportForPythonCheck {
    @Test func writeOurAdaptersForPEFT() throws {
        guard let root = ProcessInfo.processInfo.environment["TINYTUNE_EXPORT_ADAPTERS"] else { return }
        let ids = [1, 4, 2, 7, 3]
        var expected: [(key: String, value: JSONValue)] = []
        for modelName in ["tiny_llama", "tiny_gemma3"] {
            let model = try DecoderModel(checkpoint: CheckpointWeights(path: tinyModelPath(modelName)))
            let families: [(String, JSONValue)] = [
                ("lora", ["type": "lora", "r": 2, "lora_alpha": 3]),
                ("vera", ["type": "vera", "r": 4]),
                ("tinylora", ["type": "tinylora", "u": 3, "tie_groups": 7, "svd_method": "exact"]),
                ("loraxs_as_lora", ["type": "loraxs", "r": 2]),
            ]
            for (name, options) in families {
                let family = try adapterFamily(options)
                let adapter = try #require(try family.attach(to: model) as? AttachedAdapterLayers)
                var generator = SeededGenerator(seed: 11)
                for p in adapter.parameters { generator.fillNormal(&p.value, std: 0.3) }
                let folder = "\(root)/\(name)_\(modelName)"
                if name == "loraxs_as_lora" {
                    try PEFTAdapterFiles.exportLoRA(adapter, to: folder)
                } else {
                    try PEFTAdapterFiles.save(adapter, family: family, to: folder)
                }
                let logits = try model.forward([(ids, model.makeCache())], logits: .all, hook: adapter)[0]
                expected.append(("\(name)_\(modelName)", .array(logits.array.map { .double(Double($0)) })))
            }
        }
        try JSONValue.object([("ids", .array(ids.map { .int(Int64($0)) })), ("logits", .object(expected))]).serialized()
            .write(toFile: "\(root)/logits.json", atomically: true, encoding: .utf8)
    }
}
