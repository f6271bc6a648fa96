import ArgumentParser
import Foundation
import TinyTune
import TinyTunePlugins

/// `tinytune bench ...`: speed measurements. Run them from a release build (`swift build -c release`).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks (build with -c release).",
        subcommands: [MatmulBench.self, HeadBench.self, GenerateBench.self, TrainBench.self, TokenizeBench.self])
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

/// Prefill and decode speed of a real model: prefill tokens/s on a `--prompt-tokens` prompt, decode tokens/s at
/// batch 1 (greedy) and for a group of `--group` samples at temperature 1 sharing the prompt's cache (one batched
/// forward per step). The prompt is ids i ↦ (1 + 7919·i) mod vocab, the formula scripts/bench/torch_generate.py and
/// llamacpp_generate.py use too, so every tool sees the same ids; no tokenizer is needed (random checkpoints).
///
///     tinytune bench generate --model models/gemma-3-270m-q4_k_m.gguf
///     # prefill 100 tokens: 0.41 s (244 tok/s) · decode batch 1: 21.3 tok/s · decode group of 8: 95.1 tok/s · peak RSS 1.2 GB
struct GenerateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Prefill and decode tokens/s of a model (batch 1 and a group).")

    @Option(help: "The model: a GGUF file or a Hugging Face model folder.") var model: String
    @Option(help: "Prompt length in tokens (ids (1 + 7919·i) mod vocab).") var promptTokens = 100
    @Option(help: "Decoded tokens per measurement.") var decodeTokens = 32
    @Option(help: "Samples decoded together in the group measurement.") var group = 8
    @Option(help: "Timed repetitions of the prefill; the best is reported.") var repeats = 3
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard promptTokens >= 1, decodeTokens >= 1, group >= 1, repeats >= 1 else {
            throw ValidationError("--prompt-tokens, --decode-tokens, --group and --repeats must be at least 1")
        }
    }

    func run() throws {
        try runReportingErrors {
            let loadStart = DispatchTime.now().uptimeNanoseconds
            let decoder = try DecoderModel(checkpoint: CheckpointWeights(path: model))
            let load = seconds(since: loadStart)
            var generator = SeededGenerator(seed: 5)
            let vocabulary = decoder.spec.shape.vocabularySize
            let prompt = (0..<promptTokens).map { (1 + 7919 * $0) % vocabulary }

            var prefill = Double.infinity
            for _ in 0...repeats {  // the first run warms up
                let cache = decoder.makeCache(capacity: promptTokens + decodeTokens)
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try decoder.forward([(prompt, cache)], logits: .last)
                prefill = min(prefill, seconds(since: start))
            }

            /// Seconds for `decodeTokens` steps of `samples` sequences forked from one prefill.
            func decode(samples: Int, sampler: Sampler) throws -> Double {
                let cache = decoder.makeCache(capacity: promptTokens + decodeTokens + 1)
                var rows = try decoder.forward([(prompt, cache)], logits: .last)
                let caches = [cache] + (1..<samples).map { _ in cache.fork() }
                rows = Array(repeating: rows[0], count: samples)
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<decodeTokens {
                    let next = rows.map { row in row.withUnsafeBufferPointer { sampler.sample($0, generator: &generator).token } }
                    rows = try decoder.forward(zip(next, caches).map { ([$0], $1) }, logits: .last)
                }
                return seconds(since: start)
            }
            let single = try decode(samples: 1, sampler: Sampler(temperature: 0))
            let grouped = try decode(samples: group, sampler: Sampler(temperature: 1))
            let peak = peakResidentBytes()

            let prefillRate = Double(promptTokens) / prefill
            let singleRate = Double(decodeTokens) / single, groupRate = Double(decodeTokens * group) / grouped
            if json {
                print(JSONValue.object([
                    ("load_seconds", .double(load)), ("prompt_tokens", .int(Int64(promptTokens))),
                    ("prefill_tokens_per_second", .double(prefillRate)),
                    ("decode_tokens_per_second", .double(singleRate)), ("group", .int(Int64(group))),
                    ("group_decode_tokens_per_second", .double(groupRate)), ("peak_rss_bytes", .double(peak)),
                    ("load_average", .array(loadAverage().map { .double($0) })),
                ]).serialized())
            } else {
                print(String(format: "load %.2f s · prefill %d tokens: %.3f s (%.1f tok/s) · decode batch 1: %.1f tok/s · "
                             + "decode group of %d: %.1f tok/s · %d cores · peak RSS %.2f GB",
                             load, promptTokens, prefill, prefillRate, singleRate, group, groupRate,
                             ComputeThreads.count, peak / 1e9)
                      + " · load average " + loadAverage().map { String(format: "%.2f", $0) }.joined(separator: " "))
            }
        }
    }

    private func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

/// The 1, 5 and 15 minute load averages (the machine is shared: numbers mean little without them).
func loadAverage() -> [Double] {
    var values = [Double](repeating: 0, count: 3)
    return getloadavg(&values, 3) == 3 ? values : []
}

/// Peak resident set size of this process in bytes (ru_maxrss is in kilobytes on Linux).
func peakResidentBytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) * 1024
}
