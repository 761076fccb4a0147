extension Blueprint {
    /// Every problem in the blueprint checked against `plant` (its sites, systems, calendars and reason codes);
    /// empty when it is valid. Nothing stops at the first problem.
    public func validationProblems(plant: PlantModel) -> [BlueprintProblem] {
        var problems: [BlueprintProblem] = []
        func add(_ location: String, _ message: String) { problems.append(.init(location, message)) }
        func duplicates(_ ids: [String], _ location: String, _ what: String) {
            var seen = Set<String>()
            var reported = Set<String>()
            for id in ids where !seen.insert(id).inserted && reported.insert(id).inserted {
                add(location, "duplicate \(what) '\(id)'")
            }
        }
        func weights(_ e: BlueprintExposure, _ location: String) {
            for (field, value) in e.outOfRange {
                add("\(location).\(field)", "weight \(value) is outside 0…3")
            }
        }
        let systemIDs = Set(plant.systems.map(\.id))
        let objectIDs = Set(dataObjectIDs)
        let siteIDs = Set(sites.map(\.id))
        func checkSystem(_ id: String, _ location: String) {
            if !systemIDs.contains(id) {
                add(location, "unknown system '\(id)' (not in the plant model's systems)")
            }
        }
        func checkActivity(_ text: String, _ location: String) -> BlueprintActivity? {
            guard let cell = BlueprintActivity(text) else {
                add(location, "unknown activity '\(text)' (expected category/activity, e.g. quality/dataCollection)")
                return nil
            }
            return cell
        }

        if let enterprise, enterprise != plant.enterprise {
            add("enterprise", "'\(enterprise)' is not the plant model's enterprise '\(plant.enterprise)'")
        }
        if definitionVersion?.isEmpty == true { add("definitionVersion", "must not be empty") }

        duplicates(dataObjects.map(\.id), "dataObjects", "data object")
        for object in dataObjects {
            let l = "dataObjects[\(object.id)]"
            if object.id.isEmpty || object.id.contains(where: \.isWhitespace) || object.id.contains("/") {
                add(l, "id '\(object.id)' must be a non-empty word without spaces or '/'")
            }
            weights(object.exposure(over: .init(safety: 0, quality: 0, regulatory: 0)), l)
        }
        duplicates(activityExposure.map(\.activity), "activityExposure", "activity")
        for o in activityExposure {
            let l = "activityExposure[\(o.activity)]"
            _ = checkActivity(o.activity, l + ".activity")
            weights(o.exposure(over: .init(safety: 0, quality: 0, regulatory: 0)), l)
        }

        let isoIDs = Set(KPICatalogue.all.map(\.id))
        duplicates(kpiExtensions.map(\.id), "kpiExtensions", "KPI extension")
        for ext in kpiExtensions {
            let l = "kpiExtensions[\(ext.id)]"
            if let site = ext.site {
                if !siteIDs.contains(site) { add(l + ".id", "unknown site '\(site)' (not a site of the blueprint)") }
            } else {
                add(l + ".id", "a local extension id must be local.<site>.<name>, never an ISO id")
            }
            if ext.name.isEmpty { add(l + ".name", "must not be empty") }
            if ext.formula.isEmpty { add(l + ".formula", "must not be empty") }
            if ext.elements.isEmpty { add(l + ".elements", "a KPI needs at least one element") }
            for e in ext.elements where !BlueprintElementMap.isKnown(e) {
                add(l + ".elements", "unknown element '\(e)'")
            }
            if let c = ext.category, OperationsCategory(rawValue: c) == nil {
                add(l + ".category", "unknown operations category '\(c)' (production, quality, maintenance, inventory)")
            }
            if let n = ext.nearestISO, !isoIDs.contains(n) { add(l + ".nearestISO", "unknown ISO KPI '\(n)'") }
        }
        let canonicalIDs = isoIDs.union(kpiExtensions.map(\.id))

        if sites.isEmpty { add("sites", "the blueprint has no site") }
        duplicates(sites.map(\.id), "sites", "site")
        for site in sites {
            let sl = "sites[\(site.id)]"
            guard let plantSite = plant.sites.first(where: { $0.id == site.id }) else {
                add(sl, "unknown site '\(site.id)' (not a site of the plant model)")
                continue
            }
            duplicates(site.outOfScope, sl + ".outOfScope", "entry")
            var outActivities = Set<String>()
            var outObjects = Set<String>()
            for item in site.outOfScope {
                if item.contains("/") {
                    if checkActivity(item, sl + ".outOfScope") != nil { outActivities.insert(item) }
                } else if objectIDs.contains(item) {
                    outObjects.insert(item)
                } else {
                    add(sl + ".outOfScope", "unknown activity or data object '\(item)'")
                }
            }

            duplicates(site.coverage.map(\.system), sl + ".coverage", "coverage entry for system")
            for entry in site.coverage {
                let cl = "\(sl).coverage[\(entry.system)]"
                checkSystem(entry.system, cl + ".system")
                if entry.full.isEmpty && entry.partial.isEmpty { add(cl, "covers no activity") }
                duplicates(entry.full + entry.partial, cl, "activity")
                for (field, cells) in [("full", entry.full), ("partial", entry.partial)] {
                    for text in cells {
                        guard checkActivity(text, "\(cl).\(field)") != nil else { continue }
                        if outActivities.contains(text) {
                            add("\(cl).\(field)", "'\(text)' is covered but also listed as out of scope")
                        }
                    }
                }
            }

            duplicates(site.dataObjects.map(\.object), sl + ".dataObjects", "data object")
            for use in site.dataObjects {
                let ol = "\(sl).dataObjects[\(use.object)]"
                if !objectIDs.contains(use.object) {
                    add(
                        ol + ".object", "unknown data object '\(use.object)' (declare custom objects under dataObjects)"
                    )
                }
                if outObjects.contains(use.object) { add(ol, "listed but also out of scope") }
                for (role, systems) in [
                    ("systemOfRecord", use.systemOfRecord), ("create", use.create), ("read", use.read),
                    ("update", use.update), ("reference", use.reference),
                ] {
                    duplicates(systems, "\(ol).\(role)", "system")
                    for s in systems { checkSystem(s, "\(ol).\(role)") }
                }
            }

            duplicates(site.elementSources.map(\.element), sl + ".elementSources", "element")
            for source in site.elementSources {
                let el = "\(sl).elementSources[\(source.element)]"
                if !BlueprintElementMap.baseElements.contains(source.element) {
                    add(el + ".element", "unknown base element '\(source.element)'")
                }
                if source.systems.isEmpty { add(el + ".systems", "names no system") }
                for s in source.systems { checkSystem(s, el + ".systems") }
            }

            if let d = site.kpiDefinition, KPICatalogue.version(d) == nil {
                add(sl + ".kpiDefinition", "'\(d)' is not a KPI definition version (\(KPICatalogue.versions.map(\.id).joined(separator: ", ")))")
            }
            duplicates(site.kpiMappings.map(\.local), sl + ".kpiMappings", "local KPI")
            for m in site.kpiMappings {
                let ml = "\(sl).kpiMappings[\(m.local)]"
                if m.local.isEmpty { add(ml + ".local", "must not be empty") }
                switch (m.canonical, m.reason) {
                case (let c?, nil):
                    if !canonicalIDs.contains(c) {
                        add(
                            ml + ".canonical",
                            "unknown canonical KPI '\(c)' (an ISO id or a declared local.<site>.<name>)")
                    }
                case (_?, _?): add(ml, "give canonical or reason, not both")
                case (nil, let r?): if r.isEmpty { add(ml + ".reason", "must not be empty") }
                case (nil, nil): add(ml, "needs canonical (the KPI it maps onto) or reason (why it cannot map)")
                }
            }

            if let n = site.normalisation {
                problems += n.validationProblems(location: sl + ".normalisation", site: plantSite, plant: plant)
            }
        }
        return problems
    }

    /// Throws ``InvalidBlueprint`` listing every problem, or returns normally when valid against `plant`.
    public func validate(plant: PlantModel) throws(InvalidBlueprint) {
        let problems = validationProblems(plant: plant)
        if !problems.isEmpty { throw InvalidBlueprint(problems: problems) }
    }
}

