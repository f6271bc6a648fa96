import ArgumentParser
import Foundation
import TinyTune

/// `tinytune bench ...`: speed measurements. Run them from a release build (`swift build -c release`).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks (build with -c release).",
        subcommands: [MatmulBench.self, HeadBench.self])
}

/// GFLOP/s of C = A·B through our `gemm` wrapper, so any overhead it adds over OpenBLAS shows.
struct MatmulBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matmul", abstract: "GFLOP/s of an N×N×N single-precision matrix product through our BLAS wrapper.")

    @Option(help: "Matrix size N.") var size = 2048
    @Option(help: "Timed repetitions; the best is reported.") var repeats = 5
    @Flag(help: "Print {\"size\", \"gflops\", \"seconds\"} as JSON.") var json = false

    func validate() throws {
        guard size >= 1, size <= 16384 else { throw ValidationError("--size must be between 1 and 16384, got \(size)") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1, got \(repeats)") }
    }

    func run() throws {
        var generator = SeededGenerator(seed: 2024)
        var a = Tensor(zeros: [size, size])
        var b = Tensor(zeros: [size, size])
        generator.fillUniform(&a, low: -1, high: 1)
        generator.fillUniform(&b, low: -1, high: 1)
        var c = Tensor(zeros: [size, size])
        gemm(a, b, into: &c)  // warm-up: OpenBLAS starts its threads, C's pages are touched
        let flops = 2 * Double(size) * Double(size) * Double(size)
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            gemm(a, b, into: &c)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let gflops = flops / best / 1e9
        if json {
            print(JSONValue.object([("size", .int(Int64(size))), ("gflops", .double(gflops)), ("seconds", .double(best))]).serialized())
        } else {
            print(String(format: "matmul %d×%d×%d on %d cores: %.1f GFLOP/s (best of %d, %.4f s)",
                         size, size, size, ComputeThreads.count, gflops, repeats, best))
        }
    }
}

/// The decode-time output head: logits = E·h for Gemma 3's 262,144 × 640 embedding, Q8_0 fused product against
/// f32 sgemv. Memory traffic per token decides decoding speed on a CPU.
struct HeadBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head", abstract: "Output-head matrix-vector product: Q8_0 fused vs f32 sgemv (Gemma 3 270M size).")

    @Option(help: "Vocabulary rows.") var rows = 262_144
    @Option(help: "Hidden size (a multiple of 32).") var cols = 640
    @Option(help: "Timed repetitions; the best is reported.") var repeats = 10

    func run() throws {
        try runReportingErrors {
            var generator = SeededGenerator(seed: 1)
            var weights = Tensor(zeros: [rows, cols])
            generator.fillNormal(&weights, mean: 0, std: 0.05)
            var hidden = Tensor(zeros: [cols])
            generator.fillNormal(&hidden, mean: 0, std: 1)
            let quantized = try Q8_0Matrix(quantizing: weights)
            var logits = [Float](repeating: 0, count: rows)

            func best(_ body: () -> Void) -> Double {
                body()
                var fastest = Double.infinity
                for _ in 0..<repeats {
                    let start = DispatchTime.now().uptimeNanoseconds
                    body()
                    fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                }
                return fastest
            }
            let q8 = best {
                hidden.withBaseAddress { h in logits.withUnsafeMutableBufferPointer { quantized.multiply(h, into: $0.baseAddress!) } }
            }
            let f32 = best { _ = gemv(weights, hidden) }
            let q8Bytes = Double(rows * quantized.rowBytes), f32Bytes = Double(rows * cols * 4)
            print(String(format: "head %d×%d  Q8_0 fused: %.2f ms (%.1f GB/s, %.0f products/s)  f32 sgemv: %.2f ms (%.1f GB/s)",
                         rows, cols, q8 * 1e3, q8Bytes / q8 / 1e9, 1 / q8, f32 * 1e3, f32Bytes / f32 / 1e9))
        }
    }
}
