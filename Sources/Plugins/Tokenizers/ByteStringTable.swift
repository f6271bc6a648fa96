/// A hash table from byte strings to ids, for token look-ups on slices of a word buffer without building a key:
/// open addressing with linear probing over FNV-1a hashes, the keys stored back to back in one array.
/// (A `Dictionary<ArraySlice<UInt8>, Int32>` spent most of the encoding time hashing and comparing slices.)
///
///     var table = ByteStringTable()
///     table.insert(Array("▁the".utf8)[...], value: 506)
///     table[Array("x▁the".utf8)[1...]]   // 506
struct ByteStringTable: Sendable {
    private var keyBytes: [UInt8] = []
    private var keyStart: [Int32] = []
    private var keyLength: [Int32] = []
    private var values: [Int32] = []
    /// Entry index + 1 per slot; 0 is empty.
    private var slots: [Int32]
    private var mask: Int

    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: 0, count: size)
        mask = size - 1
    }

    var count: Int { values.count }

    @inline(__always)
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    /// The slot holding `key`, or the empty slot where it would go.
    @inline(__always)
    private func slot(for key: UnsafeBufferPointer<UInt8>) -> (slot: Int, found: Bool) {
        var i = Self.hash(key) & mask
        while true {
            let entry = Int(slots[i])
            if entry == 0 { return (i, false) }
            let e = entry - 1
            if Int(keyLength[e]) == key.count {
                let start = Int(keyStart[e])
                let equal = keyBytes.withUnsafeBufferPointer { all in
                    key.count == 0 || memcmpBytes(all.baseAddress! + start, key.baseAddress!, key.count)
                }
                if equal { return (i, true) }
            }
            i = (i + 1) & mask
        }
    }

    /// The id of `key`, if present.
    func lookup(_ key: UnsafeBufferPointer<UInt8>) -> Int32? {
        let (s, found) = slot(for: key)
        return found ? values[Int(slots[s]) - 1] : nil
    }

    subscript(key: ArraySlice<UInt8>) -> Int32? {
        key.withUnsafeBufferPointer { lookup($0) }
    }

    /// Adds `key` → `value`; an existing key keeps its value unless `replace`. Returns the value now stored.
    @discardableResult
    mutating func insert(_ key: ArraySlice<UInt8>, value: Int32, replace: Bool = false) -> Int32 {
        if (values.count + 1) * 2 > slots.count { grow() }
        return key.withUnsafeBufferPointer { buffer -> Int32 in
            let (s, found) = slot(for: buffer)
            if found {
                let e = Int(slots[s]) - 1
                if replace { values[e] = value }
                return values[e]
            }
            keyStart.append(Int32(keyBytes.count))
            keyLength.append(Int32(buffer.count))
            keyBytes.append(contentsOf: buffer)
            values.append(value)
            slots[s] = Int32(values.count)
            return value
        }
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: 0, count: size)
        mask = size - 1
        for e in 0..<values.count {
            let start = Int(keyStart[e]), length = Int(keyLength[e])
            let s = keyBytes.withUnsafeBufferPointer { all in
                slot(for: UnsafeBufferPointer(rebasing: all[start..<(start + length)])).slot
            }
            slots[s] = Int32(e + 1)
        }
    }
}

@inline(__always)
private func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    while i < n {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}
