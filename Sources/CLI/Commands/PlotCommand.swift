import ArgumentParser
import Foundation
import TinyTune

/// `tinytune plot METRICS.jsonl [--output FILE.svg]`: reward mean (and held-out accuracy, where lines carry
/// `eval_accuracy`) against step, as an SVG.
///
///     tinytune plot runs/quickstart/metrics.jsonl          # writes runs/quickstart/metrics.svg
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot", abstract: "Plot reward and held-out accuracy against step from a metrics.jsonl.")
    @Argument(help: "A metrics.jsonl written by `tinytune train`.") var metrics: String
    @Option(help: "The SVG file to write (default: METRICS with the extension .svg).") var output: String?

    func run() throws {
        try runReportingErrors {
            let curves = try TrainingCurves(contentsOf: metrics)
            let source = URL(fileURLWithPath: metrics)
            let target = output ?? source.deletingPathExtension().appendingPathExtension("svg").path
            let title = source.deletingLastPathComponent().lastPathComponent
            do {
                try curves.plot(title: title.isEmpty ? "training" : title).render().write(toFile: target, atomically: true, encoding: .utf8)
            } catch {
                throw TinyTuneError.io(path: target, reason: "cannot write the plot: \(error.localizedDescription)")
            }
            print("wrote \(target) (\(curves.rewardMean.count) steps, \(curves.evalAccuracy.count) evaluations)")
        }
    }
}
