extension Blueprint {
    /// Analyses the blueprint against `plant`: per site, the state of every activity cell and data object, the
    /// lineage of every canonical KPI, and one ranked list of gaps with plain-language recommendations.
    ///
    /// Pure: the caller passes what the ledger shows as `observed[site][element]` = the systems whose events
    /// supplied that base element at that site (``BlueprintElementMap/elements(of:reasons:)``). A supplier
    /// counts whether it is declared by the blueprint or observed in events. The blueprint should be valid
    /// (``validationProblems(plant:)``); unknown references are ignored here.
    ///
    /// A recommendation may point to a validated system that covers the same activity at another site; with
    /// `hintSites` it names only those sites (for a reader of some sites, whose texts must not describe the others).
    /// Nil names any site.
    public func analyze(
        plant: PlantModel, observed: [String: [String: Set<String>]] = [:], hintSites: Set<String>? = nil,
        definition: KPIDefinitionVersion = KPICatalogue.latest
    ) -> BlueprintAnalysis {
        let analyzer = BlueprintAnalyzer(blueprint: self, plant: plant, hintSites: hintSites, definition: definition)
        var siteResults: [BlueprintSiteAnalysis] = []
        var gaps: [BlueprintGap] = []
        var seen = Set<String>()
        for site in sites where seen.insert(site.id).inserted {
            let (result, siteGaps) = analyzer.analyze(site: site, observed: observed[site.id] ?? [:])
            siteResults.append(result)
            gaps += siteGaps
        }
        gaps.sort(by: BlueprintGap.ranksBefore)
        return BlueprintAnalysis(
            sites: siteResults, gaps: gaps, sitesWithoutBlueprint: plant.sites.map(\.id).filter { !seen.contains($0) },
            definitionVersion: definitionVersion)
    }
}

/// The working state of one analysis (lookups built once).
struct BlueprintAnalyzer {
    let blueprint: Blueprint
    let validated: [String: Bool]
    /// The canonical catalogue under the enterprise's definition, and under each version a site pins.
    let catalogue: [BlueprintCanonicalKPI]
    let pinnedCatalogues: [String: [BlueprintCanonicalKPI]]
    /// The other sites recommendations may name (nil: all).
    let hintSites: Set<String>?

    init(
        blueprint: Blueprint, plant: PlantModel, hintSites: Set<String>? = nil,
        definition: KPIDefinitionVersion = KPICatalogue.latest
    ) {
        self.blueprint = blueprint
        self.hintSites = hintSites
        var v: [String: Bool] = [:]
        for s in plant.systems where v[s.id] == nil { v[s.id] = s.validated }
        validated = v
        catalogue = BlueprintCanonicalKPI.catalogue(extensions: blueprint.kpiExtensions, definition: definition)
        var pinned: [String: [BlueprintCanonicalKPI]] = [:]
        for pin in Set(blueprint.sites.compactMap(\.kpiDefinition)) where pin != definition.id {
            if let version = KPICatalogue.version(pin) {
                pinned[pin] = BlueprintCanonicalKPI.catalogue(extensions: blueprint.kpiExtensions, definition: version)
            }
        }
        pinnedCatalogues = pinned
    }

    /// The catalogue a site's KPIs are read with: its pinned definition, else the enterprise's.
    func catalogue(for site: BlueprintSite) -> [BlueprintCanonicalKPI] {
        site.kpiDefinition.flatMap { pinnedCatalogues[$0] } ?? catalogue
    }

    /// A system not in the plant model is not known to be validated.
    func isValidated(_ system: String) -> Bool { validated[system] ?? false }

