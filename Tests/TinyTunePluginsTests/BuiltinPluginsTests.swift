import Foundation
import Testing
import TinyTune
@testable import TinyTuneCLI
import TinyTunePlugins

@Suite struct BuiltinPluginsTests {
    @Test func listsEveryNameUsersType() throws {
        let registry = try BuiltinPlugins.registry()
        let json = try JSONValue.parse(PluginsCommand.render(registry, json: true))
        #expect(json == [
            "loaders": ["gguf", "safetensors"],
            "tokenizers": ["byte_level_bpe", "sentencepiece_bpe"],
            "architectures": ["gemma3", "llama", "qwen2"],
            "adapters": ["lora", "loraxs", "tinylora", "vera"],
            "objectives": ["grpo", "sft"],
            "rewards": ["command", "format", "math_answer"],
            "datasets": ["arithmetic", "jsonl"],
        ])
        #expect(try registry.architectures.entry(named: "gemma3_text").name == "gemma3")
    }

    /// Every user-facing plugin refuses a key it does not know, before it looks at anything else.
    @Test func everyPluginRejectsUnknownKeys() throws {
        let registry = try BuiltinPlugins.registry()
        let bogus: JSONValue = ["definitely_not_an_option": 1]
        func check<P>(_ table: Registry<P>) {
            for entry in table.allEntries {
                let path = ConfigPath().appending(table.kind.noun)
                do {
                    _ = try entry.options(from: bogus, at: path)
                    Issue.record("\(entry.name) accepted an unknown key")
                } catch let error as ConfigError {
                    #expect(error.kind == .unknownKey, "\(entry.name): \(error)")
                    #expect(error.path == path.appending("definitely_not_an_option"))
                } catch {
                    Issue.record("\(entry.name): unexpected \(error)")
                }
            }
        }
        check(registry.loaders)
        check(registry.tokenizers)
        check(registry.adapters)
        check(registry.objectives)
        check(registry.rewards)
        check(registry.datasets)
    }
}

@Suite struct ConfigLoaderTests {
    let registry: PluginRegistry
    init() throws { registry = try BuiltinPlugins.registry() }

    func errors(_ text: String) throws -> [ConfigError] {
        do {
            _ = try ConfigLoader(registry: registry).load(json: try JSONValue.parse(text), baseDirectory: URL(fileURLWithPath: "/cfg"))
            return []
        } catch let errors as ConfigErrors {
            return errors.errors
        }
    }

    let model = #""model": {"type": "gguf", "path": "m.gguf"}"#

