// A GGUF file (llama.cpp's format, versions 2 and 3), read from a memory map. Layout as in llama.cpp's
// `gguf-py/gguf/gguf_reader.py` and `ggml/src/gguf.cpp`:
//   "GGUF" | u32 version | u64 tensor count | u64 metadata count | metadata pairs | tensor infos | padding to
//   `general.alignment` | tensor data (each tensor at an aligned offset from the start of the data section).
// Every count, length and offset is checked against the file size before anything is allocated.

import TinyTune

/// A parsed GGUF file: metadata in file order, the tensor table, and tensor data mapped (not copied) from disk.
///
///     let file = try GGUFFile(path: "models/gemma-3-270m-q4_k_m.gguf")
///     file.version                                   // 3
///     file.metadata["general.architecture"]?.string  // "gemma3"
///     for t in file.tensors { print(t.name, t.type, t.shape) }
///     let embedding = try file.dequantize(named: "token_embd.weight")   // Tensor [262144, 640], f32
public struct GGUFFile: Sendable {
    /// The format version (2 or 3; version 1 used 32-bit counts and is refused).
    public let version: UInt32
    /// The key-value metadata, in file order.
    public let metadata: GGUFMetadata
    /// The tensor infos, in file order.
    public let tensors: [GGUFTensorInfo]
    /// `general.alignment`, or 32 when absent.
    public let alignment: Int
    /// Offset of the data section from the start of the file.
    public let dataOffset: Int
    /// The mapped file.
    public let file: MappedFile
    private let tensorIndex: [String: Int]

    /// The path the file was read from.
    public var path: String { file.path }

    /// Deepest array nesting accepted (arrays of arrays of ...), so a hostile file cannot exhaust the stack.
    public static let maximumArrayDepth = 8
    /// Most dimensions a tensor may have (ggml's `GGML_MAX_DIMS`).
    public static let maximumDimensions = 4

