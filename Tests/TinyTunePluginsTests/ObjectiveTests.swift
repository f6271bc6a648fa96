import Foundation
import Testing
import TinyTune
import TinyTunePlugins

/// GRPO and SFT against TRL's formulas computed in PyTorch with autograd
/// (`Fixtures/objective_reference.json`, written by scripts/reference/make_objective_fixtures.py).
@Suite struct ObjectiveReferenceTests {
    static func fixture() throws -> JSONValue {
        let url = try #require(Bundle.module.url(forResource: "objective_reference", withExtension: "json",
                                                 subdirectory: "Fixtures"))
        return try JSONValue.parse(contentsOf: url.path)
    }

    static func numbers(_ value: JSONValue?) -> [Double]? {
        guard case .array(let items)? = value else { return nil }
        return items.compactMap(number)
    }

    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .int(let i)?: return Double(i)
        case .double(let d)?: return d
        default: return nil
        }
    }

    static func word(_ value: JSONValue?) -> String? {
        if case .string(let s)? = value { return s }
        return nil
    }

    static func flag(_ value: JSONValue?) -> Bool? {
        if case .bool(let b)? = value { return b }
        return nil
    }

    /// |a − b| ≤ 1e-9 + 1e-6·|b| for every element.
    static func expectClose(_ a: [Double], _ b: [Double], _ what: String) {
        #expect(a.count == b.count, "\(what): \(a.count) vs \(b.count) values")
        for (i, (x, y)) in zip(a, b).enumerated() where abs(x - y) > 1e-9 + 1e-6 * abs(y) {
            Issue.record("\(what)[\(i)]: \(x) vs PyTorch \(y)")
            return
        }
    }

    static func options(_ json: JSONValue) throws -> GRPOOptions {
        try ConfigDecoder().decode(GRPOOptions.self, from: json)
    }

    @Test func advantagesMatchTRL() throws {
        let fixture = try Self.fixture()
        guard case .array(let cases)? = fixture["advantages"] else { Issue.record("no advantages"); return }
        #expect(cases.count == 3)
        for c in cases {
            let scale = try #require(Self.word(c["scale_rewards"]))
            let g = try #require(Self.number(c["groupSize"]))
            let grpo = GRPO(options: try Self.options(["scale_rewards": .string(scale), "num_generations": .int(Int64(g))]))
            let a = grpo.advantages(rewards: try #require(Self.numbers(c["rewards"])))
            Self.expectClose(a.values, try #require(Self.numbers(c["advantages"])), "advantages (\(scale))")
            #expect(a.zeroVarianceGroups.map(Double.init) == Self.numbers(c["zeroVarianceGroups"]))
        }
    }

    @Test func grpoLossAndGradientsMatchPyTorchForEveryLossType() throws {
        let fixture = try Self.fixture()
        let inputs = try #require(fixture["grpoInputs"])
        guard case .array(let cases)? = fixture["grpo"] else { Issue.record("no grpo cases"); return }
        #expect(cases.count == 32)   // 4 loss types × β 0 / 0.04 × clipping off / on × truncated kept / masked
        var seen = Set<String>()
        for c in cases {
            let o = try #require(c["options"])
            let lossType = try #require(Self.word(o["loss_type"]))
            seen.insert(lossType)
            let grpo = GRPO(options: try Self.options([
                "loss_type": .string(lossType), "beta": .double(try #require(Self.number(o["beta"]))),
                "epsilon": .double(try #require(Self.number(o["epsilon"]))),
                "epsilon_high": .double(try #require(Self.number(o["epsilon_high"]))),
                "mask_truncated_completions": .bool(Self.flag(o["mask_truncated_completions"]) == true),
                "num_generations": .int(Int64(try #require(Self.number(o["num_generations"])))),
            ]))
            let b = Int(try #require(Self.number(inputs["B"]))), t = Int(try #require(Self.number(inputs["T"])))
            guard case .array(let truncated)? = inputs["truncated"] else { Issue.record("no truncated"); return }
            let batch = ObjectiveBatch(
                sequences: b, length: t, logProbs: try #require(Self.numbers(inputs["logProbs"])),
                samplingLogProbs: Self.numbers(c["samplingLogProbs"]),
                referenceLogProbs: Self.numbers(inputs["referenceLogProbs"]),
                completionMask: try #require(Self.numbers(inputs["completionMask"])),
                advantages: try #require(Self.numbers(inputs["advantages"])),
                truncated: truncated.map { $0 == .bool(true) },
                maxCompletionLength: Int(try #require(Self.number(inputs["maxCompletionLength"]))),
                tokensInGlobalBatch: Self.number(inputs["tokensInGlobalBatch"]),
                gradientAccumulationSteps: Int(try #require(Self.number(inputs["gradientAccumulationSteps"]))))
            let result = try grpo.loss(batch)
            let name = "\(lossType) β=\(o["beta"]?.excerpt ?? "") clipping=\(c["clipping"]?.excerpt ?? "") masked=\(o["mask_truncated_completions"]?.excerpt ?? "")"
            Self.expectClose([result.loss], [try #require(Self.number(c["loss"]))], "loss \(name)")
            Self.expectClose(result.gradient, try #require(Self.numbers(c["gradient"])), "gradient \(name)")
        }
        #expect(seen == ["grpo", "bnpo", "dr_grpo", "dapo"])
    }

    @Test func sftMatchesPyTorch() throws {
        let fixture = try Self.fixture()
        let inputs = try #require(fixture["sftInputs"])
        guard case .array(let cases)? = fixture["sft"] else { Issue.record("no sft cases"); return }
        let logp = try #require(Self.numbers(inputs["logProbs"]))
        for c in cases {
            let completionOnly = Self.flag(c["completion_only_loss"]) == true
            let sft = SFT(options: try ConfigDecoder().decode(SFTOptions.self, from: ["completion_only_loss": .bool(completionOnly)]))
            let result = try sft.loss(ObjectiveBatch(
                sequences: 1, length: logp.count, logProbs: logp,
                completionMask: try #require(Self.numbers(inputs["completionMask"])),
                promptMask: Self.numbers(inputs["promptMask"])))
            Self.expectClose([result.loss], [try #require(Self.number(c["loss"]))], "SFT loss")
            Self.expectClose(result.gradient, try #require(Self.numbers(c["gradient"])), "SFT gradient")
        }
    }
}

@Suite struct ObjectiveBehaviourTests {
    func grpo(_ json: JSONValue) throws -> GRPO { GRPO(options: try ConfigDecoder().decode(GRPOOptions.self, from: json)) }

    static let s1 = 0.5.squareRoot() + 1e-4, s2 = 2.0.squareRoot() + 1e-4
    static let advantageCases: [([Double], GRPOOptions.RewardScaling, [Double])] = [
        // (rewards in groups of 2, scaling, expected advantages)
        ([1, 0], .group, [0.5 / s1, -0.5 / s1]),             // unbiased std of {1, 0} is √0.5
        ([1, 0], .none, [0.5, -0.5]),                        // Dr. GRPO: no scaling
        ([1, 1, 0, 2], .group, [0, 0, -1 / s2, 1 / s2]),     // a zero-variance group, then std √2
        ([1, 1, 0, 2], .batch, [0, 0, -1 / (2.0 / 3.0).squareRoot().advanced(by: 1e-4), 1 / (2.0 / 3.0).squareRoot().advanced(by: 1e-4)]),  // batch std √(2/3)
    ]

    @Test(arguments: advantageCases)
    func advantages(rewards: [Double], scaling: GRPOOptions.RewardScaling, expected: [Double]) {
        let a = GRPOAdvantages(rewards: rewards, groupSize: 2, scaling: scaling)
        for (x, y) in zip(a.values, expected) { #expect(abs(x - y) < 1e-12) }
    }

    @Test func zeroVarianceGroupsAreCountedAndCanBeDropped() throws {
        let rewards = [1.0, 1.0, 0.0, 1.0]
        let keep = try grpo(["num_generations": 2, "loss_type": "bnpo"])
        let a = keep.advantages(rewards: rewards)
        #expect(a.zeroVarianceGroups == [0])
        let batch = ObjectiveBatch(sequences: 4, length: 2, logProbs: [-1, -1, -1, -1, -1, -1, -1, -1],
                                   completionMask: [1, 1, 1, 1, 1, 1, 1, 1], advantages: a.values)
        let drop = try grpo(["num_generations": 2, "loss_type": "bnpo", "zero_variance_groups": "drop"])
        // bnpo averages over the tokens the loss sees: dropping group 0 halves the denominator.
        let kept = try keep.loss(batch), dropped = try drop.loss(batch)
        #expect(abs(dropped.gradient[4] - 2 * kept.gradient[4]) < 1e-12)
        #expect(dropped.gradient[0] == 0 && kept.gradient[0] == 0)
    }

    @Test func sftLossAndGradient() throws {
        let sft = SFT(options: try ConfigDecoder().decode(SFTOptions.self, from: [:]))
        // Two completion tokens (log-probs −1 and −3) and a prompt token that stays masked: mean NLL 2.
        let result = try sft.loss(ObjectiveBatch(sequences: 1, length: 3, logProbs: [-5, -1, -3],
                                                 completionMask: [0, 1, 1], promptMask: [1, 0, 0]))
        #expect(result.loss == 2)
        #expect(result.gradient == [0, -0.5, -0.5])
    }

    @Test func refusesBadShapesAndMissingReference() throws {
        let g = try grpo(["beta": 0.1])
        let batch = ObjectiveBatch(sequences: 1, length: 2, logProbs: [-1, -1], completionMask: [1, 1], advantages: [1])
        #expect { try g.loss(batch) } throws: { "\($0)".contains("reference") }
        var bad = batch
        bad.completionMask = [1]
        #expect { try GRPO(options: try ConfigDecoder().decode(GRPOOptions.self, from: [:])).loss(bad) } throws: {
            "\($0)".contains("completionMask has 1 values, expected 2")
        }
    }
}

/// The hand-written gradients agree with central finite differences of the loss (an invariant independent of the
/// PyTorch fixture), for every loss type, with clipping and KL on.
@Suite struct ObjectiveFiniteDifferenceTests {
    @Test(arguments: GRPOOptions.LossType.allCases)
    func grpoGradientIsTheDerivativeOfTheLoss(lossType: GRPOOptions.LossType) throws {
        var rng = SeededGenerator(seed: 11)
        let (b, t) = (4, 5)
        let logp = (0..<(b * t)).map { _ in -Double(rng.nextUniform()) * 3 - 0.05 }
        let old = logp.map { $0 + (rng.nextUniformDouble() - 0.5) * 0.8 }
        let ref = logp.map { $0 + (rng.nextUniformDouble() - 0.5) * 0.6 }
        let mask: [Double] = (0..<(b * t)).map { $0 % t < [5, 3, 4, 2][$0 / t] ? 1 : 0 }
        let grpo = GRPO(options: try ConfigDecoder().decode(GRPOOptions.self, from: [
            "loss_type": .string(lossType.rawValue), "beta": 0.1, "epsilon": 0.2, "epsilon_high": 0.3, "num_generations": 2,
        ]))
        func batch(_ values: [Double]) -> ObjectiveBatch {
            ObjectiveBatch(sequences: b, length: t, logProbs: values, samplingLogProbs: old, referenceLogProbs: ref,
                           completionMask: mask, advantages: [0.9, -0.9, 1.3, -0.4], maxCompletionLength: 7)
        }
        let analytic = try grpo.loss(batch(logp)).gradient
        let h = 1e-6
        for j in logp.indices {
            var up = logp, down = logp
            up[j] += h
            down[j] -= h
            let numeric = (try grpo.loss(batch(up)).loss - grpo.loss(batch(down)).loss) / (2 * h)
            #expect(abs(numeric - analytic[j]) < 1e-7, "token \(j): \(numeric) vs \(analytic[j])")
        }
    }
}
