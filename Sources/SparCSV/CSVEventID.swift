import Crypto
import Foundation
import SparCore
import SparInterchange

/// Event ids for rows whose source gives none, derived from what the row says.
///
/// The id is `csv:<source>:` and the first 32 hex digits of SHA-256 over the event's canonical content without its
/// id (the contract's JSON: time in UTC, unit, type, every field) and the row's occurrence of that content in the
/// file (1 for its first row with that content, 2 for a second identical row, …). So re-importing a file, or a
/// re-export with rows appended, re-sorted or with other columns changed, yields the same ids for the same facts
/// and the ledger reports them as already there; two identical rows in one file stay two events; and a row whose
/// mapped content was edited becomes a new event (correct the old one with a correction event instead).
public enum CSVEventID {
    /// The content an id is derived from: the event's canonical JSON without its id.
    public static func contentKey(_ event: Event) -> String {
        EventCoding.jsonValue(event, includeID: false).canonical
    }

    /// The id of the `occurrence`-th row (from 1) of the file with `event`'s content.
    public static func content(_ event: Event, occurrence: Int) -> EventID {
        content(key: contentKey(event), source: event.source, occurrence: occurrence)
    }

    /// The id of the `occurrence`-th row with content `key` (``contentKey(_:)``) from `source`.
    static func content(key: String, source: String, occurrence: Int) -> EventID {
        EventID("csv:\(source):\(hex(Data("\(occurrence)\n\(key)".utf8)))")
    }

    /// The first 32 hex digits of the SHA-256 of `data`.
    static func hex(_ data: Data) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for byte in SHA256.hash(data: data).prefix(16) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `event` under `id` (a correction's replacement shares its correction's id).
    static func withID(_ id: EventID, _ event: Event) -> Event {
        var e = event
        e.id = id
        if case .correction(var c) = e.payload, var r = c.replacement {
            r.id = id
            c.replacement = r
            e.payload = .correction(c)
        }
        return e
    }
}
