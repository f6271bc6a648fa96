// Broken GGUF files: each gives `TinyTuneError.invalidFile` naming the file and the problem, quickly and without a
// large allocation.

import Foundation
import Testing
import TinyTune
@testable import TinyTuneLoaders

/// A minimal valid GGUF v3 header with `pairs` metadata pairs (already encoded) and `tensors` tensor infos.
private func header(tensorCount: UInt64, pairCount: UInt64, version: UInt32 = 3,
                    body: (inout ByteBuilder) -> Void) -> [UInt8] {
    var b = ByteBuilder()
    b.raw(Array("GGUF".utf8))
    b.u32(version)
    b.u64(tensorCount)
    b.u64(pairCount)
    body(&b)
    return b.bytes
}

/// One F32 tensor info.
private func tensorInfo(_ b: inout ByteBuilder, name: String, dims: [UInt64], type: UInt32 = 0, offset: UInt64) {
    b.string(name)
    b.u32(UInt32(dims.count))
    for d in dims { b.u64(d) }
    b.u32(type)
    b.u64(offset)
}

/// The file with two f32 tensors of 8 values each at `offsets`, data padded to 32.
private func twoTensors(offsets: (UInt64, UInt64), dims: [UInt64] = [8], secondName: String = "b",
                        dataBytes: Int = 64) -> [UInt8] {
    var bytes = header(tensorCount: 2, pairCount: 0) { b in
        tensorInfo(&b, name: "a", dims: dims, offset: offsets.0)
        tensorInfo(&b, name: secondName, dims: dims, offset: offsets.1)
        b.pad(to: 32)
    }
    bytes += [UInt8](repeating: 0, count: dataBytes)
    return bytes
}

private func expectInvalid(_ bytes: [UInt8], _ fragment: String, or other: String? = nil,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
    let path = try temporaryFile(bytes, name: "broken.gguf")
    do {
        _ = try GGUFFile(path: path)
        Issue.record("expected an error mentioning \"\(fragment)\"", sourceLocation: sourceLocation)
    } catch let TinyTuneError.invalidFile(errorPath, reason) {
        #expect(errorPath == path, sourceLocation: sourceLocation)
        #expect(reason.contains(fragment) || other.map(reason.contains) == true, "\(reason)", sourceLocation: sourceLocation)
    }
}

@Suite("GGUF reader: bad input")
struct GGUFBadInputTests {
    @Test("the well-formed base case reads")
    func wellFormed() throws {
        let gguf = try GGUFFile(path: temporaryFile(twoTensors(offsets: (0, 32))))
        #expect(gguf.tensors.map(\.name) == ["a", "b"])
        #expect(gguf.tensors.map(\.fileOffset) == [gguf.dataOffset, gguf.dataOffset + 32])
        #expect(try gguf.dequantize(named: "b").array == [Float](repeating: 0, count: 8))
    }

