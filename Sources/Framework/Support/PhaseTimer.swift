import Dispatch

/// Wall time by named phase, for `tinytune bench train --phases`: where a training pass spends its time (weight
/// products, adapter, attention, head, the rest). Off unless `PhaseTimer.active` is set, then a closure call and a
/// clock read per timed region; only the thread that runs the pass may time (the phases are not locked).
public final class PhaseTimer: @unchecked Sendable {
    /// The timer `TrainingPass` reports to, or nil (the default) to time nothing.
    nonisolated(unsafe) public static var active: PhaseTimer?

    public private(set) var seconds: [String: Double] = [:]
    /// Phase names in the order they were first timed.
    public private(set) var order: [String] = []

    public init() {}

    public func reset() { seconds = [:]; order = [] }

    func add(_ name: String, _ elapsed: Double) {
        if seconds[name] == nil { order.append(name) }
        seconds[name, default: 0] += elapsed
    }

    /// Runs `body`, adding its wall time to `name` when a timer is active.
    @inline(__always)
    static func time<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        guard let timer = active else { return try body() }
        let start = DispatchTime.now().uptimeNanoseconds
        defer { timer.add(name, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        return try body()
    }
}
