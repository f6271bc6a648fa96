// A cursor over untrusted little-endian bytes: every read is bounds-checked and a short read is an error that
// names the file, the offset and what was being read.

import TinyTune

/// Reads little-endian integers, floats and length-prefixed strings from a byte buffer, never past its end.
///
///     var reader = ByteReader(file.bytes, path: path)
///     let magic = try reader.uint32("magic")
///     let name = try reader.string(lengthBytes: 8, "tensor name")   // u64 length, then UTF-8
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    /// Offset of the next byte to read.
    private(set) var offset: Int = 0

    init(_ bytes: UnsafeRawBufferPointer, path: String, offset: Int = 0) {
        self.bytes = bytes
        self.path = path
        self.offset = offset
    }

    /// Bytes left after the cursor.
    var remaining: Int { bytes.count - offset }

    func error(_ reason: String) -> TinyTuneError {
        .invalidFile(path: path, reason: reason)
    }

    /// Checks that `count` more bytes exist, naming `what` otherwise.
    func need(_ count: Int, _ what: @autoclosure () -> String) throws {
        guard count >= 0, count <= remaining else {
            throw error("truncated: \(what()) needs \(count) bytes at offset \(offset), only \(remaining) left")
        }
    }

    mutating func load<T: FixedWidthInteger>(_ type: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try need(MemoryLayout<T>.size, what())
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return value
    }

    mutating func uint8(_ what: @autoclosure () -> String) throws -> UInt8 { try load(UInt8.self, what()) }
    mutating func uint16(_ what: @autoclosure () -> String) throws -> UInt16 { try load(UInt16.self, what()) }
    mutating func uint32(_ what: @autoclosure () -> String) throws -> UInt32 { try load(UInt32.self, what()) }
    mutating func uint64(_ what: @autoclosure () -> String) throws -> UInt64 { try load(UInt64.self, what()) }

    /// A u64 count or length as `Int`, refused when it exceeds `limit` (what the rest of the file could hold).
    mutating func count(_ what: @autoclosure () -> String, atMost limit: Int, unit: String) throws -> Int {
        let raw = try uint64(what())
        guard raw <= UInt64(Int.max), Int(raw) <= limit else {
            throw error("\(what()) is \(raw), but the \(remaining) bytes left in the file hold at most \(limit) \(unit)")
        }
        return Int(raw)
    }

    /// `count` raw bytes.
    mutating func slice(_ count: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        try need(count, what())
        let result = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return result
    }

    /// A u64 byte length then that many bytes of valid UTF-8.
    mutating func string(_ what: @autoclosure () -> String) throws -> String {
        let length = try count("length of \(what())", atMost: remaining - 8, unit: "bytes")
        let start = offset
        let raw = try slice(length, what())
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw error("\(what()) at offset \(start) is not valid UTF-8")
        }
        return text
    }

    mutating func skip(to newOffset: Int, _ what: @autoclosure () -> String) throws {
        guard newOffset >= offset, newOffset <= bytes.count else {
            throw error("truncated: \(what()) at offset \(newOffset) is past the end (\(bytes.count) bytes)")
        }
        offset = newOffset
    }
}

/// Overflow-checked arithmetic on sizes read from files.
enum CheckedSize {
    /// `a · b`, or nil on overflow.
    static func multiply(_ a: Int, _ b: Int) -> Int? {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : value
    }

    /// `a + b`, or nil on overflow.
    static func add(_ a: Int, _ b: Int) -> Int? {
        let (value, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : value
    }

    /// Product of `dimensions`, or nil on overflow or a negative dimension.
    static func product(_ dimensions: [Int]) -> Int? {
        var result = 1
        for d in dimensions {
            guard d >= 0, let next = multiply(result, d) else { return nil }
            result = next
        }
        return result
    }
}
