import SparCore

/// The blueprint analysis, the KPI harmonisation view and blueprint diffs as JSON (`spar map … --format json`).
public enum BlueprintReportJSON {
    /// `spar map analyze --format json`: metadata, the ranked gaps, then per-site findings.
    public static func analysis(_ a: BlueprintAnalysis) -> JSONValue {
        var o: [String: JSONValue] = [
            "versions": versions(a),
            "observedEvents": a.observedEvents.map { .number(Double($0)) } ?? .null,
            "summary": summary(a),
            "gaps": .array(a.gaps.enumerated().map { gap($0.element, rank: $0.offset + 1) }),
            "sites": .array(a.sites.map(site)),
            "sitesWithoutBlueprint": strings(a.sitesWithoutBlueprint),
        ]
        o["scoring"] = .string("score = severity (1-3 by kind) × exposure (safety + quality + regulatory, each 0-3)")
        return .object(o)
    }

    /// `spar map kpis --format json`: per site, every canonical KPI's lineage and the local KPI mappings.
    public static func kpis(_ a: BlueprintAnalysis) -> JSONValue {
        .object([
            "versions": versions(a),
            "observedEvents": a.observedEvents.map { .number(Double($0)) } ?? .null,
            "sites": .array(
                a.sites.map { s in
                    .object([
                        "site": .string(s.site),
                        "computable": .number(Double(s.kpis.count { $0.isComputable })),
                        "canonical": .number(Double(s.kpis.count)),
                        "kpis": .array(s.kpis.map(lineage)),
                        "kpiMappings": .array(s.mappings.map { mapping($0, in: s) }),
                        "normalisation": s.normalisation.map(normalisation) ?? .null,
                    ])
                }),
        ])
    }

    /// The changes of a diff, in order.
    public static func changes(_ d: BlueprintDiff) -> JSONValue {
        .array(
            d.changes.map { c in
                .object([
                    "kind": .string(c.kind.rawValue), "area": .string(c.area), "key": .string(c.key),
                    "old": c.old.map(JSONValue.string) ?? .null, "new": c.new.map(JSONValue.string) ?? .null,
                ])
            })
    }

    /// Pretty-printed JSON with the given top-level keys first.
    public static func text(_ value: JSONValue, order: [String] = ["versions", "summary", "gaps", "sites"]) -> String {
        var out = ""
        KPIResultJSON.pretty(value, indent: 0, into: &out, order: order)
        return out
    }

    static func strings(_ s: [String]) -> JSONValue { .array(s.map(JSONValue.string)) }

    static func versions(_ a: BlueprintAnalysis) -> JSONValue {
        .object([
            "blueprint": a.blueprintVersion.map(JSONValue.string) ?? .null,
            "plantModel": a.plantModelVersion.map(JSONValue.string) ?? .null,
            "siteDefinitions": a.definitionVersion.map(JSONValue.string) ?? .null,
            "kpiDefinitions": .string(KPICatalogue.defaultVersion),
            "formulas": .string(KPICatalogue.formulaVersion),
        ])
    }

    static func summary(_ a: BlueprintAnalysis) -> JSONValue {
        var byKind: [String: JSONValue] = [:]
        for kind in BlueprintGap.Kind.allCases {
            let n = a.gaps.count { $0.kind == kind }
            if n > 0 { byKind[kind.rawValue] = .number(Double(n)) }
        }
        return .object([
            "gaps": .number(Double(a.gaps.count)),
            "byKind": .object(byKind),
            "sites": .array(
                a.sites.map { s in
                    .object([
                        "site": .string(s.site),
                        "gaps": .number(Double(a.gaps(site: s.site).count)),
                        "uncoveredActivities": strings(s.uncoveredActivities.map(\.description)),
                        "unvalidatedActivities": strings(s.unvalidatedActivities.map(\.description)),
                        "missingSystemOfRecord": strings(s.missingSystemOfRecord),
                        "systemOfRecordConflicts": strings(s.systemOfRecordConflicts),
                        "nonOwnerUpdates": .array(
                            s.nonOwnerUpdates.map {
                                .object(["object": .string($0.object), "system": .string($0.system)])
                            }),
                        "kpisComputable": .number(Double(s.kpis.count { $0.isComputable })),
                        "kpisUnreliable": .number(Double(s.kpis.count { $0.isUnreliable })),
                        "kpisFragmented": .number(Double(s.kpis.count { $0.isFragmented })),
                        "kpisUnsupported": .number(Double(s.kpis.count { $0.isUnsupported })),
                    ])
                }),
        ])
    }

