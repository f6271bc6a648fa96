// One .safetensors file, read from a memory map. Format (huggingface/safetensors README):
//   u64 little-endian header length N | N bytes of JSON header | tensor data.
// The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets from the start
// of the data), plus an optional "__metadata__" object of strings. Every offset and length is checked against
// the file size and the dtype size before any tensor is handed out.

import Foundation
import TinyTune

/// One tensor of a safetensors file, as its header entry describes it (checked).
public struct SafetensorsTensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafetensorsDType
    /// Row-major shape, as stored.
    public let shape: [Int]
    /// Offset of the first byte from the start of the file.
    public let fileOffset: Int
    public let byteCount: Int
    public var elementCount: Int { byteCount / dtype.byteSize }
}

/// A parsed safetensors file: header metadata, the tensor table, tensor data mapped (not copied) from disk.
///
///     let file = try SafetensorsFile(path: "model.safetensors")
///     file.metadata["format"]                       // "pt"
///     let w = try file.tensor(named: "model.embed_tokens.weight")   // Tensor, f32
///     let ids = try file.integers(named: "position_ids")             // [Int64] for integer and bool tensors
public struct SafetensorsFile: Sendable {
    /// `__metadata__`: string keys and values.
    public let metadata: [String: String]
    /// The tensors in header order.
    public let tensors: [SafetensorsTensorInfo]
    public let file: MappedFile
    private let index: [String: Int]

    public var path: String { file.path }

    /// Largest header accepted (the reference implementation's limit is 100 MB).
    public static let maximumHeaderBytes = 100_000_000

