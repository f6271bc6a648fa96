import Foundation
import TinyTune
import TinyTuneLoaders
import TinyTunePlugins

/// A training checkpoint: everything `tinytune train --resume` needs to continue exactly as an uninterrupted run.
///
///     OUTPUT/checkpoint-10/
///       trainer_state.json    step, config hash, data order (seed, count, cursor), dropout draws, tokens seen,
///                             optimizer kind and step count, parameter names and shapes, accuracy before
///       state.safetensors     parameters.<i>, exp_avg.<i>, exp_avg_sq.<i> (f32, bit exact; torch.optim's names)
///       metrics.jsonl         the run's metrics.jsonl up to this step (resuming truncates OUTPUT/metrics.jsonl to it)
///       config.json           the config as hashed (canonical), to name what changed when the hash differs
///       adapter/              the adapter in PEFT format, usable with `tinytune eval --adapter`
///
/// Written atomically: into `.checkpoint-10.tmp-PID`, every file and folder fsynced, then renamed to
/// `checkpoint-10` and the output folder fsynced, so a kill at any moment leaves either no `checkpoint-10` or a
/// whole one.
struct TrainCheckpoint {
    static let prefix = "checkpoint-"
    static let formatName = "tinytune-train-checkpoint"
    static let version: Int64 = 1

    /// Optimizer steps completed.
    var step: Int
    var config: ConfigFingerprint
    var dataOrder: TrainingDataOrder
    var dropoutCalls: UInt64
    var tokensSeen: Int
    var accuracyBefore: Double
    /// Set in the checkpoint written after the final evaluation.
    var accuracyAfter: Double?
    var optimizer: Optimizer
    var parameters: [Parameter]
    /// metrics.jsonl as it stood at this step.
    var metricsLines: [String]

    // MARK: Writing

    /// Writes `OUTPUT/checkpoint-<step>` atomically and returns its URL.
    @discardableResult
    func write(into output: URL, adapter: AttachedAdapterLayers, family: any AdapterFamily) throws -> URL {
        let final = output.appendingPathComponent(Self.prefix + String(step))
        let temporary = output.appendingPathComponent(".\(Self.prefix)\(step).tmp-\(getpid())")
        let files = FileManager.default
        try? files.removeItem(at: temporary)
        do {
            try files.createDirectory(at: temporary, withIntermediateDirectories: true)
            try writeContents(into: temporary, adapter: adapter, family: family)
            try Self.syncTree(temporary)
            if files.fileExists(atPath: final.path) { try files.removeItem(at: final) }
            guard rename(temporary.path, final.path) == 0 else {
                throw TinyTuneError.io(path: final.path, reason: "cannot rename \(temporary.lastPathComponent) to it: \(String(cString: strerror(errno)))")
            }
            try Self.sync(output.path)
        } catch {
            try? files.removeItem(at: temporary)
            throw error
        }
        return final
    }

    private func writeContents(into folder: URL, adapter: AttachedAdapterLayers, family: any AdapterFamily) throws {
        var tensors: [(name: String, tensor: Tensor)] = parameters.enumerated().map { ("parameters.\($0)", $1.value) }
        for (i, m) in optimizer.firstMoments.enumerated() { tensors.append(("exp_avg.\(i)", Tensor(m, shape: [m.count]))) }
        for (i, v) in optimizer.secondMoments.enumerated() { tensors.append(("exp_avg_sq.\(i)", Tensor(v, shape: [v.count]))) }
        try SafetensorsWriter.write(tensors, dtype: .f32, metadata: ["format": Self.formatName],
                                    to: folder.appendingPathComponent("state.safetensors").path)
        try Self.write(stateJSON.serialized(pretty: true) + "\n", to: folder.appendingPathComponent("trainer_state.json"))
        try Self.write(metricsLines.map { $0 + "\n" }.joined(), to: folder.appendingPathComponent("metrics.jsonl"))
        try Self.write(config.canonical.serialized(pretty: true) + "\n", to: folder.appendingPathComponent("config.json"))
        try PEFTAdapterFiles.saveOrExportLoRA(adapter, family: family, to: folder.appendingPathComponent("adapter").path)
    }

