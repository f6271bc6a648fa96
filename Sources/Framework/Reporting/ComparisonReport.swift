import Foundation

/// The results of `tinytune compare`: one row per variant and seed, as a text table, CSV, JSON and a plot of
/// accuracy against update size (like Figure 1 of Morris et al., "Learning to Reason in 13 Parameters").
///
///     let report = ComparisonReport(rows: rows)
///     print(report.table)
///     try report.csv.write(toFile: "results.csv", atomically: true, encoding: .utf8)
public struct ComparisonReport: Sendable {
    public struct Row: Sendable, Equatable {
        public var variant: String
        /// The adapter type (`tinylora`, `lora`, ...).
        public var family: String
        /// The objective type (`grpo`, `sft`).
        public var objective: String
        public var seed: UInt64
        public var trainableParameters: Int
        public var bytesF32: Int
        public var steps: Int
        /// How many held-out problems each accuracy was measured on.
        public var evalExamples: Int
        public var accuracyBefore: Double
        public var accuracyAfter: Double
        /// Wall time of the run (training and both evaluations).
        public var seconds: Double

        public init(variant: String, family: String, objective: String, seed: UInt64, trainableParameters: Int,
                    bytesF32: Int, steps: Int, evalExamples: Int, accuracyBefore: Double, accuracyAfter: Double,
                    seconds: Double)
        {
            self.variant = variant
            self.family = family
            self.objective = objective
            self.seed = seed
            self.trainableParameters = trainableParameters
            self.bytesF32 = bytesF32
            self.steps = steps
            self.evalExamples = evalExamples
            self.accuracyBefore = accuracyBefore
            self.accuracyAfter = accuracyAfter
            self.seconds = seconds
        }

        /// One row of results.json; `init(json:)` reads it back.
        public var json: JSONValue {
            let after = intervalAfter, before = intervalBefore
            let row = self
            return .object([
                ("variant", .string(row.variant)), ("family", .string(row.family)), ("objective", .string(row.objective)),
                ("seed", .int(Int64(row.seed))), ("trainable_parameters", .int(Int64(row.trainableParameters))),
                ("bytes_f32", .int(Int64(row.bytesF32))), ("steps", .int(Int64(row.steps))),
                ("eval_examples", .int(Int64(row.evalExamples))),
                ("accuracy_before", .double(row.accuracyBefore)), ("ci95_before", .array([.double(before.low), .double(before.high)])),
                ("accuracy_after", .double(row.accuracyAfter)), ("ci95_after", .array([.double(after.low), .double(after.high)])),
                ("z", .double(row.changeTest.statistic)), ("p_value", .double(row.changeTest.pValue)),
                ("seconds", .double(row.seconds)),
            ])
        }

        /// Reads a row written by `json` (the derived statistics are recomputed, not read).
        public init(json: JSONValue, source: String) throws {
            func field(_ key: String) throws -> JSONValue {
                guard let value = json[key] else {
                    throw TinyTuneError.invalidFile(path: source, reason: "the result has no \"\(key)\" field")
                }
                return value
            }
            func string(_ key: String) throws -> String {
                guard case .string(let s) = try field(key) else {
                    throw TinyTuneError.invalidFile(path: source, reason: "\"\(key)\" must be a string")
                }
                return s
            }
            func int(_ key: String) throws -> Int {
                guard case .int(let i) = try field(key), i >= 0 else {
                    throw TinyTuneError.invalidFile(path: source, reason: "\"\(key)\" must be a non-negative integer")
                }
                return Int(i)
            }
            func number(_ key: String) throws -> Double {
                switch try field(key) {
                case .int(let i): return Double(i)
                case .double(let d) where d.isFinite: return d
                default: throw TinyTuneError.invalidFile(path: source, reason: "\"\(key)\" must be a number")
                }
            }
            self.init(variant: try string("variant"), family: try string("family"), objective: try string("objective"),
                      seed: UInt64(try int("seed")), trainableParameters: try int("trainable_parameters"),
                      bytesF32: try int("bytes_f32"), steps: try int("steps"), evalExamples: try int("eval_examples"),
                      accuracyBefore: try number("accuracy_before"), accuracyAfter: try number("accuracy_after"),
                      seconds: try number("seconds"))
        }

