import ArgumentParser
import TinyTune

/// `tinytune bench matmul`: measures our matrix-product wrapper (run it from a release build).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks (build with -c release).",
        subcommands: [MatmulBench.self])
}

struct MatmulBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matmul", abstract: "GFLOP/s of an N×N×N single-precision matrix product through our BLAS wrapper.")

    @Option(help: "Matrix size N.") var size = 2048
    @Option(help: "Timed repetitions; the best is reported.") var repeats = 5

    func run() throws {
        try runReportingErrors {
            throw TinyTuneError.notAvailableYet(feature: "`tinytune bench matmul`", issue: 2)
        }
    }
}
