// A seeded mutation fuzzer over the committed fixture files: bit flips, random bytes, truncations and corrupted
// length fields (u64 counts and lengths set to huge or random values). Every parser must either succeed or throw
// a `TinyTuneError`; a crash, a hang or a huge allocation fails the run. Reproducible: the seed and iteration of
// any failure are printed, and `mutate(_:seed:)` regenerates the input.

import Foundation
import Testing
import TinyTune
@testable import TinyTuneLoaders
import TinyTunePlugins

/// Mutation strategies; one or more per iteration.
enum Mutation: CaseIterable {
    case flipBit, randomByte, truncate, hugeLength, randomLength, smallLength, duplicateRange
}

/// A mutated copy of `original`, deterministic in `seed`.
func mutate(_ original: [UInt8], seed: UInt64) -> [UInt8] {
    var rng = SeededGenerator(seed: seed)
    var bytes = original
    let rounds = rng.int(in: 1...3)
    for _ in 0..<rounds where !bytes.isEmpty {
        let position = rng.int(in: 0..<bytes.count)
        switch Mutation.allCases[rng.int(in: 0..<Mutation.allCases.count)] {
        case .flipBit: bytes[position] ^= UInt8(1) << UInt8(rng.int(in: 0..<8))
        case .randomByte: bytes[position] = UInt8(truncatingIfNeeded: rng.next())
        case .truncate: bytes.removeLast(bytes.count - position)
        case .hugeLength, .randomLength, .smallLength:
            // Overwrite 8 bytes with a length-like value: lengths and counts are u64 little-endian.
            let candidates: [UInt64] = [UInt64.max, 1 << 60, 1 << 40, UInt64(Int.max), 1 << 32 - 1]
            let value: UInt64
            switch Mutation.allCases[rng.int(in: 3..<6)] {
            case .hugeLength: value = candidates[rng.int(in: 0..<candidates.count)]
            case .randomLength: value = rng.next()
            default: value = UInt64(rng.int(in: 0..<300))
            }
            withUnsafeBytes(of: value.littleEndian) { raw in
                for (i, byte) in raw.enumerated() where position + i < bytes.count { bytes[position + i] = byte }
            }
        case .duplicateRange:
            let end = min(bytes.count, position + rng.int(in: 1...64))
            bytes.insert(contentsOf: bytes[position..<end], at: rng.int(in: 0...bytes.count))
        }
    }
    return bytes
}

/// Runs `parse` on `iterations` mutations of `fixture`; returns (successes, errors). Anything but a
/// `TinyTuneError` is recorded as an issue.
func fuzz(fixture: String, iterations: Int, seed: UInt64,
          parse: (MappedFile) throws -> Void) throws -> (ok: Int, failed: Int) {
    let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixturePath(fixture))))
    var ok = 0, failed = 0
    for iteration in 0..<iterations {
        let input = mutate(original, seed: seed &+ UInt64(iteration))
        do {
            try parse(MappedFile(copying: input, path: "\(fixture) (mutation \(seed &+ UInt64(iteration)))"))
            ok += 1
        } catch is TinyTuneError {
            failed += 1
        } catch {
            Issue.record("\(fixture) seed \(seed &+ UInt64(iteration)): unexpected error type \(type(of: error)): \(error)")
        }
    }
    return (ok, failed)
}

@Suite("Fuzzing the parsers with seeded mutations")
struct FuzzTests {
    @Test("GGUF: mutated files parse or throw; parsed ones dequantize every tensor")
    func gguf() throws {
        let (ok, failed) = try fuzz(fixture: "types_v3.gguf", iterations: 3000, seed: 1) { mapped in
            let file = try GGUFFile(file: mapped)
            for tensor in file.tensors { _ = try file.dequantize(tensor) }
        }
        #expect(ok + failed == 3000)
        #expect(ok > 100 && failed > 100, "the mutations exercise both paths (ok \(ok), failed \(failed))")
    }

    @Test("safetensors: mutated files parse or throw; parsed ones convert every tensor")
    func safetensors() throws {
        let (ok, failed) = try fuzz(fixture: "dtypes.safetensors", iterations: 3000, seed: 2) { mapped in
            let file = try SafetensorsFile(file: mapped)
            for info in file.tensors {
                if info.dtype.isFloat { _ = try file.tensor(info) } else if info.dtype.isInteger { _ = try file.integers(named: info.name) }
            }
        }
        #expect(ok + failed == 3000)
        #expect(ok > 100 && failed > 100, "the mutations exercise both paths (ok \(ok), failed \(failed))")
    }

    @Test("config.json: mutated text parses and decodes or throws a JSON or config error")
    func configJSON() throws {
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixturePath("sharded/config.json"))))
        var decoded = 0
        for iteration in 0..<2000 {
            let input = mutate(original, seed: 3 &+ UInt64(iteration))
            do {
                _ = try DecoderConfiguration(huggingFace: JSONValue.parse(Data(input), source: "config.json"))
                decoded += 1
            } catch is JSONParseError {
            } catch is ConfigError {
            } catch {
                Issue.record("seed \(3 &+ UInt64(iteration)): unexpected \(type(of: error)): \(error)")
            }
        }
        #expect(decoded > 10)
    }
}
