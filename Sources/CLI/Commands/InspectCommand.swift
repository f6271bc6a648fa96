import ArgumentParser
import Foundation
import TinyTune
import TinyTuneLoaders

/// `tinytune inspect PATH [--json] [--tensor NAME [--values]] [--load]`: a checkpoint's metadata and tensor table
/// (GGUF of any architecture, a .safetensors file, or a Hugging Face model folder).
///
///     tinytune inspect models/gemma-3-270m-q4_k_m.gguf
///     tinytune inspect models/gemma-3-270m-q4_k_m.gguf --tensor output_norm.weight --values --json
///     # {"name":"output_norm.weight","dtype":"F32","shape":[640],"values":[...]}
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Show a checkpoint's metadata and tensor table (safetensors, folder, GGUF).",
        discussion: """
            --tensor NAME --values prints the stored values of one tensor dequantized to f32, under the name as stored and
            with no model-level conversion. --load dequantizes every tensor into memory and reports the time taken.
            """)

    @Argument(help: "A .gguf file, a .safetensors file or a Hugging Face model folder.") var path: String
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "Show only this tensor (name as stored).") var tensor: String?
    @Flag(help: "With --tensor: print its values, dequantized to f32.") var values = false
    @Flag(help: "Dequantize every tensor to f32, keeping them all in memory, and report the time.") var load = false

    func validate() throws {
        if values && tensor == nil { throw ValidationError("--values needs --tensor NAME") }
    }

    func run() throws {
        try runReportingErrors {
            let start = DispatchTime.now().uptimeNanoseconds
            let checkpoint = try CheckpointFile(path: path)
            let opened = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if let name = tensor {
                try printTensor(name, checkpoint)
            } else if load {
                try loadAll(checkpoint, openSeconds: opened)
            } else {
                print(Self.render(checkpoint, json: json))
            }
        }
    }

    private func printTensor(_ name: String, _ checkpoint: CheckpointFile) throws {
        let report = try Self.tensorReport(name, checkpoint, path: path, values: values)
        if json {
            print(report.serialized())
        } else {
            var dtype = ""
            if case let .string(text)? = report["dtype"] { dtype = text }
            print("\(name)  \(dtype)  \(report["shape"]?.serialized() ?? "")")
            if case .array(let items)? = report["values"] { print(items.map { $0.serialized() }.joined(separator: " ")) }
        }
    }

    /// `{"name", "dtype", "shape"}` of one tensor, plus `"values"` (f32, row-major) when asked.
    static func tensorReport(_ name: String, _ checkpoint: CheckpointFile, path: String, values: Bool) throws -> JSONValue {
        guard let row = checkpoint.tensorTable.first(where: { $0.name == name }) else {
            throw TinyTuneError.invalidFile(path: path, reason: "no tensor named \"\(name)\"")
        }
        var members: [(key: String, value: JSONValue)] = [
            ("name", .string(row.name)), ("dtype", .string(row.dtype)), ("shape", .array(row.shape.map { .int(Int64($0)) })),
        ]
        if values {
            let flat = try checkpoint.values(named: name).tensor.array
            members.append(("values", .array(flat.map { .double(Double($0)) })))
        }
        return .object(members)
    }

    private func loadAll(_ checkpoint: CheckpointFile, openSeconds: Double) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        var loaded: [String: Tensor] = [:]
        var floats = 0
        var perType: [String: (values: Int, seconds: Double)] = [:]
        for row in checkpoint.tensorTable {
            let tensorStart = DispatchTime.now().uptimeNanoseconds
            let tensor = try checkpoint.values(named: row.name).tensor
            let spent = Double(DispatchTime.now().uptimeNanoseconds - tensorStart) / 1e9
            perType[row.dtype, default: (0, 0)].values += tensor.count
            perType[row.dtype, default: (0, 0)].seconds += spent
            floats += tensor.count
            loaded[row.name] = tensor
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let megabytes = Double(floats * 4) / 1_048_576
        if json {
            let types = perType.sorted { $0.key < $1.key }.map { (key: $0.key, value: JSONValue.object([
                ("values", .int(Int64($0.value.values))), ("seconds", .double($0.value.seconds))])) }
            print(JSONValue.object([("tensors", .int(Int64(loaded.count))), ("f32_megabytes", .double(megabytes)),
                                    ("open_seconds", .double(openSeconds)), ("load_seconds", .double(seconds)),
                                    ("by_type", .object(types))]).serialized())
        } else {
            print(String(format: "%d tensors, %.1f MB of f32: header %.3f s, dequantize %.3f s on %d cores",
                         loaded.count, megabytes, openSeconds, seconds, ComputeThreads.count))
            for (type, entry) in perType.sorted(by: { $0.key < $1.key }) {
                print("  \(type): " + String(format: "%d values in %.3f s (%.0f M values/s)", entry.values, entry.seconds,
                                                 Double(entry.values) / max(entry.seconds, 1e-9) / 1e6))
            }
        }
    }

    /// The metadata and tensor table, as text or JSON.
    static func render(_ checkpoint: CheckpointFile, json: Bool) -> String {
        let table = checkpoint.tensorTable
        if json {
            var members: [(key: String, value: JSONValue)] = [("format", .string(checkpoint.format))]
            if case let .gguf(file) = checkpoint { members.append(("version", .int(Int64(file.version)))) }
            members.append(("metadata", checkpoint.metadataJSON))
            members.append(("tensors", .array(table.map { row in
                .object([("name", .string(row.name)), ("dtype", .string(row.dtype)),
                         ("shape", .array(row.shape.map { .int(Int64($0)) }))])
            })))
            return JSONValue.object(members).serialized()
        }
        var lines: [String] = []
        if case let .gguf(file) = checkpoint {
            lines.append("GGUF v\(file.version), \(file.metadata.count) metadata keys, \(table.count) tensors, alignment \(file.alignment)")
            for (key, value) in file.metadata.entries {
                lines.append("  \(key) = \(summary(value))")
            }
        } else {
            lines.append("safetensors, \(table.count) tensors")
            if case let .object(members) = checkpoint.metadataJSON {
                for (key, value) in members { lines.append("  \(key): \(value.excerpt)") }
            }
        }
        let nameWidth = table.map(\.name.count).max() ?? 0
        let typeWidth = table.map(\.dtype.count).max() ?? 0
        for row in table {
            lines.append(row.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                         + row.dtype.padding(toLength: typeWidth, withPad: " ", startingAt: 0) + "  "
                         + "[" + row.shape.map(String.init).joined(separator: ", ") + "]")
        }
        return lines.joined(separator: "\n")
    }

    /// A one-line view of a metadata value; long arrays show their length and first elements.
    static func summary(_ value: GGUFValue) -> String {
        if case let .array(type, elements) = value, elements.count > 8 {
            let head = elements.prefix(4).map { $0.json.serialized() }.joined(separator: ", ")
            return "[\(elements.count) × \(type)] [\(head), …]"
        }
        let text = value.json.serialized()
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
