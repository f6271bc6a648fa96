/// GPT-2's reversible map between bytes and printable characters (`bytes_to_unicode` in openai/gpt-2
/// `encoder.py`; llama.cpp `unicode_byte_to_utf8`): printable Latin-1 bytes map to themselves, the other 68
/// bytes to U+0100 onwards, in byte order. Byte-level BPE vocabularies store their tokens in this alphabet.
///
///     ByteLevelEncoding.encode(Array(" é".utf8))      // "ĠÃ©"
///     ByteLevelEncoding.decode("ĠÃ©")                 // [0x20, 0xC3, 0xA9]
public enum ByteLevelEncoding {
    /// The character for each byte.
    public static let byteToScalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            if printable {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(next) ?? " "   // 256..<324: always valid scalars
                next += 1
            }
        }
        return table
    }()

    /// The UTF-8 bytes of each byte's character (one or two bytes), for building encoded words without Strings.
    static let byteToUTF8: [[UInt8]] = byteToScalar.map { Array(String(Character($0)).utf8) }

    /// The byte for each character of the alphabet.
    public static let scalarToByte: [Unicode.Scalar: UInt8] = {
        var table: [Unicode.Scalar: UInt8] = [:]
        for (byte, scalar) in byteToScalar.enumerated() { table[scalar] = UInt8(byte) }
        return table
    }()

    /// `bytes` written in the byte-level alphabet.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(byteToScalar[Int(b)]) }
        return String(s)
    }

    /// The bytes behind a byte-level string; nil if a character is outside the alphabet.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            guard let b = scalarToByte[scalar] else { return nil }
            bytes.append(b)
        }
        return bytes
    }
}
