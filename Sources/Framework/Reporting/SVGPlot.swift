import Foundation

/// A 2-D plot written as a standalone SVG file: axes with ticks, a legend, lines and markers. No dependencies.
///
///     var plot = SVGPlot(title: "GRPO", x: PlotAxis(label: "step"), y: PlotAxis(label: "reward", range: 0...1))
///     plot.series.append(PlotSeries(name: "reward mean", points: [(0, 0.2), (1, 0.5)], style: .line))
///     try plot.render().write(toFile: "curves.svg", atomically: true, encoding: .utf8)
///
/// A `.line` series is one `<polyline>` whose `points` are the data mapped through `frame`, so tests can recompute
/// them; markers are `<circle>` (filled) or `<rect>` (hollow) elements centred on the mapped points.
public struct SVGPlot: Sendable {
    public var title: String
    public var x: PlotAxis
    public var y: PlotAxis
    public var series: [PlotSeries] = []
    /// Dashed horizontal reference lines (for example the base model's accuracy), each with a label.
    public var horizontalLines: [(label: String, y: Double)] = []
    public var width = 720.0
    public var height = 440.0
    /// Margins around the plotting area: left, right, top, bottom (the legend sits in the right margin).
    public var margins = (left: 70.0, right: 190.0, top: 40.0, bottom: 55.0)

    public init(title: String, x: PlotAxis, y: PlotAxis) {
        self.title = title
        self.x = x
        self.y = y
    }

    /// The data-to-pixel mapping for the current series and axes.
    public var frame: PlotFrame {
        let xs = series.flatMap { $0.points.map(\.x) }
        let ys = series.flatMap { $0.points.map(\.y) } + horizontalLines.map(\.y)
        return PlotFrame(x: x.resolvedRange(data: xs), y: y.resolvedRange(data: ys), xScale: x.scale, yScale: y.scale,
                         left: margins.left, right: width - margins.right,
                         top: margins.top, bottom: height - margins.bottom)
    }

