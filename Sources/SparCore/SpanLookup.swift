/// Finds which of a unit's intervals (orders, labor, maintenance) can overlap a window without scanning them all.
///
/// Intervals are sorted by start; closed ones are at most `maxLength` long, so only those starting in
/// `[from − maxLength, to)` can overlap `[from, to)`; open-ended ones are listed apart.
struct SpanLookup: Sendable {
    private var starts: [Int64] = []
    private var maxLength: Int64 = 0
    private var open: [Int] = []

    /// `spans` must be sorted by start.
    init(_ spans: [Interval]) {
        starts = spans.map(\.start.milliseconds)
        for (i, s) in spans.enumerated() {
            if s.end >= UnitHistory.openEnd { open.append(i) } else { maxLength = max(maxLength, s.milliseconds) }
        }
    }

    /// Indices (ascending) of the intervals that may overlap `range` or start inside it.
    func candidates(_ range: Interval) -> [Int] {
        let lo = UnitTimeIndex.lowerBound(starts, range.start.milliseconds - maxLength)
        let hi = UnitTimeIndex.lowerBound(starts, range.end.milliseconds)
        var out = open.filter { $0 < lo }
        if lo < hi { out += Array(lo..<hi) }
        return out
    }
}
