import Testing
import TinyTune

@Suite struct TrainingDataOrderTests {
    /// Epoch 0 is the permutation the standard library's shuffle gives with the same seeded generator, which is how
    /// runs ordered their data before checkpoints existed (so seeded results stay the same).
    @Test(arguments: [(1, UInt64(0)), (2, 0), (7, 0), (1000, 0), (1000, 42), (13, 12_345)])
    func firstEpochIsTheStandardLibraryShuffle(count: Int, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var expected = Array(0..<count)
        expected.shuffle(using: &generator)
        #expect(TrainingDataOrder.permutation(count: count, seed: seed, epoch: 0) == expected)
    }

    /// A cursor restored mid-epoch draws what an uninterrupted order draws; each epoch is a new permutation.
    @Test func resumingAtACursorContinuesTheSameSequence() {
        var whole = TrainingDataOrder(count: 5, seed: 9)
        let sequence = (0..<23).map { _ in whole.next() }
        for cut in [0, 3, 5, 11, 22] {
            var first = TrainingDataOrder(count: 5, seed: 9)
            let head = (0..<cut).map { _ in first.next() }
            var resumed = TrainingDataOrder(count: 5, seed: 9, cursor: first.cursor)
            #expect(head + (cut..<23).map { _ in resumed.next() } == sequence)
        }
        let epochs = stride(from: 0, to: 20, by: 5).map { Array(sequence[$0..<($0 + 5)]) }
        for epoch in epochs { #expect(epoch.sorted() == Array(0..<5)) }
        #expect(Set(epochs).count > 1)
        #expect(whole.cursor == 23)
    }
}
