// Writes .safetensors files (for the adapters we save): header JSON with `__metadata__`, padded with spaces to a
// multiple of 8 bytes as the reference writer does, then the tensors back to back in the order given.

import Foundation
import TinyTune

/// Writes f32 tensors (stored as F32, F16 or BF16) to a safetensors file, replacing it atomically.
///
///     try SafetensorsWriter.write([("base_model.tinylora_v.0", v)], dtype: .f32,
///                                 metadata: ["format": "pt"], to: "runs/adapter.safetensors")
public enum SafetensorsWriter {
    public static func write(_ tensors: [(name: String, tensor: Tensor)], dtype: SafetensorsDType = .f32,
                             metadata: [String: String] = [:], to path: String) throws {
        guard [.f32, .f16, .bf16].contains(dtype) else {
            throw TinyTuneError.unsupported("the safetensors writer stores F32, F16 or BF16, not \(dtype.rawValue)")
        }
        var names = Set<String>()
        var members: [(key: String, value: JSONValue)] = []
        if !metadata.isEmpty {
            members.append(("__metadata__", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        var offset = 0
        for (name, tensor) in tensors {
            guard name != "__metadata__", names.insert(name).inserted else {
                throw TinyTuneError.unsupported("\(path): tensor name \"\(name)\" is repeated or reserved")
            }
            let bytes = tensor.count * dtype.byteSize
            members.append((name, .object([
                ("dtype", .string(dtype.rawValue)),
                ("shape", .array(tensor.shape.map { .int(Int64($0)) })),
                ("data_offsets", .array([.int(Int64(offset)), .int(Int64(offset + bytes))])),
            ])))
            offset += bytes
        }
        var header = Array(JSONValue.object(members).serialized().utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for (_, tensor) in tensors {
            tensor.withUnsafeBufferPointer { values in
                switch dtype {
                case .f16, .bf16:
                    var bits = [UInt16](repeating: 0, count: values.count)
                    bits.withUnsafeMutableBufferPointer { out in
                        if dtype == .f16 { HalfPrecision.floatToF16(values, into: out) } else { HalfPrecision.floatToBF16(values, into: out) }
                    }
                    for b in bits { withUnsafeBytes(of: b.littleEndian) { data.append(contentsOf: $0) } }
                default:
                    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
                }
            }
        }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw TinyTuneError.io(path: path, reason: "cannot write (\(error.localizedDescription))")
        }
    }
}
