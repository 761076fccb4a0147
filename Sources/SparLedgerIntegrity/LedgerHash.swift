import Crypto
import Foundation

/// A SHA-256 value: an entry hash, a Merkle node or a tree root.
public struct LedgerHash: Sendable, Hashable, CustomStringConvertible {
    /// The 32 bytes of the digest.
    public let bytes: [UInt8]

    /// The byte count of every hash.
    public static let byteCount = 32

    /// The chain's starting value: the "previous hash" of the first entry (32 zero bytes).
    public static let genesis = LedgerHash(unchecked: [UInt8](repeating: 0, count: byteCount))

    /// Wraps 32 bytes; nil when the count is wrong.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = Array(bytes)
    }

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// Parses 64 hexadecimal digits (either case); nil otherwise.
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == Self.byteCount * 2 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(Self.byteCount)
        var i = 0
        while i < utf8.count {
            guard let hi = Self.nibble(utf8[i]), let lo = Self.nibble(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        bytes = out
    }

    /// SHA-256 of `data`.
    public static func sha256(_ data: some DataProtocol) -> LedgerHash {
        LedgerHash(unchecked: SHA256.hash(data: data).withUnsafeBytes { Array($0) })
    }

    /// SHA-256 of the bytes in `buffer` (the fast path: no copy, no per-byte iteration).
    static func sha256(buffer: UnsafeRawBufferPointer) -> LedgerHash {
        var hasher = SHA256()
        hasher.update(bufferPointer: buffer)
        return LedgerHash(unchecked: hasher.finalize().withUnsafeBytes { Array($0) })
    }

    /// Lower-case hexadecimal, 64 digits.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The first 12 hexadecimal digits, for messages.
    public var short: String { String(hex.prefix(12)) }

    public var description: String { hex }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        case 65...70: c - 55
        default: nil
        }
    }
}
