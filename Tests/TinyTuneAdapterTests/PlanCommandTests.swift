import Foundation
import Testing
import TinyTune
@testable import TinyTuneCLI
import TinyTunePlugins

/// `tinytune plan`: the count from the model's configuration, checked against an attached adapter on a tiny model.
@Suite struct PlanCommandTests {
    @Test func quickstartHasThirteenParametersOnTheRealModel() throws {
        let path = packageRoot.appendingPathComponent("Examples/quickstart.json").path
        let plan = try PlanCommand.plan(configPath: path, registry: try BuiltinPlugins.registry())
        #expect(plan.trainableParameters == 13)
        #expect(plan.bytesFloat32 == 52 && plan.bytesBFloat16 == 26)
        #expect(plan.groups.count == 1 && plan.groups[0].modules.count == 18 * 7)
        guard case .object(let members) = plan.json else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ["trainable_parameters", "bytes_f32", "bytes_bf16", "groups"])
        #expect(plan.json["trainable_parameters"] == .int(13))
    }

    @Test(arguments: [
        // (adapter options, expected count on tiny_llama: 2 layers; q 8→8, k/v 8→4, o 8→8, gate/up 8→16, down 16→8)
        (#"{"type": "tinylora", "u": 13, "weight_tying": 1.0}"#, 13),
        (#"{"type": "tinylora", "u": 3, "ntie": 7}"#, 6),
        (#"{"type": "lora", "r": 2, "target_modules": ["q_proj"]}"#, 2 * 2 * (8 + 8)),
        (#"{"type": "loraxs", "r": 2}"#, 14 * 4),
        (#"{"type": "vera", "r": 4, "target_modules": ["down_proj"]}"#, 2 * (8 + 4)),
    ])
    func tinyModelCountEqualsTheAttachedAdapter(adapter: String, expected: Int) throws {
        let directory = try temporaryDirectory("plan")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = (directory as NSString).appendingPathComponent("config.json")
        let text = #"{"model": {"type": "safetensors", "path": "\#(tinyModelPath("tiny_llama"))"}, "adapter": \#(adapter)}"#
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let plan = try PlanCommand.plan(configPath: config, registry: try BuiltinPlugins.registry())
        #expect(plan.trainableParameters == expected)

        let model = try DecoderModel(checkpoint: CheckpointWeights(path: tinyModelPath("tiny_llama")))
        let attached = try adapterFamily(try JSONValue.parse(adapter)).attach(to: model)
        #expect(attached.parameters.reduce(0) { $0 + $1.value.count } == expected)
        #expect(plan.groups.reduce(0) { $0 + $1.parameters } == expected)
    }

    @Test func configWithoutAdapterIsAnError() throws {
        let directory = try temporaryDirectory("plan")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = (directory as NSString).appendingPathComponent("config.json")
        try #"{"model": {"type": "safetensors", "path": "\#(tinyModelPath("tiny_llama"))"}}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        #expect { try PlanCommand.plan(configPath: config, registry: try BuiltinPlugins.registry()) } throws: {
            "\($0)".contains("no adapter section")
        }
    }
}
