/// The keys and values one sequence has produced so far, per layer, so decoding a token costs one position.
///
/// Layout per layer: position-major rows of `keyValueHeads × headDim` values, exactly as the k and v projections
/// produce them, so appending is a copy and attention reads each KV head as a strided matrix.
/// `fork()` copies the cache: G samples of one prompt share its prefill and then diverge (group decoding).
public final class KVCache: @unchecked Sendable {
    public let layers: Int
    public let rowWidth: Int
    public private(set) var count: Int = 0
    public private(set) var capacity: Int
    private var keys: [UnsafeMutablePointer<Float>]
    private var values: [UnsafeMutablePointer<Float>]

    public init(layers: Int, keyValueHeads: Int, headDim: Int, capacity: Int = 256) {
        self.layers = layers
        rowWidth = keyValueHeads * headDim
        self.capacity = max(capacity, 1)
        keys = (0..<layers).map { _ in .allocate(capacity: max(capacity, 1) * keyValueHeads * headDim) }
        values = (0..<layers).map { _ in .allocate(capacity: max(capacity, 1) * keyValueHeads * headDim) }
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    /// An independent copy with the same contents.
    public func fork() -> KVCache {
        let copy = KVCache(layers: layers, keyValueHeads: 1, headDim: rowWidth, capacity: capacity)
        copy.count = count
        for layer in 0..<layers {
            copy.keys[layer].update(from: keys[layer], count: count * rowWidth)
            copy.values[layer].update(from: values[layer], count: count * rowWidth)
        }
        return copy
    }

    /// Makes room for `extra` more positions, doubling the storage when needed.
    func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var newCapacity = capacity
        while newCapacity < count + extra { newCapacity *= 2 }
        for layer in 0..<layers {
            for storage in [\KVCache.keys, \KVCache.values] {
                let grown = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity * rowWidth)
                grown.update(from: self[keyPath: storage][layer], count: count * rowWidth)
                self[keyPath: storage][layer].deallocate()
                self[keyPath: storage][layer] = grown
            }
        }
        capacity = newCapacity
    }

    /// Writes `rows` new positions (starting at `count`) for one layer; `advance` moves `count` after the last layer.
    func write(layer: Int, keys newKeys: UnsafePointer<Float>, values newValues: UnsafePointer<Float>, rows: Int) {
        keys[layer].advanced(by: count * rowWidth).update(from: newKeys, count: rows * rowWidth)
        values[layer].advanced(by: count * rowWidth).update(from: newValues, count: rows * rowWidth)
    }

    func advance(by rows: Int) { count += rows }

    func keys(layer: Int) -> UnsafePointer<Float> { UnsafePointer(keys[layer]) }
    func values(layer: Int) -> UnsafePointer<Float> { UnsafePointer(values[layer]) }

    /// Forgets positions from `length` on (to retry or to reuse a prompt's prefill).
    public func truncate(to length: Int) {
        precondition(length >= 0 && length <= count, "cannot truncate a cache of \(count) positions to \(length)")
        count = length
    }
}