    @Test(arguments: [
        // (config body after the model, expected kind, expected path, text the message must contain)
        (#""adapter": {"type": "tinylorra"}"#, ConfigError.Kind.unknownPlugin, "adapter.type", "did you mean \"tinylora\""),
        (#""adapter": {"r": 2}"#, .missingField, "adapter.type", "one of lora, loraxs, tinylora, vera"),
        (#""adapter": {"type": "tinylora", "u": "13"}"#, .wrongType, "adapter.u", "expected an integer"),
        (#""adapter": {"type": "tinylora", "u": -7}"#, .outOfRange, "adapter.u", "-7 is out of range"),
        (#""adapter": {"type": "lora", "r": 0}"#, .outOfRange, "adapter.r", "0 is out of range"),
        (#""adapter": {"type": "vera", "d_inital": 0.1}"#, .unknownKey, "adapter.d_inital", "did you mean \"d_initial\""),
        (#""adapter": {"type": "tinylora", "weight_tying": 1.5}"#, .outOfRange, "adapter.weight_tying", "0.0 to 1.0"),
        (#""objective": {"type": "grpo", "loss_type": "ppo"}"#, .invalidValue, "objective.loss_type", "one of grpo, bnpo, dr_grpo, dapo"),
        (#""objective": {"type": "grpo", "num_generations": 1}"#, .outOfRange, "objective.num_generations", "≥ 2"),
        (#""rewards": [{"type": "format"}]"#, .missingField, "rewards[0].pattern", "missing required field"),
        (#""rewards": [{"type": "math_answer", "weight": "high"}]"#, .wrongType, "rewards[0].weight", "expected a number"),
        (#""rewards": {"type": "math_answer"}"#, .wrongType, "rewards", "a list of rewards"),
        (#""rewards": [{"type": "command", "command": []}]"#, .outOfRange, "rewards[0].command", "non-empty list"),
        (#""dataset": {"type": "arithmetic", "level": 9}"#, .outOfRange, "dataset.level", "1 to 5"),
        (#""dataset": {"type": "jsonl"}"#, .missingField, "dataset.path", "missing required field"),
        (#""training": {"learning_rate": 0}"#, .outOfRange, "training.learning_rate", "> 0.0"),
        (#""training": {"stepz": 3}"#, .unknownKey, "training.stepz", "did you mean \"steps\""),
        (#""generation": {"top_p": 0}"#, .outOfRange, "generation.top_p", "0 < top_p ≤ 1"),
        (#""adaptr": {}"#, .unknownKey, "adaptr", "did you mean \"adapter\""),
    ])
    func rejectsWithAMessageNamingTheKey(body: String, kind: ConfigError.Kind, path: String, text: String) throws {
        let found = try errors("{\(model), \(body)}")
        #expect(found.count == 1, "\(found)")
        let error = try #require(found.first)
        #expect(error.kind == kind)
        #expect(error.path.description == path)
        #expect(error.description.contains(text), "\(error)")
    }

    @Test func missingModelAndSeveralErrorsAtOnce() throws {
        let found = try errors(#"{"adapter": {"type": "lora", "r": 0}, "training": {"steps": 0}}"#)
        #expect(Set(found.map(\.path.description)) == ["model", "adapter.r", "training.steps"])
    }

    @Test func malformedFileNamesFileLineAndColumn() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tinytune-malformed-\(getpid()).json")
        try Data("{\n  \"model\": {\"type\": \"gguf\",}\n}".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try ConfigLoader(registry: registry).load(path: url.path)
            Issue.record("a malformed file was accepted")
        } catch let errors as ConfigErrors {
            let error = try #require(errors.errors.first)
            #expect(error.kind == .malformedFile)
            #expect(error.description.hasPrefix(url.path + ":2:"), "\(error)")
        }
    }

    @Test func everyExampleConfigIsValid() throws {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Examples")
        let files = try FileManager.default.contentsOfDirectory(atPath: examples.path).filter { $0.hasSuffix(".json") || $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for file in files {
            // A `compare` config is a pipeline config plus its variants; `CompareCommandTests` and
            // `tinytune compare --check` (scripts/test.sh) check those.
            if file.hasSuffix(".json"),
               try JSONValue.parse(String(contentsOf: examples.appendingPathComponent(file), encoding: .utf8), source: file)["compare"] != nil {
                continue
            }
            let config = try ConfigLoader(registry: registry).load(path: examples.appendingPathComponent(file).path)
            let pipeline = try Pipeline.assemble(config, registry: registry)
            #expect(pipeline.adapter != nil, "\(file) has no adapter")
            #expect(pipeline.loader.path.hasPrefix("/"))
        }
    }

    @Test func assemblyResolvesPathsAndChecksModeRequirements() throws {
        let config = try ConfigLoader(registry: registry).load(
            json: try JSONValue.parse(#"{"model": {"type": "gguf", "path": "../models/m.gguf"}, "objective": {"type": "grpo"}, "adapter": {"type": "lora"}, "dataset": {"type": "arithmetic"}}"#),
            baseDirectory: URL(fileURLWithPath: "/work/configs"))
        let pipeline = try Pipeline.assemble(config, registry: registry)
        #expect(pipeline.loader.path == "/work/models/m.gguf")
        try pipeline.checkRequirements(for: .generate)
        do {
            try pipeline.checkRequirements(for: .train)
            Issue.record("GRPO without rewards was accepted for training")
        } catch let errors as ConfigErrors {
            #expect(errors.errors.map(\.path.description) == ["rewards"])
        }
    }
}