    public func render() -> String {
        let f = frame
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(n(width))" height="\(n(height))" \
            viewBox="0 0 \(n(width)) \(n(height))" font-family="sans-serif" font-size="12">
            <rect x="0" y="0" width="\(n(width))" height="\(n(height))" fill="white"/>
            <text x="\(n(width / 2))" y="22" text-anchor="middle" font-size="15">\(escapeXML(title))</text>

            """
        // Grid, ticks and tick labels.
        for tick in x.ticks(f.x) {
            let px = f.px(tick)
            out += "<line x1=\"\(n(px))\" y1=\"\(n(f.top))\" x2=\"\(n(px))\" y2=\"\(n(f.bottom))\" stroke=\"#e4e4e4\"/>\n"
            out += "<text x=\"\(n(px))\" y=\"\(n(f.bottom + 16))\" text-anchor=\"middle\">\(escapeXML(x.label(tick)))</text>\n"
        }
        for tick in y.ticks(f.y) {
            let py = f.py(tick)
            out += "<line x1=\"\(n(f.left))\" y1=\"\(n(py))\" x2=\"\(n(f.right))\" y2=\"\(n(py))\" stroke=\"#e4e4e4\"/>\n"
            out += "<text x=\"\(n(f.left - 6))\" y=\"\(n(py + 4))\" text-anchor=\"end\">\(escapeXML(y.label(tick)))</text>\n"
        }
        out += "<rect x=\"\(n(f.left))\" y=\"\(n(f.top))\" width=\"\(n(f.right - f.left))\" height=\"\(n(f.bottom - f.top))\" fill=\"none\" stroke=\"#333\"/>\n"
        out += "<text x=\"\(n((f.left + f.right) / 2))\" y=\"\(n(height - 12))\" text-anchor=\"middle\">\(escapeXML(x.title))</text>\n"
        out += "<text transform=\"translate(16 \(n((f.top + f.bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(escapeXML(y.title))</text>\n"

        for line in horizontalLines {
            let py = f.py(line.y)
            out += "<line x1=\"\(n(f.left))\" y1=\"\(n(py))\" x2=\"\(n(f.right))\" y2=\"\(n(py))\" stroke=\"#777\" stroke-dasharray=\"6 4\"/>\n"
            out += "<text x=\"\(n(f.left + 4))\" y=\"\(n(py - 4))\" fill=\"#555\">\(escapeXML(line.label))</text>\n"
        }

        var legendY = f.top + 8
        for (index, s) in series.enumerated() {
            let color = s.color ?? PlotSeries.palette[index % PlotSeries.palette.count]
            let mapped = s.points.map { (f.px($0.x), f.py($0.y)) }
            out += "<g class=\"series\" data-name=\"\(escapeXML(s.name))\">\n"
            if s.style.drawsLine, mapped.count > 1 {
                let points = mapped.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
                out += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            }
            for (point, (px, py)) in zip(s.points, mapped) where s.style.drawsMarkers || mapped.count == 1 {
                out += marker(at: px, py, filled: point.filled ?? s.style.filled, color: color)
            }
            out += "</g>\n"
            let lx = f.right + 14
            if s.style.drawsLine {
                out += "<line x1=\"\(n(lx))\" y1=\"\(n(legendY))\" x2=\"\(n(lx + 20))\" y2=\"\(n(legendY))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            }
            if s.style.drawsMarkers { out += marker(at: lx + 10, legendY, filled: s.style.filled, color: color) }
            out += "<text x=\"\(n(lx + 28))\" y=\"\(n(legendY + 4))\">\(escapeXML(s.name))</text>\n"
            legendY += 20
        }
        for note in legendNotes {
            out += "<text x=\"\(n(f.right + 14))\" y=\"\(n(legendY + 4))\" fill=\"#555\">\(escapeXML(note))</text>\n"
            legendY += 18
        }
        out += "</svg>\n"
        return out
    }

    /// Extra lines of text under the legend (what filled and hollow markers mean, for example).
    public var legendNotes: [String] = []

    private func marker(at px: Double, _ py: Double, filled: Bool, color: String) -> String {
        filled
            ? "<circle cx=\"\(n(px))\" cy=\"\(n(py))\" r=\"4.5\" fill=\"\(color)\"/>\n"
            : "<rect x=\"\(n(px - 4.5))\" y=\"\(n(py - 4.5))\" width=\"9\" height=\"9\" fill=\"white\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
    }
}

/// One named set of points.
public struct PlotSeries: Sendable {
    public enum Style: Sendable {
        case line, lineWithMarkers, markers(filled: Bool)
        var drawsLine: Bool { if case .markers = self { false } else { true } }
        var drawsMarkers: Bool { if case .line = self { false } else { true } }
        var filled: Bool { if case .markers(let filled) = self { filled } else { true } }
    }
    public struct Point: Sendable {
        public var x: Double
        public var y: Double
        /// Overrides the series' marker fill for this point.
        public var filled: Bool?
        public init(x: Double, y: Double, filled: Bool? = nil) { self.x = x; self.y = y; self.filled = filled }
    }

    /// Colour-blind-safe colours (Okabe and Ito), used in order when a series has no colour.
    public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

    public var name: String
    public var points: [Point]
    public var style: Style
    public var color: String?

    public init(name: String, points: [Point], style: Style, color: String? = nil) {
        self.name = name
        self.points = points
        self.style = style
        self.color = color
    }

    public init(name: String, points: [(Double, Double)], style: Style, color: String? = nil) {
        self.init(name: name, points: points.map { Point(x: $0.0, y: $0.1) }, style: style, color: color)
    }
}

/// An axis: its title, linear or base-10 logarithmic scale, and a fixed range or one fitted to the data.
public struct PlotAxis: Sendable {
    public enum Scale: Sendable { case linear, log10 }
    public var title: String
    public var scale: Scale
    /// Fixed range; nil fits the data (log axes widen to whole powers of ten).
    public var range: ClosedRange<Double>?

    public init(label: String, scale: Scale = .linear, range: ClosedRange<Double>? = nil) {
        self.title = label
        self.scale = scale
        self.range = range
    }

    func resolvedRange(data: [Double]) -> ClosedRange<Double> {
        if let range, range.upperBound > range.lowerBound { return range }
        let values = scale == .log10 ? data.filter { $0 > 0 } : data.filter(\.isFinite)
        guard let low = values.min(), let high = values.max() else { return scale == .log10 ? 1...10 : 0...1 }
        switch scale {
        case .log10:
            let a = pow(10, floor(log10(low))), b = pow(10, ceil(log10(high)))
            return a < b ? a...b : a...(a * 10)
        case .linear:
            if low == high { return (low - 1)...(high + 1) }
            let step = PlotAxis.niceStep((high - low) / 5)
            return (floor(low / step) * step)...(ceil(high / step) * step)
        }
    }

    func ticks(_ range: ClosedRange<Double>) -> [Double] {
        switch scale {
        case .log10:
            let first = Int(ceil(log10(range.lowerBound) - 1e-9)), last = Int(floor(log10(range.upperBound) + 1e-9))
            return first <= last ? (first...last).map { pow(10, Double($0)) } : []
        case .linear:
            let step = PlotAxis.niceStep((range.upperBound - range.lowerBound) / 5)
            var ticks: [Double] = []
            var t = ceil(range.lowerBound / step - 1e-9) * step
            while t <= range.upperBound + step * 1e-9 {
                ticks.append(abs(t) < step * 1e-9 ? 0 : t)
                t += step
            }
            return ticks
        }
    }

    func label(_ value: Double) -> String {
        if scale == .log10 {
            let e = Int(log10(value).rounded())
            return e >= 0 && e <= 6 ? String(Int(pow(10, Double(e)))) : "1e\(e)"
        }
        if value == value.rounded(), abs(value) < 1e6 { return String(Int(value)) }
        return String(format: "%g", value)
    }

    /// 1, 2 or 5 times a power of ten, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(raw)))
        for factor in [1.0, 2, 5, 10] where factor * magnitude >= raw * (1 - 1e-9) { return factor * magnitude }
        return 10 * magnitude
    }
}

/// Maps data coordinates to SVG pixels (y grows downwards in SVG).
public struct PlotFrame: Sendable {
    public let x: ClosedRange<Double>
    public let y: ClosedRange<Double>
    public let xScale: PlotAxis.Scale
    public let yScale: PlotAxis.Scale
    public let left: Double, right: Double, top: Double, bottom: Double

    public func px(_ value: Double) -> Double { left + (right - left) * fraction(value, x, xScale) }
    public func py(_ value: Double) -> Double { bottom - (bottom - top) * fraction(value, y, yScale) }

    private func fraction(_ v: Double, _ range: ClosedRange<Double>, _ scale: PlotAxis.Scale) -> Double {
        switch scale {
        case .linear: return (v - range.lowerBound) / (range.upperBound - range.lowerBound)
        case .log10: return (log10(max(v, .leastNormalMagnitude)) - log10(range.lowerBound))
            / (log10(range.upperBound) - log10(range.lowerBound))
        }
    }
}

/// Pixel coordinates as SVG text: two decimals, no trailing zeros.
public func svgNumber(_ value: Double) -> String { n(value) }

private func n(_ value: Double) -> String {
    var s = String(format: "%.2f", value)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s == "-0" ? "0" : s
}

/// Escapes the five XML special characters.
func escapeXML(_ text: String) -> String {
    var out = ""
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(c)
        }
    }
    return out
}
