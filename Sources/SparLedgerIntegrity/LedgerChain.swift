import Crypto

/// The hash chain over ledger entries.
///
/// An entry's hash is SHA-256 over its canonical bytes, which begin with the previous entry's hash:
///
/// ```
/// "spar.ledger.entry.v1"   20 ASCII bytes (domain tag)
/// previous hash            32 bytes (32 zero bytes before the first entry)
/// seq                      int64, big-endian
/// id, kind                 text: uint32 big-endian byte count, then the UTF-8 bytes
/// ts                       int64, big-endian (milliseconds since 1970, UTC)
/// unit, type, source, body text
/// recorded_at              int64, big-endian (milliseconds)
/// recorded_by              text
/// ```
///
/// Every stored column of the ledger row is inside these bytes, so editing any of them, or moving the row to
/// another position, changes the hash; the next entry's hash covers this one's.
public enum LedgerChain {
    /// The domain tag that starts every entry's canonical bytes.
    public static let domainTag: [UInt8] = Array("spar.ledger.entry.v1".utf8)

    /// The hash of an entry from its column values as the appender holds them.
    public static func entryHash(
        previous: LedgerHash, seq: Int64, id: String, kind: String, ts: Int64, unit: String, type: String,
        source: String, body: String, recordedAt: Int64, recordedBy: String
    ) -> LedgerHash {
        var w = CanonicalWriter(capacity: 128 + id.utf8.count + unit.utf8.count + body.utf8.count)
        w.raw(domainTag)
        w.raw(previous.bytes)
        w.int(seq)
        w.text(id)
        w.text(kind)
        w.int(ts)
        w.text(unit)
        w.text(type)
        w.text(source)
        w.text(body)
        w.int(recordedAt)
        w.text(recordedBy)
        return w.digest()
    }

    /// The hash of an entry from the raw bytes of its stored columns (what `spar verify` reads).
    public static func entryHash(previous: LedgerHash, columns c: EntryColumns) -> LedgerHash {
        var w = CanonicalWriter(capacity: 128 + c.id.count + c.unit.count + c.body.count)
        w.raw(domainTag)
        w.raw(previous.bytes)
        w.int(c.seq)
        w.text(c.id)
        w.text(c.kind)
        w.int(c.ts)
        w.text(c.unit)
        w.text(c.type)
        w.text(c.source)
        w.text(c.body)
        w.int(c.recordedAt)
        w.text(c.recordedBy)
        return w.digest()
    }
}

/// The stored columns of one ledger row, text columns as their raw UTF-8 bytes.
public struct EntryColumns: Sendable, Hashable {
    // The columns of the `ledger` table, in hashing order (see `LedgerChain`).
    public var seq: Int64
    public var id: [UInt8]
    public var kind: [UInt8]
    public var ts: Int64
    public var unit: [UInt8]
    public var type: [UInt8]
    public var source: [UInt8]
    public var body: [UInt8]
    public var recordedAt: Int64
    public var recordedBy: [UInt8]

    public init(
        seq: Int64, id: [UInt8], kind: [UInt8], ts: Int64, unit: [UInt8], type: [UInt8], source: [UInt8],
        body: [UInt8], recordedAt: Int64, recordedBy: [UInt8]
    ) {
        self.seq = seq
        self.id = id
        self.kind = kind
        self.ts = ts
        self.unit = unit
        self.type = type
        self.source = source
        self.body = body
        self.recordedAt = recordedAt
        self.recordedBy = recordedBy
    }

    /// The same columns from text values.
    public init(
        seq: Int64, id: String, kind: String, ts: Int64, unit: String, type: String, source: String, body: String,
        recordedAt: Int64, recordedBy: String
    ) {
        self.init(
            seq: seq, id: Array(id.utf8), kind: Array(kind.utf8), ts: ts, unit: Array(unit.utf8),
            type: Array(type.utf8), source: Array(source.utf8), body: Array(body.utf8), recordedAt: recordedAt,
            recordedBy: Array(recordedBy.utf8))
    }

    /// The id as text, for messages.
    public var idText: String { String(decoding: id, as: UTF8.self) }
}

/// Builds canonical bytes: fixed-width big-endian integers and length-prefixed text.
struct CanonicalWriter {
    var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    mutating func int(_ v: Int64) {
        withUnsafeBytes(of: UInt64(bitPattern: v).bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func length(_ n: Int) {
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: n).bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func text(_ s: String) {
        let utf8 = s.utf8
        length(utf8.count)
        let done: Void? = utf8.withContiguousStorageIfAvailable { bytes.append(contentsOf: $0) }
        if done == nil { bytes.append(contentsOf: utf8) }
    }

    mutating func text(_ b: [UInt8]) {
        length(b.count)
        bytes.append(contentsOf: b)
    }

    func digest() -> LedgerHash { bytes.withUnsafeBytes { LedgerHash.sha256(buffer: $0) } }
}
