import TinyTune

extension GGUFValue {
    /// The value as JSON: integers as numbers (a u64 above Int64.max as a decimal string), floats as numbers
    /// (non-finite ones print as null), arrays as arrays.
    ///
    ///     file.metadata["gemma3.block_count"]?.json.serialized()   // "18"
    public var json: JSONValue {
        switch self {
        case let .uint8(v): return .int(Int64(v))
        case let .int8(v): return .int(Int64(v))
        case let .uint16(v): return .int(Int64(v))
        case let .int16(v): return .int(Int64(v))
        case let .uint32(v): return .int(Int64(v))
        case let .int32(v): return .int(Int64(v))
        case let .uint64(v): return Int64(exactly: v).map(JSONValue.int) ?? .string(String(v))
        case let .int64(v): return .int(v)
        case let .float32(v): return .double(Double(v))
        case let .float64(v): return .double(v)
        case let .bool(v): return .bool(v)
        case let .string(v): return .string(v)
        case let .array(_, elements): return .array(elements.map(\.json))
        }
    }
}
