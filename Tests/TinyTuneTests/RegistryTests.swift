import Foundation
import Testing
@testable import TinyTune

private struct EchoOptions: PluginOptions {
    let value: Double
    enum CodingKeys: String, CodingKey, CaseIterable { case value }
    init(from decoder: any Decoder) throws {
        value = try decoder.container(keyedBy: CodingKeys.self).value(.value, default: 1)
    }
}

/// Answers `value` for every completion, or nil for completions that are empty.
private struct ConstantReward: Plugin, RewardFunction {
    static let typeName = "constant"
    static let summary = "test reward"
    let options: EchoOptions
    init(options: EchoOptions, context: PluginContext) throws { self.options = options }
    func rewards(for input: RewardInput) throws -> [Double?] {
        input.completions.map { $0.isEmpty ? nil : options.value }
    }
}

private struct BadlyNamedReward: Plugin, RewardFunction {
    static let typeName = "Bad-Name"
    static let summary = ""
    init(options: EchoOptions, context: PluginContext) throws {}
    func rewards(for input: RewardInput) throws -> [Double?] { [] }
}

@Suite struct RegistryTests {
    let context = PluginContext(baseDirectory: URL(fileURLWithPath: "/tmp/configs"), registry: PluginRegistry())

    @Test func registersAndBuilds() throws {
        let registry = PluginRegistry()
        try registry.rewards.register(ConstantReward.self)
        #expect(registry.names(of: .rewards) == ["constant"])
        let entry = try registry.rewards.entry(named: "constant")
        let options = try entry.options(from: ["value": 0.25], at: ConfigPath().appending("rewards"))
        let reward = try entry.make(options, context: context)
        #expect(try reward.rewards(for: RewardInput(prompts: ["p", "p"], completions: ["a", ""])) == [0.25, nil])
    }

    @Test func duplicateNameFails() throws {
        let registry = PluginRegistry()
        try registry.rewards.register(ConstantReward.self)
        #expect(throws: RegistryError.duplicate(kind: .rewards, name: "constant")) {
            try registry.rewards.register(ConstantReward.self)
        }
    }

    @Test func unknownNameListsKnownNames() throws {
        let registry = PluginRegistry()
        try registry.rewards.register(ConstantReward.self)
        do {
            _ = try registry.rewards.entry(named: "constnt")
            Issue.record("found an unregistered name")
        } catch let error as RegistryError {
            #expect(error == .unknown(kind: .rewards, name: "constnt", known: ["constant"]))
            #expect(error.description == "unknown reward type \"constnt\" (did you mean \"constant\"?); known rewards: constant")
        }
    }

    @Test func namesMustBeLowercase() {
        #expect(throws: RegistryError.invalidName(kind: .rewards, name: "Bad-Name")) {
            try PluginRegistry().rewards.register(BadlyNamedReward.self)
        }
    }

    @Test func aliasesFindTheEntryAndCannotCollide() throws {
        let table = Registry<any RewardFunction>(kind: .rewards)
        try table.register(PluginEntry(ConstantReward.self, aliases: ["fixed"]) { $0 })
        #expect(try table.entry(named: "fixed").name == "constant")
        #expect(table.names == ["constant"])
    }

    @Test func weightedRewardsSkipNotApplicable() throws {
        let registry = PluginRegistry()
        try registry.rewards.register(ConstantReward.self)
        let entry = try registry.rewards.entry(named: "constant")
        let half = try entry.make(try entry.options(from: ["value": 0.5], at: .root), context: context)
        let one = try entry.make(try entry.options(from: ["value": 1], at: .root), context: context)
        let combined = WeightedRewards([("half", 2.0, half), ("one", -1.0, one)])
        let (perFunction, total) = try combined.score(RewardInput(prompts: ["p", "p"], completions: ["x", ""]))
        #expect(perFunction == [[0.5, nil], [1.0, nil]])
        #expect(total == [0.0, nil])  // 2·0.5 − 1·1 = 0; nothing applies to the empty completion
    }

    @Test func contextResolvesPathsFromTheConfigFolder() {
        #expect(context.resolve("model.gguf") == "/tmp/configs/model.gguf")
        #expect(context.resolve("../models/m.gguf") == "/tmp/models/m.gguf")
        #expect(context.resolve("/abs/m.gguf") == "/abs/m.gguf")
    }
}
