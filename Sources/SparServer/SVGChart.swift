import Foundation
import SparCore

/// Inline SVG charts drawn by Spar (no scripts, no external assets). Every mark has a `<title>` with its value.
enum SVGChart {
    /// CSS class of a time category (colours live in style.css).
    static func cssClass(_ category: TimeCategory?) -> String {
        guard let category else { return "cat-unknown" }
        return "cat-" + category.rawValue
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// A small line of values (nil leaves a gap), scaled to its own range; the last point is marked.
    static func sparkline(_ values: [(label: String, value: Double?)], width: Double = 140, height: Double = 32)
        -> String
    {
        let numbers = values.compactMap(\.value)
        guard let lo0 = numbers.min(), let hi0 = numbers.max() else {
            return "<svg class=\"spark\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"no data\"></svg>"
        }
        let pad = max((hi0 - lo0) * 0.1, 0.01)
        let lo = lo0 - pad
        let hi = hi0 + pad
        let step = values.count > 1 ? (width - 6) / Double(values.count - 1) : 0
        func x(_ i: Int) -> Double { 3 + Double(i) * step }
        func y(_ v: Double) -> Double { height - 3 - (v - lo) / (hi - lo) * (height - 6) }
        var paths: [String] = []
        var current = ""
        for (i, p) in values.enumerated() {
            if let v = p.value {
                current += (current.isEmpty ? "M" : "L") + f(x(i)) + " " + f(y(v)) + " "
            } else if !current.isEmpty {
                paths.append(current)
                current = ""
            }
        }
        if !current.isEmpty { paths.append(current) }
        var out = "<svg class=\"spark\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"trend\">"
        out += "<title>" + HTML.escape(values.map { "\($0.label): \(Format.percent($0.value))" }.joined(separator: ", "))
            + "</title>"
        for p in paths { out += "<path d=\"\(p)\"/>" }
        if let last = values.lastIndex(where: { $0.value != nil }), let v = values[last].value {
            out += "<circle cx=\"\(f(x(last)))\" cy=\"\(f(y(v)))\" r=\"2.5\"/>"
        }
        return out + "</svg>"
    }

    /// One segment of the time model bar.
    struct Segment {
        var label: String
        var milliseconds: Int64
        var cssClass: String
    }

    /// A horizontal stacked bar of time segments (widths proportional to time).
    static func stackedBar(_ segments: [Segment]) -> String {
        let total = segments.reduce(Int64(0)) { $0 + max(0, $1.milliseconds) }
        var out = "<svg class=\"stacked\" viewBox=\"0 0 1000 36\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"time model\">"
        guard total > 0 else { return out + "</svg>" }
        var x = 0.0
        for s in segments where s.milliseconds > 0 {
            let w = Double(s.milliseconds) / Double(total) * 1000
            out += "<rect class=\"\(s.cssClass)\" x=\"\(f(x))\" y=\"0\" width=\"\(f(w))\" height=\"36\"><title>"
                + HTML.escape("\(s.label): \(Format.hours(milliseconds: s.milliseconds)) (\(Format.percent(Double(s.milliseconds) / Double(total))))")
                + "</title></rect>"
            x += w
        }
        return out + "</svg>"
    }

    /// A ratio trend (0–100 % axis, gridlines every 25 %), one point per bucket.
    static func trend(_ points: [(label: String, value: Double?)], width: Double = 640, height: Double = 200) -> String {
        let left = 40.0
        let right = 24.0
        let top = 10.0
        let bottom = 26.0
        let plotW = width - left - right
        let plotH = height - top - bottom
        let hi = max(1.0, (points.compactMap(\.value).max() ?? 1).rounded(.up))
        func x(_ i: Int) -> Double {
            points.count > 1 ? left + Double(i) / Double(points.count - 1) * plotW : left + plotW / 2
        }
        func y(_ v: Double) -> Double { top + plotH - min(max(v, 0), hi) / hi * plotH }
        var out = "<svg class=\"trend\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"OEE trend\">"
        for g in stride(from: 0.0, through: hi, by: 0.25) {
            out += "<line class=\"grid\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(g)))\" y2=\"\(f(y(g)))\"/>"
            out += "<text class=\"axis\" x=\"\(f(left - 6))\" y=\"\(f(y(g) + 4))\" text-anchor=\"end\">\(Int((g * 100).rounded())) %</text>"
        }
        var path = ""
        var open = false
        for (i, p) in points.enumerated() {
            guard let v = p.value else {
                open = false
                continue
            }
            path += (open ? "L" : "M") + f(x(i)) + " " + f(y(v)) + " "
            open = true
        }
        out += "<path class=\"line\" d=\"\(path)\"/>"
        let every = max(1, points.count / 8)
        for (i, p) in points.enumerated() {
            if let v = p.value {
                out += "<circle cx=\"\(f(x(i)))\" cy=\"\(f(y(v)))\" r=\"3\"><title>"
                    + HTML.escape("\(p.label): \(Format.percent(v))") + "</title></circle>"
            }
            if i % every == 0 || i == points.count - 1 {
                out += "<text class=\"axis\" x=\"\(f(x(i)))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">"
                    + HTML.escape(p.label) + "</text>"
            }
        }
        return out + "</svg>"
    }

    /// A loss Pareto: horizontal bars by reason, largest first, with the cumulative share.
    static func pareto(_ losses: [ReasonLoss], limit: Int = 10) -> String {
        let total = losses.reduce(Int64(0)) { $0 + $1.milliseconds }
        let shown = Array(losses.prefix(limit))
        let rowH = 24.0
        let labelW = 170.0
        let width = 640.0
        let barW = width - labelW - 150
        let height = Double(max(shown.count, 1)) * rowH + 4
        var out = "<svg class=\"pareto\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"loss Pareto\">"
        guard let top = shown.first?.milliseconds, top > 0, total > 0 else {
            return out + "<text class=\"axis\" x=\"4\" y=\"16\">no loss time in this window</text></svg>"
        }
        var cumulative: Int64 = 0
        for (i, loss) in shown.enumerated() {
            cumulative += loss.milliseconds
            let y = Double(i) * rowH + 2
            let w = Double(loss.milliseconds) / Double(top) * barW
            let name = loss.reason ?? "(\(loss.category.rawValue), no reason)"
            out += "<text class=\"label\" x=\"\(f(labelW - 6))\" y=\"\(f(y + 16))\" text-anchor=\"end\">" + HTML.escape(name) + "</text>"
            out += "<rect class=\"\(cssClass(loss.category))\" x=\"\(f(labelW))\" y=\"\(f(y + 3))\" width=\"\(f(max(w, 1)))\" height=\"\(f(rowH - 6))\"><title>"
                + HTML.escape("\(name) (\(loss.category.rawValue)): \(Format.hours(milliseconds: loss.milliseconds))")
                + "</title></rect>"
            out += "<text class=\"value\" x=\"\(f(labelW + w + 6))\" y=\"\(f(y + 16))\">"
                + HTML.escape("\(Format.hours(milliseconds: loss.milliseconds)) · Σ \(Format.percent(Double(cumulative) / Double(total)))")
                + "</text>"
        }
        return out + "</svg>"
    }

    /// One strip of a state timeline.
    struct Strip {
        var label: String
        var href: String?
        var spans: [StateSpan]
    }

    /// A state timeline (Gantt strips), one row per unit, over `range`, with time ticks in `zone`.
    static func timeline(_ strips: [Strip], range: Interval, zone: LocalTime?) -> String {
        let labelW = 110.0
        let width = 1000.0
        let rowH = 22.0
        let plotW = width - labelW - 6
        let height = Double(strips.count) * rowH + 22
        let span = Double(range.milliseconds)
        func x(_ t: Timestamp) -> Double { labelW + Double(t.milliseconds - range.start.milliseconds) / span * plotW }
        var out = "<svg class=\"timeline\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"state timeline\">"
        guard span > 0 else { return out + "</svg>" }
        // Ticks: about eight, on whole hours or days.
        let hourMs: Int64 = 3_600_000
        let candidates: [Int64] = [1, 2, 3, 6, 12, 24, 48, 72, 168].map { $0 * hourMs }
        let tick = candidates.first { range.milliseconds / $0 <= 8 } ?? 168 * hourMs
        let offset = Int64(zone?.offsetSeconds(at: range.start) ?? 0) * 1000
        var t = ((range.start.milliseconds + offset) / tick + 1) * tick - offset
        while t < range.end.milliseconds {
            let ts = Timestamp(milliseconds: t)
            out += "<line class=\"grid\" x1=\"\(f(x(ts)))\" x2=\"\(f(x(ts)))\" y1=\"0\" y2=\"\(f(height - 18))\"/>"
            let label = tick >= 24 * hourMs ? Format.day(ts, zone: zone) : Format.shortTime(ts, zone: zone)
            out += "<text class=\"axis\" x=\"\(f(x(ts)))\" y=\"\(f(height - 4))\" text-anchor=\"middle\">" + HTML.escape(label) + "</text>"
            t += tick
        }
        for (i, strip) in strips.enumerated() {
            let y = Double(i) * rowH
            out += "<text class=\"label\" x=\"\(f(labelW - 6))\" y=\"\(f(y + 15))\" text-anchor=\"end\">" + HTML.escape(strip.label) + "</text>"
            for s in strip.spans {
                let x0 = x(s.interval.start)
                let w = max(x(s.interval.end) - x0, 0.3)
                let what = (s.category?.rawValue ?? "unknown") + (s.reason.map { " · \($0)" } ?? "")
                out += "<rect class=\"\(cssClass(s.category))\" x=\"\(f(x0))\" y=\"\(f(y + 3))\" width=\"\(f(w))\" height=\"\(f(rowH - 6))\"><title>"
                    + HTML.escape("\(what): \(Format.shortTime(s.interval.start, zone: zone)) → \(Format.shortTime(s.interval.end, zone: zone)) (\(s.source))")
                    + "</title></rect>"
            }
        }
        return out + "</svg>"
    }
}
