import Foundation
import SparCore

#if canImport(FoundationXML)
    import FoundationXML
#endif

extension B2MML {
    /// One order's performance on one work unit over a window: what `spar export b2mml performance` writes as a
    /// `SegmentResponse`.
    public struct SegmentPerformance: Sendable, Hashable {
        public var order: String
        public var unit: EquipmentPath
        public var material: String?
        /// The order's operation on this unit (nil reads as 1).
        public var operation: Int?
        /// The order's start on the unit, or the window's start when it began earlier.
        public var start: Timestamp
        /// The order's end on the unit, or the last count in the window when it had not ended.
        public var end: Timestamp
        public var completed: Bool
        public var good: Double
        public var scrap: Double
        public var rework: Double
    }

    /// Orders' performance per unit in `window` from the units' events: counts in (from, to] attributed to the
    /// order they name, or else to the order running on the unit at the count; an order appears when it ran in the
    /// window (counted, started or ended there). Corrections must already be applied (pass the effective events).
    public static func performance(events: [Event], window: Interval) -> [SegmentPerformance] {
        struct Key: Hashable { var order: String; var unit: EquipmentPath }
        var byUnit: [EquipmentPath: [Event]] = [:]
        for e in events { byUnit[e.unit, default: []].append(e) }
        var out: [Key: SegmentPerformance] = [:]
        for (unit, list) in byUnit {
            var running: String?
            let sorted = list.sorted { ($0.ts, $0.id) < ($1.ts, $1.id) }
            func touch(_ order: String, at t: Timestamp) -> Key {
                let k = Key(order: order, unit: unit)
                if out[k] == nil {
                    out[k] = SegmentPerformance(
                        order: order, unit: unit, material: nil, operation: nil, start: max(window.start, t),
                        end: t, completed: false, good: 0, scrap: 0, rework: 0)
                }
                return k
            }
            for e in sorted where e.ts <= window.end {
                switch e.payload {
                case .order(let o) where o.action == .start:
                    running = o.order
                    guard e.ts >= window.start else { continue }
                    let k = touch(o.order, at: e.ts)
                    guard var seg = out[k] else { continue }
                    seg.start = e.ts
                    seg.material = o.material ?? seg.material
                    seg.operation = o.operation
                    out[k] = seg
                case .order(let o):
                    if running == o.order { running = nil }
                    guard e.ts > window.start else { continue }
                    let k = touch(o.order, at: e.ts)
                    out[k]?.end = e.ts
                    out[k]?.completed = true
                case .count(let c):
                    guard e.ts > window.start, let order = c.order ?? running else { continue }
                    let k = touch(order, at: e.ts)
                    guard var seg = out[k] else { continue }
                    seg.good += c.good
                    seg.scrap += c.scrap
                    seg.rework += c.rework
                    if !seg.completed { seg.end = max(seg.end, e.ts) }
                    out[k] = seg
                default:
                    continue
                }
            }
            for e in sorted where e.ts < window.start {
                guard case .order(let o) = e.payload, o.action == .start,
                    var seg = out[Key(order: o.order, unit: unit)]
                else { continue }
                seg.material = seg.material ?? o.material
                seg.operation = seg.operation ?? o.operation
                out[Key(order: o.order, unit: unit)] = seg
            }
        }
        return out.values.sorted { ($0.order, $0.operation ?? 1, $0.unit) < ($1.order, $1.operation ?? 1, $1.unit) }
    }

    /// A B2MML V0700 `OperationsPerformance` of `segments` for `scope` over `window`: one `OperationsResponse` per
    /// order, one `SegmentResponse` per unit it ran on, with its produced quantities as `MaterialActual`s whose
    /// `Disposition` property says Good, Scrap or Rework. Equipment is named by its full path.
    public static func performanceDocument(
        _ segments: [SegmentPerformance], scope: EquipmentPath, window: Interval, level: String
    ) -> Data {
        let root = XMLElement(name: "OperationsPerformance", uri: namespace)
        root.addChild(text("ID", "spar:performance:\(scope):\(window.start.rfc3339)/\(window.end.rfc3339)"))
        root.addChild(hierarchyScope(scope, level: level))
        root.addChild(text("OperationsType", "Production"))
        root.addChild(text("StartTime", window.start.rfc3339))
        root.addChild(text("EndTime", window.end.rfc3339))
        var orders: [String: [SegmentPerformance]] = [:]
        for s in segments { orders[s.order, default: []].append(s) }
        for order in orders.keys.sorted() {
            let list = orders[order] ?? []
            let response = node("OperationsResponse")
            response.addChild(text("ID", order))
            response.addChild(text("OperationsType", "Production"))
            response.addChild(text("OperationsRequestID", order))
            if let first = list.map(\.start).min() { response.addChild(text("StartTime", first.rfc3339)) }
            if let last = list.map(\.end).max() { response.addChild(text("EndTime", last.rfc3339)) }
            response.addChild(text("ResponseState", list.allSatisfy(\.completed) ? "Completed" : "Running"))
            for s in list {
                let seg = node("SegmentResponse")
                seg.addChild(text("ID", "\(s.operation ?? 1)@\(s.unit)"))
                seg.addChild(text("OperationsType", "Production"))
                seg.addChild(text("ActualStartTime", s.start.rfc3339))
                seg.addChild(text("ActualEndTime", s.end.rfc3339))
                seg.addChild(text("SegmentState", s.completed ? "Completed" : "Running"))
                let eq = node("EquipmentActual")
                eq.addChild(text("EquipmentID", s.unit.description))
                seg.addChild(eq)
                for (disposition, qty) in [("Good", s.good), ("Scrap", s.scrap), ("Rework", s.rework)]
                where qty > 0 || disposition == "Good" {
                    let m = node("MaterialActual")
                    if let material = s.material { m.addChild(text("MaterialDefinitionID", material)) }
                    m.addChild(text("MaterialUse", "Produced"))
                    let q = node("Quantity")
                    q.addChild(text("QuantityString", number(qty)))
                    m.addChild(q)
                    m.addChild(property("MaterialActualProperty", "Disposition", disposition))
                    seg.addChild(m)
                }
                response.addChild(seg)
            }
            root.addChild(response)
        }
        return document(root)
    }

