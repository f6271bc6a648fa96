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
    /// Per slot: the key's 32-bit hash tag (high half) and entry index + 1 (low half); 0 is empty. The tag spares
    /// reading the key bytes of entries that merely share the probe sequence.
    private var slots: [UInt64]
    private var mask: Int

    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    var count: Int { values.count }

    @inline(__always)
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h ^ (h >> 29)
    }

    /// The slot holding `key`, or the empty slot where it would go.
    @inline(__always)
    private func slot(for key: UnsafeBufferPointer<UInt8>) -> (slot: Int, found: Bool) {
        let h = Self.hash(key)
        let tag = h & 0xFFFF_FFFF_0000_0000
        return slots.withUnsafeBufferPointer { slots in
            keyBytes.withUnsafeBufferPointer { all in
                var i = Int(truncatingIfNeeded: h) & mask
                while true {
                    let word = slots[i]
                    if word == 0 { return (i, false) }
                    if word & 0xFFFF_FFFF_0000_0000 == tag {
                        let e = Int(word & 0xFFFF_FFFF) - 1
                        if Int(keyLength[e]) == key.count
                            && (key.count == 0 || memcmpBytes(all.baseAddress! + Int(keyStart[e]), key.baseAddress!,
                                                               key.count)) {
                            return (i, true)
                        }
                    }
                    i = (i + 1) & mask
                }
            }
        }
    }

    /// The id of `key`, if present.
    func lookup(_ key: UnsafeBufferPointer<UInt8>) -> Int32? {
        let (s, found) = slot(for: key)
        return found ? values[Int(slots[s] & 0xFFFF_FFFF) - 1] : nil
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
                let e = Int(slots[s] & 0xFFFF_FFFF) - 1
                if replace { values[e] = value }
                return values[e]
            }
            keyStart.append(Int32(keyBytes.count))
            keyLength.append(Int32(buffer.count))
            keyBytes.append(contentsOf: buffer)
            values.append(value)
            slots[s] = (Self.hash(buffer) & 0xFFFF_FFFF_0000_0000) | UInt64(values.count)
            return value
        }
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        let keys = keyBytes
        for e in 0..<values.count {
            let start = Int(keyStart[e]), length = Int(keyLength[e])
            keys.withUnsafeBufferPointer { all in
                let key = UnsafeBufferPointer(rebasing: all[start..<(start + length)])
                let s = slot(for: key).slot
                slots[s] = (Self.hash(key) & 0xFFFF_FFFF_0000_0000) | UInt64(e + 1)
            }
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