    /// Maps and parses `path`. Throws `TinyTuneError.invalidFile` naming the file and the problem.
    public init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    /// Parses an already mapped file.
    public init(file: MappedFile) throws {
        self.file = file
        var reader = ByteReader(file.bytes, path: file.path)
        let magic = try reader.slice(4, "the magic number \"GGUF\"")
        guard magic.elementsEqual("GGUF".utf8) else {
            throw reader.error("not a GGUF file (the first four bytes are not \"GGUF\")")
        }
        let version = try reader.uint32("the version")
        guard version == 2 || version == 3 else {
            if version.byteSwapped == 2 || version.byteSwapped == 3 {
                throw reader.error("big-endian GGUF (version \(version.byteSwapped)) is not supported")
            }
            throw reader.error("GGUF version \(version) is not supported (only 2 and 3)")
        }
        self.version = version
        // Each tensor info takes at least 24 bytes (empty name, 0 dims, type, offset); each pair at least 13.
        let tensorCount = try reader.count("the tensor count", atMost: max(0, reader.remaining - 16) / 24, unit: "tensor infos")
        let pairCount = try reader.count("the metadata count", atMost: reader.remaining / 13, unit: "metadata pairs")

        var entries: [(key: String, value: GGUFValue)] = []
        var keyIndex: [String: Int] = [:]
        entries.reserveCapacity(pairCount)
        for i in 0..<pairCount {
            let key = try reader.string("metadata key #\(i)")
            guard keyIndex[key] == nil else { throw reader.error("duplicate metadata key \"\(key)\"") }
            let tag = try reader.uint32("the type of metadata \"\(key)\"")
            guard let type = GGUFValueType(rawValue: tag) else {
                throw reader.error("metadata \"\(key)\" has unknown value type \(tag)")
            }
            let value = try Self.readValue(type, &reader, key: key, depth: 0)
            keyIndex[key] = entries.count
            entries.append((key, value))
        }
        metadata = GGUFMetadata(entries: entries, index: keyIndex)

        if let stored = metadata["general.alignment"] {
            guard case let .uint32(a) = stored else {
                throw reader.error("general.alignment must be a uint32, found \(stored.type)")
            }
            guard a != 0, a & (a - 1) == 0 else {
                throw reader.error("general.alignment is \(a), not a non-zero power of two")
            }
            alignment = Int(a)
        } else {
            alignment = 32
        }

        var infos: [(name: String, type: GGMLType, dimensions: [Int], offset: Int)] = []
        infos.reserveCapacity(tensorCount)
        var names: [String: Int] = [:]
        for i in 0..<tensorCount {
            let name = try reader.string("the name of tensor #\(i)")
            guard names[name] == nil else { throw reader.error("duplicate tensor name \"\(name)\"") }
            let rank = try reader.uint32("the dimension count of tensor \"\(name)\"")
            guard rank <= Self.maximumDimensions else {
                throw reader.error("tensor \"\(name)\" has \(rank) dimensions (at most \(Self.maximumDimensions))")
            }
            var dimensions: [Int] = []
            for d in 0..<Int(rank) {
                let raw = try reader.uint64("dimension \(d) of tensor \"\(name)\"")
                guard raw <= UInt64(Int.max) else {
                    throw reader.error("tensor \"\(name)\" dimension \(d) is \(raw), too large")
                }
                dimensions.append(Int(raw))
            }
            let tag = try reader.uint32("the type of tensor \"\(name)\"")
            guard let type = GGMLType(rawValue: tag) else {
                throw reader.error("tensor \"\(name)\" has unknown ggml type id \(tag)")
            }
            let rawOffset = try reader.uint64("the offset of tensor \"\(name)\"")
            guard rawOffset <= UInt64(Int.max) else {
                throw reader.error("tensor \"\(name)\" offset \(rawOffset) is past the end of the file")
            }
            names[name] = infos.count
            infos.append((name, type, dimensions, Int(rawOffset)))
        }
        tensorIndex = names

        // The data section starts at the next multiple of the alignment.
        let headerEnd = reader.offset
        let padding = (alignment - headerEnd % alignment) % alignment
        dataOffset = headerEnd + padding
        let dataBytes = file.count - dataOffset

        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(infos.count)
        for info in infos {
            let where_ = "tensor \"\(info.name)\" (\(info.type), dimensions \(info.dimensions))"
            guard let elements = CheckedSize.product(info.dimensions) else {
                throw reader.error("\(where_): the element count overflows")
            }
            let rowLength = info.dimensions.first ?? 1
            guard rowLength % info.type.blockElements == 0, let bytes = info.type.byteCount(elements: elements) else {
                throw reader.error("\(where_): rows of \(rowLength) values are not whole \(info.type) blocks of \(info.type.blockElements)")
            }
            guard info.offset % alignment == 0 else {
                throw reader.error("\(where_): offset \(info.offset) is not a multiple of the alignment \(alignment)")
            }
            guard dataBytes >= 0, let end = CheckedSize.add(info.offset, bytes), end <= dataBytes else {
                throw reader.error("\(where_): data at offset \(info.offset) + \(bytes) bytes runs past the end of the file (\(max(dataBytes, 0)) data bytes)")
            }
            tensors.append(GGUFTensorInfo(name: info.name, type: info.type, dimensions: info.dimensions,
                                          offset: info.offset, fileOffset: dataOffset + info.offset,
                                          byteCount: bytes, elementCount: elements))
        }
        // No two tensors may share bytes.
        let byOffset = tensors.filter { $0.byteCount > 0 }.sorted { $0.offset < $1.offset }
        for (a, b) in zip(byOffset, byOffset.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw reader.error("tensors \"\(a.name)\" and \"\(b.name)\" overlap (bytes \(a.offset)..<\(a.offset + a.byteCount) and \(b.offset)..<\(b.offset + b.byteCount) of the data section)")
        }
        self.tensors = tensors
    }

