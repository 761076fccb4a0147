import Foundation
import SparCore

/// How a CSV time cell is written: ISO 8601, a date-time pattern, or seconds / milliseconds since 1970 (UTC).
///
/// A pattern uses `yyyy` (year), `MM`/`M` (month), `dd`/`d` (day), `HH`/`H` (hour 00–23), `mm` (minute), `ss`
/// (second), `S` (a fraction of the second, 1–9 digits), `X`/`XX`/`XXX` (an offset: `Z`, `+02`, `+0200`,
/// `+02:00`); `'…'` quotes literal letters, and any other character stands for itself. Parsing is strict: every
/// character of the cell must match, and out-of-range fields (day 31 of April, hour 24) are refused.
public struct CSVTimeFormat: Sendable, Hashable, CustomStringConvertible {
    /// The format as the map writes it.
    public let text: String
    let kind: Kind

    enum Kind: Sendable, Hashable {
        case iso8601
        case epochSeconds
        case epochMilliseconds
        case pattern([Token])
    }

    enum Token: Sendable, Hashable {
        case year
        case month(variable: Bool)
        case day(variable: Bool)
        case hour(variable: Bool)
        case minute, second, fraction
        case offset(colon: Bool, minutes: Bool)
        case literal(Character)
    }

    /// Why a format text is not one Spar reads.
    public struct FormatError: Error, Sendable, Hashable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// Reads a format: `iso8601`, `epochSeconds`, `epochMilliseconds`, or a pattern such as `dd.MM.yyyy HH:mm:ss`.
    public init(_ text: String) throws(FormatError) {
        self.text = text
        switch text {
        case "iso8601": kind = .iso8601
        case "epochSeconds": kind = .epochSeconds
        case "epochMilliseconds": kind = .epochMilliseconds
        default: kind = .pattern(try Self.tokens(text))
        }
    }

    public var description: String { text }

    /// Whether every time of this format carries its own offset (so no time zone is needed).
    public var alwaysCarriesOffset: Bool {
        switch kind {
        case .iso8601: false
        case .epochSeconds, .epochMilliseconds: true
        case .pattern(let t): t.contains { if case .offset = $0 { true } else { false } }
        }
    }

    static func tokens(_ text: String) throws(FormatError) -> [Token] {
        var out: [Token] = []
        let chars = Array(text)
        var i = 0
        var seen: Set<String> = []
        func once(_ name: String) throws(FormatError) {
            guard seen.insert(name).inserted else {
                throw FormatError(reason: "the pattern '\(text)' has \(name) twice")
            }
        }
        while i < chars.count {
            let c = chars[i]
            if c == "'" {
                guard let close = chars[(i + 1)...].firstIndex(of: "'") else {
                    throw FormatError(reason: "the pattern '\(text)' opens a quote it does not close")
                }
                if close == i + 1 {
                    out.append(.literal("'"))
                } else {
                    out += chars[(i + 1)..<close].map { .literal($0) }
                }
                i = close + 1
                continue
            }
            guard c.isLetter else {
                out.append(.literal(c))
                i += 1
                continue
            }
            var n = 1
            while i + n < chars.count, chars[i + n] == c { n += 1 }
            let run = String(repeating: c, count: n)
            switch (c, n) {
            case ("y", 4):
                try once("a year")
                out.append(.year)
            case ("M", 1), ("M", 2):
                try once("a month")
                out.append(.month(variable: n == 1))
            case ("d", 1), ("d", 2):
                try once("a day")
                out.append(.day(variable: n == 1))
            case ("H", 1), ("H", 2):
                try once("an hour")
                out.append(.hour(variable: n == 1))
            case ("m", 2):
                try once("a minute")
                out.append(.minute)
            case ("s", 2):
                try once("a second")
                out.append(.second)
            case ("S", _):
                try once("a fraction")
                out.append(.fraction)
            case ("X", 1...3):
                try once("an offset")
                out.append(.offset(colon: n == 3, minutes: n > 1))
            case ("y", _):
                throw FormatError(
                    reason:
                        "'\(run)' in '\(text)': write the year with four digits (yyyy); a two-digit year names no century"
                )
            case ("h", _), ("a", _), ("K", _), ("k", _):
                throw FormatError(reason: "'\(run)' in '\(text)': 12-hour clocks are not read; use HH (00–23)")
            default:
                throw FormatError(
                    reason:
                        "'\(run)' in '\(text)' is not a pattern field (yyyy MM M dd d HH H mm ss S X XX XXX; quote literal letters as 'T')"
                )
            }
            i += n
        }
        guard seen.isSuperset(of: ["a year", "a month", "a day", "an hour", "a minute"]) else {
            throw FormatError(reason: "the pattern '\(text)' needs at least yyyy, MM, dd, HH and mm")
        }
        return out
    }