    func analyze(site: BlueprintSite, observed: [String: Set<String>]) -> (BlueprintSiteAnalysis, [BlueprintGap]) {
        let outOfScope = Set(site.outOfScope)

        var activities: [BlueprintSiteAnalysis.ActivityStatus] = []
        for cell in BlueprintActivity.all {
            let exposure = blueprint.exposure(of: cell)
            if outOfScope.contains(cell.description) {
                activities.append(
                    .init(
                        activity: cell, state: .outOfScope, full: [], partial: [], unvalidated: [], exposure: exposure))
                continue
            }
            let coverage = site.coverage(of: cell)
            let full = coverage.filter { $0.level == .full }.map(\.system)
            let partial = coverage.filter { $0.level == .partial }.map(\.system)
            let unvalidated = coverage.map(\.system).filter { !isValidated($0) }
            let validatedFull = full.filter(isValidated)
            let state: BlueprintSiteAnalysis.CoverageState =
                coverage.isEmpty
                ? .uncovered : !validatedFull.isEmpty ? .covered : unvalidated.isEmpty ? .partial : .unvalidated
            activities.append(
                .init(
                    activity: cell, state: state, full: full, partial: partial, unvalidated: unvalidated,
                    exposure: exposure))
        }

        var objects: [BlueprintSiteAnalysis.DataObjectStatus] = []
        var seenObjects = Set<String>()
        for id in blueprint.dataObjectIDs where seenObjects.insert(id).inserted {
            let exposure = blueprint.exposure(ofObject: id) ?? BlueprintDataObject.customDefault
            let name = blueprint.name(ofObject: id)
            if outOfScope.contains(id) {
                objects.append(
                    .init(
                        object: id, name: name, state: .outOfScope, use: nil, nonOwnerUpdaters: [],
                        unvalidatedOwners: [], exposure: exposure))
                continue
            }
            let use = site.use(of: id)
            let owners = use?.systemOfRecord ?? []
            let state: BlueprintSiteAnalysis.OwnershipState =
                owners.isEmpty ? .noSystemOfRecord : Set(owners).count >= 2 ? .conflict : .owned
            var seenUpdaters = Set<String>()
            let nonOwner = (use?.update ?? []).filter { !owners.contains($0) && seenUpdaters.insert($0).inserted }
            objects.append(
                .init(
                    object: id, name: name, state: state, use: use, nonOwnerUpdaters: nonOwner,
                    unvalidatedOwners: owners.filter { !isValidated($0) }, exposure: exposure))
        }

        // Element suppliers: the site's explicit elementSources, else the systems covering or writing the origins.
        var supplies: [String: BlueprintKPILineage.ElementSupply] = [:]
        for element in BlueprintElementMap.baseElements {
            let origins = BlueprintElementMap.origins(of: element)
            let seenObs = (observed[element] ?? []).sorted()
            if let explicit = site.elementSources.first(where: { $0.element == element }) {
                supplies[element] = .init(
                    element: element, origins: origins, declared: unique(explicit.systems), observed: seenObs,
                    explicit: true)
                continue
            }
            var declared: [String] = []
            for origin in origins {
                switch origin {
                case .activity(let cell):
                    if !outOfScope.contains(cell.description) { declared += site.coverage(of: cell).map(\.system) }
                case .dataObject(let id):
                    if !outOfScope.contains(id) { declared += site.use(of: id)?.writers ?? [] }
                }
            }
            supplies[element] = .init(
                element: element, origins: origins, declared: unique(declared), observed: seenObs, explicit: false)
        }

        let mapped = Set(site.kpiMappings.compactMap(\.canonical))
        let siteKPIs = catalogue(for: site).filter { $0.isISO || $0.site == site.id || mapped.contains($0.id) }
        let lineages: [BlueprintKPILineage] = siteKPIs.map { kpi in
            let elements = kpi.baseElements.compactMap { supplies[$0] }
            let systems = Set(elements.flatMap(\.suppliers))
            return BlueprintKPILineage(
                kpi: kpi, elements: elements,
                localNames: site.kpiMappings.filter { $0.canonical == kpi.id }.map(\.local),
                unvalidatedSystems: systems.filter { !isValidated($0) })
        }

        let result = BlueprintSiteAnalysis(
            site: site.id, activities: activities, dataObjects: objects, kpis: lineages, mappings: site.kpiMappings,
            normalisation: site.normalisation)
        let context = GapContext(
            analyzer: self, site: site, outOfScope: outOfScope, supplies: supplies, lineages: lineages)
        return (result, context.gaps(activities: activities, objects: objects))
    }
}

/// Builds one site's gaps and their recommendations.
struct GapContext {
    let analyzer: BlueprintAnalyzer
    let site: BlueprintSite
    let outOfScope: Set<String>
    let supplies: [String: BlueprintKPILineage.ElementSupply]
    let lineages: [BlueprintKPILineage]
    var blueprint: Blueprint { analyzer.blueprint }

    /// KPIs with an input derived from `origin` (explicit element sources excluded); KPIs of `category` first.
    func kpis(dependingOn origin: BlueprintElementOrigin, category: OperationsCategory? = nil) -> [String] {
        let hit = lineages.filter { l in
            l.elements.contains { !$0.explicit && $0.origins.contains(origin) }
        }
        let first = hit.filter { $0.kpi.category == category }
        let rest = hit.filter { $0.kpi.category != category }
        return (first + rest).map(\.kpi.id)
    }

