import SparCore

/// Where an `Equipment` element sits while its hierarchy is merged into the plant model.
enum EquipmentPlace: Equatable {
    case top
    case enterprise
    case site(Int)
    case area(Int, Int)
    case workCenter(Int, Int, Int)
    case unit
}

extension Reader {
    /// The equipment level an element states: `EquipmentLevel` (V0600 text, or V0700's scope with
    /// `EquipmentElementLevel`) or V0401's `EquipmentElementLevel`.
    static func level(_ e: XMLTree.Element) -> String? {
        if let l = e.child("EquipmentLevel") {
            if !l.text.isEmpty { return l.text }
            return l.value("EquipmentElementLevel") ?? l.value("EquipmentLevel")
        }
        return e.value("EquipmentElementLevel")
    }

    /// The work center kind of an ISA-95 level, nil when the level is not a work center's.
    static func workCenterKind(_ level: String) -> WorkCenterKind? {
        switch Reader.key(level) {
        case "productionline": .productionLine
        case "processcell": .processCell
        case "productionunit": .productionUnit
        case "storagezone": .storageZone
        case "workcell": .workCell
        default: nil
        }
    }

    /// Merges one `Equipment` element (and its children) into the model at `place`.
    mutating func equipment(_ e: XMLTree.Element, in place: EquipmentPlace) {
        guard let id = e.value("ID") else { return refuse(e, "Equipment without an ID") }
        guard let level = Reader.level(e) else {
            return refuse(e, "Equipment \(id) states no EquipmentLevel (Enterprise, Site, Area, ProductionLine, …, WorkUnit)")
        }
        let props = Dictionary(
            Reader.properties(e, named: "EquipmentProperty").map { (Reader.key($0.id), $0.value) },
            uniquingKeysWith: { a, _ in a })
        let k = Reader.key(level)
        var here: EquipmentPlace
        var at = place
        if at == .top, k != "enterprise", k != "site" {
            switch anchor(e, level: k) {
            case .success(let place): at = place
            case .failure(let why): return refuse(e, "\(level) \(id): \(why.reason)")
            }
        }
        switch (k, at) {
        case ("enterprise", .top):
            guard id == model.enterprise else {
                return refuse(e, "Enterprise \(id) is not this plant model's enterprise (\(model.enterprise))")
            }
            count("equipment")
            here = .enterprise
        case ("site", .top), ("site", .enterprise):
            if let i = model.sites.firstIndex(where: { $0.id == id }) {
                if let tz = props["timezone"], tz != model.sites[i].timeZone {
                    guard LocalTime(identifier: tz) != nil else { return refuse(e, "TimeZone '\(tz)' is not an IANA zone") }
                    model.sites[i].timeZone = tz
                }
                if let c = props["calendar"] { model.sites[i].calendar = c }
                here = .site(i)
            } else {
                guard let tz = props["timezone"] else {
                    return refuse(
                        e,
                        "Site \(id) is new to the plant model and states no time zone (an EquipmentProperty TimeZone, e.g. Europe/Paris); its equipment is not imported")
                }
                guard LocalTime(identifier: tz) != nil else { return refuse(e, "TimeZone '\(tz)' is not an IANA zone") }
                model.sites.append(Site(id: id, timeZone: tz, calendar: props["calendar"], areas: []))
                here = .site(model.sites.count - 1)
            }
            count("equipment")
        case ("area", .site(let s)):
            if let a = model.sites[s].areas.firstIndex(where: { $0.id == id }) {
                if let c = props["calendar"] { model.sites[s].areas[a].calendar = c }
                here = .area(s, a)
            } else {
                model.sites[s].areas.append(Area(id: id, calendar: props["calendar"], workCenters: []))
                here = .area(s, model.sites[s].areas.count - 1)
            }
            count("equipment")
        case (_, .area(let s, let a)) where Reader.workCenterKind(level) != nil || k == "workcenter":
            let kind = Reader.workCenterKind(level)
            if let w = model.sites[s].areas[a].workCenters.firstIndex(where: { $0.id == id }) {
                if let kind { model.sites[s].areas[a].workCenters[w].kind = kind }
                if let c = props["calendar"] { model.sites[s].areas[a].workCenters[w].calendar = c }
                here = .workCenter(s, a, w)
            } else {
                guard let kind else {
                    return refuse(
                        e,
                        "WorkCenter \(id) is new and its level does not say which kind (ProductionLine, ProcessCell, ProductionUnit, StorageZone or WorkCell)")
                }
                model.sites[s].areas[a].workCenters.append(
                    WorkCenter(id: id, kind: kind, calendar: props["calendar"], workUnits: []))
                here = .workCenter(s, a, model.sites[s].areas[a].workCenters.count - 1)
            }
            count("equipment")
        case ("unit", .workCenter(let s, let a, let w)), ("workunit", .workCenter(let s, let a, let w)),
            ("storageunit", .workCenter(let s, let a, let w)), ("workcell", .workCenter(let s, let a, let w)),
            ("productionunit", .workCenter(let s, let a, let w)):
            var rate: Double?
            if let r = props["ratedrate"] {
                guard let v = Double(r), v.isFinite, v > 0 else {
                    return refuse(e, "RatedRate '\(r)' is not a positive number of units per hour")
                }
                rate = v
            }
            var units = model.sites[s].areas[a].workCenters[w].workUnits
            if let u = units.firstIndex(where: { $0.id == id }) {
                if let rate { units[u].ratedRate = rate }
                if let c = props["calendar"] { units[u].calendar = c }
            } else {
                units.append(WorkUnit(id: id, calendar: props["calendar"], ratedRate: rate))
            }
            model.sites[s].areas[a].workCenters[w].workUnits = units
            count("equipment")
            here = .unit
        case (_, .unit):
            return skip(e, "\(level) \(id) is below a work unit; Spar keeps equipment down to the work unit")
        default:
            return refuse(e, "a \(level) cannot sit \(describe(at)) in the ISA-95 hierarchy Spar keeps")
        }
        for c in e.children("Equipment") { equipment(c, in: here) }
    }