    /// A B2MML V0700 `EquipmentInformation` of the plant model's hierarchy: the enterprise, its sites (with
    /// `TimeZone` and `Calendar` properties), areas, work centers (their level is their kind) and work units
    /// (with `RatedRate` where set), nested as in the model.
    public static func equipmentDocument(_ model: PlantModel) -> Data {
        let root = XMLElement(name: "EquipmentInformation", uri: namespace)
        root.addChild(text("ID", "spar:equipment:\(model.enterprise)"))
        let enterprise = equipment(model.enterprise, level: "Enterprise", properties: [])
        for site in model.sites {
            var props = [("TimeZone", site.timeZone)]
            if let c = site.calendar { props.append(("Calendar", c)) }
            let s = equipment(site.id, level: "Site", properties: props)
            for area in site.areas {
                let a = equipment(area.id, level: "Area", properties: area.calendar.map { [("Calendar", $0)] } ?? [])
                for wc in area.workCenters {
                    let w = equipment(
                        wc.id, level: level(of: wc.kind), properties: wc.calendar.map { [("Calendar", $0)] } ?? [])
                    for unit in wc.workUnits {
                        var up: [(String, String)] = []
                        if let c = unit.calendar { up.append(("Calendar", c)) }
                        if let r = unit.ratedRate { up.append(("RatedRate", number(r))) }
                        w.addChild(equipment(unit.id, level: "WorkUnit", properties: up))
                    }
                    a.addChild(w)
                }
                s.addChild(a)
            }
            enterprise.addChild(s)
        }
        root.addChild(enterprise)
        return document(root)
    }

    /// The ISA-95 level of a work center kind.
    static func level(of kind: WorkCenterKind) -> String {
        switch kind {
        case .productionLine: "ProductionLine"
        case .processCell: "ProcessCell"
        case .productionUnit: "ProductionUnit"
        case .storageZone: "StorageZone"
        case .workCell: "WorkCell"
        }
    }

    /// The ISA-95 level of a scope path of `depth` components (1 enterprise … 5 work unit).
    public static func level(ofDepth depth: Int, kind: WorkCenterKind? = nil) -> String {
        switch depth {
        case 1: "Enterprise"
        case 2: "Site"
        case 3: "Area"
        case 4: kind.map(level(of:)) ?? "WorkCenter"
        default: "WorkUnit"
        }
    }

    static func equipment(_ id: String, level: String, properties: [(String, String)]) -> XMLElement {
        let e = node("Equipment")
        e.addChild(text("ID", id))
        let l = node("EquipmentLevel")
        l.addChild(text("EquipmentID", id))
        l.addChild(text("EquipmentElementLevel", level))
        e.addChild(l)
        for (k, v) in properties { e.addChild(property("EquipmentProperty", k, v)) }
        return e
    }

    static func hierarchyScope(_ scope: EquipmentPath, level: String) -> XMLElement {
        let h = node("HierarchyScope")
        h.addChild(text("EquipmentID", scope.description))
        h.addChild(text("EquipmentElementLevel", level))
        return h
    }

    static func property(_ name: String, _ id: String, _ value: String) -> XMLElement {
        let p = node(name)
        p.addChild(text("ID", id))
        let v = node("Value")
        v.addChild(text("ValueString", value))
        p.addChild(v)
        return p
    }

    static func node(_ name: String) -> XMLElement { XMLElement(name: name) }

    static func text(_ name: String, _ value: String) -> XMLElement { XMLElement(name: name, stringValue: value) }

    /// A quantity as B2MML writes it: an integer without a fraction, else the shortest exact decimal.
    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    static func document(_ root: XMLElement) -> Data {
        let doc = XMLDocument(rootElement: root)
        doc.version = "1.0"
        doc.characterEncoding = "UTF-8"
        return doc.xmlData(options: [.nodePrettyPrint])
    }
}
