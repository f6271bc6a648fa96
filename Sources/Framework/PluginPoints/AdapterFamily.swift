/// A family of adapters (`lora`, `vera`, `loraxs`, `tinylora`): which linear modules it wraps and how many
/// parameters it trains there. Registered under `adapters`; the config's `adapter` section names one.
public protocol AdapterFamily: Sendable {
    var targetModules: TargetModules { get }
    /// Trainable parameters when wrapping `modules` (already filtered by `targetModules`).
    func trainableParameterCount(for modules: [LinearModule]) -> Int
}
