import Foundation
import Testing
@testable import TinyTune

/// The compare command's table, CSV and JSON. The interval and p-value of 89/200 -> 126/200 are scipy's
/// (Fixtures/statistics_reference.json: Wilson 0.56123 to 0.69387; z = 3.71045, p = 0.000207).
@Suite struct ComparisonReportTests {
    let report = ComparisonReport(rows: [
        .init(variant: "tinylora-u13-grpo", family: "tinylora", objective: "grpo", seed: 0, trainableParameters: 13,
              bytesF32: 52, steps: 30, evalExamples: 200, accuracyBefore: 0.445, accuracyAfter: 0.63, seconds: 812.34),
        .init(variant: "lora,r1", family: "lora", objective: "sft", seed: 1, trainableParameters: 1_000,
              bytesF32: 4_000, steps: 30, evalExamples: 200, accuracyBefore: 0.445, accuracyAfter: 0.445, seconds: 95),
    ])

    @Test func csvHasAHeaderAndQuotesCommas() {
        let lines = report.csv.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4 && lines[3].isEmpty)
        #expect(lines[0] == "variant,family,objective,seed,trainable_parameters,bytes_f32,steps,eval_examples,accuracy_before,accuracy_after,ci95_low,ci95_high,p_value,seconds")
        #expect(lines[1] == "tinylora-u13-grpo,tinylora,grpo,0,13,52,30,200,0.4450,0.6300,0.5612,0.6939,0.0002,812.3")
        #expect(lines[2].hasPrefix("\"lora,r1\",lora,sft,1,1000,4000,30,200,0.4450,0.4450,0.3778,0.5143,1.0000,"))
    }

    @Test func jsonCarriesIntervalsAndTheTest() throws {
        let text = report.json.serialized()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == 2)
        let first = rows[0]
        #expect(first["variant"] as? String == "tinylora-u13-grpo" && first["trainable_parameters"] as? Int == 13)
        #expect(first["bytes_f32"] as? Int == 52 && first["eval_examples"] as? Int == 200)
        let ci = try #require(first["ci95_after"] as? [Double])
        #expect(abs(ci[0] - 0.5612262992405018) < 1e-12 && abs(ci[1] - 0.6938739159014088) < 1e-12)
        let before = try #require(first["ci95_before"] as? [Double])
        #expect(abs(before[0] - 0.3778060100295335) < 1e-12)
        #expect(abs((first["z"] as? Double ?? 0) - 3.7104503581728614) < 1e-10)
        #expect(abs((first["p_value"] as? Double ?? 1) - 0.00020689086484814212) < 1e-12)
    }

    @Test func rowsReadBackFromTheirJSON() throws {
        for row in report.rows {
            #expect(try ComparisonReport.Row(json: JSONValue.parse(row.json.serialized()), source: "r.json") == row)
        }
        #expect(throws: TinyTuneError.invalidFile(path: "r.json", reason: "the result has no \"family\" field")) {
            try ComparisonReport.Row(json: ["variant": "a"], source: "r.json")
        }
    }

    @Test func tableAlignsColumns() {
        let lines = report.table.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(Set(lines.map(\.count)).count == 1, "rows of different widths:\n\(report.table)")
        #expect(lines[2].hasPrefix("tinylora-u13-grpo  tinylora  grpo "))
        #expect(lines[2].contains("0.630 [0.561, 0.694]") && lines[2].hasSuffix("812"))
        #expect(report.markdown.contains("| tinylora-u13-grpo | tinylora | grpo | 0 | 13 | 52 | 0.445 | 0.630 [0.561, 0.694] | <0.001 | 812 |"))
    }

    /// Three seeds of one variant and one of another: means, the sample standard deviation and the count of
    /// significant gains (0.63 vs 0.445 on 200 problems has p = 0.0002; 0.50 vs 0.445 has p = 0.27).
    @Test func summaryOverSeeds() {
        func row(_ variant: String, _ seed: UInt64, _ after: Double) -> ComparisonReport.Row {
            .init(variant: variant, family: "tinylora", objective: "grpo", seed: seed, trainableParameters: 13, bytesF32: 52,
                  steps: 30, evalExamples: 200, accuracyBefore: 0.445, accuracyAfter: after, seconds: 100 * Double(seed + 1))
        }
        let seeded = ComparisonReport(rows: [row("a", 0, 0.63), row("b", 0, 0.40), row("a", 1, 0.50), row("a", 2, 0.60)])
        #expect(seeded.hasSeeds && !report.hasSeeds)
        let a = seeded.summaries[0], b = seeded.summaries[1]
        #expect(seeded.summaries.map(\.variant) == ["a", "b"] && a.seeds == 3 && b.seeds == 1)
        #expect(abs(a.meanAfter - 0.576_666_666_666_666_7) < 1e-12 && a.minAfter == 0.50 && a.maxAfter == 0.63)
        // sample sd of (0.63, 0.50, 0.60): sqrt(((0.0533)² + (0.0767)² + (0.0233)²) / 2) = 0.06807
        #expect(abs(a.stdAfter - 0.068_068_592_855_540_46) < 1e-12 && b.stdAfter == 0)
        #expect(a.significantGains == 2 && b.significantGains == 0 && a.meanSeconds == 200)
        #expect(seeded.summaryTable.contains("0.577 ± 0.068") && seeded.summaryTable.contains("2/3"))
        #expect(seeded.markdown.contains("| a | grpo | 13 | 3 | 0.445 | 0.577 ± 0.068 | 0.500–0.630 | 2/3 | 200 |"))
        #expect(!report.markdown.contains("Over seeds"))
    }
}