    private var stateJSON: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("format", .string(Self.formatName)), ("version", .int(Self.version)), ("step", .int(Int64(step))),
            ("config_hash", .string(config.hash)),
            ("data_order", .object([("seed", .string(String(dataOrder.seed))), ("examples", .int(Int64(dataOrder.count))),
                                    ("cursor", .int(Int64(dataOrder.cursor)))])),
            ("dropout_calls", .string(String(dropoutCalls))), ("num_tokens", .int(Int64(tokensSeen))),
            ("optimizer", .object([("kind", .string(optimizer.kind.rawValue)), ("steps", .int(Int64(optimizer.steps)))])),
            ("parameters", .array(parameters.map { .object([("name", .string($0.name)),
                                                            ("shape", .array($0.value.shape.map { .int(Int64($0)) }))]) })),
            ("accuracy_before", .double(accuracyBefore)),
        ]
        if let accuracyAfter { members.append(("accuracy_after", .double(accuracyAfter))) }
        return .object(members)
    }

    private static func write(_ text: String, to url: URL) throws {
        do { try Data(text.utf8).write(to: url) } catch {
            throw TinyTuneError.io(path: url.path, reason: "cannot write (\(error.localizedDescription))")
        }
    }

    /// fsync of one file or folder.
    static func sync(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw TinyTuneError.io(path: path, reason: "cannot open to sync: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw TinyTuneError.io(path: path, reason: "fsync failed: \(String(cString: strerror(errno)))") }
    }

    /// fsync of every file under `folder`, then of the folders, deepest first.
    static func syncTree(_ folder: URL) throws {
        var folders = [folder.path]
        for case let relative as String in FileManager.default.enumerator(atPath: folder.path) ?? .init() {
            let path = folder.appendingPathComponent(relative).path
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
            if isFolder.boolValue { folders.append(path) } else { try sync(path) }
        }
        for path in folders.sorted(by: { $0.count > $1.count }) { try sync(path) }
    }

    // MARK: Reading

    /// The checkpoint folders in `output`, by step.
    static func all(in output: URL) -> [(step: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix(prefix), let step = Int(name.dropFirst(prefix.count)), step >= 0 else { return nil }
            return (step, output.appendingPathComponent(name))
        }.sorted { $0.0 < $1.0 }
    }

    /// Temporary folders a killed run left behind: `.checkpoint-N.tmp-PID` and the final adapter's `.adapter-PID-TIME`.
    static func leftovers(in output: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []
        return names.filter { name in
            (name.hasPrefix("." + prefix) && name.contains(".tmp-"))
                || (name.hasPrefix(".adapter-") && name.dropFirst(9).allSatisfy { $0.isNumber || $0 == "-" })
        }.map { output.appendingPathComponent($0) }
    }

    /// The config fingerprint a checkpoint was written under (cheap: no tensors read).
    static func fingerprint(of folder: URL) throws -> ConfigFingerprint {
        let statePath = folder.appendingPathComponent("trainer_state.json").path
        guard case .string(let hash)? = try JSONValue.parse(contentsOf: statePath)["config_hash"] else {
            throw TinyTuneError.invalidFile(path: statePath, reason: "config_hash: missing")
        }
        return ConfigFingerprint(canonical: try JSONValue.parse(contentsOf: folder.appendingPathComponent("config.json").path),
                                 hash: hash)
    }

    /// Reads a checkpoint written by `write`, for an adapter with `parameters` (names and shapes must match).
    static func read(_ folder: URL, parameters expected: [Parameter], options: TrainingOptions) throws -> TrainCheckpoint {
        let statePath = folder.appendingPathComponent("trainer_state.json").path
        func bad(_ reason: String) -> TinyTuneError { .invalidFile(path: statePath, reason: reason) }
        let state = try JSONValue.parse(contentsOf: statePath)
        guard state["format"] == .string(formatName) else { throw bad("not a TinyTune training checkpoint (format is not \"\(formatName)\")") }
        guard state["version"] == .int(version) else {
            throw bad("checkpoint version \(state["version"]?.excerpt ?? "missing") is not supported (this build reads \(version))")
        }
        func int(_ value: JSONValue?, _ field: String) throws -> Int {
            guard case .int(let i)? = value, i >= 0 else { throw bad("\(field): expected a non-negative integer, found \(value?.excerpt ?? "nothing")") }
            return Int(i)
        }
        func uint64(_ value: JSONValue?, _ field: String) throws -> UInt64 {
            guard case .string(let s)? = value, let v = UInt64(s) else { throw bad("\(field): expected an unsigned integer as a string, found \(value?.excerpt ?? "nothing")") }
            return v
        }
        func double(_ value: JSONValue?, _ field: String) throws -> Double {
            switch value {
            case .double(let d)?: return d
            case .int(let i)?: return Double(i)
            default: throw bad("\(field): expected a number, found \(value?.excerpt ?? "nothing")")
            }
        }
        let step = try int(state["step"], "step")
        guard case .string(let hash)? = state["config_hash"] else { throw bad("config_hash: missing") }
        let examples = try int(state["data_order"]?["examples"], "data_order.examples")
        guard examples > 0 else { throw bad("data_order.examples: 0") }
        let order = TrainingDataOrder(count: examples, seed: try uint64(state["data_order"]?["seed"], "data_order.seed"),
                                      cursor: try int(state["data_order"]?["cursor"], "data_order.cursor"))

        // Parameters: the same names and shapes as the adapter the config attaches.
        guard case .array(let described)? = state["parameters"] else { throw bad("parameters: missing") }
        let names = described.map { $0["name"].flatMap { if case .string(let s) = $0 { s } else { nil } } ?? "?" }
        guard names == expected.map(\.name) else {
            throw bad("the checkpoint's adapter parameters (\(names.prefix(3).joined(separator: ", "))\(names.count > 3 ? ", ..." : ""); \(names.count)) "
                      + "are not the config's (\(expected.prefix(3).map(\.name).joined(separator: ", "))\(expected.count > 3 ? ", ..." : ""); \(expected.count))")
        }
        let tensorsPath = folder.appendingPathComponent("state.safetensors").path
        let file = try SafetensorsFile(path: tensorsPath)
        func tensor(_ name: String, count: Int) throws -> Tensor {
            let t = try file.tensor(named: name)
            guard t.count == count else {
                throw TinyTuneError.invalidFile(path: tensorsPath, reason: "\(name) has \(t.count) values, the adapter needs \(count)")
            }
            return t
        }
        var parameters: [Parameter] = []
        for (i, p) in expected.enumerated() {
            let value = try tensor("parameters.\(i)", count: p.value.count)
            parameters.append(Parameter(name: p.name, value: Tensor(value.array, shape: p.value.shape)))
        }
        let hasMoments = file.info(named: "exp_avg.0") != nil
        let first = try hasMoments ? expected.indices.map { try tensor("exp_avg.\($0)", count: expected[$0].value.count).array } : []
        let second = try hasMoments ? expected.indices.map { try tensor("exp_avg_sq.\($0)", count: expected[$0].value.count).array } : []
        let optimizerSteps = try int(state["optimizer"]?["steps"], "optimizer.steps")
        guard state["optimizer"]?["kind"] == .string(options.optimizer.rawValue) else {
            throw bad("optimizer.kind: \(state["optimizer"]?["kind"]?.excerpt ?? "missing"), the config's is \"\(options.optimizer.rawValue)\"")
        }
        let base = Optimizer(options: options)
        let optimizer = Optimizer(kind: base.kind, beta1: base.beta1, beta2: base.beta2, epsilon: base.epsilon,
                                  weightDecay: base.weightDecay, maxGradNorm: base.maxGradNorm, steps: optimizerSteps,
                                  firstMoments: first, secondMoments: second)

        let metricsPath = folder.appendingPathComponent("metrics.jsonl").path
        guard let metricsData = FileManager.default.contents(atPath: metricsPath), let metricsText = String(data: metricsData, encoding: .utf8) else {
            throw TinyTuneError.io(path: metricsPath, reason: "missing or not UTF-8")
        }
        let configPath = folder.appendingPathComponent("config.json").path
        let canonical = try JSONValue.parse(contentsOf: configPath)
        var accuracyAfter: Double? = nil
        if state["accuracy_after"] != nil { accuracyAfter = try double(state["accuracy_after"], "accuracy_after") }
        return TrainCheckpoint(
            step: step, config: ConfigFingerprint(canonical: canonical, hash: hash), dataOrder: order,
            dropoutCalls: try uint64(state["dropout_calls"], "dropout_calls"), tokensSeen: try int(state["num_tokens"], "num_tokens"),
            accuracyBefore: try double(state["accuracy_before"], "accuracy_before"), accuracyAfter: accuracyAfter,
            optimizer: optimizer, parameters: parameters,
            metricsLines: metricsText.split(separator: "\n", omittingEmptySubsequences: true).map(String.init))
    }
}