        func successes(_ accuracy: Double) -> Int { Int((accuracy * Double(evalExamples)).rounded()) }
        /// Wilson 95% interval of the accuracy after training.
        public var intervalAfter: (low: Double, high: Double) {
            ProportionStatistics.wilson(successes: successes(accuracyAfter), trials: evalExamples)
        }
        public var intervalBefore: (low: Double, high: Double) {
            ProportionStatistics.wilson(successes: successes(accuracyBefore), trials: evalExamples)
        }
        /// Two-proportion z-test, after against before. The same problems are scored twice, so this ignores the
        /// pairing (McNemar would use it, but needs per-problem results).
        public var changeTest: ProportionStatistics.TestResult {
            ProportionStatistics.twoProportionZTest(successes1: successes(accuracyBefore), trials1: evalExamples,
                                                    successes2: successes(accuracyAfter), trials2: evalExamples)
        }
    }

    public var rows: [Row]

    public init(rows: [Row]) { self.rows = rows }

    static let columns = ["variant", "family", "objective", "seed", "trainable_parameters", "bytes_f32", "steps",
                          "eval_examples", "accuracy_before", "accuracy_after", "ci95_low", "ci95_high", "p_value",
                          "seconds"]

    private func fields(_ row: Row) -> [String] {
        let ci = row.intervalAfter
        return [row.variant, row.family, row.objective, String(row.seed), String(row.trainableParameters),
                String(row.bytesF32), String(row.steps), String(row.evalExamples), f4(row.accuracyBefore),
                f4(row.accuracyAfter), f4(ci.low), f4(ci.high), f4(row.changeTest.pValue),
                String(format: "%.1f", row.seconds)]
    }

    /// RFC 4180 CSV with a header line; fields holding a comma, quote or newline are quoted.
    public var csv: String {
        func quote(_ field: String) -> String {
            field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }
        return ([Self.columns] + rows.map(fields)).map { $0.map(quote).joined(separator: ",") + "\n" }.joined()
    }

    /// One variant over its seeds: how much training helped on average and how reliably.
    public struct VariantSummary: Sendable, Equatable {
        public var variant: String, family: String, objective: String
        public var trainableParameters: Int, bytesF32: Int
        public var seeds: Int
        public var meanBefore: Double, meanAfter: Double, minAfter: Double, maxAfter: Double
        /// Sample standard deviation of the accuracy after over seeds (0 for one seed).
        public var stdAfter: Double
        /// Seeds whose accuracy rose with z-test p < 0.05.
        public var significantGains: Int
        /// Mean wall time of a run.
        public var meanSeconds: Double

        public var json: JSONValue {
            .object([
                ("variant", .string(variant)), ("family", .string(family)), ("objective", .string(objective)),
                ("trainable_parameters", .int(Int64(trainableParameters))), ("bytes_f32", .int(Int64(bytesF32))),
                ("seeds", .int(Int64(seeds))), ("mean_accuracy_before", .double(meanBefore)),
                ("mean_accuracy_after", .double(meanAfter)), ("min_accuracy_after", .double(minAfter)),
                ("max_accuracy_after", .double(maxAfter)), ("std_accuracy_after", .double(stdAfter)),
                ("significant_gains", .int(Int64(significantGains))), ("mean_seconds", .double(meanSeconds)),
            ])
        }
    }

