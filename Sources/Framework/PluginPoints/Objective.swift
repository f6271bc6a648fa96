/// A training objective (`grpo`, `sft`). Registered under `objectives`; the config's `objective` section names one.
public protocol Objective: Sendable {
    /// Whether the objective scores sampled completions with the config's rewards (GRPO) or learns from
    /// reference completions (SFT).
    var needsRewards: Bool { get }
}
