// GGUF metadata values: the 13 value types of the format (llama.cpp `gguf-py/gguf/constants.py`,
// `GGUFValueType`), arrays of any of them, arrays nested in arrays.

/// The type tag of a GGUF metadata value, as stored (u32).
public enum GGUFValueType: UInt32, Sendable, CaseIterable {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7, string = 8
    case array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// The fewest bytes one value of this type takes in a file (strings: the u64 length; arrays: type and count).
    var minimumBytes: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64, .string: return 8
        case .array: return 12
        }
    }
}

/// One metadata value, typed as stored.
///
///     let file = try GGUFFile(path: "model.gguf")
///     file.metadata["general.architecture"]?.string           // "gemma3"
///     file.metadata["gemma3.block_count"]?.int                // 18 (any integer type)
///     file.metadata["tokenizer.ggml.tokens"]?.strings         // [String], nil unless an array of strings
///     file.metadata["tokenizer.ggml.scores"]?.floats          // [Float]
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    /// An array: its element type as stored, and the elements (nested arrays are `.array` elements).
    case array(GGUFValueType, [GGUFValue])

    /// The stored type tag.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    /// The text of a string value.
    public var string: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// Any integer value that fits in `Int` (nil for floats, bools, strings, arrays, or a u64 above `Int.max`).
    public var int: Int? {
        switch self {
        case let .uint8(v): return Int(v)
        case let .int8(v): return Int(v)
        case let .uint16(v): return Int(v)
        case let .int16(v): return Int(v)
        case let .uint32(v): return Int(v)
        case let .int32(v): return Int(v)
        case let .uint64(v): return Int(exactly: v)
        case let .int64(v): return Int(v)
        default: return nil
        }
    }

    /// A float or integer value as `Double`.
    public var double: Double? {
        switch self {
        case let .float32(v): return Double(v)
        case let .float64(v): return v
        default: return int.map(Double.init)
        }
    }

    /// A bool value.
    public var bool: Bool? {
        if case let .bool(b) = self { return b }
        return nil
    }

    /// The elements of an array value.
    public var array: [GGUFValue]? {
        if case let .array(_, elements) = self { return elements }
        return nil
    }

    /// An array of strings (nil if not an array or if any element is not a string).
    public var strings: [String]? {
        guard let elements = array else { return nil }
        var result: [String] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard case let .string(s) = element else { return nil }
            result.append(s)
        }
        return result
    }

    /// An array of float32 values (nil otherwise).
    public var floats: [Float]? {
        guard let elements = array else { return nil }
        var result: [Float] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard case let .float32(f) = element else { return nil }
            result.append(f)
        }
        return result
    }

    /// An array of integers of any integer type (nil otherwise).
    public var ints: [Int]? {
        guard let elements = array else { return nil }
        var result: [Int] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard let i = element.int else { return nil }
            result.append(i)
        }
        return result
    }
}

/// The metadata of a GGUF file: key-value pairs in file order, with lookup by key.
///
///     for (key, value) in file.metadata.entries { print(key, value.type) }
///     let eps = file.metadata["gemma3.attention.layer_norm_rms_epsilon"]?.double
public struct GGUFMetadata: Sendable, Equatable {
    /// The pairs in the order they are stored.
    public let entries: [(key: String, value: GGUFValue)]
    private let index: [String: Int]

    /// Builds the table; keys must be unique (the reader checks this first).
    init(entries: [(key: String, value: GGUFValue)], index: [String: Int]) {
        self.entries = entries
        self.index = index
    }

    /// The value stored under `key`.
    public subscript(key: String) -> GGUFValue? {
        index[key].map { entries[$0].value }
    }

    /// The keys in file order.
    public var keys: [String] { entries.map(\.key) }

    /// Number of pairs.
    public var count: Int { entries.count }

    public static func == (lhs: GGUFMetadata, rhs: GGUFMetadata) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.key == $1.key && $0.value == $1.value }
    }
}