    /// Exposure of the performance-analysis cell of the KPIs' categories (the highest).
    func kpiExposure(_ kpis: [BlueprintKPILineage]) -> BlueprintExposure {
        highest(kpis.map { blueprint.exposure(of: BlueprintActivity($0.kpi.category, .performanceAnalysis)) })
    }

    func exposure(of origin: BlueprintElementOrigin) -> BlueprintExposure {
        switch origin {
        case .activity(let cell): blueprint.exposure(of: cell)
        case .dataObject(let id): blueprint.exposure(ofObject: id) ?? BlueprintDataObject.customDefault
        }
    }

    /// Validated systems fully covering `cell` at other sites the analysis may name: "mes-opcenter covers it at
    /// wichita".
    func elsewhere(_ cell: BlueprintActivity) -> String? {
        var systems: [String] = []
        var sitesOf: [String: [String]] = [:]
        for other in blueprint.sites
        where other.id != site.id && (analyzer.hintSites.map { $0.contains(other.id) } ?? true)
            && !other.outOfScope.contains(cell.description)
        {
            for (system, level) in other.coverage(of: cell) where level == .full && analyzer.isValidated(system) {
                if sitesOf[system] == nil { systems.append(system) }
                if sitesOf[system, default: []].contains(other.id) == false {
                    sitesOf[system, default: []].append(other.id)
                }
            }
        }
        let hints = systems.map { "\($0) covers it at \(listed(sitesOf[$0] ?? []))" }
        return hints.isEmpty ? nil : listed(hints, max: 2)
    }

    func dependClause(_ kpis: [String]) -> String {
        kpis.isEmpty ? "" : ": \(listed(kpis)) depend\(kpis.count == 1 ? "s" : "") on it"
    }

    func regimes(_ e: BlueprintExposure) -> String {
        e.regimes.isEmpty ? "" : " (\(e.regimes.joined(separator: ", ")))"
    }

    func objectName(_ id: String) -> String {
        let name = blueprint.name(ofObject: id)
        return name == id ? id : "\(name) (\(id))"
    }

