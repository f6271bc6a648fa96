import ArgumentParser
import Foundation
import TinyTune
import TinyTunePlugins

/// `tinytune compare CONFIG [--output DIR] [--json]`: trains several adapter variants on one task, over seeds, and
/// tabulates trainable parameters, bytes and held-out accuracy before and after (with Wilson 95% intervals).
///
///     tinytune compare Examples/compare.json --output runs/compare
///     # DIR/runs/<variant>-seed<s>/config.json: a plain config that `tinytune train` reruns by itself
///     # DIR/results.csv, DIR/results.json, DIR/results.md, DIR/accuracy_vs_bytes.svg
///     # a run with a result.json beside the same config.json is reused: rerunning resumes an interrupted compare
///
/// CONFIG is a normal pipeline config plus a `compare` section:
///
///     "compare": {"seeds": [0, 1],
///                 "variants": [{"name": "tinylora-u13-grpo", "adapter": {"type": "tinylora", "u": 13}, "objective": "grpo"},
///                              {"name": "lora-r1-sft", "adapter": {"type": "lora", "r": 1}, "objective": "sft",
///                               "training": {"learning_rate": 0.001}}]}
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Train several adapter families and sizes on one task and tabulate them.")
    @Argument(help: "A config with a `compare` section.") var config: String
    @Option(help: "Where runs/, results.csv, results.json and accuracy_vs_bytes.svg go (default: output.dir or runs/<config name>).")
    var output: String?
    @Option(help: "Train only these variants (comma-separated names, or the option repeated); finished runs of the others still appear.")
    var only: [String] = []
    @Flag(help: "Print results.json instead of the table.") var json = false
    @Flag(help: "Only check the config and list the runs it makes (variant, seed, family, objective, parameters); train nothing.")
    var check = false

    /// The `--only` names: every occurrence, each split at commas; nil when the option is absent.
    var onlyNames: [String]? {
        only.isEmpty ? nil : only.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    func run() throws {
        let names = onlyNames
        try runReportingErrors {
            let runner = try CompareRunner(configPath: config, output: output, only: names) { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            if check {
                for line in try runner.plannedRuns() { print(line) }
                return
            }
            let report: ComparisonReport
            do {
                report = try runner.run()
            } catch let failed as CompareRunsFailed {
                print(json ? failed.report.json.serialized(pretty: true) : failed.report.table, terminator: json ? "\n" : "")
                throw failed
            }
            print(json ? report.json.serialized(pretty: true) : report.table, terminator: json ? "\n" : "")
            if !json, report.hasSeeds { print("\nover seeds:\n" + report.summaryTable, terminator: "") }
            FileHandle.standardError.write(Data("results written to \(runner.outputFolder.path)\n".utf8))
        }
    }
}

/// Some runs of a comparison failed; the others finished and are in `report` (and in DIR's results files).
struct CompareRunsFailed: Error, CustomStringConvertible {
    let report: ComparisonReport
    let failures: [String]
    var description: String {
        "\(failures.count) run(s) failed (the results hold the \(report.rows.count) that finished):\n  "
            + failures.joined(separator: "\n  ")
    }
}

/// The `compare` section of a config: the variants to train and the seeds to train each with.
struct CompareSpec {
    struct Variant {
        let name: String
        /// Replaces the base adapter when its `type` differs (keeping the base's `target_modules` unless given), else
        /// overrides the base adapter's fields one by one.
        let adapter: JSONValue?
        /// `"grpo"`, `"sft"` or an objective object; the same rule as `adapter`.
        let objective: JSONValue?
        /// Fields of the `training` section to override.
        let training: [(key: String, value: JSONValue)]
    }

    /// The config without its `compare` section.
    let base: [(key: String, value: JSONValue)]
    let variants: [Variant]
    let seeds: [UInt64]

    static let sectionPath = ConfigPath().appending("compare")

    /// Reads the `compare` section; every error names its field (`compare.variants[1].name`).
    init(json: JSONValue, file: String) throws {
        guard case .object(let members) = json else {
            throw ConfigErrors([ConfigError.wrongType(.root, expected: "an object", found: json)])
        }
        base = members.filter { $0.key != "compare" }
        let path = Self.sectionPath
        var errors: [ConfigError] = []
        var variants: [Variant] = []
        var seeds: [UInt64] = []
        guard let section = json["compare"] else {
            throw ConfigErrors([ConfigError(.missingField, at: path,
                "missing the compare section (expected {\"variants\": [{\"name\": ..., \"adapter\": {...}, \"objective\": \"grpo\"}], \"seeds\": [0]})",
                file: file)])
        }
        guard case .object(let fields) = section else {
            throw ConfigErrors([ConfigError.wrongType(path, expected: "an object with \"variants\" and \"seeds\"", found: section).inFile(file)])
        }
        for field in fields where !["variants", "seeds"].contains(field.key) {
            errors.append(ConfigError(.unknownKey, at: path.appending(field.key),
                                      "unknown field \"\(field.key)\"; allowed: variants, seeds"))
        }
        switch section["seeds"] {
        case nil:
            if case .int(let s)? = json["training"]?["seed"], s >= 0 { seeds = [UInt64(s)] } else { seeds = [0] }
        case .array(let items)? where !items.isEmpty:
            for (i, item) in items.enumerated() {
                if case .int(let s) = item, s >= 0 { seeds.append(UInt64(s)) } else {
                    errors.append(.wrongType(path.appending("seeds").appending(index: i), expected: "a non-negative integer", found: item))
                }
            }
            if Set(seeds).count != seeds.count {
                errors.append(.invalid(path.appending("seeds"), "seeds repeat: \(seeds.map(String.init).joined(separator: ", "))"))
            }
        case let other?:
            errors.append(.wrongType(path.appending("seeds"), expected: "a non-empty list of seeds such as [0, 1]", found: other))
        }
        if case .array(let items)? = section["variants"], !items.isEmpty {
            var names: Set<String> = []
            for (i, item) in items.enumerated() {
                let itemPath = path.appending("variants").appending(index: i)
                do {
                    let variant = try Self.variant(item, at: itemPath)
                    if !names.insert(variant.name).inserted {
                        errors.append(.invalid(itemPath.appending("name"), "\"\(variant.name)\" names two variants; names must differ"))
                    }
                    variants.append(variant)
                } catch let error as ConfigErrors {
                    errors.append(contentsOf: error.errors)
                } catch let error as ConfigError {
                    errors.append(error)
                }
            }
        } else {
            errors.append(.wrongType(path.appending("variants"), expected: "a non-empty list of variants such as [{\"name\": \"tinylora-u13-grpo\", \"adapter\": {\"type\": \"tinylora\", \"u\": 13}, \"objective\": \"grpo\"}]",
                                     found: section["variants"] ?? .null))
        }
        if !errors.isEmpty { throw ConfigErrors(errors.map { $0.inFile(file) }) }
        self.variants = variants
        self.seeds = seeds
    }

    private static func variant(_ value: JSONValue, at path: ConfigPath) throws -> Variant {
        guard case .object(let fields) = value else {
            throw ConfigError.wrongType(path, expected: "an object with \"name\", \"adapter\", \"objective\"", found: value)
        }
        var errors: [ConfigError] = []
        let allowed = ["name", "adapter", "objective", "training"]
        for field in fields where !allowed.contains(field.key) {
            errors.append(ConfigError(.unknownKey, at: path.appending(field.key),
                                      "unknown field \"\(field.key)\"; allowed: " + allowed.joined(separator: ", ")))
        }
        var name = ""
        switch value["name"] {
        case .string(let s)? where !s.isEmpty && s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
            && !s.hasPrefix("."):
            name = s
        case let other?:
            errors.append(.invalid(path.appending("name"), "\(other.excerpt) is not a usable name: use letters, digits, '-', '_' and '.' (it names the run folder)"))
        case nil:
            errors.append(.missing(path.appending("name"), expected: "a name such as \"tinylora-u13-grpo\""))
        }
        let adapter = value["adapter"]
        if let adapter, !Self.isObject(adapter) {
            errors.append(.wrongType(path.appending("adapter"), expected: "an object such as {\"type\": \"tinylora\", \"u\": 1}", found: adapter))
        }
        let objective = value["objective"]
        if let objective {
            switch objective {
            case .string, .object: break
            default:
                errors.append(.wrongType(path.appending("objective"), expected: "\"grpo\", \"sft\" or an objective object", found: objective))
            }
        }
        var training: [(key: String, value: JSONValue)] = []
        switch value["training"] {
        case nil: break
        case .object(let members)?: training = members
        case let other?: errors.append(.wrongType(path.appending("training"), expected: "an object of training overrides", found: other))
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
        return Variant(name: name, adapter: adapter, objective: objective, training: training)
    }

    private static func isObject(_ value: JSONValue) -> Bool { if case .object = value { true } else { false } }

    /// `override` on top of `base`: same `type` (or none given) merges field by field; another type replaces the
    /// object, keeping the fields in `inherited` from the base.
    static func overlay(_ base: JSONValue?, _ override: JSONValue, inherited: [String] = []) -> JSONValue {
        let overrideObject: JSONValue = if case .string(let type) = override { .object([("type", .string(type))]) } else { override }
        guard case .object(let overrides) = overrideObject else { return override }
        guard case .object(let baseMembers)? = base else { return overrideObject }
        if let type = overrideObject["type"], type != base?["type"] {
            let kept = baseMembers.filter { inherited.contains($0.key) && overrideObject[$0.key] == nil }
            return .object(overrides + kept)
        }
        return merge(baseMembers, overrides)
    }

    static func merge(_ base: [(key: String, value: JSONValue)], _ overrides: [(key: String, value: JSONValue)]) -> JSONValue {
        var members = base
        for (key, value) in overrides {
            if let i = members.firstIndex(where: { $0.key == key }) { members[i].value = value } else { members.append((key, value)) }
        }
        return .object(members)
    }

    /// The plain config of one run: the variant's adapter, objective and training over the base, `training.seed`,
    /// relative file paths made absolute (the config moves to another folder), and `output.dir` "." (its own folder).
    func derivedConfig(_ variant: Variant, seed: UInt64, baseDirectory: URL) -> JSONValue {
        var members = base
        func set(_ key: String, _ value: JSONValue) {
            if let i = members.firstIndex(where: { $0.key == key }) { members[i].value = value } else { members.append((key, value)) }
        }
        func section(_ key: String) -> JSONValue? { members.last(where: { $0.key == key })?.value }
        if let adapter = variant.adapter { set("adapter", Self.overlay(section("adapter"), adapter, inherited: ["target_modules"])) }
        if let objective = variant.objective { set("objective", Self.overlay(section("objective"), objective)) }
        var training: [(key: String, value: JSONValue)] = []
        if case .object(let m)? = section("training") { training = m }
        let seedMember: [(key: String, value: JSONValue)] = [("seed", .int(Int64(seed)))]
        set("training", Self.merge(training, variant.training + seedMember))
        for key in ["model", "tokenizer", "dataset"] {
            guard case .object(var fields)? = section(key), let i = fields.firstIndex(where: { $0.key == "path" }),
                  case .string(let path) = fields[i].value, !path.hasPrefix("/") else { continue }
            fields[i].value = .string(baseDirectory.appendingPathComponent(path).standardizedFileURL.path)
            set(key, .object(fields))
        }
        var output: [(key: String, value: JSONValue)] = []
        if case .object(let m)? = section("output") { output = m }
        set("output", Self.merge(output, [("dir", .string("."))]))
        return .object(members)
    }
}

extension ConfigError {
    fileprivate func inFile(_ file: String) -> ConfigError { var e = self; e.file = e.file ?? file; return e }
}

/// The work of `tinytune compare`, apart from the command line so tests can call it.
struct CompareRunner {
    let configPath: String
    let spec: CompareSpec
    let baseConfig: PipelineConfig
    let outputFolder: URL
    /// Variant names to train (nil: all); the others' finished runs still appear in the results.
    let only: [String]?
    let log: (String) -> Void

    /// Reads CONFIG and checks the `compare` section and every derived config before anything trains.
    init(configPath: String, output: String?, only: [String]? = nil, log: @escaping (String) -> Void) throws {
        self.configPath = configPath
        self.only = only
        self.log = log
        let json: JSONValue
        do {
            json = try JSONValue.parse(contentsOf: configPath)
        } catch let error as JSONParseError {
            throw ConfigErrors([ConfigError(.malformedFile, at: .root, error.description, file: configPath)])
        }
        spec = try CompareSpec(json: json, file: configPath)
        let registry = try CLIRegistry.shared.get()
        let directory = URL(fileURLWithPath: configPath).deletingLastPathComponent().standardizedFileURL
        do {
            baseConfig = try ConfigLoader(registry: registry).load(json: .object(spec.base), baseDirectory: directory, file: configPath)
        } catch let errors as ConfigErrors {
            throw ConfigErrors(errors.errors.map { $0.inFile(configPath) })
        }
        if let dir = output {
            outputFolder = URL(fileURLWithPath: dir)
        } else if let dir = baseConfig.output.directory {
            outputFolder = dir.hasPrefix("/") ? URL(fileURLWithPath: dir) : directory.appendingPathComponent(dir)
        } else {
            let name = URL(fileURLWithPath: configPath).deletingPathExtension().lastPathComponent
            outputFolder = directory.appendingPathComponent("runs").appendingPathComponent(name)
        }
        // Each derived config must load and have what training needs; errors say which variant.
        var errors: [ConfigError] = []
        for (i, variant) in spec.variants.enumerated() {
            let derived = spec.derivedConfig(variant, seed: spec.seeds[0], baseDirectory: directory)
            let variantPath = CompareSpec.sectionPath.appending("variants").appending(index: i)
            do {
                let config = try ConfigLoader(registry: registry).load(json: derived, baseDirectory: directory)
                try Pipeline.assemble(config, registry: registry).checkRequirements(for: .train)
            } catch let error as ConfigErrors {
                errors += error.errors.map {
                    ConfigError($0.kind, at: variantPath, "variant \"\(variant.name)\" makes \($0.path): \($0.message)", file: configPath)
                }
            } catch {
                errors.append(ConfigError(.invalidValue, at: variantPath, "variant \"\(variant.name)\": \(error)", file: configPath))
            }
        }
        if let only {
            let names = spec.variants.map(\.name)
            for name in only where !names.contains(name) {
                errors.append(ConfigError(.invalidValue, at: CompareSpec.sectionPath.appending("variants"),
                                          "--only names \"\(name)\", which is not a variant; variants: \(names.joined(separator: ", "))",
                                          file: configPath))
            }
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
    }

    /// One line per run the comparison would make, with its trainable parameters (from the same code as `plan`).
    func plannedRuns() throws -> [String] {
        let registry = try CLIRegistry.shared.get()
        let directory = URL(fileURLWithPath: configPath).deletingLastPathComponent().standardizedFileURL
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tinytune-compare-check-\(getpid())-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var lines: [String] = []
        for seed in spec.seeds {
            for variant in spec.variants where only?.contains(variant.name) ?? true {
                // Derived configs hold absolute paths, so planning one from a scratch file reads the same model.
                try spec.derivedConfig(variant, seed: seed, baseDirectory: directory).serialized()
                    .write(to: scratch, atomically: true, encoding: .utf8)
                let plan = try PlanCommand.plan(configPath: scratch.path, registry: registry)
                let objective = try ConfigLoader(registry: registry).load(path: scratch.path).objective?.type ?? "?"
                lines.append("\(variant.name) seed \(seed): \(plan.family), \(objective), \(plan.trainableParameters) trainable parameters, "
                             + "\(plan.bytesFloat32) bytes f32 -> \(runFolder(variant, seed: seed).path)")
            }
        }
        return lines
    }

    func runFolder(_ variant: CompareSpec.Variant, seed: UInt64) -> URL {
        outputFolder.appendingPathComponent("runs").appendingPathComponent("\(variant.name)-seed\(seed)")
    }

    /// Trains every selected variant with every seed in turn. A run whose folder already holds a `result.json`
    /// next to the same `config.json` is finished and is reused, not trained again, so an interrupted comparison
    /// resumes, and several `--only` processes can share one DIR. After every run, results.csv, results.json and the
    /// plot are rewritten from all finished runs of the config (whichever process finished them).
    func run() throws -> ComparisonReport {
        let registry = try CLIRegistry.shared.get()
        let directory = URL(fileURLWithPath: configPath).deletingLastPathComponent().standardizedFileURL
        try FileManager.default.createDirectory(at: outputFolder, withIntermediateDirectories: true)
        let selected = spec.variants.filter { only?.contains($0.name) ?? true }
        let total = selected.count * spec.seeds.count
        var done = 0
        var before: Double?
        var base: TrainRunner.BaseEvaluation?
        var failures: [String] = []
        for seed in spec.seeds {
            for variant in selected {
                done += 1
                let folder = runFolder(variant, seed: seed)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let configURL = folder.appendingPathComponent("config.json")
                let configText = spec.derivedConfig(variant, seed: seed, baseDirectory: directory).serialized(pretty: true) + "\n"
                if let row = try finishedRow(folder, configText: configText) {
                    log("[\(done)/\(total)] \(variant.name) seed \(seed): finished earlier, reusing \(folder.lastPathComponent)/result.json")
                    try write(try aggregate())
                    continue
                }
                try? FileManager.default.removeItem(at: folder.appendingPathComponent("result.json"))
                try configText.write(to: configURL, atomically: true, encoding: .utf8)
                let plan = try PlanCommand.plan(configPath: configURL.path, registry: registry)
                let config = try ConfigLoader(registry: registry).load(path: configURL.path)
                let pipeline = try Pipeline.assemble(config, registry: registry)
                let available = try pipeline.dataset?.examples(.eval).count ?? 0
                log("[\(done)/\(total)] \(variant.name) seed \(seed): \(plan.family), "
                    + "\(config.objective?.type ?? "?"), \(plan.trainableParameters) trainable parameters")
                // The base model's accuracy is measured once: later runs with the same eval (model, dataset, prompt,
                // generation, evaluation, rewards) and an adapter that starts as the identity reuse it.
                let start = Date()
                let result: TrainRunner.Result
                do {
                    result = try TrainRunner(configPath: configURL.path, output: folder.path, knownBase: base) { log("  " + $0) }.run()
                } catch {
                    // One failing run does not lose the others: go on, and report every failure at the end.
                    log("  run failed: \(error)")
                    failures.append("\(variant.name) seed \(seed): \(error)")
                    continue
                }
                let seconds = Date().timeIntervalSince(start)
                if let before, abs(before - result.accuracyBefore) > 1e-9 {
                    log("warning: accuracy before training differs between runs (\(before) vs \(result.accuracyBefore)): the base model or eval set changed")
                }
                before = before ?? result.accuracyBefore
                base = base ?? result.baseEvaluation
                // `train` itself draws each run's metrics.svg (output.plot).
                let row = ComparisonReport.Row(
                    variant: variant.name, family: plan.family, objective: config.objective?.type ?? "?", seed: seed,
                    trainableParameters: plan.trainableParameters, bytesF32: plan.bytesFloat32, steps: result.steps,
                    evalExamples: min(config.evaluation.examples, available), accuracyBefore: result.accuracyBefore,
                    accuracyAfter: result.accuracyAfter, seconds: seconds)
                try (row.json.serialized(pretty: true) + "\n")
                    .write(to: folder.appendingPathComponent("result.json"), atomically: true, encoding: .utf8)
                // Written after every run, so an interrupted comparison keeps what finished.
                try write(try aggregate())
            }
        }
        let report = try aggregate()
        try write(report)
        if !failures.isEmpty { throw CompareRunsFailed(report: report, failures: failures) }
        return report
    }

    /// The row of a finished run: its result.json, if its config.json is the one this comparison would write.
    func finishedRow(_ folder: URL, configText: String) throws -> ComparisonReport.Row? {
        let resultURL = folder.appendingPathComponent("result.json")
        guard FileManager.default.fileExists(atPath: resultURL.path),
              let existing = try? String(contentsOf: folder.appendingPathComponent("config.json"), encoding: .utf8),
              existing == configText
        else { return nil }
        return try ComparisonReport.Row(json: JSONValue.parse(contentsOf: resultURL.path), source: resultURL.path)
    }

    /// Every finished run of the config, in config order (seeds, then variants).
    func aggregate() throws -> ComparisonReport {
        let directory = URL(fileURLWithPath: configPath).deletingLastPathComponent().standardizedFileURL
        var rows: [ComparisonReport.Row] = []
        for seed in spec.seeds {
            for variant in spec.variants {
                let text = spec.derivedConfig(variant, seed: seed, baseDirectory: directory).serialized(pretty: true) + "\n"
                if let row = try finishedRow(runFolder(variant, seed: seed), configText: text) { rows.append(row) }
            }
        }
        return ComparisonReport(rows: rows)
    }

    func write(_ report: ComparisonReport) throws {
        try report.csv.write(to: outputFolder.appendingPathComponent("results.csv"), atomically: true, encoding: .utf8)
        try (report.json.serialized(pretty: true) + "\n")
            .write(to: outputFolder.appendingPathComponent("results.json"), atomically: true, encoding: .utf8)
        try report.plot().render().write(to: outputFolder.appendingPathComponent("accuracy_vs_bytes.svg"), atomically: true, encoding: .utf8)
        try report.markdown.write(to: outputFolder.appendingPathComponent("results.md"), atomically: true, encoding: .utf8)
    }
}
