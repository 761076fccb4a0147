/// A unit's calendar expanded over a time range: planned operation time, planned down windows and shifts.
public struct CalendarSchedule: Sendable {
    /// Planned operation time (POT): the union of shift windows, minus closed days.
    public var plannedOperation: IntervalSet
    /// Calendar planned down windows inside POT.
    public var plannedDown: IntervalSet
    /// Each shift's windows by shift name.
    public var shifts: [String: IntervalSet]
    /// Calendar planned down windows whose reason is `break`: authorised breaks, which APAT excludes.
    public var breaks: IntervalSet = IntervalSet()

    /// Expands `calendar` in `zone` over `range`. A nil calendar is scheduled around the clock.
    public init(calendar: WorkCalendar?, zone: LocalTime, range: Interval) {
        guard let calendar else {
            plannedOperation = IntervalSet([range])
            plannedDown = IntervalSet()
            shifts = [:]
            return
        }
        let firstDay = zone.localDay(of: range.start) - 1
        let lastDay = zone.localDay(of: range.end)
        var exceptions: [Int64: CalendarException] = [:]
        for ex in calendar.exceptions ?? [] {
            if let d = CalendarSchedule.dayNumber(ex.date) { exceptions[d] = ex }
        }
        var byShift: [String: [Interval]] = [:]
        var down: [Interval] = []
        var breakWindows: [Interval] = []
        func window(_ day: Int64, _ start: TimeOfDay, _ end: TimeOfDay) -> Interval {
            let endDay = end <= start ? day + 1 : day
            return Interval(
                zone.instant(localSeconds: day * 86_400 + Int64(start.minutes) * 60),
                zone.instant(localSeconds: endDay * 86_400 + Int64(end.minutes) * 60))
        }
        var day = firstDay
        while day <= lastDay {
            let weekday = CivilDate.weekday(day)
            let exception = exceptions[day]
            if exception?.closed != true {
                for shift in calendar.shifts {
                    let works: Bool
                    if let only = exception?.shifts {
                        works = only.contains(shift.name)
                    } else {
                        works = shift.days.contains { $0.isoNumber == weekday }
                    }
                    if works { byShift[shift.name, default: []].append(window(day, shift.start, shift.end)) }
                }
                for pd in calendar.plannedDown ?? [] where pd.days.contains(where: { $0.isoNumber == weekday }) {
                    down.append(window(day, pd.start, pd.end))
                    if pd.reason == "break" { breakWindows.append(window(day, pd.start, pd.end)) }
                }
            }
            day += 1
        }
        let rangeSet = IntervalSet([range])
        shifts = byShift.mapValues { IntervalSet($0).intersection(rangeSet) }
        plannedOperation = IntervalSet(byShift.values.flatMap { $0 }).intersection(rangeSet)
        plannedDown = IntervalSet(down).intersection(plannedOperation)
        breaks = IntervalSet(breakWindows).intersection(plannedOperation)
    }

    /// Day number of a local date `YYYY-MM-DD`, or nil when malformed.
    public static func dayNumber(_ text: String) -> Int64? {
        let p = text.split(separator: "-", omittingEmptySubsequences: false)
        guard p.count == 3, p[0].count == 4, p[1].count == 2, p[2].count == 2, let y = Int64(p[0]),
            let m = Int64(p[1]), let d = Int64(p[2]), (1...12).contains(m), d >= 1, d <= CivilDate.daysInMonth(y, m)
        else { return nil }
        return CivilDate.days(y, m, d)
    }
}