    /// Per variant (in the order rows first name it), over all its seeds.
    public var summaries: [VariantSummary] {
        var names: [String] = []
        for row in rows where !names.contains(row.variant) { names.append(row.variant) }
        return names.map { name in
            let runs = rows.filter { $0.variant == name }
            let after = runs.map(\.accuracyAfter), n = Double(runs.count)
            let mean = after.reduce(0, +) / n
            let variance = runs.count > 1 ? after.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) : 0
            let first = runs[0]
            return VariantSummary(
                variant: name, family: first.family, objective: first.objective,
                trainableParameters: first.trainableParameters, bytesF32: first.bytesF32, seeds: runs.count,
                meanBefore: runs.reduce(0) { $0 + $1.accuracyBefore } / n, meanAfter: mean,
                minAfter: after.min() ?? 0, maxAfter: after.max() ?? 0, stdAfter: variance.squareRoot(),
                significantGains: runs.filter { $0.accuracyAfter > $0.accuracyBefore && $0.changeTest.pValue < 0.05 }.count,
                meanSeconds: runs.reduce(0) { $0 + $1.seconds } / n)
        }
    }

    /// True when some variant ran with more than one seed (then the summary is worth printing).
    public var hasSeeds: Bool { summaries.contains { $0.seeds > 1 } }

    /// The summary over seeds as a fixed-width table.
    public var summaryTable: String {
        let header = ["variant", "objective", "params", "seeds", "before", "after mean ± sd", "min–max", "gains p<0.05", "seconds"]
        let body = summaries.map { s -> [String] in
            [s.variant, s.objective, String(s.trainableParameters), String(s.seeds), f3(s.meanBefore),
             "\(f3(s.meanAfter)) ± \(f3(s.stdAfter))", "\(f3(s.minAfter))–\(f3(s.maxAfter))",
             "\(s.significantGains)/\(s.seeds)", String(format: "%.0f", s.meanSeconds)]
        }
        let widths = header.indices.map { i in ([header] + body).map { $0[i].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i < 2 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
                + body.map(line)).joined(separator: "\n") + "\n"
    }

    /// `{"rows": [{"variant": ..., "ci95_after": [low, high], "p_value": ...}, ...], "summary": [...]}`
    public var json: JSONValue {
        .object([("rows", .array(rows.map(\.json))), ("summary", .array(summaries.map(\.json)))])
    }

    /// A fixed-width table for the terminal and Markdown-free logs.
    public var table: String {
        let header = ["variant", "family", "objective", "seed", "params", "bytes f32", "before", "after [95% CI]", "p", "seconds"]
        let body = rows.map { row -> [String] in
            let ci = row.intervalAfter
            return [row.variant, row.family, row.objective, String(row.seed), String(row.trainableParameters),
                    String(row.bytesF32), f3(row.accuracyBefore),
                    "\(f3(row.accuracyAfter)) [\(f3(ci.low)), \(f3(ci.high))]", pValue(row.changeTest.pValue),
                    String(format: "%.0f", row.seconds)]
        }
        let widths = header.indices.map { i in ([header] + body).map { $0[i].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i < 3 ? cell + pad : pad + cell   // names left-aligned, numbers right-aligned
            }.joined(separator: "  ")
        }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
                + body.map(line)).joined(separator: "\n") + "\n"
    }

    /// The same table in Markdown, for docs.
    public var markdown: String {
        var out = "| variant | family | objective | seed | trainable params | bytes (f32) | accuracy before | accuracy after [95% CI] | p | seconds |\n"
        out += "|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n"
        for row in rows {
            let ci = row.intervalAfter
            out += "| \(row.variant) | \(row.family) | \(row.objective) | \(row.seed) | \(row.trainableParameters) | \(row.bytesF32) | "
            out += "\(f3(row.accuracyBefore)) | \(f3(row.accuracyAfter)) [\(f3(ci.low)), \(f3(ci.high))] | \(pValue(row.changeTest.pValue)) | \(String(format: "%.0f", row.seconds)) |\n"
        }
        guard hasSeeds else { return out }
        out += "\nOver seeds (gains: seeds whose accuracy rose with p < 0.05):\n\n"
        out += "| variant | objective | trainable params | seeds | accuracy before | accuracy after, mean ± sd | min–max | gains | seconds per run |\n"
        out += "|---|---|---:|---:|---:|---:|---:|---:|---:|\n"
        for s in summaries {
            out += "| \(s.variant) | \(s.objective) | \(s.trainableParameters) | \(s.seeds) | \(f3(s.meanBefore)) | "
            out += "\(f3(s.meanAfter)) ± \(f3(s.stdAfter)) | \(f3(s.minAfter))–\(f3(s.maxAfter)) | \(s.significantGains)/\(s.seeds) | \(String(format: "%.0f", s.meanSeconds)) |\n"
        }
        return out
    }

    /// Accuracy after training against update size in bytes (log scale), one series per family; filled circles are
    /// GRPO, hollow squares SFT; the dashed line is the base model's accuracy.
    public func plot(title: String = "Held-out accuracy against update size") -> SVGPlot {
        var plot = SVGPlot(title: title, x: PlotAxis(label: "update size (bytes, f32, log scale)", scale: .log10),
                           y: PlotAxis(label: "held-out accuracy", range: 0...1))
        var families: [String] = []
        for row in rows where !families.contains(row.family) { families.append(row.family) }
        for family in families {
            let points = rows.filter { $0.family == family }.map {
                PlotSeries.Point(x: Double(max($0.bytesF32, 1)), y: $0.accuracyAfter, filled: $0.objective == "grpo")
            }
            plot.series.append(PlotSeries(name: family, points: points, style: .markers(filled: true)))
        }
        if let base = rows.first?.accuracyBefore {
            plot.horizontalLines.append((label: "base model \(f3(base))", y: base))
        }
        plot.legendNotes = ["filled: GRPO", "hollow: SFT"]
        return plot
    }
}

private func f3(_ x: Double) -> String { String(format: "%.3f", x) }
/// A p-value to three decimals, or "<0.001" (not "0.000", which reads as impossible).
func pValue(_ p: Double) -> String { p < 0.0005 ? "<0.001" : f3(p) }
private func f4(_ x: Double) -> String { String(format: "%.4f", x) }
