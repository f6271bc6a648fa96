import TinyTune

/// How trainable adapter parameters are stored. The paper found f32 best byte for byte; bf16 is here so that
/// ablation can be run (`parameter_dtype: "bfloat16"`).
public enum AdapterParameterDType: String, OptionEnum {
    case float32, bfloat16

    public var byteCount: Int {
        switch self {
        case .float32: return 4
        case .bfloat16: return 2
        }
    }
}
