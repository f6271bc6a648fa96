import ArgumentParser
import Foundation
import TinyTune
import TinyTunePlugins

/// Forward + backward tokens/s with TinyLoRA attached, and the time TinyLoRA's initialization takes (randomized SVD
/// of every targeted weight, cold, then read back from the disk cache). The loss is the mean next-token
/// log-probability over `--sequences` sequences of `--sequence-length` ids i ↦ (1 + 7919·i) mod vocab (sequence j
/// continues where j − 1 ended), negated; scripts/bench/torch_peft_train.py computes the same with PyTorch + PEFT.
///
///     tinytune bench train --model ~/.cache/tinytune/qwen2.5-0.5b-random
///     # init cold 9.1 s, warm 0.6 s · forward+backward 512 tokens: 21.0 s (24.4 tok/s) · loss 11.93 · peak RSS 3.1 GB
struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Forward+backward tokens/s with TinyLoRA (r 2, u 13, one tied v, all-linear).")

    @Option(help: "The model: a GGUF file or a Hugging Face model folder.") var model: String
    @Option(help: "Sequences per pass.") var sequences = 4
    @Option(help: "Tokens per sequence.") var sequenceLength = 128
    @Option(help: "TinyLoRA rank of the frozen SVD.") var r = 2
    @Option(help: "TinyLoRA trainable vector length.") var u = 13
    @Option(help: "Timed passes after one warm-up; the best is reported.") var repeats = 2
    @Option(help: "SVD cache folder for the cold/warm init timing (default: a fresh temporary folder, removed after).")
    var svdCache: String?
    @Flag(help: "Also print where a pass spends its time: weight products, adapter, attention, head, the rest.")
    var phases = false
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard sequences >= 1, sequenceLength >= 2, r >= 1, u >= 1, repeats >= 1 else {
            throw ValidationError("--sequences, --r, --u and --repeats must be at least 1 and --sequence-length at least 2")
        }
    }

    func run() throws {
        try runReportingErrors {
            var start = DispatchTime.now().uptimeNanoseconds
            let decoder = try DecoderModel(checkpoint: CheckpointWeights(path: model))
            let load = seconds(since: start)

            let temporary = svdCache == nil
            let cacheFolder = svdCache ?? FileManager.default.temporaryDirectory
                .appendingPathComponent("tinytune-bench-svd-\(ProcessInfo.processInfo.processIdentifier)").path
            defer { if temporary { try? FileManager.default.removeItem(atPath: cacheFolder) } }
            let family = try tinyLoRA(cacheFolder: cacheFolder)
            start = DispatchTime.now().uptimeNanoseconds
            _ = try family.attach(to: decoder)
            let initCold = seconds(since: start)
            start = DispatchTime.now().uptimeNanoseconds
            let adapter = try family.attach(to: decoder)
            let initWarm = seconds(since: start)

            let vocabulary = decoder.spec.shape.vocabularySize
            let batch = (0..<sequences).map { j in
                (0..<sequenceLength).map { (1 + 7919 * (j * sequenceLength + $0)) % vocabulary }
            }
            let scored = batch.map { Array(0..<($0.count - 1)) }
            let count = scored.reduce(0) { $0 + $1.count }
            // loss = −mean log p, so ∂loss/∂log p = −1/count for every scored token.
            let gradients = scored.map { [Float](repeating: -1 / Float(count), count: $0.count) }

            var best = (total: Double.infinity, forward: 0.0, backward: 0.0)
            var loss = 0.0
            // Phases are summed over the timed passes (not the warm-up) and printed per pass.
            let forwardTimer = PhaseTimer(), backwardTimer = PhaseTimer()
            var timedForward = 0.0, timedBackward = 0.0
            for pass in 0...repeats {  // the first pass warms up
                for p in adapter.parameters { p.zeroGradient() }
                if phases, pass > 0 { PhaseTimer.active = forwardTimer }
                start = DispatchTime.now().uptimeNanoseconds
                let trainingPass = try TrainingPass(model: decoder, sequences: batch, scoredPositions: scored, adapter: adapter)
                let forward = seconds(since: start)
                if phases, pass > 0 { PhaseTimer.active = backwardTimer }
                try trainingPass.backward(logprobGradients: gradients)
                PhaseTimer.active = nil
                let total = seconds(since: start)
                if pass > 0 { timedForward += forward; timedBackward += total - forward }
                if total < best.total { best = (total, forward, total - forward) }
                loss = -trainingPass.logprobs.joined().reduce(0.0) { $0 + Double($1) } / Double(count)
            }
            let gradientNorm = adapter.parameters.reduce(0.0) { sum, p in
                sum + p.gradient.array.reduce(0.0) { $0 + Double($1) * Double($1) }
            }.squareRoot()
            let tokens = sequences * sequenceLength
            let rate = Double(tokens) / best.total
            let peak = peakResidentBytes()
            let trainable = adapter.parameters.reduce(0) { $0 + $1.value.count }
            if json {
                print(JSONValue.object([
                    ("load_seconds", .double(load)), ("init_cold_seconds", .double(initCold)),
                    ("init_warm_seconds", .double(initWarm)), ("modules", .int(Int64(adapter.modules.count))),
                    ("trainable_parameters", .int(Int64(trainable))), ("tokens", .int(Int64(tokens))),
                    ("forward_seconds", .double(best.forward)), ("backward_seconds", .double(best.backward)),
                    ("tokens_per_second", .double(rate)), ("loss", .double(loss)),
                    ("gradient_norm", .double(gradientNorm)), ("peak_rss_bytes", .double(peak)),
                    ("load_average", .array(loadAverage().map { .double($0) })),
                ]).serialized())
            } else {
                print(String(format: "load %.2f s · TinyLoRA init on %d modules (%d trainable): cold %.2f s, warm %.2f s · "
                             + "forward+backward %d tokens: %.2f s (forward %.2f s) = %.1f tok/s · loss %.5f · "
                             + "|grad| %.4g · %d cores · peak RSS %.2f GB",
                             load, adapter.modules.count, trainable, initCold, initWarm, tokens, best.total, best.forward,
                             rate, loss, gradientNorm, ComputeThreads.count, peak / 1e9)
                      + " · load average " + loadAverage().map { String(format: "%.2f", $0) }.joined(separator: " "))
            }
            if phases {
                for (label, timer, measured) in [("forward", forwardTimer, timedForward), ("backward", backwardTimer, timedBackward)] {
                    let perPass = { (seconds: Double) in seconds / Double(repeats) }
                    let timed = timer.order.reduce(0.0) { $0 + timer.seconds[$1, default: 0] }
                    let parts = timer.order.map { String(format: "%@ %.3f s", $0, perPass(timer.seconds[$0, default: 0])) }
                        + [String(format: "rest %.3f s", perPass(measured - timed))]
                    print(String(format: "%@ per pass %.3f s: ", label, perPass(measured)) + parts.joined(separator: " · "))
                }
            }
        }
    }

    /// TinyLoRA as the paper's headline setting: rank r, u entries, one v for every linear module.
    private func tinyLoRA(cacheFolder: String) throws -> any AdapterFamily {
        let registry = try BuiltinPlugins.registry()
        let entry = try registry.adapters.entry(named: "tinylora")
        let options = try entry.options(from: .object([
            ("r", .int(Int64(r))), ("u", .int(Int64(u))), ("weight_tying", .double(1.0)),
            ("target_modules", .string("all-linear")), ("svd_cache_dir", .string(cacheFolder)),
        ]), at: .root)
        return try entry.make(options, context: PluginContext(baseDirectory: URL(fileURLWithPath: "/"), registry: registry))
    }

    private func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
