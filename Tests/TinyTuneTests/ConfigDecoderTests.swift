import Foundation
import Testing
@testable import TinyTune

/// A small options struct exercising every helper the plugins use.
private struct SampleOptions: PluginOptions {
    enum Mode: String, OptionEnum { case fast, exact }
    let r: Int
    let rate: Double
    let mode: Mode
    let names: [String]
    let targets: TargetModules

    enum CodingKeys: String, CodingKey, CaseIterable { case r, rate, mode, names, targets = "target_modules" }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        r = try c.required(.r, .atLeast(1))
        rate = try c.value(.rate, default: 0.5, .between(0, 1))
        mode = try c.value(.mode, default: .fast)
        names = try c.value(.names, default: [])
        targets = try c.value(.targets, default: .allLinear)
    }
}

@Suite struct ConfigDecoderTests {
    let path = ConfigPath().appending("adapter")

    func decodeError(_ json: String) throws -> ConfigError? {
        do {
            _ = try ConfigDecoder().decode(SampleOptions.self, from: try JSONValue.parse(json), at: path)
            return nil
        } catch let error as ConfigError {
            return error
        }
    }

    @Test func decodesValuesAndDefaults() throws {
        let options = try ConfigDecoder().decode(SampleOptions.self,
                                                 from: try JSONValue.parse(#"{"r": 2.0, "names": ["a"], "mode": "exact"}"#))
        #expect(options.r == 2)
        #expect(options.rate == 0.5)
        #expect(options.mode == .exact)
        #expect(options.names == ["a"])
        #expect(options.targets == .allLinear)
    }

    @Test func unknownKeyIsNamedWithHint() throws {
        let error = try #require(try decodeError(#"{"r": 1, "rat": 0.1}"#))
        #expect(error.kind == .unknownKey)
        #expect(error.path.description == "adapter.rat")
        #expect(error.description.contains("did you mean \"rate\""))
    }

    @Test func missingRequiredField() throws {
        let error = try #require(try decodeError(#"{}"#))
        #expect(error.kind == .missingField)
        #expect(error.description == "adapter.r: missing required field (expected an integer)")
    }

    @Test func wrongTypeNamesBothTypes() throws {
        let error = try #require(try decodeError(#"{"r": "two"}"#))
        #expect(error.kind == .wrongType)
        #expect(error.description == "adapter.r: expected an integer, found a string \"two\"")
        let fractional = try #require(try decodeError(#"{"r": 1.5}"#))
        #expect(fractional.kind == .wrongType)
    }

    @Test func outOfRangeShowsValueAndAllowed() throws {
        let error = try #require(try decodeError(#"{"r": -7}"#))
        #expect(error.kind == .outOfRange)
        #expect(error.description == "adapter.r: -7 is out of range; allowed: ≥ 1")
        let rate = try #require(try decodeError(#"{"r": 1, "rate": 1.5}"#))
        #expect(rate.description == "adapter.rate: 1.5 is out of range; allowed: 0.0 to 1.0")
    }

    @Test func unknownEnumWordListsChoices() throws {
        let error = try #require(try decodeError(#"{"r": 1, "mode": "exakt"}"#))
        #expect(error.path.description == "adapter.mode")
        #expect(error.description.contains("expected one of fast, exact"))
        #expect(error.description.contains("did you mean \"exact\""))
        let number = try #require(try decodeError(#"{"r": 1, "mode": 3}"#))
        #expect(number.kind == .wrongType)
    }

    @Test func listItemsCarryTheirIndex() throws {
        let error = try #require(try decodeError(#"{"r": 1, "names": ["a", 3]}"#))
        #expect(error.path.description == "adapter.names[1]")
    }

    @Test func targetModulesForms() throws {
        func targets(_ json: String) throws -> TargetModules {
            try ConfigDecoder().decode(SampleOptions.self, from: try JSONValue.parse(#"{"r": 1, "target_modules": \#(json)}"#)).targets
        }
        #expect(try targets(#""all-linear""#) == .allLinear)
        #expect(try targets(#"["q_proj", "v_proj"]"#) == .names(["q_proj", "v_proj"]))
        #expect(try targets(#"".*\\.(q|v)_proj""#) == .pattern(#".*\.(q|v)_proj"#))
        #expect(throws: ConfigError.self) { try targets(#""(unclosed""#) }
        #expect(throws: ConfigError.self) { try targets("[]") }
        #expect(throws: ConfigError.self) { try targets("3") }

        // PEFT semantics: list entries match the end of the name at a dot, a pattern the whole name.
        #expect(TargetModules.names(["q_proj"]).matches("model.layers.0.self_attn.q_proj"))
        #expect(!TargetModules.names(["proj"]).matches("model.layers.0.self_attn.q_proj"))
        #expect(TargetModules.pattern(#".*\.(q|v)_proj"#).matches("model.layers.3.self_attn.v_proj"))
        #expect(!TargetModules.pattern("q_proj").matches("model.layers.3.self_attn.q_proj"))
        #expect(TargetModules.allLinear.matches("model.layers.3.mlp.down_proj"))
        #expect(!TargetModules.allLinear.matches("lm_head"))
    }

    @Test func lenientDecodingIgnoresExtraKeys() throws {
        let json = try JSONValue.parse(#"{"r": 3, "architectures": ["X"], "torch_dtype": "bfloat16"}"#)
        let options = try ConfigDecoder(rejectUnknownKeys: false).decode(SampleOptions.self, from: json)
        #expect(options.r == 3)
    }
}
