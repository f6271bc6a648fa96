// safetensors files written by the Python `safetensors` package (scripts/reference/make_loader_fixtures.py) read
// back with the values it stored; sharded folders; our writer's files read back; broken headers refused.

import Foundation
import Testing
import TinyTune
@testable import TinyTuneLoaders

/// A safetensors file from a header (JSON text) and `dataBytes` zero bytes.
private func safetensorsBytes(_ header: String, dataBytes: Int, headerLength: UInt64? = nil) -> [UInt8] {
    var b = ByteBuilder()
    b.u64(headerLength ?? UInt64(header.utf8.count))
    b.raw(Array(header.utf8))
    b.raw([UInt8](repeating: 0, count: dataBytes))
    return b.bytes
}

private func expectInvalid(_ bytes: [UInt8], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try SafetensorsFile(file: MappedFile(copying: bytes, path: "broken.safetensors"))
        Issue.record("expected an error mentioning \"\(fragment)\"", sourceLocation: sourceLocation)
    } catch let TinyTuneError.invalidFile(path, reason) {
        #expect(path == "broken.safetensors", sourceLocation: sourceLocation)
        #expect(reason.contains(fragment), "\(reason)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("safetensors")
struct SafetensorsTests {
    @Test("every dtype reads back with the values the safetensors package stored")
    func dtypes() throws {
        let file = try SafetensorsFile(path: fixturePath("dtypes.safetensors"))
        let expected = try fixtureJSON("safetensors_expected.json")
        #expect(file.metadata == ["format": "pt", "note": "tinytune fixture"])
        guard case .object(let entries)? = expected["tensors"] else { Issue.record("bad fixture"); return }
        #expect(Set(file.tensors.map(\.name)) == Set(entries.map(\.key)))
        for (name, entry) in entries {
            let info = try #require(file.info(named: name))
            let shape = try #require(entry["shape"]?.arrayValue?.compactMap { $0.intValue })
            #expect(info.shape == shape, "\(name)")
            if let bits = entry["f32Bits"]?.bitPatterns {
                let tensor = try file.tensor(named: name)
                #expect(tensor.shape == shape)
                #expect(tensor.array.map(\.bitPattern) == bits, "\(name)")
                #expect(throws: TinyTuneError.self) { try file.integers(named: name) }
            } else {
                let ints = try #require(entry["ints"]?.arrayValue?.compactMap { $0.intValue.map(Int64.init) })
                #expect(try file.integers(named: name) == ints, "\(name)")
                #expect(throws: TinyTuneError.self) { try file.tensor(named: name) }
            }
        }
    }

    @Test("a sharded folder: index, both shards, every tensor where the index says")
    func sharded() throws {
        let folder = try fixturePath("sharded")
        let checkpoint = try SafetensorsCheckpoint(path: folder)
        let expected = try fixtureJSON("sharded_expected.json")
        guard case .object(let entries) = expected else { Issue.record("bad fixture"); return }
        #expect(checkpoint.shards.count == 2)
        #expect(checkpoint.tensorNames == entries.map(\.key).sorted())
        for (name, entry) in entries {
            let tensor = try checkpoint.tensor(named: name)
            #expect(tensor.shape == entry["shape"]?.arrayValue?.compactMap { $0.intValue })
            #expect(tensor.array.map(\.bitPattern) == entry["f32Bits"]?.bitPatterns, "\(name)")
        }
    }

    @Test("the writer's files read back (F32 exact, F16 and BF16 rounded to nearest even), with __metadata__",
          arguments: [SafetensorsDType.f32, .f16, .bf16])
    func writer(dtype: SafetensorsDType) throws {
        let values: [Float] = [0, -1.5, 3.14159, 1e-3, 65504, -2.5e-5]
        let path = try temporaryFile([], name: "adapter.safetensors")
        try SafetensorsWriter.write([("v", Tensor(values, shape: [2, 3])), ("scalar", Tensor([7], shape: []))],
                                    dtype: dtype, metadata: ["format": "pt", "method": "tinylora"], to: path)
        let file = try SafetensorsFile(path: path)
        #expect(file.metadata == ["format": "pt", "method": "tinylora"])
        #expect(file.tensors.map(\.name) == ["v", "scalar"])
        let v = try file.tensor(named: "v")
        #expect(v.shape == [2, 3])
        let expected: [Float] = switch dtype {
        case .f16: values.map { HalfPrecision.f16ToFloat(HalfPrecision.floatToF16($0)) }
        case .bf16: values.map { HalfPrecision.bf16ToFloat(HalfPrecision.floatToBF16($0)) }
        default: values
        }
        #expect(v.array == expected)
        #expect(try file.tensor(named: "scalar").array == [7])
        #expect(try file.tensor(named: "scalar").shape == [])
    }

    @Test("broken headers: each error names the problem")
    func badInput() {
        let good = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        #expect(throws: Never.self) { try SafetensorsFile(file: MappedFile(copying: safetensorsBytes(good, dataBytes: 8), path: "ok")) }
        expectInvalid([1, 2, 3], "truncated")
        expectInvalid(safetensorsBytes(good, dataBytes: 8, headerLength: 1 << 40), "header length is 1099511627776")
        expectInvalid(safetensorsBytes(good, dataBytes: 8, headerLength: 10), "malformed")
        expectInvalid(safetensorsBytes("[1]", dataBytes: 0), "not an object")
        expectInvalid(safetensorsBytes(good, dataBytes: 4), "run past the end")
        expectInvalid(safetensorsBytes(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, dataBytes: 12), "does not match")
        expectInvalid(safetensorsBytes(#"{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}"#, dataBytes: 8), "unknown dtype \"Q4\"")
        expectInvalid(safetensorsBytes(#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, dataBytes: 8), "bad shape")
        expectInvalid(safetensorsBytes(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, dataBytes: 8), "data_offsets")
        expectInvalid(safetensorsBytes(#"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#, dataBytes: 8), "does not match")
        expectInvalid(safetensorsBytes(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                                       dataBytes: 12), "overlap")
        expectInvalid(safetensorsBytes(#"{"__metadata__":{"k":1}}"#, dataBytes: 0), "not a string")
    }
}
