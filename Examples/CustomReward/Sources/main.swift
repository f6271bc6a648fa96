// The whole `tinytune` command line, plus one reward plugin of our own.
//
//     swift run custom-reward-example plugins            # lists "keyword" under rewards
//     swift run custom-reward-example validate Examples/CustomReward/config.json
import Foundation
import TinyTune
import TinyTuneCLI
import TinyTunePlugins

do {
    let registry = try BuiltinPlugins.registry()
    try registry.rewards.register(KeywordReward.self)  // the one registration line
    TinyTuneCommand.main(registry: registry)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