/// What of a config a checkpoint depends on: the config as parsed, object keys sorted, without the entries that
/// cannot change the adapter or the metrics of the steps (`output`, `evaluation`, `training.save_every`,
/// `training.log_every`, and `training.steps` when the learning rate does not depend on it, so a finished run can
/// be extended), and an FNV-1a-64 hash of its text. Raw text, not decoded options: writing a default out
/// explicitly counts as a change.
struct ConfigFingerprint {
    let canonical: JSONValue
    let hash: String

    init(canonical: JSONValue, hash: String) {
        self.canonical = canonical
        self.hash = hash
    }

    /// The fingerprint of the config file at `path` (JSON, or YAML for `.yaml`/`.yml`).
    init(configPath path: String) throws {
        let raw: JSONValue
        if path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw TinyTuneError.io(path: path, reason: "cannot read the file as UTF-8")
            }
            raw = try JSONValue.parseYAML(text, source: path)
        } else {
            raw = try JSONValue.parse(contentsOf: path)
        }
        self.init(raw: raw)
    }

    init(raw: JSONValue) {
        var config = Self.sorted(raw)
        let scheduler = raw["training"]?["lr_scheduler"]
        let stepsMatter = scheduler != nil && scheduler != .string("constant")
        config = Self.removing(["output"], from: config)
        config = Self.removing(["evaluation"], from: config)
        for key in ["save_every", "log_every"] + (stepsMatter ? [] : ["steps"]) {
            config = Self.removing(["training", key], from: config)
        }
        canonical = config
        var h: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a 64
        for byte in config.serialized().utf8 {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01B3
        }
        hash = "fnv1a64:" + String(h, radix: 16)
    }

    private static func sorted(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members): return .object(members.sorted { $0.key < $1.key }.map { ($0.key, sorted($0.value)) })
        case .array(let items): return .array(items.map(sorted))
        default: return value
        }
    }

    private static func removing(_ path: [String], from value: JSONValue) -> JSONValue {
        guard let first = path.first, case .object(let members) = value else { return value }
        if path.count == 1 { return .object(members.filter { $0.key != first }) }
        return .object(members.map { $0.key == first ? ($0.key, removing(Array(path.dropFirst()), from: $0.value)) : $0 })
    }

    /// The entries that differ, as `path: old → new` (at most `limit`).
    func differences(from old: ConfigFingerprint, limit: Int = 8) -> [String] {
        var out: [String] = []
        func walk(_ a: JSONValue?, _ b: JSONValue?, _ path: String) {
            guard out.count < limit, a != b else { return }
            if case .object(let am)? = a, case .object(let bm)? = b {
                for key in Set(am.map(\.key) + bm.map(\.key)).sorted() {
                    walk(a?[key], b?[key], path.isEmpty ? key : path + "." + key)
                }
                return
            }
            out.append("\(path.isEmpty ? "(root)" : path): \(a?.excerpt ?? "absent") → \(b?.excerpt ?? "absent")")
        }
        walk(old.canonical, canonical, "")
        return out
    }
}