    static func exposure(_ e: BlueprintExposure) -> JSONValue {
        .object([
            "safety": .number(Double(e.safety)), "quality": .number(Double(e.quality)),
            "regulatory": .number(Double(e.regulatory)), "total": .number(Double(e.total)),
            "regimes": strings(e.regimes),
        ])
    }

    static func gap(_ g: BlueprintGap, rank: Int) -> JSONValue {
        .object([
            "rank": .number(Double(rank)), "kind": .string(g.kind.rawValue), "site": .string(g.site),
            "subject": .string(g.subject), "score": .number(Double(g.score)), "severity": .number(Double(g.severity)),
            "exposure": exposure(g.exposure), "systems": strings(g.systems), "elements": strings(g.elements),
            "kpis": strings(g.kpis), "recommendation": .string(g.recommendation),
        ])
    }

    static func site(_ s: BlueprintSiteAnalysis) -> JSONValue {
        .object([
            "site": .string(s.site),
            "activities": .array(
                s.activities.map { a in
                    .object([
                        "activity": .string(a.activity.description), "state": .string(a.state.rawValue),
                        "full": strings(a.full), "partial": strings(a.partial), "unvalidated": strings(a.unvalidated),
                        "exposure": .number(Double(a.exposure.total)),
                    ])
                }),
            "dataObjects": .array(
                s.dataObjects.map { d in
                    .object([
                        "object": .string(d.object), "state": .string(d.state.rawValue),
                        "systemOfRecord": strings(d.systemsOfRecord), "create": strings(d.use?.create ?? []),
                        "read": strings(d.use?.read ?? []), "update": strings(d.use?.update ?? []),
                        "reference": strings(d.use?.reference ?? []), "nonOwnerUpdaters": strings(d.nonOwnerUpdaters),
                        "unvalidatedOwners": strings(d.unvalidatedOwners),
                        "exposure": .number(Double(d.exposure.total)),
                    ])
                }),
            "kpis": .array(s.kpis.map(lineage)),
            "kpiMappings": .array(s.mappings.map { mapping($0, in: s) }),
        ])
    }

    static func lineage(_ l: BlueprintKPILineage) -> JSONValue {
        var elements: [String: JSONValue] = [:]
        for e in l.elements {
            elements[e.element] = .object([
                "origins": strings(e.origins.map(\.description)), "declared": strings(e.declared),
                "observed": strings(e.observed), "explicit": .bool(e.explicit),
            ])
        }
        return .object([
            "id": .string(l.kpi.id), "name": .string(l.kpi.name), "iso": .bool(l.kpi.isISO),
            "category": .string(l.kpi.category.rawValue), "computable": .bool(l.isComputable),
            "unsupported": .bool(l.isUnsupported), "unreliable": .bool(l.isUnreliable),
            "fragmented": .bool(l.isFragmented),
            "suppliers": strings(l.suppliers), "unvalidatedSuppliers": strings(l.unvalidatedSuppliers),
            "unsupportedElements": strings(l.unsupportedElements), "localNames": strings(l.localNames),
            "elements": .object(elements),
        ])
    }

    static func mapping(_ m: BlueprintKPIMapping, in s: BlueprintSiteAnalysis) -> JSONValue {
        var o: [String: JSONValue] = [
            "local": .string(m.local), "canonical": m.canonical.map(JSONValue.string) ?? .null,
            "reason": m.reason.map(JSONValue.string) ?? .null, "note": m.note.map(JSONValue.string) ?? .null,
        ]
        if let c = m.canonical, let l = s.kpi(c) {
            o["iso"] = .bool(l.kpi.isISO)
            o["computable"] = .bool(l.isComputable)
        }
        return .object(o)
    }

    static func normalisation(_ n: BlueprintNormalisation) -> JSONValue {
        .object([
            "timeZone": n.timeZone.map(JSONValue.string) ?? .null,
            "reasonCodes": .array(
                n.reasonCodes.map {
                    .object([
                        "local": .string($0.local), "category": .string($0.category),
                        "failure": .bool($0.failure ?? false),
                    ])
                }),
            "units": .array(
                n.units.map {
                    .object([
                        "local": .string($0.local), "canonical": .string($0.canonical), "factor": .number($0.factor),
                    ])
                }),
            "shifts": .array(n.shifts.map { .object(["local": .string($0.local), "shift": .string($0.shift)]) }),
        ])
    }
}
