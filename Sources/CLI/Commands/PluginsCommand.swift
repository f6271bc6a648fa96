import ArgumentParser
import TinyTune

/// `tinytune plugins [--json]`: every registered type name, grouped by kind.
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "List every registered plugin type, grouped by kind.")

    @Flag(help: "Print one JSON object: {\"loaders\": [...], \"tokenizers\": [...], ...}.")
    var json = false

    func run() throws {
        try runReportingErrors {
            print(Self.render(try CLIRegistry.shared.get(), json: json))
        }
    }

    static func render(_ registry: PluginRegistry, json: Bool) -> String {
        if json {
            let members = PluginKind.allCases.map { kind in
                (kind.rawValue, JSONValue.array(registry.names(of: kind).map { .string($0) }))
            }
            return JSONValue.object(members.map { (key: $0.0, value: $0.1) }).serialized()
        }
        var lines: [String] = []
        for kind in PluginKind.allCases {
            lines.append("\(kind.rawValue):")
            let summaries = registry.summaries(of: kind)
            let width = summaries.map(\.name.count).max() ?? 0
            for (name, summary) in summaries {
                lines.append("  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + summary)
            }
        }
        return lines.joined(separator: "\n")
    }
}
