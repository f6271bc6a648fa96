import TinyTune

/// Options of the external-program reward.
public struct CommandOptions: PluginOptions {
    /// The program and its arguments, e.g. `["python3", "score.py"]`. Relative program paths resolve from the
    /// config file's folder. Required.
    public let command: [String]
    /// A call that takes longer is killed and reported with its stderr. Default 30 s.
    public let timeoutSeconds: Double
    /// Folder the program runs in, relative to the config file. Default: the config file's folder.
    public let workingDirectory: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case command, timeoutSeconds = "timeout_seconds", workingDirectory = "working_directory"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        command = try c.required(.command, Allowed("a non-empty list of non-empty strings") {
            !$0.isEmpty && $0.allSatisfy { !$0.isEmpty }
        })
        timeoutSeconds = try c.value(.timeoutSeconds, default: 30, .greaterThan(0))
        workingDirectory = try c.optional(.workingDirectory, .nonEmpty)
    }
}

/// Runs an external program that reads JSON lines `{"prompt", "completion", ...columns}` on stdin and writes one
/// JSON line `{"reward": x}` (or null) per input, so rewards can be written in any language. Arrives with issue #7.
public struct CommandReward: Plugin, RewardFunction {
    public static let typeName = "command"
    public static let summary = "an external program scoring JSON lines, so rewards can be written in any language"
    public let options: CommandOptions

    public init(options: CommandOptions, context: PluginContext) throws { self.options = options }

    public func rewards(for input: RewardInput) throws -> [Double?] {
        throw TinyTuneError.notAvailableYet(feature: "the command reward", issue: 7)
    }
}
