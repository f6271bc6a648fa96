import TinyTune

/// Options of a loader: the file or folder to read, relative to the config file.
public struct CheckpointPathOptions: PluginOptions {
    /// A file, or for `safetensors` a Hugging Face model folder. Required.
    public let path: String

    enum CodingKeys: String, CodingKey, CaseIterable { case path }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.required(.path, .nonEmpty)
    }
}
