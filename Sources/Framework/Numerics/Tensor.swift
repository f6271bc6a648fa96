// Tensor: a dense, row-major Float32 array with a shape and copy-on-write value semantics.

/// Heap storage of a `Tensor`: one allocation of `count` floats, freed in `deinit`.
///
/// `@unchecked Sendable` is sound because `Tensor` never writes into a storage object it does not uniquely
/// own (copy-on-write through `isKnownUniquelyReferenced`), so a storage shared between threads is only read.
@usableFromInline
final class TensorStorage: @unchecked Sendable {
    /// The elements. `baseAddress` is never nil: at least one element is allocated, even for `count == 0`.
    @usableFromInline let buffer: UnsafeMutableBufferPointer<Float>
    /// First element; same address as `buffer.baseAddress`.
    @usableFromInline let base: UnsafeMutablePointer<Float>

    /// Allocates `count` floats, initialised to `value`.
    @usableFromInline
    init(count: Int, repeating value: Float) {
        base = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
        base.initialize(repeating: value, count: Swift.max(count, 1))
        buffer = UnsafeMutableBufferPointer(start: base, count: count)
    }

    /// Allocates `count` floats without initialising them; the caller must write every element before reading.
    @usableFromInline
    init(uninitializedCount count: Int) {
        base = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
        buffer = UnsafeMutableBufferPointer(start: base, count: count)
    }

    /// A new storage holding a copy of these elements.
    @usableFromInline
    func copy() -> TensorStorage {
        let result = TensorStorage(uninitializedCount: buffer.count)
        result.base.update(from: base, count: buffer.count)
        return result
    }

    deinit {
        base.deallocate()
    }
}

/// A dense Float32 tensor, row-major (the last dimension is contiguous), with value semantics.
///
/// Copies share storage until one of them is mutated (copy-on-write), so passing tensors around is cheap.
///
///     var x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
///     x[1, 2] = 60                        // 2-D element access (debug convenience)
///     let flat = x.reshaped([6])          // shares storage until written
///     let sum = x.withUnsafeBufferPointer { $0.reduce(0, +) }
public struct Tensor: Sendable {
    /// Dimensions, outermost first. A scalar has shape `[]` and one element.
    public private(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(filled: 0, shape: shape)
    }

    /// A tensor with every element equal to `value`.
    public init(filled value: Float, shape: [Int]) {
        self.shape = shape
        storage = TensorStorage(count: Tensor.elementCount(of: shape), repeating: value)
    }

    /// A tensor holding `values` (row-major) with the given shape; `values.count` must equal the product of `shape`.
    public init(_ values: [Float], shape: [Int]) {
        let count = Tensor.elementCount(of: shape)
        precondition(values.count == count,
                     "Tensor(_:shape:): \(values.count) values do not fill shape \(shape) (\(count) elements)")
        self.shape = shape
        storage = TensorStorage(uninitializedCount: count)
        _ = values.withUnsafeBufferPointer { storage.buffer.initialize(fromContentsOf: $0) }
    }

    /// A tensor whose elements are not initialised: for kernels that overwrite every element (internal).
    init(uninitializedShape shape: [Int]) {
        self.shape = shape
        storage = TensorStorage(uninitializedCount: Tensor.elementCount(of: shape))
    }

    /// Number of elements (product of `shape`).
    @inlinable public var count: Int { storage.buffer.count }

    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// Rows of a 2-D tensor.
    public var rows: Int {
        precondition(shape.count == 2, "Tensor.rows needs a 2-D tensor, shape is \(shape)")
        return shape[0]
    }

    /// Columns of a 2-D tensor.
    public var cols: Int {
        precondition(shape.count == 2, "Tensor.cols needs a 2-D tensor, shape is \(shape)")
        return shape[1]
    }

    /// Size of the last dimension (1 for a scalar); the "row length" for kernels that work over the last dim.
    @inlinable public var lastDimension: Int { shape.last ?? 1 }

