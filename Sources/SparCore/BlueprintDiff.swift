/// What changed between two blueprint versions: coverage, ownership, element sources, KPI mappings and
/// extensions, exposure weights, scope and normalisation rules, each as added, removed or changed.
///
/// Both blueprints are flattened into facts (`area`, `key`, `value`), e.g. area `coverage`, key
/// `wichita quality/dataCollection rework-xls`, value `partial`; the diff compares the facts by key. Changes are
/// sorted by area, then key.
public struct BlueprintDiff: Hashable, Sendable {
    /// The changes, sorted by area, then key.
    public var changes: [Change]

    /// One changed fact.
    public struct Change: Hashable, Sendable, CustomStringConvertible {
        /// Whether the fact was added, removed or changed.
        public enum Kind: String, Hashable, Sendable { case added, removed, changed }
        /// What happened (see ``Kind``).
        public var kind: Kind
        /// `coverage`, `ownership`, `elementSources`, `kpiMapping`, `kpiExtension`, `exposure`, `dataObject`,
        /// `scope`, `normalisation`, `blueprint`.
        public var area: String
        /// Which fact, e.g. `wichita quality/dataCollection rework-xls`.
        public var key: String
        /// The value before (nil when added).
        public var old: String?
        /// The value after (nil when removed).
        public var new: String?

        /// Creates a value from its parts.
        public init(kind: Kind, area: String, key: String, old: String?, new: String?) {
            self.kind = kind
            self.area = area
            self.key = key
            self.old = old
            self.new = new
        }

        /// `+ coverage wichita quality/dataCollection rework-xls: partial`,
        /// `~ ownership nagoya workOrder mes-legacy: systemOfRecord, create → read`.
        public var description: String {
            switch kind {
            case .added: "+ \(area) \(key): \(new ?? "")"
            case .removed: "- \(area) \(key): \(old ?? "")"
            case .changed: "~ \(area) \(key): \(old ?? "") → \(new ?? "")"
            }
        }
    }

    /// A diff made of the given changes.
    public init(changes: [Change]) { self.changes = changes }

    /// The changes that turn `old` into `new`.
    public init(from old: Blueprint, to new: Blueprint) {
        let a = old.facts
        let b = new.facts
        var out: [Change] = []
        for (k, v) in a {
            if let w = b[k] {
                if v != w { out.append(.init(kind: .changed, area: k.area, key: k.key, old: v, new: w)) }
            } else {
                out.append(.init(kind: .removed, area: k.area, key: k.key, old: v, new: nil))
            }
        }
        for (k, w) in b where a[k] == nil {
            out.append(.init(kind: .added, area: k.area, key: k.key, old: nil, new: w))
        }
        changes = out.sorted { ($0.area, $0.key) < ($1.area, $1.key) }
    }

    /// True when nothing changed.
    public var isEmpty: Bool { changes.isEmpty }

    /// The changes of one area.
    public func changes(area: String) -> [Change] { changes.filter { $0.area == area } }
}

/// A fact's identity in a flattened blueprint.
struct BlueprintFactKey: Hashable {
    var area: String
    var key: String
}

extension Blueprint {
    /// The blueprint as facts keyed by area and key (later duplicates win; a valid blueprint has none).
    var facts: [BlueprintFactKey: String] {
        var f: [BlueprintFactKey: String] = [:]
        func put(_ area: String, _ key: String, _ value: String) { f[BlueprintFactKey(area: area, key: key)] = value }
        func weights(_ s: Int?, _ q: Int?, _ r: Int?, _ regimes: [String]?) -> String {
            var parts: [String] = []
            if let s { parts.append("safety \(s)") }
            if let q { parts.append("quality \(q)") }
            if let r { parts.append("regulatory \(r)") }
            if let regimes { parts.append("regimes [\(regimes.joined(separator: ", "))]") }
            return parts.joined(separator: ", ")
        }
        if let enterprise { put("blueprint", "enterprise", enterprise) }
        if let definitionVersion { put("blueprint", "definitionVersion", definitionVersion) }
        for o in dataObjects {
            put(
                "dataObject", o.id,
                ([o.name.map { "name \($0)" }].compactMap { $0 } + [
                    weights(o.safety, o.quality, o.regulatory, o.regimes)
                ])
                .filter { !$0.isEmpty }.joined(separator: ", "))
        }
        for o in activityExposure { put("exposure", o.activity, weights(o.safety, o.quality, o.regulatory, o.regimes)) }
        for e in kpiExtensions {
            var value = "\(e.name): \(e.formula) [\(e.elements.joined(separator: ", "))]"
            if let c = e.category { value += ", category \(c)" }
            if let n = e.nearestISO { value += ", nearest ISO \(n)" }
            put("kpiExtension", e.id, value)
        }
        for site in sites {
            let s = site.id
            for item in site.outOfScope { put("scope", "\(s) \(item)", "out of scope") }
            for c in site.coverage {
                for cell in c.partial { put("coverage", "\(s) \(cell) \(c.system)", "partial") }
                for cell in c.full { put("coverage", "\(s) \(cell) \(c.system)", "full") }
            }
            for use in site.dataObjects {
                for (system, roles) in use.roles {
                    put("ownership", "\(s) \(use.object) \(system)", roles.map(\.rawValue).joined(separator: ", "))
                }
            }
            for e in site.elementSources {
                put("elementSources", "\(s) \(e.element)", e.systems.joined(separator: ", "))
            }
            for m in site.kpiMappings {
                var value = m.canonical ?? "not mapped (\(m.reason ?? ""))"
                if let n = m.note { value += " (note: \(n))" }
                put("kpiMapping", "\(s) \"\(m.local)\"", value)
            }
            if let n = site.normalisation {
                if let tz = n.timeZone { put("normalisation", "\(s) timeZone", tz) }
                for r in n.reasonCodes {
                    put("normalisation", "\(s) reason \(r.local)", r.category + (r.failure == true ? " (failure)" : ""))
                }
                for u in n.units {
                    put("normalisation", "\(s) unit \(u.local)", "\(u.canonical) × \(u.factor)")
                }
                for sh in n.shifts { put("normalisation", "\(s) shift \(sh.local)", "shift \(sh.shift)") }
            }
        }
        return f
    }
}