    public init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    public init(file: MappedFile) throws {
        self.file = file
        var reader = ByteReader(file.bytes, path: file.path)
        let headerLength = try reader.count("the header length", atMost: min(reader.remaining - 8, Self.maximumHeaderBytes),
                                            unit: "header bytes")
        let headerBytes = try reader.slice(headerLength, "the JSON header")
        let dataStart = reader.offset
        let dataBytes = file.count - dataStart
        let header: JSONValue
        do {
            header = try JSONValue.parse(Data(headerBytes), source: file.path)
        } catch let error as JSONParseError {
            throw reader.error("the JSON header is malformed: \(error.reason) (line \(error.line), column \(error.column))")
        }
        guard case let .object(members) = header else {
            throw reader.error("the JSON header is not an object")
        }
        var metadata: [String: String] = [:]
        var tensors: [SafetensorsTensorInfo] = []
        var index: [String: Int] = [:]
        for (name, entry) in members {
            if name == "__metadata__" {
                guard case let .object(pairs) = entry else { throw reader.error("__metadata__ is not an object") }
                for (key, value) in pairs {
                    guard case let .string(text) = value else {
                        throw reader.error("__metadata__ \"\(key)\" is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            guard index[name] == nil else { throw reader.error("duplicate tensor name \"\(name)\"") }
            guard case .string(let dtypeName)? = entry["dtype"] else {
                throw reader.error("tensor \"\(name)\" has no dtype string")
            }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
                throw reader.error("tensor \"\(name)\" has unknown dtype \"\(dtypeName)\" (known: \(SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard case .array(let shapeValues)? = entry["shape"] else {
                throw reader.error("tensor \"\(name)\" has no shape array")
            }
            var shape: [Int] = []
            for value in shapeValues {
                guard case let .int(d) = value, d >= 0 else {
                    throw reader.error("tensor \"\(name)\" has a bad shape \(entry["shape"]?.excerpt ?? "")")
                }
                shape.append(Int(d))
            }
            guard case .array(let offsets)? = entry["data_offsets"], offsets.count == 2,
                  case let .int(begin) = offsets[0], case let .int(end) = offsets[1], begin >= 0, begin <= end else {
                throw reader.error("tensor \"\(name)\" needs data_offsets [begin, end] with 0 ≤ begin ≤ end")
            }
            guard end <= Int64(dataBytes) else {
                throw reader.error("tensor \"\(name)\": data_offsets [\(begin), \(end)] run past the end of the data (\(dataBytes) bytes)")
            }
            guard let elements = CheckedSize.product(shape), let bytes = CheckedSize.multiply(elements, dtype.byteSize),
                  Int64(bytes) == end - begin else {
                throw reader.error("tensor \"\(name)\": shape \(shape) of \(dtype.rawValue) does not match data_offsets [\(begin), \(end)] (\(end - begin) bytes)")
            }
            index[name] = tensors.count
            tensors.append(SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape,
                                                 fileOffset: dataStart + Int(begin), byteCount: bytes))
        }
        let byOffset = tensors.filter { $0.byteCount > 0 }.sorted { $0.fileOffset < $1.fileOffset }
        for (a, b) in zip(byOffset, byOffset.dropFirst()) where a.fileOffset + a.byteCount > b.fileOffset {
            throw reader.error("tensors \"\(a.name)\" and \"\(b.name)\" overlap")
        }
        self.metadata = metadata
        self.tensors = tensors
        self.index = index
    }

    /// The tensor info named `name`, if any.
    public func info(named name: String) -> SafetensorsTensorInfo? {
        index[name].map { tensors[$0] }
    }

    private func require(_ name: String) throws -> SafetensorsTensorInfo {
        guard let info = info(named: name) else {
            throw TinyTuneError.invalidFile(path: path, reason: "no tensor named \"\(name)\"")
        }
        return info
    }

    /// The stored bytes of `tensor`, read in place (valid while `body` runs).
    public func withBytes<R>(of tensor: SafetensorsTensorInfo, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(file) {
            try body(UnsafeRawBufferPointer(rebasing: file.bytes[tensor.fileOffset..<(tensor.fileOffset + tensor.byteCount)]))
        }
    }

    /// The tensor as f32 with its stored shape: F32 as is, F16 and BF16 widened exactly, F64 rounded to nearest.
    /// Integer and bool tensors are refused (read them with `integers(named:)`).
    public func tensor(named name: String) throws -> Tensor {
        try tensor(require(name))
    }

    public func tensor(_ info: SafetensorsTensorInfo) throws -> Tensor {
        guard info.dtype.isFloat else {
            throw TinyTuneError.unsupported("\(path): tensor \"\(info.name)\" is \(info.dtype.rawValue), not a float type; read it with integers(named:)")
        }
        var result = Tensor(zeros: info.shape)
        withBytes(of: info) { bytes in
            result.withUnsafeMutableBufferPointer { out in
                switch info.dtype {
                case .f16: HalfPrecision.f16ToFloat(bytes: bytes, into: out)
                case .bf16: HalfPrecision.bf16ToFloat(bytes: bytes, into: out)
                case .f32:
                    #if _endian(little)
                    if let source = bytes.baseAddress, let target = out.baseAddress {
                        UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: bytes.count)
                    }
                    #else
                    for i in 0..<out.count {
                        out[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                    }
                    #endif
                default:  // .f64
                    for i in 0..<out.count {
                        out[i] = Float(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                    }
                }
            }
        }
        return result
    }

    /// An integer or bool tensor's values, row-major (bools as 0 and 1). U64 is refused (values may not fit).
    public func integers(named name: String) throws -> [Int64] {
        let info = try require(name)
        guard info.dtype.isInteger else {
            throw TinyTuneError.unsupported("\(path): tensor \"\(name)\" is \(info.dtype.rawValue), not an integer or bool type")
        }
        return withBytes(of: info) { bytes in
            (0..<info.elementCount).map { i -> Int64 in
                switch info.dtype {
                case .bool, .u8: return Int64(bytes[i])
                case .i8: return Int64(Int8(bitPattern: bytes[i]))
                case .i16: return Int64(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))
                case .u16: return Int64(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                case .i32: return Int64(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
                case .u32: return Int64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                default: return Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
                }
            }
        }
    }
}
