import Testing
@testable import TinyTunePlugins

@Suite("Byte-level alphabet and streaming decoding")
struct ByteLevelAndStreamingTests {
    @Test func byteAlphabetRoundTrips() {
        let all = (0...255).map { UInt8($0) }
        let encoded = ByteLevelEncoding.encode(all)
        #expect(encoded.unicodeScalars.count == 256)
        #expect(ByteLevelEncoding.decode(encoded) == all)
        #expect(ByteLevelEncoding.encode(Array(" ".utf8)) == "Ġ")    // GPT-2's space
        #expect(ByteLevelEncoding.encode(Array("\n".utf8)) == "Ċ")
    }

    @Test(arguments: [
        ([0x41, 0xC3], 1),          // "A" then the first byte of a 2-byte character: hold it
        ([0xC3, 0xA9], 2),          // "é" complete
        ([0xF0, 0x9F, 0x98], 0),    // 3 of the 4 bytes of an emoji
        ([0xF0, 0x9F, 0x98, 0x80], 4),
        ([0x80], 1),                // a stray continuation byte passes through (becomes U+FFFD)
    ])
    func completePrefix(bytes: [UInt8], expected: Int) {
        #expect(StreamingDecoder.completePrefixLength(bytes) == expected)
    }
}
