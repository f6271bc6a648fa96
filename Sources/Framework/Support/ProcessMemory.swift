import CKernels

/// Process-wide allocation policy for the command-line tool.
public enum ProcessMemory {
    /// Keeps freed memory in the process for reuse. A training pass allocates and frees the same large buffers
    /// every step (activations, head logits of 78–134 MB per chunk); glibc serves blocks above its mmap threshold
    /// (at most 32 MB) with fresh mmaps, so every step paid a page fault and a kernel zero-fill per 4 KB page
    /// and gave the pages back on free. With mmap off for malloc and trimming off, the heap keeps them
    /// (docs/BENCHMARKS.md has the effect on forward+backward). Files are still mapped with mmap(2) directly.
    /// Returns false where it does not apply (not glibc).
    @discardableResult
    public static func reuseFreedMemory() -> Bool { tt_reuse_freed_memory() == 1 }
}
