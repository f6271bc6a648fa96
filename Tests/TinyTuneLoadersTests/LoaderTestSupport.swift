// Shared helpers for the loader tests: fixture paths, the real model's path, temporary files, JSON fixtures.

import Foundation
import Testing
import TinyTune

/// A file under `Fixtures/` (written by scripts/reference/make_loader_fixtures.py).
func fixturePath(_ name: String) throws -> String {
    let url = try #require(Bundle.module.resourceURL?.appendingPathComponent("Fixtures").appendingPathComponent(name))
    try #require(FileManager.default.fileExists(atPath: url.path), "missing fixture \(name)")
    return url.path
}

/// A JSON fixture, parsed.
func fixtureJSON(_ name: String) throws -> JSONValue {
    try JSONValue.parse(contentsOf: fixturePath(name))
}

/// The package root, found from this source file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The real Gemma 3 270M Q4_K_M file that scripts/install-deps.sh links under models/. Fails (never skips) when
/// it is missing, so CI cannot pass without it.
func realModelPath() throws -> String {
    let path = packageRoot.appendingPathComponent("models/gemma-3-270m-q4_k_m.gguf").path
    guard FileManager.default.fileExists(atPath: path) else {
        Issue.record("\(path) is missing: run `bash scripts/install-deps.sh` to link the Gemma 3 270M GGUF")
        throw TinyTuneError.io(path: path, reason: "missing; run scripts/install-deps.sh")
    }
    return path
}

/// Writes `bytes` to a fresh temporary file and returns its path.
func temporaryFile(_ bytes: [UInt8], name: String = "fixture") throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tinytune-loaders-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let url = folder.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}

extension JSONValue {
    var intValue: Int? { if case let .int(i) = self { return Int(i) }; return nil }
    var stringValue: String? { if case let .string(s) = self { return s }; return nil }
    var arrayValue: [JSONValue]? { if case let .array(a) = self { return a }; return nil }
    var doubleValue: Double? {
        switch self {
        case let .double(d): return d
        case let .int(i): return Double(i)
        default: return nil
        }
    }
    /// An array of integers as UInt32 (f32 bit patterns).
    var bitPatterns: [UInt32]? { arrayValue?.compactMap { $0.intValue.flatMap(UInt32.init(exactly:)) } }
}

/// Little-endian byte building for hand-made (and deliberately broken) files.
struct ByteBuilder {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func raw(_ b: [UInt8]) { bytes += b }
    mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes += Array(s.utf8) }
    mutating func pad(to alignment: Int) { while bytes.count % alignment != 0 { bytes.append(0) } }
}
