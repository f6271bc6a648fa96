// Data-parallel loops over index ranges, split across the active cores with Dispatch.

import Dispatch
import Foundation

/// How many threads the numerics kernels split work across.
public enum ComputeThreads {
    /// Active processor count, at least 1 (`ProcessInfo.activeProcessorCount`, read once).
    public static let count: Int = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
}

/// Calls `body` on disjoint, contiguous sub-ranges that together cover `0..<count`, in parallel when there
/// is enough work: at most `ComputeThreads.count` chunks, none smaller than `minimumChunk` indices. Small
/// loops run inline on the calling thread as one call `body(0..<count)`. Returns when every chunk is done.
///
///     // Captured raw pointers are not Sendable; each chunk touches only its own indices, so this is safe.
///     nonisolated(unsafe) let out = output
///     parallelFor(n, minimumChunk: 1 << 14) { range in
///         for i in range { out[i] = 2 * out[i] }
///     }
///
/// `body` must be safe to run concurrently on different ranges (write only inside its own range).
/// Nested calls are allowed (Dispatch runs the inner loop on the threads it already has).
public func parallelFor(_ count: Int, minimumChunk: Int, body: @Sendable (Range<Int>) -> Void) {
    let chunks = parallelChunkCount(count, minimumChunk: minimumChunk, threads: ComputeThreads.count)
    if chunks == 0 { return }
    if chunks == 1 {
        body(0..<count)
        return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        body(chunkRange(chunk, of: chunks, count: count))
    }
}

/// Number of chunks `parallelFor` uses: 0 for no work, else `min(threads, count / minimumChunk)`, at least 1.
func parallelChunkCount(_ count: Int, minimumChunk: Int, threads: Int) -> Int {
    if count <= 0 { return 0 }
    return Swift.min(Swift.max(threads, 1), Swift.max(1, count / Swift.max(minimumChunk, 1)))
}

/// Chunk `index` of `chunks` near-equal contiguous ranges over `0..<count` (the first `count % chunks` get one more).
func chunkRange(_ index: Int, of chunks: Int, count: Int) -> Range<Int> {
    let base = count / chunks
    let extra = count % chunks
    let start = index * base + Swift.min(index, extra)
    return start..<(start + base + (index < extra ? 1 : 0))
}
