import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import TinyTune

/// The SVG plots parse as XML and put the data where the axes say. Expected pixels are worked out by hand from the
/// default layout: a 720 x 440 canvas with margins 70 (left), 190 (right), 40 (top), 55 (bottom), so the plotting
/// area spans x 70...530 and y 40...385 (SVG y grows downwards).
@Suite struct SVGPlotTests {
    /// Parses `svg` with XMLParser (failing the test if it is not well-formed) and returns its elements' attributes.
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String])] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String]) {
            elements.append((name, attributes))
        }
    }

    func parse(_ svg: String) throws -> [(name: String, attributes: [String: String])] {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        let ok = parser.parse()
        #expect(ok, "not well-formed XML: \(String(describing: parser.parserError))")
        try #require(ok)
        #expect(collector.elements.first?.name == "svg")
        return collector.elements
    }

    @Test func trainingCurvesFromMetricsLines() throws {
        // Steps 0...4 fit the x range 0...4 exactly (ticks of 1); the y range is fixed at 0...1.
        let jsonl = """
            {"step": 0, "loss": 0.1, "reward_mean": 0.25, "eval_accuracy": 0.4}
            {"step": 1, "loss": 0.1, "reward_mean": 0.5}
            {"step": 2, "loss": 0.1, "reward_mean": 0.75}

            {"step": 3, "loss": 0.1, "reward_mean": 0.5}
            {"step": 4, "loss": 0.1, "reward_mean": 1, "eval_accuracy": 0.6}
            """
        let curves = try TrainingCurves(jsonl: jsonl, source: "metrics.jsonl")
        #expect(curves.rewardMean.map(\.value) == [0.25, 0.5, 0.75, 0.5, 1.0])
        #expect(curves.evalAccuracy.map(\.step) == [0, 4])
        let elements = try parse(curves.plot(title: "a <b> & c").render())
        let polylines = elements.filter { $0.name == "polyline" }.compactMap { $0.attributes["points"] }
        // x = 70 + 460 * step / 4; y = 385 - 345 * value.
        #expect(polylines.first == "70,298.75 185,212.5 300,126.25 415,212.5 530,40")
        #expect(polylines.count == 2 && polylines[1] == "70,247 530,178")
        let circles = elements.filter { $0.name == "circle" }.map { "\($0.attributes["cx"] ?? ""),\($0.attributes["cy"] ?? "")" }
        #expect(circles.starts(with: ["70,247", "530,178"]))
    }

    @Test func metricsErrorsNameTheLineAndField() {
        #expect(throws: TinyTuneError.invalidFile(path: "m.jsonl:2", reason: "\"reward_mean\" must be a finite number, found \"high\"")) {
            try TrainingCurves(jsonl: "{\"step\": 0, \"reward_mean\": 0.5}\n{\"step\": 1, \"reward_mean\": \"high\"}", source: "m.jsonl")
        }
        #expect(throws: TinyTuneError.invalidFile(path: "m.jsonl:1", reason: "the line has no \"step\" field")) {
            try TrainingCurves(jsonl: "{\"reward_mean\": 0.5}", source: "m.jsonl")
        }
        #expect(throws: TinyTuneError.self) { try TrainingCurves(jsonl: "{\"step\": 0,", source: "m.jsonl") }
    }

    @Test func accuracyAgainstBytesOnALogAxis() throws {
        func row(_ family: String, _ objective: String, bytes: Int, after: Double) -> ComparisonReport.Row {
            .init(variant: "\(family)-\(objective)", family: family, objective: objective, seed: 0,
                  trainableParameters: bytes / 4, bytesF32: bytes, steps: 10, evalExamples: 200,
                  accuracyBefore: 0.45, accuracyAfter: after, seconds: 1)
        }
        let report = ComparisonReport(rows: [row("tinylora", "grpo", bytes: 52, after: 0.6), row("tinylora", "sft", bytes: 4, after: 0.55),
                                             row("lora", "sft", bytes: 5000, after: 0.7)])
        let plot = report.plot()
        #expect(plot.frame.x == 1...10_000)   // 4 ... 5000 widened to whole powers of ten
        let elements = try parse(plot.render())
        // x = 70 + 460 * log10(bytes) / 4: 52 -> 267.34, 4 -> 139.24, 5000 -> 495.38; y = 385 - 345 * accuracy.
        let circles = elements.filter { $0.name == "circle" }.map { "\($0.attributes["cx"] ?? ""),\($0.attributes["cy"] ?? "")" }
        #expect(circles.contains("267.34,178"))   // GRPO: filled circle
        let rects = elements.filter { $0.name == "rect" }.map { "\($0.attributes["x"] ?? ""),\($0.attributes["y"] ?? "")" }
        #expect(rects.contains("134.74,190.75") && rects.contains("490.88,139"))   // SFT: hollow squares, corner at -4.5
        let groups = elements.filter { $0.name == "g" }.compactMap { $0.attributes["data-name"] }
        #expect(groups == ["tinylora", "lora"])
        // The base model's accuracy is the dashed line at y = 385 - 345 * 0.45 = 229.75.
        #expect(elements.contains { $0.name == "line" && $0.attributes["stroke-dasharray"] != nil && $0.attributes["y1"] == "229.75" })
        let ticks = elements.filter { $0.name == "line" && $0.attributes["y1"] == "40" && $0.attributes["y2"] == "385" }
            .compactMap { $0.attributes["x1"] }
        #expect(ticks == ["70", "185", "300", "415", "530"])   // 1, 10, 100, 1000, 10000
    }

    @Test func niceTicks() {
        #expect(PlotAxis.niceStep(0.8) == 1 && PlotAxis.niceStep(0.13) == 0.2 && PlotAxis.niceStep(3) == 5)
        let ticks = PlotAxis(label: "y").ticks(0...1)
        #expect(ticks.count == 6 && ticks.first == 0 && abs(ticks[5] - 1) < 1e-12)
        #expect(PlotAxis(label: "x", scale: .log10).ticks(1...1000) == [1, 10, 100, 1000])
    }
}
