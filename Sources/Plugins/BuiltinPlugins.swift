import TinyTune
import TinyTuneLoaders

/// Every plugin that ships with TinyTune: one line each. Your own plugins register the same way on the returned
/// registry (see Examples/CustomReward).
///
///     let registry = try BuiltinPlugins.registry()
public enum BuiltinPlugins {
    public static func registry() throws -> PluginRegistry {
        let registry = PluginRegistry()
        try register(into: registry)
        return registry
    }

    public static func register(into registry: PluginRegistry) throws {
        try registry.loaders.register(SafetensorsLoader.self)
        try registry.loaders.register(GGUFLoader.self)

        try registry.tokenizers.register(ByteLevelBPETokenizer.self)
        try registry.tokenizers.register(SentencePieceBPETokenizer.self)

        try registry.architectures.register(Qwen2Architecture.self)
        try registry.architectures.register(LlamaArchitecture.self)
        try registry.architectures.register(Gemma3Architecture.self, aliases: ["gemma3_text"])

        try registry.adapters.register(LoRA.self)
        try registry.adapters.register(VeRA.self)
        try registry.adapters.register(LoRAXS.self)
        try registry.adapters.register(TinyLoRA.self)

        try registry.objectives.register(GRPO.self)
        try registry.objectives.register(SFT.self)

        try registry.rewards.register(MathAnswerReward.self)
        try registry.rewards.register(FormatReward.self)
        try registry.rewards.register(CommandReward.self)

        try registry.datasets.register(JSONLDataset.self)
        try registry.datasets.register(ArithmeticDataset.self)
    }
}
