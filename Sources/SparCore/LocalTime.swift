import Foundation

/// Converts between UTC instants and local wall-clock times of an IANA time zone, DST included.
public struct LocalTime: Sendable {
    public let zone: TimeZone

    public init?(identifier: String) {
        guard let z = TimeZone(identifier: identifier) else { return nil }
        zone = z
    }

    /// Offset from UTC in seconds at an instant.
    public func offsetSeconds(at t: Timestamp) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t.milliseconds) / 1000)))
    }

    /// The instant of a local wall-clock time given as seconds since 1970-01-01T00:00 local.
    ///
    /// An ambiguous time (clocks set back) resolves to its first occurrence; a time that does not exist
    /// (clocks set forward) is read with the offset in force before the change, landing after the gap.
    public func instant(localSeconds: Int64) -> Timestamp {
        let o1 = offsetSeconds(at: Timestamp(seconds: localSeconds - 43_200))
        let o2 = offsetSeconds(at: Timestamp(seconds: localSeconds + 43_200))
        let c1 = localSeconds - o1
        let c2 = localSeconds - o2
        let v1 = offsetSeconds(at: Timestamp(seconds: c1)) == o1
        let v2 = offsetSeconds(at: Timestamp(seconds: c2)) == o2
        switch (v1, v2) {
        case (true, true): return Timestamp(seconds: min(c1, c2))
        case (true, false): return Timestamp(seconds: c1)
        case (false, true): return Timestamp(seconds: c2)
        case (false, false): return Timestamp(seconds: c1)
        }
    }

    /// Local day number (days since 1970-01-01 in local terms) of an instant.
    public func localDay(of t: Timestamp) -> Int64 {
        let local = t.milliseconds / 1000 + offsetSeconds(at: t)
        return local.floorDivided(by: 86_400).quotient
    }
}
