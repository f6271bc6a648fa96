// A read-only memory map of a whole file: tensor bytes are read in place, nothing is copied until a tensor is
// converted to f32.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TinyTune

/// A file mapped read-only into memory (`mmap(PROT_READ, MAP_PRIVATE)`), unmapped when the last reference goes.
///
///     let file = try MappedFile(path: "model.gguf")
///     let magic = file.bytes.prefix(4)        // no read(2), no copy
///
/// `@unchecked Sendable` is sound: the mapping is read-only and immutable for the object's lifetime.
public final class MappedFile: @unchecked Sendable {
    /// The file as stored; valid while this object lives.
    public let bytes: UnsafeRawBufferPointer
    /// The path the file was opened with, for error messages.
    public let path: String
    private let mapping: UnsafeMutableRawPointer?

    /// Maps `path`; an empty file maps to an empty buffer.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw TinyTuneError.io(path: path, reason: "cannot open (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw TinyTuneError.io(path: path, reason: "cannot stat (\(String(cString: strerror(errno))))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw TinyTuneError.io(path: path, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        if size == 0 {
            mapping = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
            throw TinyTuneError.io(path: path, reason: "cannot map into memory (\(String(cString: strerror(errno))))")
        }
        mapping = address
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    /// File size in bytes.
    public var count: Int { bytes.count }

    deinit {
        if let mapping { munmap(mapping, bytes.count) }
    }
}