    /// A time as written: a local civil time with its offset when the cell gave one, or an instant.
    enum Reading: Hashable {
        case local(seconds: Int64, milliseconds: Int64, offset: Int64?)
        case instant(Timestamp)
    }

    /// Reads a cell, or says why it cannot.
    func read(_ cell: String) -> Result<Reading, CellError> {
        switch kind {
        case .epochSeconds, .epochMilliseconds:
            let scale: Int64 = kind == .epochSeconds ? 1000 : 1
            guard let v = Int64(cell), v.magnitude <= 253_402_300_799_000 / UInt64(scale) else {
                let unit = kind == .epochSeconds ? "seconds" : "milliseconds"
                return .failure(CellError("'\(cell)' is not a whole number of \(unit) since 1970-01-01T00:00:00Z"))
            }
            return .success(.instant(Timestamp(milliseconds: v * scale)))
        case .iso8601:
            guard let r = Self.readISO(cell) else {
                return .failure(
                    CellError(
                        "'\(cell)' is not an ISO 8601 date-time (e.g. 2026-03-02T06:00:00, 2026-03-02 06:00:00+01:00)"))
            }
            return .success(r)
        case .pattern(let tokens):
            guard let r = Self.read(cell, tokens) else {
                return .failure(CellError("'\(cell)' is not a time of the form \(text)"))
            }
            return .success(r)
        }
    }

    static func civil(_ y: Int64, _ mo: Int64, _ d: Int64, _ h: Int64, _ mi: Int64, _ s: Int64) -> Int64? {
        guard (1...9999).contains(y), (1...12).contains(mo), d >= 1, d <= CivilDate.daysInMonth(y, mo), h <= 23,
            mi <= 59,
            s <= 60
        else { return nil }
        return CivilDate.days(y, mo, d) * 86_400 + h * 3600 + mi * 60 + min(s, 59)
    }

