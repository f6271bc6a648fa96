import Foundation
#if canImport(Glibc)
import Glibc
#endif
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
/// JSON line `{"reward": x}` (or `{"reward": null}`, not applicable) per input, so rewards can be written in any
/// language.
///
///     "rewards": [{"type": "command", "command": ["python3", "score.py"], "timeout_seconds": 10}]
///
/// One process per call, fed the whole batch. A crash, a non-zero exit, output that is not one reward line per input,
/// or a run longer than `timeout_seconds` (the program is then killed) is an error that quotes the program's stderr;
/// it never hangs. stdout and stderr are drained on their own threads while stdin is written (no pipe deadlock), and
/// stdin is a socket written with MSG_NOSIGNAL, so a program that exits without reading it cannot raise SIGPIPE here.
/// A program without a `/` is looked up in PATH; one with a `/` resolves from the config file's folder.
public struct CommandReward: Plugin, RewardFunction {
    public static let typeName = "command"
    public static let summary = "an external program scoring JSON lines, so rewards can be written in any language"
    public let options: CommandOptions
    /// argv with the program resolved, and the working directory.
    let argv: [String]
    let workingDirectory: URL

    public init(options: CommandOptions, context: PluginContext) throws {
        self.options = options
        var argv = options.command
        if argv[0].contains("/") { argv[0] = context.resolve(argv[0]) }
        self.argv = argv
        workingDirectory = options.workingDirectory.map { URL(fileURLWithPath: context.resolve($0)) } ?? context.baseDirectory
    }

    public func rewards(for input: RewardInput) throws -> [Double?] {
        guard !input.completions.isEmpty else { return [] }
        var text = ""
        for i in input.completions.indices {
            var members: [(key: String, value: JSONValue)] = [
                ("prompt", .string(i < input.prompts.count ? input.prompts[i] : "")),
                ("completion", .string(input.completions[i])),
            ]
            for (name, values) in input.columns.sorted(by: { $0.key < $1.key }) where name != "prompt" && name != "completion" {
                members.append((name, i < values.count ? values[i] : .null))
            }
            text += JSONValue.object(members).serialized() + "\n"
        }
        let run = try ExternalProgram.run(argv, input: Data(text.utf8), workingDirectory: workingDirectory,
                                          timeout: options.timeoutSeconds)
        return try parse(run, expected: input.completions.count)
    }

    private func parse(_ run: ExternalProgram.Result, expected: Int) throws -> [Double?] {
        let name = argv.joined(separator: " ")
        func failure(_ reason: String) -> TinyTuneError {
            .unsupported("reward command `\(name)` \(reason)" + ExternalProgram.quote(stderr: run.stderr))
        }
        let lines = String(decoding: run.stdout, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard lines.count == expected else {
            throw failure("wrote \(lines.count) lines for \(expected) inputs")
        }
        return try lines.enumerated().map { index, line in
            let value: JSONValue
            do {
                value = try JSONValue.parse(line, source: "output line \(index + 1)")
            } catch {
                throw failure("wrote output line \(index + 1) that is not JSON: \(line.prefix(80))")
            }
            switch value["reward"] {
            case .int(let i)?: return Double(i)
            case .double(let d)? where d.isFinite: return d
            case .null?: return nil
            default: throw failure("wrote output line \(index + 1) without a numeric \"reward\": \(line.prefix(80))")
            }
        }
    }
}

/// Runs a program with a time limit, feeding stdin and collecting stdout and stderr without deadlock.
enum ExternalProgram {
    struct Result {
        var stdout: Data
        var stderr: Data
    }

    /// The last 2,000 bytes of stderr, as text to append to a message (empty when stderr is empty).
    static func quote(stderr: Data) -> String {
        let text = String(decoding: stderr.suffix(2000), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "" : "; stderr: " + text
    }

    /// Collects bytes from a reader thread.
    private final class Collector: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func append(_ d: Data) { lock.lock(); data.append(d); lock.unlock() }
        func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
    }

    static func run(_ argv: [String], input: Data, workingDirectory: URL, timeout: Double) throws -> Result {
        let name = argv.joined(separator: " ")
        let process = Process()
        if argv[0].contains("/") {
            process.executableURL = URL(fileURLWithPath: argv[0])
            process.arguments = Array(argv.dropFirst())
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = argv
        }
        process.currentDirectoryURL = workingDirectory

        // stdin: a socket pair, so writes can use MSG_NOSIGNAL (EPIPE instead of SIGPIPE when the program is gone).
        var sockets: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &sockets) == 0 else {
            throw TinyTuneError.unsupported("reward command `\(name)`: cannot create a socket pair (errno \(errno))")
        }
        let ours = sockets[0]
        let childStdin = FileHandle(fileDescriptor: sockets[1], closeOnDealloc: true)
        let stdout = Pipe(), stderr = Pipe()
        process.standardInput = childStdin
        process.standardOutput = stdout
        process.standardError = stderr

        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            close(ours)
            throw TinyTuneError.unsupported("reward command `\(name)` could not start: \(error)")
        }
        // The child has its copies; close ours so EOF reaches the readers when the child exits.
        try? childStdin.close()
        try? stdout.fileHandleForWriting.close()
        try? stderr.fileHandleForWriting.close()

        let readers = DispatchGroup()
        let out = Collector(), err = Collector()
        for (handle, collector) in [(stdout.fileHandleForReading, out), (stderr.fileHandleForReading, err)] {
            readers.enter()
            Thread.detachNewThread {
                // Chunk by chunk, so what arrived is available even if a killed program's child keeps the pipe open.
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    collector.append(chunk)
                }
                readers.leave()
            }
        }
        readers.enter()
        Thread.detachNewThread {
            input.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                var offset = 0
                while offset < raw.count, let base = raw.baseAddress {
                    let sent = send(ours, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                    if sent < 0 {
                        if errno == EINTR { continue }
                        break  // the program closed its stdin or exited: its output will tell
                    }
                    offset += sent
                }
            }
            shutdown(ours, Int32(SHUT_WR))
            readers.leave()
        }

        if exited.wait(timeout: .now() + timeout) == .timedOut {
            // SIGKILL to the program, and to its process group when it leads one (a shell's children too).
            let pid = process.processIdentifier
            if getpgid(pid) == pid { kill(-pid, SIGKILL) }
            kill(pid, SIGKILL)
            _ = exited.wait(timeout: .now() + 5)
            // Close our socket only once the writer is done with it (never while it may still send).
            if readers.wait(timeout: .now() + 2) == .success { close(ours) }
            throw TinyTuneError.unsupported(
                "reward command `\(name)` timed out after \(timeout) s and was killed" + quote(stderr: err.get()))
        }
        // The program has exited; its pipes close unless it left children holding them, so the wait is bounded.
        guard readers.wait(timeout: .now() + 5) == .success else {
            throw TinyTuneError.unsupported("reward command `\(name)` exited but its output did not end (a child process still holds it?)")
        }
        close(ours)
        let result = Result(stdout: out.get(), stderr: err.get())
        if process.terminationReason == .uncaughtSignal {
            throw TinyTuneError.unsupported("reward command `\(name)` crashed (signal \(process.terminationStatus))" + quote(stderr: result.stderr))
        }
        guard process.terminationStatus == 0 else {
            throw TinyTuneError.unsupported("reward command `\(name)` exited with status \(process.terminationStatus)" + quote(stderr: result.stderr))
        }
        return result
    }
}
