import SparCore

/// The time windows pages show, anchored on the latest event time (a demo ledger's data is in the past, a live
/// plant's is now): "today" is the local day so far, "7d" and "28d" end at the same instant.
struct PageWindow {
    var kind: String
    var from: Timestamp
    var to: Timestamp
    /// Whether the window end follows new events (live pages move it), and how far its start trails the end
    /// (nil: the start stays, as for today).
    var follows: Bool
    var slideMilliseconds: Int64?
    /// The latest instant a following end may move to (a running shift's end), or nil.
    var until: Timestamp? = nil

    var interval: Interval { Interval(from, to) }

    /// The instant pages are "as of": the whole minute after the latest event, or the server start time.
    static func asOf(_ s: LiveSnapshot) -> Timestamp {
        guard let latest = s.latestEventTime else { return s.startedAt }
        return Timestamp(milliseconds: (latest.milliseconds / 60_000 + 1) * 60_000)
    }

    static func localMidnight(of t: Timestamp, zone: LocalTime) -> Timestamp {
        zone.instant(localSeconds: zone.localDay(of: t) * 86_400)
    }

    static func today(asOf: Timestamp, zone: LocalTime) -> PageWindow {
        var from = localMidnight(of: asOf, zone: zone)
        if from >= asOf { from = localMidnight(of: asOf.adding(milliseconds: -1), zone: zone) }
        return PageWindow(kind: "today", from: from, to: asOf, follows: true, slideMilliseconds: nil)
    }

    static func days(_ n: Int64, asOf: Timestamp) -> PageWindow {
        PageWindow(
            kind: "\(n)d", from: asOf.adding(seconds: -n * 86_400), to: asOf, follows: true,
            slideMilliseconds: n * 86_400_000)
    }

    static func named(_ kind: String?, asOf: Timestamp, zone: LocalTime) -> PageWindow? {
        switch kind ?? "7d" {
        case "today": today(asOf: asOf, zone: zone)
        case "7d": days(7, asOf: asOf)
        case "28d": days(28, asOf: asOf)
        default: nil
        }
    }

    /// One shift instance of a site's calendar as the overview shows it.
    struct ShiftInstance {
        var name: String
        /// The whole instance, as the calendar plans it.
        var planned: Interval
        /// Whether the instance contains `asOf` (else it is the latest one that ended at or before `asOf`).
        var running: Bool
        /// The page window: [shift start, as-of) while running (following new events up to the shift end),
        /// the whole instance once ended.
        var window: PageWindow
    }

    /// The shift instance of `calendar` (expanded in `zone`) that contains `asOf`, or else the latest one that started
    /// before it (looking back up to 8 days); nil for no calendar (around the clock) or no shift in that time.
    static func shift(calendar: WorkCalendar?, zone: LocalTime, asOf: Timestamp) -> ShiftInstance? {
        guard let calendar else { return nil }
        let range = Interval(asOf.adding(seconds: -8 * 86_400), asOf.adding(seconds: 2 * 86_400))
        let schedule = CalendarSchedule(calendar: calendar, zone: zone, range: range)
        var best: (name: String, interval: Interval)?
        for (name, set) in schedule.shifts {
            for iv in set.intervals where iv.start < asOf {
                if let b = best, b.interval.start > iv.start || (b.interval.start == iv.start && b.name <= name) {
                    continue
                }
                best = (name, iv)
            }
        }
        guard let best else { return nil }
        let running = asOf < best.interval.end
        let window =
            running
            ? PageWindow(kind: "shift", from: best.interval.start, to: asOf, follows: true, until: best.interval.end)
            : PageWindow(kind: "shift", from: best.interval.start, to: best.interval.end, follows: false)
        return ShiftInstance(name: best.name, planned: best.interval, running: running, window: window)
    }

    /// Whole local days ending with the day of `asOf` (which runs only to `asOf`), oldest first.
    static func dailyBuckets(_ n: Int, asOf: Timestamp, zone: LocalTime) -> [Interval] {
        let today = zone.localDay(of: asOf.adding(milliseconds: -1))
        return (0..<n).reversed().map { back in
            let day = today - Int64(back)
            let start = zone.instant(localSeconds: day * 86_400)
            let end = back == 0 ? asOf : zone.instant(localSeconds: (day + 1) * 86_400)
            return Interval(start, end)
        }
    }

    /// Buckets for a trend over this window: hours for up to two days, else days (local).
    /// The trend's buckets: hours for a window of up to two days, else whole local days (several per bucket
    /// beyond 100 days).
    func buckets(zone: LocalTime) -> [Interval] {
        let span = to.milliseconds - from.milliseconds
        if span <= 2 * 86_400_000 {
            var out: [Interval] = []
            var t = from
            while t < to {
                let next = Timestamp(milliseconds: min((t.milliseconds / 3_600_000 + 1) * 3_600_000, to.milliseconds))
                out.append(Interval(t, next))
                t = next
            }
            return out
        }
        // Whole local days per bucket, so that a long window has at most about 100 buckets.
        let days = max(1, (span / 86_400_000 + 99) / 100)
        var out: [Interval] = []
        var t = from
        while t < to {
            let nextMidnight = zone.instant(localSeconds: (zone.localDay(of: t) + days) * 86_400)
            let next = min(nextMidnight, to)
            out.append(Interval(t, next))
            t = next
        }
        return out
    }
}
