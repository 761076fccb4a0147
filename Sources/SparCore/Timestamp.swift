/// An instant, in whole milliseconds since 1970-01-01T00:00:00Z.
///
/// Spar keeps every time as integer milliseconds so that sums over millions of intervals stay exact.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public init(seconds: Int64) { self.milliseconds = seconds * 1000 }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// The instants whose UTC form has a four-digit year, 0001-01-01T00:00:00Z through 9999-12-31T23:59:59.999Z:
    /// what the ledger's canonical form can write and read back.
    public static let representable: ClosedRange<Timestamp> =
        Timestamp(milliseconds: CivilDate.days(1, 1, 1) * 86_400_000)...Timestamp(
            milliseconds: (CivilDate.days(10_000, 1, 1)) * 86_400_000 - 1)

    public func adding(milliseconds delta: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds + delta) }

    public func adding(seconds delta: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds + delta * 1000) }

    public var description: String { rfc3339 }

    /// RFC 3339 in UTC with millisecond precision only when needed (`2026-03-02T06:00:00Z`).
    public var rfc3339: String { rfc3339(offsetSeconds: 0) }

    /// RFC 3339 in a fixed offset from UTC (`2026-03-02T08:00:00+02:00`).
    public func rfc3339(offsetSeconds: Int) -> String {
        let local = milliseconds + Int64(offsetSeconds) * 1000
        let (days, msOfDay) = local.floorDivided(by: 86_400_000)
        let (y, m, d) = CivilDate.fromDays(days)
        let h = msOfDay / 3_600_000
        let mi = (msOfDay / 60_000) % 60
        let s = (msOfDay / 1000) % 60
        let ms = msOfDay % 1000
        var out = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2))"
        if ms != 0 { out += ".\(pad(ms, 3))" }
        if offsetSeconds == 0 {
            out += "Z"
        } else {
            let sign = offsetSeconds < 0 ? "-" : "+"
            let a = abs(offsetSeconds)
            out += "\(sign)\(pad(Int64(a / 3600), 2)):\(pad(Int64((a / 60) % 60), 2))"
        }
        return out
    }

    /// Parses an RFC 3339 date-time that carries an offset (`Z` or `±hh:mm`). Returns nil otherwise.
    public init?(rfc3339 text: some StringProtocol) {
        let b = Array(text.utf8)
        guard b.count >= 20 else { return nil }
        func digits(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= b.count else { return nil }
            var v: Int64 = 0
            for i in from..<(from + count) {
                let c = b[i]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            return v
        }
        guard let y = digits(0, 4), b[4] == 45, let mo = digits(5, 2), b[7] == 45, let d = digits(8, 2),
            b[10] == 84 || b[10] == 116 || b[10] == 32,
            let h = digits(11, 2), b[13] == 58, let mi = digits(14, 2), b[16] == 58, let s = digits(17, 2)
        else { return nil }
        guard (1...12).contains(mo), d >= 1, d <= CivilDate.daysInMonth(y, mo), h <= 23, mi <= 59, s <= 60
        else { return nil }
        var i = 19
        var fraction: Int64 = 0
        if i < b.count, b[i] == 46 {
            i += 1
            var scale: Int64 = 100
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                fraction += Int64(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            if i == start { return nil }
        }
        guard i < b.count else { return nil }
        var offset: Int64 = 0
        switch b[i] {
        case 90, 122:
            i += 1
        case 43, 45:
            guard let oh = digits(i + 1, 2), b.count > i + 3, b[i + 3] == 58, let om = digits(i + 4, 2),
                oh <= 23, om <= 59
            else { return nil }
            offset = (oh * 3600 + om * 60) * (b[i] == 45 ? -1 : 1)
            i += 6
        default:
            return nil
        }
        guard i == b.count else { return nil }
        let days = CivilDate.days(y, mo, d)
        let secs = days * 86_400 + h * 3600 + mi * 60 + min(s, 59) - offset
        self.milliseconds = secs * 1000 + fraction
    }
}

private func pad(_ v: Int64, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

extension Int64 {
    /// Floor division with a non-negative remainder.
    func floorDivided(by d: Int64) -> (quotient: Int64, remainder: Int64) {
        var q = self / d
        var r = self % d
        if r < 0 {
            q -= 1
            r += d
        }
        return (q, r)
    }
}

/// Proleptic Gregorian date arithmetic (days since 1970-01-01), after H. Hinnant's civil algorithms.
public enum CivilDate {
    public static func days(_ y: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func fromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    public static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// ISO weekday of a day number: 1 = Monday … 7 = Sunday.
    public static func weekday(_ days: Int64) -> Int {
        let (_, r) = (days + 3).floorDivided(by: 7)
        return Int(r) + 1
    }
}
