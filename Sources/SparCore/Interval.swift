/// A half-open time interval `[start, end)`.
public struct Interval: Hashable, Sendable {
    public var start: Timestamp
    public var end: Timestamp

    public init(_ start: Timestamp, _ end: Timestamp) {
        self.start = start
        self.end = end
    }

    public var isEmpty: Bool { end <= start }
    public var milliseconds: Int64 { max(0, end.milliseconds - start.milliseconds) }

    public func contains(_ t: Timestamp) -> Bool { start <= t && t < end }

    public func intersection(_ other: Interval) -> Interval? {
        let s = max(start, other.start)
        let e = min(end, other.end)
        return s < e ? Interval(s, e) : nil
    }
}

/// A set of instants as sorted, disjoint, non-adjacent half-open intervals.
public struct IntervalSet: Hashable, Sendable {
    public private(set) var intervals: [Interval]

    public init() { intervals = [] }

    public init(_ items: [Interval]) {
        let sorted = items.filter { !$0.isEmpty }.sorted { $0.start < $1.start }
        var out: [Interval] = []
        out.reserveCapacity(sorted.count)
        for iv in sorted {
            if let last = out.last, iv.start <= last.end {
                if iv.end > last.end { out[out.count - 1].end = iv.end }
            } else {
                out.append(iv)
            }
        }
        intervals = out
    }

    public var isEmpty: Bool { intervals.isEmpty }
    public var milliseconds: Int64 { intervals.reduce(0) { $0 + $1.milliseconds } }
    public var seconds: Double { Double(milliseconds) / 1000 }

    public func contains(_ t: Timestamp) -> Bool {
        var lo = 0
        var hi = intervals.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if intervals[mid].end <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo < intervals.count && intervals[lo].contains(t)
    }

    /// Whether `t` closes part of the set: some interval has `start < t ≤ end`. A point event that reports what
    /// happened since the previous one (a count, an energy reading, a material flow) belongs to the period it closes.
    public func closes(_ t: Timestamp) -> Bool {
        var lo = 0
        var hi = intervals.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if intervals[mid].end < t { lo = mid + 1 } else { hi = mid }
        }
        return lo < intervals.count && intervals[lo].start < t && t <= intervals[lo].end
    }

    public func union(_ other: IntervalSet) -> IntervalSet { IntervalSet(intervals + other.intervals) }

    public func intersection(_ other: IntervalSet) -> IntervalSet {
        var out: [Interval] = []
        var i = 0
        var j = 0
        let a = intervals
        let b = other.intervals
        while i < a.count, j < b.count {
            if let x = a[i].intersection(b[j]) { out.append(x) }
            if a[i].end < b[j].end { i += 1 } else { j += 1 }
        }
        var result = IntervalSet()
        result.intervals = out
        return result
    }

    public func intersection(_ iv: Interval) -> IntervalSet { intersection(IntervalSet([iv])) }

    public func subtracting(_ other: IntervalSet) -> IntervalSet {
        var out: [Interval] = []
        var j = 0
        let b = other.intervals
        for iv in intervals {
            var cur = iv.start
            while j < b.count, b[j].end <= cur { j += 1 }
            var k = j
            while k < b.count, b[k].start < iv.end {
                if b[k].start > cur { out.append(Interval(cur, b[k].start)) }
                cur = max(cur, b[k].end)
                k += 1
            }
            if cur < iv.end { out.append(Interval(cur, iv.end)) }
        }
        var result = IntervalSet()
        result.intervals = out
        return result
    }

    /// Milliseconds of `iv` that lie in this set.
    public func overlapMilliseconds(_ iv: Interval) -> Int64 {
        var lo = 0
        var hi = intervals.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if intervals[mid].end <= iv.start { lo = mid + 1 } else { hi = mid }
        }
        var total: Int64 = 0
        var k = lo
        while k < intervals.count, intervals[k].start < iv.end {
            if let x = intervals[k].intersection(iv) { total += x.milliseconds }
            k += 1
        }
        return total
    }

    public var lowerBound: Timestamp? { intervals.first?.start }
    public var upperBound: Timestamp? { intervals.last?.end }
}