    /// Reads one value of `type`; arrays recurse up to `maximumArrayDepth`.
    private static func readValue(_ type: GGUFValueType, _ reader: inout ByteReader, key: String,
                                  depth: Int) throws -> GGUFValue {
        let what = "the value of metadata \"\(key)\""
        switch type {
        case .uint8: return .uint8(try reader.uint8(what))
        case .int8: return .int8(Int8(bitPattern: try reader.uint8(what)))
        case .uint16: return .uint16(try reader.uint16(what))
        case .int16: return .int16(Int16(bitPattern: try reader.uint16(what)))
        case .uint32: return .uint32(try reader.uint32(what))
        case .int32: return .int32(Int32(bitPattern: try reader.uint32(what)))
        case .uint64: return .uint64(try reader.uint64(what))
        case .int64: return .int64(Int64(bitPattern: try reader.uint64(what)))
        case .float32: return .float32(Float(bitPattern: try reader.uint32(what)))
        case .float64: return .float64(Double(bitPattern: try reader.uint64(what)))
        case .bool:
            let byte = try reader.uint8(what)
            guard byte <= 1 else { throw reader.error("metadata \"\(key)\": a bool must be 0 or 1, found \(byte)") }
            return .bool(byte == 1)
        case .string: return .string(try reader.string(what))
        case .array:
            guard depth < maximumArrayDepth else {
                throw reader.error("metadata \"\(key)\": arrays nested deeper than \(maximumArrayDepth)")
            }
            let tag = try reader.uint32("the element type of metadata \"\(key)\"")
            guard let elementType = GGUFValueType(rawValue: tag) else {
                throw reader.error("metadata \"\(key)\": array of unknown value type \(tag)")
            }
            let count = try reader.count("the array length of metadata \"\(key)\"",
                                         atMost: reader.remaining / elementType.minimumBytes,
                                         unit: "\(elementType) elements")
            var elements: [GGUFValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count {
                elements.append(try readValue(elementType, &reader, key: key, depth: depth + 1))
            }
            return .array(elementType, elements)
        }
    }

    /// The tensor info named `name` (as stored), if any.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The stored bytes of `tensor`, read in place from the map (valid while `body` runs).
    public func withBytes<R>(of tensor: GGUFTensorInfo, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(file) {
            try body(UnsafeRawBufferPointer(rebasing: file.bytes[tensor.fileOffset..<(tensor.fileOffset + tensor.byteCount)]))
        }
    }

    /// The tensor's values as f32, row-major with shape `tensor.shape`: the stored values dequantized exactly as
    /// gguf-py's `gguf.quants.dequantize` does, with no model-level conversion.
    public func dequantize(_ tensor: GGUFTensorInfo) throws -> Tensor {
        var result = Tensor(zeros: tensor.shape)
        try withBytes(of: tensor) { bytes in
            try result.withUnsafeMutableBufferPointer { out in
                try GGMLDequantizer.dequantize(bytes, type: tensor.type, into: out, path: path, name: tensor.name)
            }
        }
        return result
    }

    /// `dequantize` of the tensor named `name`; unknown names are an error listing none of the others.
    public func dequantize(named name: String) throws -> Tensor {
        guard let info = tensor(named: name) else {
            throw TinyTuneError.invalidFile(path: path, reason: "no tensor named \"\(name)\"")
        }
        return try dequantize(info)
    }

    /// The values of flat (row-major) indices `range` of `tensor` as f32, decoding only the blocks they touch.
    public func dequantize(_ tensor: GGUFTensorInfo, elements range: Range<Int>) throws -> [Float] {
        guard range.lowerBound >= 0, range.upperBound <= tensor.elementCount else {
            throw TinyTuneError.unsupported("elements \(range) are out of range for \(tensor.name) (\(tensor.elementCount) values)")
        }
        if range.isEmpty { return [] }
        let per = tensor.type.blockElements
        let firstBlock = range.lowerBound / per
        let lastBlock = (range.upperBound - 1) / per
        let blocks = lastBlock - firstBlock + 1
        var decoded = [Float](repeating: 0, count: blocks * per)
        try withBytes(of: tensor) { bytes in
            let slice = UnsafeRawBufferPointer(rebasing: bytes[(firstBlock * tensor.type.blockBytes)..<((lastBlock + 1) * tensor.type.blockBytes)])
            try decoded.withUnsafeMutableBufferPointer { out in
                try GGMLDequantizer.dequantize(slice, type: tensor.type, into: out, path: path, name: tensor.name)
            }
        }
        let start = range.lowerBound - firstBlock * per
        return Array(decoded[start..<(start + range.count)])
    }
}
