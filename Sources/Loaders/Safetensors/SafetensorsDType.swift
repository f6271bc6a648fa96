// safetensors dtypes (huggingface/safetensors `safetensors/src/tensor.rs`, `Dtype`), with their element sizes.

/// A safetensors element type, spelled as in the header (`"F32"`, `"BF16"`, ...).
///
///     SafetensorsDType(rawValue: "BF16")?.byteSize   // 2
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL", u8 = "U8", i8 = "I8", i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32", f64 = "F64", i64 = "I64", u64 = "U64"
    case f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8e4m3, .f8e5m2: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// Whether `SafetensorsFile.tensor(_:)` converts this type to f32 (F32, F16, BF16 exactly; F64 rounded).
    public var isFloat: Bool { [.f32, .f16, .bf16, .f64].contains(self) }

    /// Whether `SafetensorsFile.integers(_:)` reads this type (BOOL, U8, I8, I16, U16, I32, U32, I64).
    public var isInteger: Bool { [.bool, .u8, .i8, .i16, .u16, .i32, .u32, .i64].contains(self) }
}
