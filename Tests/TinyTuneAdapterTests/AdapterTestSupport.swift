// Shared helpers for the adapter tests: fixtures, the tiny checkpoints of the loader tests, tensor comparison.

import Foundation
import Testing
import TinyTune
import TinyTunePlugins

/// The package root, found from this source file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A file under this target's `Fixtures/` (written by scripts/reference/make_adapter_fixtures.py).
func fixturePath(_ name: String) throws -> String {
    let url = try #require(Bundle.module.resourceURL?.appendingPathComponent("Fixtures").appendingPathComponent(name))
    try #require(FileManager.default.fileExists(atPath: url.path), "missing fixture \(name)")
    return url.path
}

/// A tiny Hugging Face model folder of the loader tests (`tiny_llama`, `tiny_gemma3`).
func tinyModelPath(_ name: String) -> String {
    packageRoot.appendingPathComponent("Tests/TinyTuneLoadersTests/Fixtures/\(name)").path
}

/// The SVD cache of test runs (kept out of ~/.cache).
let testSVDCache = FileManager.default.temporaryDirectory.appendingPathComponent("tinytune-test-svd-cache").path

/// A fresh empty temporary folder.
func temporaryDirectory(_ label: String) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tinytune-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

extension JSONValue {
    /// A fixture tensor `{"shape": [...], "values": [...]}`.
    func tensor(_ key: String) throws -> Tensor {
        let entry = try #require(self[key], "fixture has no \(key)")
        guard case .array(let shapeItems)? = entry["shape"], case .array(let valueItems)? = entry["values"] else {
            throw TinyTuneError.unsupported("fixture \(key) is not {shape, values}")
        }
        let shape = try shapeItems.map { item -> Int in
            guard case .int(let n) = item else { throw TinyTuneError.unsupported("\(key): bad shape") }
            return Int(n)
        }
        let values = try valueItems.map { try $0.number(key) }
        return Tensor(values.map { Float($0) }, shape: shape.isEmpty ? [values.count] : shape)
    }

    func number(_ key: String) throws -> Double {
        switch self {
        case .int(let n): return Double(n)
        case .double(let d): return d
        default: throw TinyTuneError.unsupported("\(key): not a number")
        }
    }
}

/// Largest |a − b| relative to max(1, largest |b|).
func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.count == b.count, "sizes differ: \(a.shape) vs \(b.shape)")
    let x = a.array, y = b.array
    let scale = max(1, y.map(abs).max() ?? 0)
    return zip(x, y).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
}

func expectClose(_ a: Tensor, _ b: Tensor, tolerance: Float, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.count == b.count, "\(what): \(a.shape) vs \(b.shape)", sourceLocation: sourceLocation)
    guard a.count == b.count else { return }
    let error = relativeError(a, b)
    if ProcessInfo.processInfo.environment["TINYTUNE_PRINT_ERRORS"] != nil { print("measured \(what): \(error)") }
    #expect(error <= tolerance, "\(what): relative error \(error) > \(tolerance)", sourceLocation: sourceLocation)
}

/// Builds a registered adapter family from JSON options (`type` selects it). SVD families cache in `testSVDCache`
/// unless the options name a folder.
func adapterFamily(_ json: JSONValue) throws -> any AdapterFamily {
    let registry = try BuiltinPlugins.registry()
    guard case .object(var members) = json, case .string(let type)? = json["type"] else {
        throw TinyTuneError.unsupported("options need a type")
    }
    if ["tinylora", "loraxs"].contains(type), json["svd_cache_dir"] == nil {
        members.append(("svd_cache_dir", .string(testSVDCache)))
    }
    let entry = try registry.adapters.entry(named: type)
    let options = try entry.options(from: .object(members.filter { $0.key != "type" }), at: .root)
    return try entry.make(options, context: PluginContext(baseDirectory: URL(fileURLWithPath: "/"), registry: registry))
}
