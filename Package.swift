// swift-tools-version:6.0
// TinyTune: tiny adapters (TinyLoRA and friends) trained with GRPO or SFT on a CPU.
// Module map: docs/ARCHITECTURE.md.
import PackageDescription


let package = Package(
    name: "TinyTune",
    products: [
        .library(name: "TinyTune", targets: ["TinyTune"]),
        .library(name: "TinyTuneLoaders", targets: ["TinyTuneLoaders"]),
        .library(name: "TinyTunePlugins", targets: ["TinyTunePlugins"]),
        .library(name: "TinyTuneCLI", targets: ["TinyTuneCLI"]),
        .executable(name: "tinytune", targets: ["tinytune"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // C libraries from Debian. Each shim header fails the build with the apt package to install.
        .systemLibrary(name: "COpenBLAS", path: "Sources/CSystem/COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CSystem/CZstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CJSONC", path: "Sources/CSystem/CJSONC", providers: [.apt(["libjson-c-dev"])]),

        // Hot loops in C with AVX2/FMA picked at run time (scalar fallback): Q8_0 and f32 matrix-vector products.
        .target(name: "CKernels", path: "Sources/CKernels"),
        // Core: numerics, plugin protocols, registries, config, pipeline.
        .target(name: "TinyTune", dependencies: ["COpenBLAS", "CJSONC", "CKernels", .product(name: "Yams", package: "Yams")], path: "Sources/Framework"),
        // File formats: safetensors, GGUF, tokenizer files.
        .target(name: "TinyTuneLoaders", dependencies: ["TinyTune", "CZstd"], path: "Sources/Loaders"),
        // Built-in plugins: architectures, tokenizers, adapters, objectives, rewards, datasets.
        .target(name: "TinyTunePlugins", dependencies: ["TinyTune", "TinyTuneLoaders", "CZstd",
                                                      .product(name: "HeapModule", package: "swift-collections")],
                path: "Sources/Plugins"),
        // The `tinytune` commands as a library, so other executables (Examples/CustomReward) reuse them.
        .target(name: "TinyTuneCLI",
                dependencies: ["TinyTune", "TinyTuneLoaders", "TinyTunePlugins",
                               .product(name: "ArgumentParser", package: "swift-argument-parser")],
                path: "Sources/CLI/Commands"),
        .executableTarget(name: "tinytune", dependencies: ["TinyTuneCLI", "TinyTune"], path: "Sources/CLI/Main"),

        // A reward plugin defined outside TinyTune's sources, registered at start-up.
        .executableTarget(name: "custom-reward-example", dependencies: ["TinyTuneCLI", "TinyTune", "TinyTunePlugins"],
                          path: "Examples/CustomReward/Sources"),

        .testTarget(name: "TinyTuneTests", dependencies: ["TinyTune"], path: "Tests/TinyTuneTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "TinyTuneModelTests",
                    dependencies: ["TinyTune", "TinyTuneLoaders", "TinyTunePlugins", "TinyTuneCLI"],
                    path: "Tests/TinyTuneModelTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "TinyTunePluginsTests",
                    dependencies: ["TinyTune", "TinyTuneLoaders", "TinyTunePlugins", "TinyTuneCLI"],
                    path: "Tests/TinyTunePluginsTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "TinyTuneTokenizerTests",
                    dependencies: ["TinyTune", "TinyTuneLoaders", "TinyTunePlugins", "TinyTuneCLI"],
                    path: "Tests/TinyTuneTokenizerTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "TinyTuneLoadersTests", dependencies: ["TinyTune", "TinyTuneLoaders", "TinyTunePlugins", "TinyTuneCLI"],
                    path: "Tests/TinyTuneLoadersTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "TinyTuneAdapterTests",
                    dependencies: ["TinyTune", "TinyTuneLoaders", "TinyTunePlugins", "TinyTuneCLI"],
                    path: "Tests/TinyTuneAdapterTests", resources: [.copy("Fixtures")]),
    ]
)
