/// The order in which training examples are drawn: a seeded shuffle per epoch, read by a cursor.
///
/// Epoch 0 is a Fisher–Yates shuffle driven by `SeededGenerator(seed:)`, the same permutation the standard
/// library's `shuffle(using:)` gives with that generator (a test pins it); epoch e > 0 reshuffles with the stream
/// `split(stream: e)` of that generator, as a sampler that reshuffles every epoch does. Everything follows from
/// `(seed, count, cursor)`, so a checkpoint stores the cursor and `--resume` draws exactly what an uninterrupted run
/// would, including extra draws made to resample zero-variance groups.
///
///     var order = TrainingDataOrder(count: examples.count, seed: 0)
///     let batch = (0..<4).map { _ in examples[order.next()] }
///     order.cursor   // 4: store it in the checkpoint
public struct TrainingDataOrder: Sendable, Equatable {
    public let count: Int
    public let seed: UInt64
    /// Examples drawn so far, across epochs.
    public private(set) var cursor: Int
    private var epoch: Int
    private var permutation: [Int]

    public init(count: Int, seed: UInt64, cursor: Int = 0) {
        precondition(count > 0, "TrainingDataOrder needs at least one example")
        self.count = count
        self.seed = seed
        self.cursor = max(0, cursor)
        epoch = self.cursor / count
        permutation = Self.permutation(count: count, seed: seed, epoch: epoch)
    }

    /// The index of the next example.
    public mutating func next() -> Int {
        if cursor / count != epoch {
            epoch = cursor / count
            permutation = Self.permutation(count: count, seed: seed, epoch: epoch)
        }
        let index = permutation[cursor % count]
        cursor += 1
        return index
    }

    /// The permutation of epoch `epoch`: index i of the epoch draws example `permutation[i]`.
    public static func permutation(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var generator = SeededGenerator(seed: seed)
        if epoch > 0 { generator = generator.split(stream: UInt64(epoch)) }
        var order = Array(0..<count)
        // Fisher–Yates from the front, one bounded draw per position (the standard library's algorithm, spelled out
        // so it cannot change under us).
        var i = 0
        while count - i > 1 {
            let j = i + generator.int(in: 0..<(count - i))
            order.swapAt(i, j)
            i += 1
        }
        return order
    }
}