    func gaps(
        activities: [BlueprintSiteAnalysis.ActivityStatus], objects: [BlueprintSiteAnalysis.DataObjectStatus]
    ) -> [BlueprintGap] {
        var gaps: [BlueprintGap] = []
        let s = site.id

        for a in activities {
            let cell = a.activity
            let kpis = kpis(dependingOn: .activity(cell), category: cell.category)
            let label = cell.label
            switch a.state {
            case .uncovered:
                let alt = elsewhere(cell).map { " (\($0))" } ?? ""
                gaps.append(
                    .init(
                        kind: .uncoveredActivity, site: s, subject: cell.description, kpis: kpis, exposure: a.exposure,
                        recommendation: "\(label) at \(s) is covered by no system\(dependClause(kpis)). "
                            + "Assign a system\(alt) or list it under outOfScope."))
            case .unvalidated:
                let validatedPartial = a.partial.filter(analyzer.isValidated)
                let unval = listed(a.unvalidated)
                let finding =
                    validatedPartial.isEmpty
                    ? "\(label) at \(s) is only in \(unval) (unvalidated)"
                    : "\(label) at \(s) relies on \(unval) (unvalidated); \(listed(validatedPartial)) "
                        + "cover\(validatedPartial.count == 1 ? "s" : "") it only in part"
                let alt = elsewhere(cell).map { " (\($0))" } ?? ""
                gaps.append(
                    .init(
                        kind: .unvalidatedActivity, site: s, subject: cell.description, systems: a.unvalidated,
                        kpis: kpis,
                        exposure: a.exposure,
                        recommendation: finding + dependClause(kpis)
                            + ". Move it into a validated system\(alt) or validate \(unval)\(regimes(a.exposure))."))
            case .partial:
                gaps.append(
                    .init(
                        kind: .partialActivity, site: s, subject: cell.description, systems: a.partial, kpis: kpis,
                        exposure: a.exposure,
                        recommendation:
                            "\(label) at \(s) is only partly covered (\(listed(a.partial)))\(dependClause(kpis)). "
                            + "Document how the rest is done, or extend a system to cover it fully."))
            case .covered:
                let full = a.validatedFull
                if full.count >= 2 {
                    gaps.append(
                        .init(
                            kind: .overlappingCoverage, site: s, subject: cell.description, systems: full, kpis: kpis,
                            exposure: a.exposure,
                            recommendation:
                                "\(label) at \(s) is fully covered by \(full.count) systems (\(listed(full))). "
                                + "Record which one does what (for example by product family) so that records and KPIs "
                                + "are neither split nor double-counted."))
                }
            case .outOfScope:
                break
            }
        }

        for o in objects where o.state != .outOfScope {
            let kpis = kpis(dependingOn: .dataObject(o.object))
            let name = objectName(o.object)
            switch o.state {
            case .noSystemOfRecord:
                let users = o.use?.roles.map(\.system) ?? []
                let who =
                    users.isEmpty
                    ? " (the blueprint does not map it)" : " (\(listed(users)) use\(users.count == 1 ? "s" : "") it)"
                gaps.append(
                    .init(
                        kind: .missingSystemOfRecord, site: s, subject: o.object, systems: users, kpis: kpis,
                        exposure: o.exposure,
                        recommendation: "No system of record for \(name) at \(s)\(who)\(dependClause(kpis)). "
                            + "Name one system of record\(regimes(o.exposure)) or list it under outOfScope."))
            case .conflict:
                let owners = unique(o.systemsOfRecord)
                gaps.append(
                    .init(
                        kind: .systemOfRecordConflict, site: s, subject: o.object, systems: owners, kpis: kpis,
                        exposure: o.exposure,
                        recommendation: "\(name) at \(s) has \(owners.count) systems of record (\(listed(owners)))"
                            + dependClause(kpis)
                            + ". Make one the system of record and let the other read or reference "
                            + "it, or split the object by scope (for example by product family) and record the split."))
            case .owned, .outOfScope:
                break
            }
            if !o.unvalidatedOwners.isEmpty {
                let owners = listed(o.unvalidatedOwners)
                gaps.append(
                    .init(
                        kind: .unvalidatedSystemOfRecord, site: s, subject: o.object, systems: o.unvalidatedOwners,
                        kpis: kpis, exposure: o.exposure,
                        recommendation: "\(name) at \(s) has its system of record in \(owners) (unvalidated)"
                            + dependClause(kpis) + ". Move the record into a validated system or validate \(owners)"
                            + "\(regimes(o.exposure))."))
            }
            if !o.nonOwnerUpdaters.isEmpty && !o.systemsOfRecord.isEmpty {
                let updaters = o.nonOwnerUpdaters
                gaps.append(
                    .init(
                        kind: .nonOwnerUpdate, site: s, subject: o.object, systems: updaters, kpis: kpis,
                        exposure: o.exposure,
                        recommendation: "\(name) at \(s) is updated by \(listed(updaters)), which "
                            + "\(updaters.count == 1 ? "is" : "are") not its system of record "
                            + "(\(listed(unique(o.systemsOfRecord))))\(dependClause(kpis)). Route the changes through the "
                            + "system of record, or reconcile them back through a controlled interface."))
            }
        }

        gaps += kpiGaps()
        return gaps
    }