    func parentNoun(_ level: String) -> String {
        switch level {
        case "area": "site"
        case "unit", "workunit", "storageunit": "work center"
        default: Reader.workCenterKind(level) != nil || level == "workcenter" ? "area" : "parent"
        }
    }

    func describe(_ place: EquipmentPlace) -> String {
        switch place {
        case .top: "at the top of the message"
        case .enterprise: "directly in the enterprise"
        case .site: "in a site"
        case .area: "in an area"
        case .workCenter: "in a work center"
        case .unit: "in a work unit"
        }
    }

    /// The place a top-level `Equipment` element belongs, from the ids of its `HierarchyScope`: the one container
    /// of the right level whose own id is in the scope and whose ancestors include every other id there.
    func anchor(_ e: XMLTree.Element, level: String) -> Result<EquipmentPlace, QuantityError> {
        let ids = Set(Reader.scopeIDs(e)).subtracting([model.enterprise])
        let parent = parentNoun(level)
        var candidates: [(EquipmentPlace, [String])] = []
        for (s, site) in model.sites.enumerated() {
            if parent == "site" { candidates.append((.site(s), [site.id])) }
            for (a, area) in site.areas.enumerated() {
                if parent == "area" { candidates.append((.area(s, a), [site.id, area.id])) }
                for (w, wc) in area.workCenters.enumerated() where parent == "work center" || level == "workcell" {
                    candidates.append((.workCenter(s, a, w), [site.id, area.id, wc.id]))
                }
            }
        }
        let matches = candidates.filter { c in c.1.last.map(ids.contains) == true && ids.isSubset(of: c.1) }
        switch matches.count {
        case 1: return .success(matches[0].0)
        case 0:
            return .failure(
                .init(reason: "it is not inside its parent and its HierarchyScope names no \(parent) of the plant model"))
        default:
            let names = matches.map { c in c.1.joined(separator: "/") }.joined(separator: ", ")
            return .failure(.init(reason: "its HierarchyScope is ambiguous (\(names)); name the site and area too"))
        }
    }

    // MARK: - Materials

    mutating func material(_ e: XMLTree.Element) {
        guard let id = e.value("ID") else { return refuse(e, "MaterialDefinition without an ID") }
        var props: [String: String] = [:]
        var uom: String?
        for p in Reader.properties(e, named: "MaterialDefinitionProperty") {
            if Reader.key(p.id) == "baseunitofmeasure" || Reader.key(p.id) == "unitofmeasure" {
                uom = p.value
            } else {
                props[p.id] = p.value
            }
        }
        for c in e.children("MaterialLot") { lot(c, material: id) }
        var def = MaterialDefinition(
            id: id, description: e.value("Description"), unitOfMeasure: uom, properties: props.isEmpty ? nil : props)
        if let i = model.materials.firstIndex(where: { $0.id == id }) {
            if def.description == nil { def.description = model.materials[i].description }
            model.materials[i] = def
        } else {
            model.materials.append(def)
        }
        count("material")
    }

    mutating func lot(_ e: XMLTree.Element, material: String?) {
        guard let id = e.value("ID") else { return refuse(e, "MaterialLot without an ID") }
        var quantity: Double?
        var uom: String?
        if let q = e.child("Quantity") {
            switch Reader.quantity(q) {
            case .success(let v): quantity = v
            case .failure(let why): return refuse(q, "MaterialLot \(id): \(why.reason)")
            }
            uom = q.value("UnitOfMeasure")
        }
        var props: [String: String] = [:]
        for p in Reader.properties(e, named: "MaterialLotProperty") { props[p.id] = p.value }
        if let loc = e.child("StorageLocation")?.text, !loc.isEmpty { props["StorageLocation"] = loc }
        for c in e.children("MaterialSubLot") { skip(c, "material sublots are not kept (the lot is)") }
        let lot = MaterialLot(
            id: id, material: e.value("MaterialDefinitionID") ?? material, status: e.value("Status"),
            quantity: quantity, unitOfMeasure: uom, properties: props.isEmpty ? nil : props)
        if let i = model.lots.firstIndex(where: { $0.id == id }) {
            model.lots[i] = lot
        } else {
            model.lots.append(lot)
        }
        count("lot")
    }
}