extension BlueprintNormalisation {
    func validationProblems(location: String, site: Site, plant: PlantModel) -> [BlueprintProblem] {
        var problems: [BlueprintProblem] = []
        func add(_ l: String, _ m: String) { problems.append(.init(l, m)) }
        func duplicates(_ ids: [String], _ l: String, _ what: String) {
            var seen = Set<String>()
            for id in ids where !seen.insert(id).inserted { add(l, "duplicate \(what) '\(id)'") }
        }
        if let timeZone {
            if LocalTime(identifier: timeZone) == nil {
                add(location + ".timeZone", "unknown IANA time zone '\(timeZone)'")
            } else if timeZone != site.timeZone {
                add(
                    location + ".timeZone",
                    "'\(timeZone)' differs from the plant model's '\(site.timeZone)' for the site")
            }
        }
        duplicates(reasonCodes.map(\.local), location + ".reasonCodes", "local code")
        for rule in reasonCodes {
            let l = "\(location).reasonCodes[\(rule.local)]"
            guard let category = TimeCategory(rawValue: rule.category) else {
                add(
                    l + ".category",
                    "unknown time category '\(rule.category)' (production, setup, delay, down, plannedDown, idle)")
                continue
            }
            if rule.failure == true && category != .down {
                add(l, "failure: true needs category down, not \(category.rawValue)")
            }
            if let known = plant.reasons.first(where: { $0.code == rule.local }), known.category != category {
                add(
                    l + ".category",
                    "maps '\(rule.local)' to \(category.rawValue) but the plant model's reason code maps it to \(known.category.rawValue)"
                )
            }
        }
        duplicates(units.map(\.local), location + ".units", "local unit")
        for rule in units {
            let l = "\(location).units[\(rule.local)]"
            if rule.canonical.isEmpty { add(l + ".canonical", "must not be empty") }
            if !rule.factor.isFinite || rule.factor <= 0 { add(l + ".factor", "must be a positive number") }
        }
        var calendarIDs = Set<String>()
        if let c = site.calendar { calendarIDs.insert(c) }
        for area in site.areas {
            if let c = area.calendar { calendarIDs.insert(c) }
            for wc in area.workCenters {
                if let c = wc.calendar { calendarIDs.insert(c) }
                for u in wc.workUnits { if let c = u.calendar { calendarIDs.insert(c) } }
            }
        }
        let shiftNames = Set(plant.calendars.filter { calendarIDs.contains($0.id) }.flatMap { $0.shifts.map(\.name) })
        duplicates(shifts.map(\.local), location + ".shifts", "local shift")
        let known =
            shiftNames.isEmpty
            ? "the site has no shift calendar"
            : "the site's calendars have \(shiftNames.sorted().joined(separator: ", "))"
        for rule in shifts where !shiftNames.contains(rule.shift) {
            add("\(location).shifts[\(rule.local)].shift", "unknown shift '\(rule.shift)' (\(known))")
        }
        return problems
    }
}
