import Foundation

/// Reward mean and held-out accuracy against step, read from a `metrics.jsonl` (one `StepMetrics` JSON per line;
/// lines with an `eval_accuracy` field also add a point to the accuracy curve).
///
///     let curves = try TrainingCurves(contentsOf: "runs/quickstart/metrics.jsonl")
///     try curves.plot(title: "quickstart").render().write(toFile: "curves.svg", atomically: true, encoding: .utf8)
public struct TrainingCurves: Sendable {
    public var rewardMean: [(step: Int, value: Double)] = []
    public var evalAccuracy: [(step: Int, value: Double)] = []

    public init(rewardMean: [(step: Int, value: Double)], evalAccuracy: [(step: Int, value: Double)]) {
        self.rewardMean = rewardMean
        self.evalAccuracy = evalAccuracy
    }

    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TinyTuneError.io(path: path, reason: "cannot read the file (missing or not readable)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TinyTuneError.invalidFile(path: path, reason: "not UTF-8 text")
        }
        try self.init(jsonl: text, source: path)
    }

    /// Parses JSON lines; blank lines are skipped, anything else that is not a metrics object is an error naming the
    /// line and field.
    public init(jsonl text: String, source: String) throws {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let where_ = "\(source):\(index + 1)"
            let value: JSONValue
            do {
                value = try JSONValue.parse(trimmed, source: where_)
            } catch {
                throw TinyTuneError.invalidFile(path: where_, reason: "not a JSON object: \(error)")
            }
            guard case .object = value else {
                throw TinyTuneError.invalidFile(path: where_, reason: "expected a JSON object, found \(value.kindDescription)")
            }
            guard let stepValue = value["step"] else {
                throw TinyTuneError.invalidFile(path: where_, reason: "the line has no \"step\" field")
            }
            guard case .int(let step) = stepValue else {
                throw TinyTuneError.invalidFile(path: where_, reason: "\"step\" must be an integer, found \(stepValue.excerpt)")
            }
            if let reward = value["reward_mean"] {
                rewardMean.append((Int(step), try Self.number(reward, field: "reward_mean", at: where_)))
            }
            if let accuracy = value["eval_accuracy"], accuracy != .null {
                evalAccuracy.append((Int(step), try Self.number(accuracy, field: "eval_accuracy", at: where_)))
            }
        }
    }

    private static func number(_ value: JSONValue, field: String, at location: String) throws -> Double {
        switch value {
        case .int(let i): return Double(i)
        case .double(let d) where d.isFinite: return d
        default:
            throw TinyTuneError.invalidFile(path: location, reason: "\"\(field)\" must be a finite number, found \(value.excerpt)")
        }
    }

    /// Both curves on one axis: reward mean as a line, held-out accuracy as a line with markers. The y axis spans at
    /// least 0 to 1 (an accuracy, and the `math_answer` reward's range).
    public func plot(title: String) -> SVGPlot {
        let values = rewardMean.map(\.value) + evalAccuracy.map(\.value)
        let yRange = min(0, values.min() ?? 0)...max(1, values.max() ?? 1)
        var plot = SVGPlot(title: title, x: PlotAxis(label: "step"), y: PlotAxis(label: "reward mean / accuracy", range: yRange))
        plot.series.append(PlotSeries(name: "reward mean", points: rewardMean.map { (Double($0.step), $0.value) }, style: .line))
        if !evalAccuracy.isEmpty {
            plot.series.append(PlotSeries(name: "held-out accuracy", points: evalAccuracy.map { (Double($0.step), $0.value) },
                                          style: .lineWithMarkers))
        }
        return plot
    }
}
