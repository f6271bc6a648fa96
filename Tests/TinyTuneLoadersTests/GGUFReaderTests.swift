// GGUF files written by gguf-py (scripts/reference/make_loader_fixtures.py) read back with the values gguf-py's
// GGUFReader and gguf.quants.dequantize give: metadata of every type, tensor infos, dequantized values bit for bit.

import Foundation
import Testing
import TinyTune
@testable import TinyTuneLoaders

/// gguf-py's name of a value type (`UINT8`, `ARRAY`, ...).
private func typeName(_ type: GGUFValueType) -> String {
    "\(type)".uppercased()
}

/// The gguf-py type list of a value (`["ARRAY", "ARRAY", "INT32"]` for nested arrays).
private func typeChain(_ value: GGUFValue) -> [String] {
    if case let .array(elementType, elements) = value {
        if elementType == .array, let first = elements.first { return ["ARRAY"] + typeChain(first) }
        return ["ARRAY", typeName(elementType)]
    }
    return [typeName(value.type)]
}

/// Whether a GGUF value equals gguf-py's `contents()` (64-bit integers as strings; floats widened to Double).
private func matches(_ value: GGUFValue, _ expected: JSONValue) -> Bool {
    switch value {
    case let .uint64(v): return expected.stringValue == String(v)
    case let .int64(v): return expected.stringValue == String(v)
    case let .float32(v): return expected.doubleValue == Double(v)
    case let .float64(v): return expected.doubleValue == v
    case let .bool(b): return expected == .bool(b)
    case let .string(s): return expected.stringValue == s
    case let .array(_, elements):
        guard let items = expected.arrayValue, items.count == elements.count else { return false }
        return zip(elements, items).allSatisfy { matches($0, $1) }
    default: return value.int != nil && expected.intValue == value.int
    }
}

@Suite("GGUF reader: gguf-py fixtures")
struct GGUFReaderTests {
    @Test("metadata: every value type, nested arrays, file order", arguments: ["types_v3.gguf", "types_v2.gguf"])
    func metadata(file: String) throws {
        let gguf = try GGUFFile(path: fixturePath(file))
        let expected = try fixtureJSON("gguf_expected.json")
        #expect(gguf.version == (file.contains("v2") ? 2 : 3))
        #expect(gguf.alignment == 64)
        let entries = try #require(expected["metadata"]?.arrayValue)
        #expect(gguf.metadata.keys == entries.compactMap { $0["key"]?.stringValue })
        for entry in entries {
            let key = try #require(entry["key"]?.stringValue)
            let value = try #require(gguf.metadata[key], "missing \(key)")
            #expect(typeChain(value) == entry["types"]?.arrayValue?.compactMap { $0.stringValue }, "\(key)")
            #expect(matches(value, try #require(entry["value"])), "\(key): \(value)")
        }
        // Typed accessors.
        #expect(gguf.metadata["general.architecture"]?.string == "tinytest")
        #expect(gguf.metadata["test.uint64"]?.int == nil)  // 2^63 + 5 does not fit in Int
        #expect(gguf.metadata["test.int8"]?.int == -100)
        #expect(gguf.metadata["test.float32"]?.double == -1.25)
        #expect(gguf.metadata["test.array_strings"]?.strings == ["a", "", "<0x0A>", "▁the"])
        #expect(gguf.metadata["test.array_float32"]?.floats == [0.5, -0.25, 0.001])
        #expect(gguf.metadata["test.array_int32"]?.ints == [1, -2, 3])
        #expect(gguf.metadata["test.array_nested"]?.array?.map(\.ints) == [[1, 2], [3]])
    }

    @Test("tensor infos and dequantized values equal gguf-py bit for bit", arguments: ["types_v3.gguf", "types_v2.gguf"])
    func tensors(file: String) throws {
        let gguf = try GGUFFile(path: fixturePath(file))
        let json = try fixtureJSON("gguf_expected.json")
        let expected = try #require(json["tensors"]?.arrayValue)
        #expect(gguf.tensors.map(\.name) == expected.compactMap { $0["name"]?.stringValue })
        var typesSeen = Set<GGMLType>()
        for entry in expected {
            let name = try #require(entry["name"]?.stringValue)
            let info = try #require(gguf.tensor(named: name))
            typesSeen.insert(info.type)
            #expect(info.type.name == entry["type"]?.stringValue)
            let dimensions = try #require(entry["dimensions"]?.arrayValue?.compactMap { $0.intValue })
            #expect(info.dimensions == dimensions)
            #expect(info.shape == dimensions.reversed())
            #expect(info.fileOffset == entry["offset"]?.intValue)
            #expect(info.byteCount == entry["byteCount"]?.intValue)
            let bits = try #require(entry["f32Bits"]?.bitPatterns)
            let tensor = try gguf.dequantize(info)
            #expect(tensor.shape == info.shape)
            let got = tensor.array.map(\.bitPattern)
            #expect(got == bits, "\(name) (\(info.type)): first difference at \(zip(got, bits).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1)")
            // Partial decoding agrees with the whole.
            let count = info.elementCount
            let middle = try gguf.dequantize(info, elements: (count / 3)..<(count / 3 + min(37, count)))
            #expect(middle.map(\.bitPattern) == Array(bits[(count / 3)..<(count / 3 + min(37, count))]))
        }
        #expect(typesSeen == Set(GGMLDequantizer.supported), "the fixture covers every supported type")
    }

    @Test("the type table matches gguf-py's GGML_QUANT_SIZES for the supported types")
    func typeTable() {
        let table: [(GGMLType, UInt32, Int, Int)] = [
            (.f32, 0, 1, 4), (.f16, 1, 1, 2), (.q4_0, 2, 32, 18), (.q4_1, 3, 32, 20), (.q5_0, 6, 32, 22),
            (.q5_1, 7, 32, 24), (.q8_0, 8, 32, 34), (.q2_K, 10, 256, 84), (.q3_K, 11, 256, 110),
            (.q4_K, 12, 256, 144), (.q5_K, 13, 256, 176), (.q6_K, 14, 256, 210), (.bf16, 30, 1, 2),
        ]
        for (type, id, elements, bytes) in table {
            #expect(type.rawValue == id)
            #expect(type.blockElements == elements && type.blockBytes == bytes, "\(type)")
        }
    }
}