    /// Reads the elements in row-major order.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafeBufferPointer(storage.buffer)) }
    }

    /// Writes the elements in row-major order (copies the storage first if it is shared).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try withExtendedLifetime(storage) { try body(storage.buffer) }
    }

    /// Like `withUnsafeBufferPointer`, with a pointer that is never nil (also for empty tensors); for raw kernels.
    @inlinable
    public func withBaseAddress<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafePointer(storage.base)) }
    }

    /// Like `withUnsafeMutableBufferPointer`, with a pointer that is never nil; for raw kernels.
    @inlinable
    public mutating func withMutableBaseAddress<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        makeUnique()
        return try withExtendedLifetime(storage) { try body(storage.base) }
    }

    /// The same elements under another shape with the same element count; one dimension may be -1 (inferred).
    /// Shares storage with `self` until either is mutated.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            precondition(newShape.filter({ $0 == -1 }).count == 1, "reshaped: at most one -1 in \(newShape)")
            var known = newShape
            known[inferred] = 1
            let rest = Tensor.elementCount(of: known)
            precondition(rest > 0 && count % rest == 0, "reshaped: cannot infer -1 in \(newShape) for \(count) elements")
            resolved[inferred] = count / rest
        }
        precondition(Tensor.elementCount(of: resolved) == count,
                     "reshaped: shape \(shape) (\(count) elements) cannot become \(newShape)")
        var result = self
        result.shape = resolved
        return result
    }

    /// The elements in row-major order.
    public var array: [Float] { Array(storage.buffer) }

    /// Element `[row, col]` of a 2-D tensor (bounds-checked; for tests and debugging, not hot loops).
    public subscript(row: Int, col: Int) -> Float {
        get {
            precondition(shape.count == 2 && (0..<shape[0]).contains(row) && (0..<shape[1]).contains(col),
                         "Tensor[\(row), \(col)] out of bounds for shape \(shape)")
            return storage.base[row * shape[1] + col]
        }
        set {
            precondition(shape.count == 2 && (0..<shape[0]).contains(row) && (0..<shape[1]).contains(col),
                         "Tensor[\(row), \(col)] out of bounds for shape \(shape)")
            makeUnique()
            storage.base[row * shape[1] + col] = newValue
        }
    }

    /// A copy of row `i` of a 2-D tensor, shape `[cols]`.
    public func row(_ i: Int) -> Tensor {
        precondition(shape.count == 2 && (0..<shape[0]).contains(i), "Tensor.row(\(i)) out of bounds for shape \(shape)")
        let result = Tensor(uninitializedShape: [shape[1]])
        result.storage.base.update(from: storage.base + i * shape[1], count: shape[1])
        return result
    }

    /// Gives this tensor its own storage if the current one is shared (copy-on-write).
    @inlinable
    public mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Product of the dimensions; every dimension must be non-negative.
    @usableFromInline
    static func elementCount(of shape: [Int]) -> Int {
        var count = 1
        for dimension in shape {
            precondition(dimension >= 0, "Tensor shape \(shape) has a negative dimension")
            count *= dimension
        }
        return count
    }
}

extension Tensor: Equatable {
    /// Same shape and bitwise-equal-valued elements (`==` on Float, so NaN ≠ NaN and 0 == -0).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.shape == rhs.shape else { return false }
        if lhs.storage === rhs.storage { return !lhs.storage.buffer.contains(where: { $0.isNaN }) }
        return lhs.storage.buffer.elementsEqual(rhs.storage.buffer)
    }
}

extension Tensor: CustomStringConvertible {
    /// Shape and the first few elements, e.g. `Tensor([2, 3]: 1.0, 2.0, 3.0, 4.0, 5.0, 6.0)`.
    public var description: String {
        let shown = storage.buffer.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(\(shape): \(shown)\(count > 8 ? ", …" : ""))"
    }
}
