import Foundation
import TinyTune

/// A reward plugin written outside TinyTune's sources: 1 when the completion contains one of the keywords.
/// Everything a plugin needs is here: typed options (unknown keys refused, values checked), a type name, a
/// summary, and the `RewardFunction` method.
struct KeywordOptions: PluginOptions {
    /// Words to look for. Required, non-empty.
    let keywords: [String]
    /// Match case exactly. Default false.
    let caseSensitive: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case keywords, caseSensitive = "case_sensitive"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        keywords = try c.required(.keywords, Allowed("a non-empty list of non-empty words") {
            !$0.isEmpty && $0.allSatisfy { !$0.isEmpty }
        })
        caseSensitive = try c.value(.caseSensitive, default: false)
    }
}

struct KeywordReward: Plugin, RewardFunction {
    static let typeName = "keyword"
    static let summary = "1 if the completion contains one of the keywords (example of a user plugin)"
    let options: KeywordOptions

    init(options: KeywordOptions, context: PluginContext) throws { self.options = options }

    func rewards(for input: RewardInput) throws -> [Double?] {
        let keywords = options.caseSensitive ? options.keywords : options.keywords.map { $0.lowercased() }
        return input.completions.map { completion in
            let text = options.caseSensitive ? completion : completion.lowercased()
            return keywords.contains { text.contains($0) } ? 1 : 0
        }
    }
}