    func kpiGaps() -> [BlueprintGap] {
        var gaps: [BlueprintGap] = []
        let s = site.id

        // Unsupported: one gap per missing element (unless everything it comes from is out of scope).
        for element in BlueprintElementMap.baseElements {
            guard let supply = supplies[element], supply.suppliers.isEmpty else { continue }
            let affected = lineages.filter { $0.kpi.baseElements.contains(element) }
            guard !affected.isEmpty else { continue }
            let inScope = supply.origins.contains { origin in
                switch origin {
                case .activity(let cell): !outOfScope.contains(cell.description)
                case .dataObject(let id): !outOfScope.contains(id)
                }
            }
            guard inScope || supply.explicit else { continue }
            let how = supply.origins.map { origin -> String in
                switch origin {
                case .activity(let cell): "cover \(cell.label) with a system"
                case .dataObject(let id): "give \(objectName(id)) a system of record"
                }
            }
            let kpis = affected.map(\.kpi.id)
            gaps.append(
                .init(
                    kind: .unsupportedKPI, site: s, subject: element, elements: [element], kpis: kpis,
                    exposure: kpiExposure(affected),
                    recommendation:
                        "No system supplies \(element) (\(BlueprintElementMap.meaning(of: element))) at \(s): "
                        + "\(listed(kpis)) cannot be computed. To supply it, \(how.joined(separator: " or "))."))
        }

        // Unreliable: one gap per unvalidated supplier.
        var unvalidated: [String] = []
        for l in lineages { for u in l.unvalidatedSuppliers where !unvalidated.contains(u) { unvalidated.append(u) } }
        for u in unvalidated.sorted() {
            let affected = lineages.filter { $0.unvalidatedSuppliers.contains(u) }
            let elements = BlueprintElementMap.baseElements.filter { e in
                affected.contains { l in l.elements.contains { $0.element == e && $0.suppliers.contains(u) } }
            }
            let kpis = affected.map(\.kpi.id)
            gaps.append(
                .init(
                    kind: .unreliableKPI, site: s, subject: u, systems: [u], elements: elements, kpis: kpis,
                    exposure: kpiExposure(affected),
                    recommendation:
                        "\(listed(kpis)) at \(s) take\(kpis.count == 1 ? "s" : "") \(listed(elements)) from \(u) (unvalidated). "
                        + "Treat them as uncontrolled figures until these inputs come from a validated system, or "
                        + "validate \(u)."))
        }

        // Fragmented: one gap per set of supplying systems.
        var groups: [[String]: [BlueprintKPILineage]] = [:]
        var order: [[String]] = []
        for l in lineages where l.isFragmented {
            if groups[l.suppliers] == nil { order.append(l.suppliers) }
            groups[l.suppliers, default: []].append(l)
        }
        let definition = blueprint.definitionVersion.map { " (\($0))" } ?? ""
        for systems in order {
            let affected = groups[systems] ?? []
            let kpis = affected.map(\.kpi.id)
            gaps.append(
                .init(
                    kind: .fragmentedKPI, site: s, subject: systems.joined(separator: " + "), systems: systems,
                    kpis: kpis,
                    exposure: kpiExposure(affected),
                    recommendation: "\(listed(kpis)) at \(s) combine\(kpis.count == 1 ? "s" : "") inputs from "
                        + "\(listed(systems)). Check that they agree on orders, units of measure and clocks, and compare "
                        + "sites only under the same KPI definition\(definition) and mapping."))
        }

        // Undeclared: events from a system the blueprint does not name for what they carry.
        var extra: [String: [String]] = [:]
        for element in BlueprintElementMap.baseElements {
            guard let supply = supplies[element] else { continue }
            for system in supply.observed where !supply.declared.contains(system) {
                extra[system, default: []].append(element)
            }
        }
        for system in extra.keys.sorted() {
            let elements = extra[system] ?? []
            let affected = lineages.filter { l in l.kpi.baseElements.contains { elements.contains($0) } }
            var origins: [BlueprintElementOrigin] = []
            for e in elements {
                for o in BlueprintElementMap.origins(of: e) where !origins.contains(o) { origins.append(o) }
            }
            let places = origins.sorted().map { origin -> String in
                switch origin {
                case .activity(let cell): "the coverage of \(cell.label)"
                case .dataObject(let id): "the writers of \(objectName(id))"
                }
            }
            gaps.append(
                .init(
                    kind: .undeclaredSource, site: s, subject: system, systems: [system], elements: elements,
                    kpis: affected.map(\.kpi.id), exposure: highest(origins.map(exposure(of:))),
                    recommendation:
                        "Events from \(system) at \(s) supply \(listed(elements)), but the blueprint does not "
                        + "name \(system) as their source. Add it to \(listed(places, max: 3)) or to elementSources, "
                        + "or stop the feed."))
        }
        return gaps
    }
}

/// The exposure with the highest total (the first of equals); zero when empty.
private func highest(_ exposures: [BlueprintExposure]) -> BlueprintExposure {
    var best = BlueprintExposure(safety: 0, quality: 0, regulatory: 0)
    var found = false
    for e in exposures where !found || e.total > best.total {
        best = e
        found = true
    }
    return best
}

/// Each value once, first occurrence kept.
private func unique(_ values: [String]) -> [String] {
    var seen = Set<String>()
    return values.filter { seen.insert($0).inserted }
}

/// `a`, `a and b`, `a, b and c`, `a, b, c, d, e and 3 more`.
private func listed(_ items: [String], max: Int = 5) -> String {
    switch items.count {
    case 0: return "none"
    case 1: return items[0]
    case 2...max: return items.dropLast().joined(separator: ", ") + " and " + (items.last ?? "")
    default: return items.prefix(max).joined(separator: ", ") + " and \(items.count - max) more"
    }
}
