import Foundation
import Testing
import TinyTune
import TinyTunePlugins

/// The command reward with small shell scripts written to a temporary folder.
@Suite struct CommandRewardTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tinytune-command-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A reward running `sh script.sh` with `body` as the script, relative to the "config folder".
    func reward(_ body: String, timeout: Double = 10) throws -> CommandReward {
        try Data(body.utf8).write(to: directory.appendingPathComponent("script.sh"))
        let options = try ConfigDecoder().decode(CommandOptions.self, from: [
            "command": ["sh", "script.sh"], "timeout_seconds": .double(timeout),
        ])
        return try CommandReward(options: options, context: PluginContext(baseDirectory: directory,
                                                                          registry: try BuiltinPlugins.registry()))
    }

    let input = RewardInput(prompts: ["p1", "p2", "p3"], completions: ["42", "7", "skip"],
                            columns: ["answer": ["42", "42", "42"]])

    @Test func scoresEachLineAndPassesColumns() throws {
        // 1 when the completion equals the answer column, null for "skip", else 0.
        let script = #"""
            while IFS= read -r line; do
              case "$line" in
                *'"completion":"skip"'*) echo '{"reward": null}' ;;
                *'"completion":"42"'*'"answer":"42"'*|*'"answer":"42"'*'"completion":"42"'*) echo '{"reward": 1}' ;;
                *) echo '{"reward": 0.25}' ;;
              esac
            done
            """#
        #expect(try reward(script).rewards(for: input) == [1, 0.25, nil])
    }

    @Test func largeBatchesDoNotDeadlock() throws {
        // 3,000 long lines in (12 MB), 3,000 out, 210 kB of stderr: more than the pipe and socket buffers.
        let script = #"awk '{ print "{\"reward\": 1}"; print "noise noise noise noise noise noise noise noise noise noise noise noise" > "/dev/stderr" }'"#
        let long = String(repeating: "x", count: 2000)
        let big = RewardInput(prompts: Array(repeating: long, count: 3000), completions: Array(repeating: long, count: 3000))
        #expect(try reward(script).rewards(for: big).count == 3000)
    }

    @Test(arguments: [
        // (script, text the error must contain)
        ("echo 'boom: bad input' >&2; exit 3", "exited with status 3; stderr: boom: bad input"),  // crash with a message
        ("cat > /dev/null; echo 'not json'; echo '{}'; echo '{}'", "not JSON"),                 // bad output
        ("cat > /dev/null; echo '{\"reward\": 1}'", "wrote 1 lines for 3 inputs"),               // too few lines
        ("cat > /dev/null; for i in 1 2 3; do echo '{\"score\": 1}'; done", "without a numeric \"reward\""),  // wrong key
        ("exit 0", "wrote 0 lines for 3 inputs"),                                                // exits without reading stdin
        ("kill -9 $$", "crashed"),                                                               // killed by a signal
    ])
    func failuresAreErrorsWithStderr(script: String, message: String) throws {
        let r = try reward(script)
        #expect { try r.rewards(for: input) } throws: { error in
            "\(error)".contains(message) || { Issue.record("\(error)"); return false }()
        }
    }

    @Test func timeoutKillsTheProgram() throws {
        let r = try reward("echo 'thinking' >&2; sleep 30", timeout: 0.5)
        let start = Date()
        #expect { try r.rewards(for: input) } throws: { "\($0)".contains("timed out after 0.5 s and was killed; stderr: thinking") }
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func missingProgramIsAnError() throws {
        let options = try ConfigDecoder().decode(CommandOptions.self, from: ["command": ["./no-such-program"]])
        let r = try CommandReward(options: options, context: PluginContext(baseDirectory: directory, registry: try BuiltinPlugins.registry()))
        #expect(throws: TinyTuneError.self) { try r.rewards(for: input) }
    }
}
