import Foundation
import Testing
import TinyTune
import TinyTunePlugins

/// The shape of Gemma 3 270M (REFERENCES.md): 18 layers, hidden 640, FFN 2048, 4 heads, 1 KV head, head dim 256.
private struct Gemma270MShape: ModelArchitecture {
    var shape: DecoderShape {
        DecoderShape(hiddenSize: 640, intermediateSize: 2048, layerCount: 18, attentionHeads: 4, keyValueHeads: 1,
                     headDim: 256, vocabularySize: 262_144)
    }
}

@Suite struct AdapterCountTests {
    let registry: PluginRegistry
    let modules = Gemma270MShape().linearModules
    init() throws { registry = try BuiltinPlugins.registry() }

    func family(_ json: JSONValue) throws -> any AdapterFamily {
        let entry = try registry.adapters.entry(named: json["type"].flatMap { if case .string(let s) = $0 { s } else { nil } } ?? "")
        guard case .object(let members) = json else { throw TinyTuneError.unsupported("not an object") }
        let options = try entry.options(from: .object(members.filter { $0.key != "type" }), at: .root)
        return try entry.make(options, context: PluginContext(baseDirectory: URL(fileURLWithPath: "/"), registry: registry))
    }

    @Test func gemmaHas126LinearModules() {
        #expect(modules.count == 18 * 7)
        #expect(modules[0] == LinearModule(name: "model.layers.0.self_attn.q_proj", inFeatures: 640, outFeatures: 1024, layer: 0))
        #expect(modules[1].outFeatures == 256)  // k_proj: 1 KV head × 256
        #expect(modules[6] == LinearModule(name: "model.layers.0.mlp.down_proj", inFeatures: 2048, outFeatures: 640, layer: 0))
    }

    @Test func thirteenParametersWhenFullyTied() throws {
        let tiny = try family(["type": "tinylora", "u": 13, "weight_tying": 1.0])
        #expect(tiny.trainableParameterCount(for: modules) == 13)
        let untied = try family(["type": "tinylora", "u": 13])
        #expect(untied.trainableParameterCount(for: modules) == 126 * 13)
        let ntie = try family(["type": "tinylora", "u": 2, "ntie": 7])
        #expect(ntie.trainableParameterCount(for: modules) == 18 * 2)
        let groups = try family(["type": "tinylora", "u": 1, "tie_groups": 500])
        #expect(groups.trainableParameterCount(for: modules) == 126)  // at most one group per module
    }

    @Test func tyingFractionFollowsPEFT() throws {
        // PEFT 0.21.2: max(1, round(n·(1 − f))) groups, rounding half to even.
        let half = try #require(try family(["type": "tinylora", "u": 1, "weight_tying": 0.5]) as? TinyLoRA)
        #expect(half.groupCount(moduleCount: 126) == 63)     // 126 · 0.5
        #expect(half.groupCount(moduleCount: 5) == 2)        // round(2.5) = 2, half to even
        let most = try #require(try family(["type": "tinylora", "u": 1, "weight_tying": 0.9]) as? TinyLoRA)
        #expect(most.groupCount(moduleCount: 126) == 13)     // round(12.6)
    }

    @Test func tiledGroupsAreNeighboursStructuredGroupsShareATypeName() throws {
        let tiled = try #require(try family(["type": "tinylora", "tie_groups": 18]) as? TinyLoRA)
        let groups = tiled.tyingGroups(for: modules)
        #expect(groups.count == 18)
        #expect(groups[0] == Array(0..<7))  // the seven modules of layer 0
        #expect(groups.flatMap { $0 }.sorted() == Array(0..<126))

        let structured = try #require(try family(["type": "tinylora", "tie_groups": 7, "tie_order": "structured"]) as? TinyLoRA)
        for group in structured.tyingGroups(for: modules) {
            let kinds = Set(group.map { modules[$0].name.split(separator: ".").last! })
            #expect(kinds.count == 1)
            #expect(group.count == 18)
        }
        // Uneven splits differ by at most one module.
        let uneven = try #require(try family(["type": "tinylora", "tie_groups": 5]) as? TinyLoRA)
        #expect(uneven.tyingGroups(for: modules).map(\.count) == [26, 25, 25, 25, 25])
    }

    @Test func otherFamiliesCountAsTheirPapersSay() throws {
        let q = modules.filter { $0.name.hasSuffix("q_proj") }
        #expect(try family(["type": "lora", "r": 8]).trainableParameterCount(for: q) == 18 * 8 * (640 + 1024))
        #expect(try family(["type": "loraxs", "r": 4]).trainableParameterCount(for: q) == 18 * 16)
        #expect(try family(["type": "vera", "r": 256]).trainableParameterCount(for: q) == 18 * (1024 + 256))
    }
}

@Suite struct FormatRewardTests {
    func reward(_ options: JSONValue) throws -> any RewardFunction {
        let registry = try BuiltinPlugins.registry()
        let entry = try registry.rewards.entry(named: "format")
        return try entry.make(try entry.options(from: options, at: .root),
                              context: PluginContext(baseDirectory: URL(fileURLWithPath: "/"), registry: registry))
    }

    @Test func searchAndFullMatch() throws {
        let completions = ["so \\boxed{12}.", "<answer>\n7\n</answer>", "no answer"]
        let input = RewardInput(prompts: Array(repeating: "q", count: 3), completions: completions)
        let boxed = try reward(["pattern": #"\\boxed\{[^}]+\}"#])
        #expect(try boxed.rewards(for: input) == [1, 0, 0])
        // `.` crosses newlines by default, as TRL's format rewards use re.DOTALL.
        let tagged = try reward(["pattern": "<answer>.*</answer>", "match": "full", "match_reward": 0.5, "miss_reward": -1])
        #expect(try tagged.rewards(for: input) == [-1, 0.5, -1])
        let singleLine = try reward(["pattern": "<answer>.*</answer>", "dot_matches_newlines": false])
        #expect(try singleLine.rewards(for: input) == [0, 0, 0])
    }
}