    static func readISO(_ cell: String) -> Reading? {
        let b = Array(cell.utf8)
        var i = 0
        func digits(_ count: Int) -> Int64? {
            guard i + count <= b.count else { return nil }
            var v: Int64 = 0
            for k in i..<(i + count) {
                guard b[k] >= 48, b[k] <= 57 else { return nil }
                v = v * 10 + Int64(b[k] - 48)
            }
            i += count
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let y = digits(4), expect(45), let mo = digits(2), expect(45), let d = digits(2) else { return nil }
        guard i < b.count, b[i] == 84 || b[i] == 116 || b[i] == 32 else { return nil }
        i += 1
        guard let h = digits(2), expect(58), let mi = digits(2) else { return nil }
        var s: Int64 = 0
        var ms: Int64 = 0
        if expect(58) {
            guard let sec = digits(2) else { return nil }
            s = sec
            if expect(46) || expect(44) {
                guard let f = fraction(b, &i) else { return nil }
                ms = f
            }
        }
        var offset: Int64?
        if i < b.count {
            guard let o = readOffset(b, &i, colon: nil, minutes: nil), i == b.count else { return nil }
            offset = o
        }
        guard let local = civil(y, mo, d, h, mi, s) else { return nil }
        return .local(seconds: local, milliseconds: ms, offset: offset)
    }

    /// A fraction of a second as milliseconds (digits past the third are dropped, as the contract's times do).
    static func fraction(_ b: [UInt8], _ i: inout Int) -> Int64? {
        var scale: Int64 = 100
        var v: Int64 = 0
        let start = i
        while i < b.count, b[i] >= 48, b[i] <= 57, i - start < 9 {
            v += Int64(b[i] - 48) * scale
            scale /= 10
            i += 1
        }
        return i == start ? nil : v
    }

    /// `Z`, `±HH`, `±HHMM` or `±HH:MM`; nil `colon`/`minutes` accept any of these forms.
    static func readOffset(_ b: [UInt8], _ i: inout Int, colon: Bool?, minutes: Bool?) -> Int64? {
        guard i < b.count else { return nil }
        if b[i] == 90 || b[i] == 122 {
            i += 1
            return 0
        }
        guard b[i] == 43 || b[i] == 45 else { return nil }
        let sign: Int64 = b[i] == 45 ? -1 : 1
        i += 1
        func two() -> Int64? {
            guard i + 2 <= b.count, (48...57).contains(b[i]), (48...57).contains(b[i + 1]) else { return nil }
            defer { i += 2 }
            return Int64(b[i] - 48) * 10 + Int64(b[i + 1] - 48)
        }
        guard let h = two(), h <= 23 else { return nil }
        var m: Int64 = 0
        let hasColon = i < b.count && b[i] == 58
        let wantsMinutes = minutes ?? (hasColon || (i < b.count && (48...57).contains(b[i])))
        if wantsMinutes {
            if colon ?? hasColon {
                guard hasColon else { return nil }
                i += 1
            } else if hasColon {
                return nil
            }
            guard let mm = two(), mm <= 59 else { return nil }
            m = mm
        }
        return sign * (h * 3600 + m * 60)
    }

    static func read(_ cell: String, _ tokens: [Token]) -> Reading? {
        let b = Array(cell.utf8)
        var i = 0
        func number(min: Int, max: Int) -> Int64? {
            var v: Int64 = 0
            let start = i
            while i < b.count, i - start < max, b[i] >= 48, b[i] <= 57 {
                v = v * 10 + Int64(b[i] - 48)
                i += 1
            }
            return i - start >= min ? v : nil
        }
        var y: Int64 = 0
        var mo: Int64 = 0
        var d: Int64 = 0
        var h: Int64 = 0
        var mi: Int64 = 0
        var s: Int64 = 0
        var ms: Int64 = 0
        var offset: Int64?
        for token in tokens {
            switch token {
            case .year:
                guard let v = number(min: 4, max: 4) else { return nil }
                y = v
            case .month(let variable):
                guard let v = number(min: variable ? 1 : 2, max: 2) else { return nil }
                mo = v
            case .day(let variable):
                guard let v = number(min: variable ? 1 : 2, max: 2) else { return nil }
                d = v
            case .hour(let variable):
                guard let v = number(min: variable ? 1 : 2, max: 2) else { return nil }
                h = v
            case .minute:
                guard let v = number(min: 2, max: 2) else { return nil }
                mi = v
            case .second:
                guard let v = number(min: 2, max: 2) else { return nil }
                s = v
            case .fraction:
                guard let v = fraction(b, &i) else { return nil }
                ms = v
            case .offset(let colon, let minutes):
                guard let o = readOffset(b, &i, colon: colon, minutes: minutes) else { return nil }
                offset = o
            case .literal(let c):
                let u = Array(String(c).utf8)
                guard i + u.count <= b.count, Array(b[i..<(i + u.count)]) == u else { return nil }
                i += u.count
            }
        }
        guard i == b.count, let local = civil(y, mo, d, h, mi, s) else { return nil }
        return .local(seconds: local, milliseconds: ms, offset: offset)
    }
}

/// Turns local wall-clock times of an IANA zone into instants, refusing times that do not exist and, unless told
/// which to take, times that occur twice.
struct ZoneResolver: Sendable {
    let zone: TimeZone
    let ambiguous: CSVMap.AmbiguousTime

    func offset(at seconds: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
    }

    /// The instant of `localSeconds` (seconds since 1970-01-01T00:00 local), or why there is none.
    func instant(localSeconds: Int64, cell: String) -> Result<Int64, CellError> {
        let o1 = offset(at: localSeconds - 43_200)
        let o2 = offset(at: localSeconds + 43_200)
        var candidates: [Int64] = []
        for o in [o1, o2] {
            let c = localSeconds - o
            if offset(at: c) == o, !candidates.contains(c) { candidates.append(c) }
        }
        candidates.sort()
        switch candidates.count {
        case 0:
            return .failure(
                CellError(
                    "'\(cell)' does not exist in \(zone.identifier) (the clocks were set forward over it); check the source's clock"
                ))
        case 1:
            return .success(candidates[0])
        default:
            switch ambiguous {
            case .earlier: return .success(candidates[0])
            case .later: return .success(candidates[candidates.count - 1])
            case .reject:
                let a = Timestamp(seconds: candidates[0]).rfc3339
                let b = Timestamp(seconds: candidates[candidates.count - 1]).rfc3339
                return .failure(
                    CellError(
                        "'\(cell)' occurs twice in \(zone.identifier) (the clocks were set back): \(a) or \(b); set time.ambiguous to earlier or later in the map, or export with offsets"
                    ))
            }
        }
    }
}

/// Why one cell cannot be read.
struct CellError: Error, Hashable, Sendable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
