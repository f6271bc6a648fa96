import Foundation
import TinyTune

/// Options of the format reward.
public struct FormatOptions: PluginOptions {
    /// A regular expression (ICU syntax) the completion must match. Required.
    public let pattern: String
    /// `search` (default): the pattern may match anywhere; `full`: it must match the whole completion.
    public let match: MatchMode
    /// Let `.` match newlines, as TRL's format rewards do with re.DOTALL. Default true.
    public let dotMatchesNewlines: Bool
    /// Reward when the completion matches, and when it does not. Defaults 1 and 0.
    public let matchReward: Double
    public let missReward: Double

    public enum MatchMode: String, OptionEnum { case search, full }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case pattern, match, dotMatchesNewlines = "dot_matches_newlines", matchReward = "match_reward"
        case missReward = "miss_reward"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        pattern = try c.required(.pattern, .nonEmpty)
        match = try c.value(.match, default: .search)
        dotMatchesNewlines = try c.value(.dotMatchesNewlines, default: true)
        matchReward = try c.value(.matchReward, default: 1)
        missReward = try c.value(.missReward, default: 0)
        do {
            _ = try NSRegularExpression(pattern: pattern)
        } catch {
            throw ConfigError.invalid(c.path(.pattern), "\"\(pattern)\" is not a valid regular expression")
        }
    }
}

/// Rewards completions that follow a required format, e.g. `"pattern": "<answer>.*</answer>"`.
///
///     "rewards": [{"type": "format", "pattern": "\\\\boxed\\{[^}]+\\}", "weight": 0.2}]
public struct FormatReward: Plugin, RewardFunction {
    public static let typeName = "format"
    public static let summary = "match_reward if the completion matches a regular expression, else miss_reward"
    public let options: FormatOptions
    private let regex: NSRegularExpression

    public init(options: FormatOptions, context: PluginContext) throws {
        self.options = options
        let pattern = options.match == .full ? "^(?:" + options.pattern + ")$" : options.pattern
        var flags: NSRegularExpression.Options = []
        if options.dotMatchesNewlines { flags.insert(.dotMatchesLineSeparators) }
        regex = try NSRegularExpression(pattern: pattern, options: flags)
    }

    public func rewards(for input: RewardInput) throws -> [Double?] {
        input.completions.map { completion in
            let range = NSRange(completion.startIndex..., in: completion)
            return regex.firstMatch(in: completion, range: range) != nil ? options.matchReward : options.missReward
        }
    }
}

// NSRegularExpression is immutable once built and documented as safe to use from several threads.
extension FormatReward: @unchecked Sendable {}
