import Foundation
import Testing
@testable import TinyTune

/// Against torch.optim and transformers' schedules (scripts/reference/make_optimizer_fixtures.py).
@Suite struct OptimizerTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let optimizer: String
            let weight_decay: Double
            let max_grad_norm: Double
            let schedule: String
            let warmup: Int
            let steps: Int
            let learning_rate: Double
            let rates: [Double]
            let norms: [Double]
            let trajectory: [[[Float]]]
        }
        let initial: [[Float]]
        let gradients: [[[Float]]]
        let cases: [Case]
    }

    @Test func trajectoriesMatchPyTorch() throws {
        let url = try #require(Bundle.module.url(forResource: "optimizer_reference", withExtension: "json", subdirectory: "Fixtures"))
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        #expect(fixture.cases.count == 4)
        for c in fixture.cases {
            let kind = try #require(TrainingOptions.OptimizerKind(rawValue: c.optimizer))
            let schedule = LearningRateSchedule(peak: c.learning_rate, kind: try #require(TrainingOptions.SchedulerKind(rawValue: c.schedule)),
                                                warmupSteps: c.warmup, totalSteps: c.steps)
            var optimizer = Optimizer(kind: kind, weightDecay: c.weight_decay, maxGradNorm: c.max_grad_norm)
            let parameters = fixture.initial.map { Parameter(name: "p", value: Tensor($0, shape: [$0.count])) }
            for step in 0..<c.steps {
                for (p, g) in zip(parameters, fixture.gradients[step]) { p.gradient = Tensor(g, shape: [g.count]) }
                let rate = schedule.rate(at: step)
                #expect(abs(rate - c.rates[step]) <= 1e-12, "\(c.optimizer) \(c.schedule) step \(step) rate")
                let norm = optimizer.step(parameters, learningRate: rate)
                #expect(abs(norm - c.norms[step]) <= 1e-5 * c.norms[step])
                for (p, expected) in zip(parameters, c.trajectory[step]) {
                    for (a, b) in zip(p.value.array, expected) {
                        #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "\(c.optimizer) step \(step)")
                    }
                }
            }
        }
    }
}
