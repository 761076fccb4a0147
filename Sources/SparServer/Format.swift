import Foundation
import SparCore

/// How pages write numbers, times and KPI values.
enum Format {
    static func percent(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "–" }
        return String(format: "%.1f %%", v * 100)
    }

    static func hours(milliseconds ms: Int64) -> String { hours(Double(ms) / 3_600_000) }

    static func hours(_ h: Double) -> String {
        h >= 100 ? grouped(h, digits: 0) + " h" : String(format: "%.1f h", h)
    }

    /// Thousands grouped with commas, `digits` decimals.
    static func grouped(_ v: Double, digits: Int = 0) -> String {
        let text = String(format: "%.\(digits)f", abs(v))
        let parts = text.split(separator: ".", maxSplits: 1)
        let integer = Array(parts[0])
        var out = ""
        for (i, c) in integer.enumerated() {
            if i > 0, (integer.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        if parts.count > 1 { out += "." + parts[1] }
        return (v < 0 && text.contains(where: { $0 != "0" && $0 != "." }) ? "−" : "") + out
    }

    static func quantity(_ v: Double) -> String {
        v == v.rounded() ? grouped(v) : grouped(v, digits: 2)
    }

    static func number(_ v: Double) -> String {
        if !v.isFinite { return "–" }
        if abs(v) >= 1000 { return grouped(v) }
        if abs(v) >= 10 { return String(format: "%.1f", v) }
        return String(format: "%.3f", v)
    }

    /// A KPI value in its catalogue unit: ratios as percentages, seconds as hours or minutes.
    static func kpi(_ value: KPIValue?, unit: String) -> String {
        switch value {
        case .number(let v)?: return kpiNumber(v, unit: unit)
        case .byCharacteristic(let d)?:
            return d.keys.sorted().map { "\($0): \(d[$0].flatMap { $0 }.map { kpiNumber($0, unit: unit) } ?? "–")" }
                .joined(separator: "; ")
        case .null?, nil: return "–"
        }
    }

    static func kpiNumber(_ v: Double, unit: String) -> String {
        switch unit {
        case "ratio": return percent(v)
        case "s": return v >= 3600 ? String(format: "%.1f h", v / 3600) : String(format: "%.0f min", v / 60)
        case "units per second": return String(format: "%.2f /h", v * 3600)
        case "kWh per unit": return String(format: "%.2f kWh/unit", v)
        default: return number(v)
        }
    }

    /// `2026-10-04 18:00 UTC−05:00`: a time in a zone, with the offset shown.
    static func time(_ t: Timestamp, zone: LocalTime?) -> String {
        let offset = Int(zone?.offsetSeconds(at: t) ?? 0)
        let text = t.rfc3339(offsetSeconds: offset)
        let date = text.prefix(10)
        let clock = text.dropFirst(11).prefix(5)
        return "\(date) \(clock) \(offsetLabel(offset))"
    }

    static func offsetLabel(_ seconds: Int) -> String {
        if seconds == 0 { return "UTC" }
        let sign = seconds < 0 ? "−" : "+"
        let m = abs(seconds) / 60
        return String(format: "UTC%@%02d:%02d", sign, m / 60, m % 60)
    }

    static func shortTime(_ t: Timestamp, zone: LocalTime?) -> String {
        let offset = Int(zone?.offsetSeconds(at: t) ?? 0)
        return String(t.rfc3339(offsetSeconds: offset).dropFirst(5).prefix(11)).replacingOccurrences(of: "T", with: " ")
    }

    static func day(_ t: Timestamp, zone: LocalTime?) -> String {
        let offset = Int(zone?.offsetSeconds(at: t) ?? 0)
        return String(t.rfc3339(offsetSeconds: offset).dropFirst(5).prefix(5))
    }

    static func duration(milliseconds ms: Int64) -> String {
        let s = ms / 1000
        if s >= 86_400 { return String(format: "%.1f d", Double(s) / 86_400) }
        if s >= 3600 { return String(format: "%.1f h", Double(s) / 3600) }
        if s >= 60 { return "\(s / 60) min" }
        return "\(s) s"
    }
}
