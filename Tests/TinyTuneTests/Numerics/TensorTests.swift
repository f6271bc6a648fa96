import Testing
@testable import TinyTune

@Suite("Tensor")
struct TensorTests {
    @Test func initializersAndAccessors() {
        let z = Tensor(zeros: [2, 3])
        #expect(z.shape == [2, 3] && z.count == 6 && z.rank == 2 && z.rows == 2 && z.cols == 3)
        #expect(z.array == [0, 0, 0, 0, 0, 0])
        #expect(Tensor(filled: 2.5, shape: [4]).array == [2.5, 2.5, 2.5, 2.5])
        let t = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(t[1, 0] == 4 && t[0, 2] == 3)
        #expect(t.row(1).array == [4, 5, 6] && t.row(1).shape == [3])
        #expect(Tensor([], shape: [0, 5]).count == 0)
        #expect(Tensor([7], shape: []).count == 1)
    }

    @Test func copyOnWriteKeepsValueSemantics() {
        let original = Tensor([1, 2, 3, 4], shape: [2, 2])
        var copy = original
        copy[0, 1] = 20
        #expect(original.array == [1, 2, 3, 4])
        #expect(copy.array == [1, 20, 3, 4])
        var viaBuffer = original
        viaBuffer.withUnsafeMutableBufferPointer { $0[3] = 40 }
        #expect(original[1, 1] == 4 && viaBuffer[1, 1] == 40)
        // A uniquely referenced tensor is written in place (no copy).
        var unique = Tensor(zeros: [3])
        let before = unique.withBaseAddress { $0 }
        unique.withMutableBaseAddress { $0[0] = 1 }
        #expect(unique.withBaseAddress { $0 } == before)
    }

    @Test func reshapedSharesUntilWritten() {
        let t = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        var r = t.reshaped([3, -1])
        #expect(r.shape == [3, 2] && r.array == t.array)
        #expect(t.reshaped([-1]).shape == [6])
        r[2, 1] = 60
        #expect(t.array == [1, 2, 3, 4, 5, 6] && r.array == [1, 2, 3, 4, 5, 60])
    }

    @Test func equality() {
        #expect(Tensor([1, 2], shape: [2]) == Tensor([1, 2], shape: [2]))
        #expect(Tensor([1, 2], shape: [2]) != Tensor([1, 2], shape: [1, 2]))
        #expect(Tensor([1, 2], shape: [2]) != Tensor([1, 3], shape: [2]))
    }
}