    @Test("a type the reader knows but cannot dequantize: the file reads, dequantizing names the type")
    func unsupportedType() throws {
        var bytes = header(tensorCount: 1, pairCount: 0) { b in
            tensorInfo(&b, name: "iq", dims: [32], type: 20, offset: 0)  // IQ4_NL: 32 values in 18 bytes
            b.pad(to: 32)
        }
        bytes += [UInt8](repeating: 0, count: 32)
        let gguf = try GGUFFile(path: temporaryFile(bytes))
        let info = try #require(gguf.tensor(named: "iq"))
        #expect(info.type == .iq4_NL && info.byteCount == 18)
        #expect { try gguf.dequantize(info) } throws: { error in
            guard case let TinyTuneError.unsupported(message) = error else { return false }
            return message.contains("IQ4_NL") && message.contains("\"iq\"")
        }
    }

    @Test("wrong magic, empty file, unsupported and big-endian versions")
    func magicAndVersion() throws {
        try expectInvalid(Array("GGML0000".utf8), "not a GGUF file")
        try expectInvalid([], "truncated")
        try expectInvalid(header(tensorCount: 0, pairCount: 0, version: 1) { _ in }, "version 1 is not supported")
        try expectInvalid(header(tensorCount: 0, pairCount: 0, version: 3 << 24) { _ in }, "big-endian")
    }

    @Test("truncated anywhere in the header")
    func truncated() throws {
        let whole = header(tensorCount: 1, pairCount: 1) { b in
            b.string("general.name"); b.u32(8); b.string("tiny")
            tensorInfo(&b, name: "a", dims: [8], offset: 0)
        }
        for cut in [3, 7, 15, 23, 30, 40, 50, whole.count - 1] {
            try expectInvalid(Array(whole.prefix(cut)), "truncated", or: "left in the file")
        }
    }

    @Test("absurd counts and lengths are refused before allocating")
    func absurdCounts() throws {
        try expectInvalid(header(tensorCount: 1 << 60, pairCount: 0) { _ in }, "the tensor count is 1152921504606846976")
        try expectInvalid(header(tensorCount: 0, pairCount: 1 << 60) { _ in }, "the metadata count")
        try expectInvalid(header(tensorCount: 0, pairCount: 1) { b in b.u64(1 << 40); b.raw([0x41]) },
                          "length of metadata key #0 is 1099511627776")
        try expectInvalid(header(tensorCount: 0, pairCount: 1) { b in
            b.string("k"); b.u32(8); b.u64(1 << 40)
        }, "length of the value of metadata \"k\"")
        try expectInvalid(header(tensorCount: 0, pairCount: 1) { b in
            b.string("k"); b.u32(9); b.u32(4); b.u64(1 << 60)
        }, "array length of metadata \"k\"")
        try expectInvalid(header(tensorCount: 1, pairCount: 0) { b in
            tensorInfo(&b, name: "a", dims: [1 << 62, 1 << 62], offset: 0)
        }, "element count overflows")
    }

    @Test("invalid UTF-8, duplicate keys and names, unknown types, bad bools")
    func contentErrors() throws {
        try expectInvalid(header(tensorCount: 0, pairCount: 1) { b in b.u64(2); b.raw([0xC3, 0x28]); b.u32(0); b.u8(1) },
                          "not valid UTF-8")
        try expectInvalid(header(tensorCount: 0, pairCount: 2) { b in
            b.string("k"); b.u32(0); b.u8(1); b.string("k"); b.u32(0); b.u8(2)
        }, "duplicate metadata key \"k\"")
        try expectInvalid(twoTensors(offsets: (0, 32), secondName: "a"), "duplicate tensor name \"a\"")
        try expectInvalid(header(tensorCount: 0, pairCount: 1) { b in b.string("k"); b.u32(13); b.u8(0) },
                          "unknown value type 13")
        try expectInvalid(header(tensorCount: 1, pairCount: 0) { b in tensorInfo(&b, name: "a", dims: [8], type: 4, offset: 0) },
                          "unknown ggml type id 4")
        try expectInvalid(header(tensorCount: 0, pairCount: 1) { b in b.string("k"); b.u32(7); b.u8(2) }, "must be 0 or 1")
        try expectInvalid(header(tensorCount: 1, pairCount: 0) { b in tensorInfo(&b, name: "a", dims: [1, 1, 1, 1, 1], offset: 0) },
                          "5 dimensions")
        try expectInvalid(header(tensorCount: 1, pairCount: 0) { b in tensorInfo(&b, name: "a", dims: [33], type: 2, offset: 0) },
                          "not whole Q4_0 blocks")
    }

    @Test("arrays nested too deep")
    func nesting() throws {
        try expectInvalid(header(tensorCount: 0, pairCount: 1) { b in
            b.string("k"); b.u32(9)
            for _ in 0..<100 { b.u32(9); b.u64(1) }
            b.u32(0); b.u64(0)
        }, "nested deeper than 8")
    }

    @Test("alignment: must be a non-zero power of two stored as uint32", arguments: [UInt32(0), 3, 48])
    func alignment(value: UInt32) throws {
        try expectInvalid(header(tensorCount: 0, pairCount: 1) { b in b.string("general.alignment"); b.u32(4); b.u32(value) },
                          "not a non-zero power of two")
    }

    @Test("tensor data out of range, misaligned or overlapping")
    func tensorRanges() throws {
        try expectInvalid(twoTensors(offsets: (0, 64)), "runs past the end of the file")
        try expectInvalid(twoTensors(offsets: (0, UInt64.max - 31)), "offset")
        try expectInvalid(twoTensors(offsets: (0, 4)), "not a multiple of the alignment 32")
        try expectInvalid(twoTensors(offsets: (0, 0)), "overlap")
        try expectInvalid(twoTensors(offsets: (0, 32), dims: [16], dataBytes: 128), "overlap")
    }
}
