import Foundation
import Hummingbird
import SparCore
import SparEngine
import SparInterchange

/// The MOM blueprint pages: the enterprise (sites side by side) and one site — activity grid, data ownership,
/// ranked gaps, KPI lineage health — as of any server time, the versions recorded and the diff between two.
extension PageController {
    /// The analysis the caller may see, as of `asOf` (nil: now): sites and gaps cut to the caller's sites, and the
    /// version in force.
    func scopedBlueprint(caller: Caller, asOf: Timestamp?) async throws -> (BlueprintAnalysis, BlueprintVersion?) {
        var hintSites: Set<String>?
        if case .sites(let sites) = caller.sites { hintSites = sites }
        var analysis: BlueprintAnalysis
        var version: BlueprintVersion?
        if let asOf {
            guard let (a, v) = try await live.blueprintAnalysis(asOf: asOf, hintSites: hintSites) else {
                throw ProblemDetails.notFound(
                    "blueprint-not-recorded", "no MOM blueprint was in force at \(asOf.rfc3339); see /blueprint")
            }
            analysis = a
            version = v
        } else {
            guard let a = try await live.blueprintAnalysis(hintSites: hintSites) else {
                throw ProblemDetails.notFound(
                    "blueprint-not-recorded",
                    "the ledger holds no MOM blueprint; record one with spar map record --db FILE --blueprint blueprint.yaml --reason TEXT")
            }
            analysis = a
            version = try await LedgerBlueprint.latest(in: live.store)
        }
        if case .sites(let sites) = caller.sites {
            analysis.sites = analysis.sites.filter { sites.contains($0.site) }
            analysis.gaps = analysis.gaps.filter { sites.contains($0.site) }
            analysis.sitesWithoutBlueprint = analysis.sitesWithoutBlueprint.filter { sites.contains($0) }
            analysis.observedEvents = nil
        }
        return (analysis, version)
    }

    static func coverageClass(_ s: BlueprintSiteAnalysis.CoverageState) -> String {
        switch s {
        case .covered: "cov-covered"
        case .partial: "cov-partial"
        case .unvalidated: "cov-unvalidated"
        case .uncovered: "cov-uncovered"
        case .outOfScope: "cov-outOfScope"
        }
    }

    static func coverageLabel(_ s: BlueprintSiteAnalysis.CoverageState) -> String {
        switch s {
        case .covered: "covered"
        case .partial: "partly covered"
        case .unvalidated: "unvalidated tools only"
        case .uncovered: "not covered"
        case .outOfScope: "out of scope"
        }
    }

    /// One activity cell: its state, colour and systems (partial and unvalidated marked).
    static func cell(_ a: BlueprintSiteAnalysis.ActivityStatus, site: String) -> [String: Any] {
        let systems: [[String: Any]] =
            a.full.map { s in ["id": s, "level": "full", "unvalidated": a.unvalidated.contains(s)] }
            + a.partial.map { s in ["id": s, "level": "partial", "unvalidated": a.unvalidated.contains(s)] }
        return [
            "site": site, "activity": a.activity.description, "state": a.state.rawValue,
            "css": coverageClass(a.state), "label": coverageLabel(a.state), "systems": systems,
            "full": a.full.joined(separator: ","), "partial": a.partial.joined(separator: ","),
            "unvalidatedList": a.unvalidated.joined(separator: ","), "exposure": a.exposure.description,
        ]
    }

    static func gapRows(_ gaps: [BlueprintGap], all: [BlueprintGap]) -> [[String: Any]] {
        gaps.map { g in
            [
                "rank": (all.firstIndex(of: g) ?? 0) + 1, "score": g.score, "site": g.site,
                "kind": BlueprintReportText.kindLabel(g.kind), "kindId": g.kind.rawValue, "subject": g.subject,
                "safety": g.exposure.safety, "quality": g.exposure.quality, "regulatory": g.exposure.regulatory,
                "systems": g.systems.joined(separator: ", "), "recommendation": g.recommendation,
                "siteHref": "/blueprint/sites/\(g.site)",
            ]
        }
    }

    static func kpiHealth(_ s: BlueprintSiteAnalysis) -> [[String: Any]] {
        s.kpis.map { l in
            let status = BlueprintReportText.status(l)
            var why: [String] = []
            if l.isUnsupported { why.append("nobody supplies \(l.unsupportedElements.joined(separator: ", "))") }
            if l.isUnreliable { why.append("unvalidated: \(l.unvalidatedSuppliers.joined(separator: ", "))") }
            if l.isFragmented { why.append("\(l.suppliers.count) systems: \(l.suppliers.joined(separator: ", "))") }
            return [
                "id": l.kpi.id, "name": l.kpi.name, "status": status, "ok": status == "ok",
                "css": l.isUnsupported ? "cov-uncovered" : l.isUnreliable ? "cov-unvalidated" : l.isFragmented ? "cov-partial" : "cov-covered",
                "why": why.joined(separator: "; "),
                "elements": l.elements.map { e in
                    "\(e.element): \(e.declared.isEmpty ? "none declared" : e.declared.joined(separator: ", "))"
                        + (e.observed.isEmpty ? "" : " · seen \(e.observed.joined(separator: ", "))")
                }.joined(separator: " | "),
                "local": l.localNames.joined(separator: ", "),
            ]
        }
    }

    func versionsModel(_ a: BlueprintAnalysis, _ v: BlueprintVersion?, asOf: Timestamp?) -> [String: Any] {
        [
            "blueprintVersion": a.blueprintVersion ?? "–", "plantModelVersion": a.plantModelVersion ?? "–",
            "definitionVersion": a.definitionVersion ?? KPICatalogue.defaultVersion,
            "observedEvents": a.observedEvents.map { Format.grouped(Double($0)) } ?? "",
            "hasObserved": a.observedEvents != nil,
            "effectiveAt": v.map { Format.time($0.effectiveAt, zone: nil) } ?? "–",
            "reason": v?.reason ?? "", "recordedBy": v?.recordedBy ?? "",
            "changeRequest": v?.changeRequest.map { ", \($0)" } ?? "",
            "asOf": asOf.map { Format.time($0, zone: nil) } ?? "", "isAsOf": asOf != nil,
        ]
    }

    func history(asOf: Timestamp?) async throws -> [[String: Any]] {
        let versions = try await LedgerBlueprint.history(in: live.store)
        return versions.enumerated().reversed().map { i, v in
            var row: [String: Any] = [
                "version": v.version, "effectiveAt": Format.time(v.effectiveAt, zone: nil),
                "recordedAt": Format.time(v.recordedAt, zone: nil), "recordedBy": v.recordedBy, "reason": v.reason,
                "changeRequest": v.changeRequest.map { " · \($0)" } ?? "", "asOfHref": "/blueprint?asOf=\(LineageView.encode(v.effectiveAt.rfc3339))",
            ]
            if i > 0 {
                let before = versions[i - 1].effectiveAt
                row["diffHref"] =
                    "/blueprint/diff?from=\(LineageView.encode(before.rfc3339))&to=\(LineageView.encode(v.effectiveAt.rfc3339))"
            }
            return row
        }
    }

    func exportLinks(_ query: String) -> [[String: Any]] {
        [
            ["name": "Markdown report", "href": "/blueprint/report.md" + query],
            ["name": "gaps (CSV)", "href": "/blueprint/gaps.csv" + query],
            ["name": "data ownership (CSV)", "href": "/blueprint/ownership.csv" + query],
            ["name": "JSON", "href": "/api/blueprint/analysis" + query],
        ]
    }

    func blueprintEnterprise(caller: Caller, asOf: Timestamp?) async throws -> [String: Any] {
        let (a, v) = try await scopedBlueprint(caller: caller, asOf: asOf)
        let asOfQuery = asOf.map { "?asOf=\(LineageView.encode($0.rfc3339))" } ?? ""
        let sites: [[String: Any]] = a.sites.map { s in
            let counted = s.activities.filter { $0.state != .outOfScope }
            return [
                "site": s.site, "href": "/blueprint/sites/\(s.site)" + asOfQuery, "gaps": a.gaps(site: s.site).count,
                "covered": counted.count { $0.state == .covered }, "activities": counted.count,
                "computable": s.kpis.count { $0.isComputable }, "kpis": s.kpis.count,
            ]
        }
        let categories: [[String: Any]] = OperationsCategory.allCases.map { c in
            [
                "category": c.rawValue,
                "rows": MOMActivity.allCases.map { m -> [String: Any] in
                    let activity = BlueprintActivity(c, m)
                    return [
                        "label": m.label, "activity": activity.description,
                        "cells": a.sites.map { s -> [String: Any] in
                            guard let status = s.activities.first(where: { $0.activity == activity }) else {
                                return ["site": s.site, "activity": activity.description, "state": "", "css": "", "label": "–", "systems": []]
                            }
                            return Self.cell(status, site: s.site)
                        },
                    ]
                },
            ]
        }
        let health: [[String: Any]] = a.sites.map { s in
            [
                "site": s.site, "computable": s.kpis.count { $0.isComputable }, "total": s.kpis.count,
                "fragmented": s.kpis.filter(\.isFragmented).map(\.kpi.id).joined(separator: ", "),
                "unreliable": s.kpis.filter(\.isUnreliable).map(\.kpi.id).joined(separator: ", "),
                "unsupported": s.kpis.filter(\.isUnsupported).map(\.kpi.id).joined(separator: ", "),
            ]
        }
        return [
            "title": "MOM blueprint · \(live.model.enterprise)", "enterprise": live.model.enterprise,
            "versions": versionsModel(a, v, asOf: asOf), "sites": sites, "categories": categories,
            "gaps": Self.gapRows(a.gaps, all: a.gaps), "gapCount": a.gaps.count, "health": health,
            "history": try await history(asOf: asOf), "exports": exportLinks(asOfQuery),
            "withoutBlueprint": a.sitesWithoutBlueprint.joined(separator: ", "),
            "hasWithoutBlueprint": !a.sitesWithoutBlueprint.isEmpty,
            "asOfValue": asOf?.rfc3339 ?? "",
        ]
    }

    func blueprintSite(_ site: String, caller: Caller, asOf: Timestamp?) async throws -> [String: Any] {
        guard live.model.sites.contains(where: { $0.id == site }) else {
            throw ProblemDetails.notFound("unknown-site", "'\(site)' is not a site of the plant model; see /api/equipment")
        }
        guard caller.mayRead(site: site) else {
            throw ProblemDetails.forbiddenSite("\(caller.principal?.id ?? "this caller") may not read site \(site)")
        }
        let (a, v) = try await scopedBlueprint(caller: caller, asOf: asOf)
        guard let s = a.sites.first(where: { $0.site == site }) else {
            throw ProblemDetails.notFound("site-not-in-blueprint", "the blueprint in force does not describe site \(site)")
        }
        let asOfQuery = asOf.map { "?asOf=\(LineageView.encode($0.rfc3339))" } ?? ""
        let grid: [[String: Any]] = OperationsCategory.allCases.map { c in
            [
                "category": c.rawValue,
                "cells": MOMActivity.allCases.map { m -> [String: Any] in
                    guard let status = s.activities.first(where: { $0.activity == BlueprintActivity(c, m) }) else {
                        return ["site": site, "activity": BlueprintActivity(c, m).description, "state": "", "css": "", "systems": []]
                    }
                    return Self.cell(status, site: site)
                },
            ]
        }
        var systems: [String] = []
        for d in s.dataObjects { for (system, _) in d.use?.roles ?? [] where !systems.contains(system) { systems.append(system) } }
        let modelOrder = live.model.systems.map(\.id)
        systems.sort { (modelOrder.firstIndex(of: $0) ?? Int.max, $0) < (modelOrder.firstIndex(of: $1) ?? Int.max, $1) }
        let letters: [DataObjectRole: String] = [
            .systemOfRecord: "SoR", .create: "C", .update: "U", .read: "R", .reference: "ref",
        ]
        let ownership: [[String: Any]] = s.dataObjects.map { d in
            let roles = Dictionary(d.use?.roles ?? [], uniquingKeysWith: { a, _ in a })
            return [
                "object": d.object, "name": d.name, "state": d.state.rawValue,
                "css": d.state == .owned ? "" : d.state == .outOfScope ? "cov-outOfScope" : "cov-uncovered",
                "cells": systems.map { system -> [String: Any] in
                    let r = roles[system] ?? []
                    let nonOwner = d.nonOwnerUpdaters.contains(system)
                    let conflict = d.state == .conflict && r.contains(.systemOfRecord)
                    return [
                        "system": system, "roles": r.compactMap { letters[$0] }.joined(separator: " "),
                        "css": conflict ? "own-conflict" : nonOwner ? "own-nonowner" : r.contains(.systemOfRecord) ? "own-sor" : "",
                        "note": conflict ? "conflicting system of record" : nonOwner ? "updates without owning" : "",
                    ]
                },
            ]
        }
        return [
            "title": "MOM blueprint · \(site)", "site": site, "enterprise": live.model.enterprise,
            "enterpriseHref": "/blueprint" + asOfQuery,
            "versions": versionsModel(a, v, asOf: asOf),
            "grid": grid, "activityHeaders": MOMActivity.allCases.map { ["label": $0.label] },
            "systems": systems.map { id in
                ["id": id, "validated": live.model.systems.first { $0.id == id }?.validated ?? false]
            },
            "ownership": ownership,
            "gaps": Self.gapRows(a.gaps(site: site), all: a.gaps), "gapCount": a.gaps(site: site).count,
            "kpis": Self.kpiHealth(s), "exports": exportLinks(asOfQuery.isEmpty ? "?site=\(site)" : asOfQuery + "&site=\(site)"),
            "asOfValue": asOf?.rfc3339 ?? "",
        ]
    }

    func blueprintDiff(caller: Caller, from: Timestamp, to: Timestamp) async throws -> [String: Any] {
        try caller.authorizeRead()
        let (a, b, diff) = try await LedgerBlueprint.diff(from: from, to: to, in: live.store)
        let changes = diff.changes.filter { c in
            if caller.readsEverySite { return true }
            let first = c.key.split(separator: " ").first.map(String.init) ?? ""
            return live.model.sites.contains { $0.id == first } && caller.mayRead(site: first)
        }
        return [
            "title": "MOM blueprint changes", "from": Format.time(from, zone: nil), "to": Format.time(to, zone: nil),
            "fromVersion": a?.version ?? "none in force", "toVersion": b?.version ?? "none in force",
            "fromReason": a?.reason ?? "", "toReason": b?.reason ?? "",
            "changes": changes.map { c in
                [
                    "kind": c.kind.rawValue, "sign": c.kind == .added ? "+" : c.kind == .removed ? "−" : "~",
                    "area": c.area, "key": c.key, "old": c.old ?? "", "new": c.new ?? "",
                ] as [String: Any]
            },
            "count": changes.count, "hasChanges": !changes.isEmpty,
        ]
    }

    func registerBlueprint(on router: Router<SparRequestContext>) {
        router.get("/blueprint") { request, context in
            try context.caller.authorizeRead()
            let started = ContinuousClock.now
            let asOf = try QueryParameters(request).time("asOf")
            var model = try await blueprintEnterprise(caller: context.caller, asOf: asOf)
            let s = await live.snapshot()
            model["nav"] = navigation(s, asOf: PageWindow.asOf(s))
            return try render(started, "blueprint", model, caller: context.caller)
        }
        router.get("/blueprint/sites/:site") { request, context in
            try context.caller.authorizeRead()
            let started = ContinuousClock.now
            let asOf = try QueryParameters(request).time("asOf")
            var model = try await blueprintSite(
                context.parameters.get("site") ?? "", caller: context.caller, asOf: asOf)
            let s = await live.snapshot()
            model["nav"] = navigation(s, asOf: PageWindow.asOf(s))
            return try render(started, "blueprint-site", model, caller: context.caller)
        }
        for (path, kind) in [
            ("/blueprint/report.md", "markdown"), ("/blueprint/gaps.csv", "gaps"), ("/blueprint/ownership.csv", "ownership"),
        ] {
            router.get(RouterPath(path)) { request, context in
                try context.caller.authorizeRead()
                let q = QueryParameters(request)
                var (a, _) = try await scopedBlueprint(caller: context.caller, asOf: try q.time("asOf"))
                if let site = q.string("site") {
                    guard context.caller.mayRead(site: site) else {
                        throw ProblemDetails.forbiddenSite("this caller may not read site \(site)")
                    }
                    a.sites = a.sites.filter { $0.site == site }
                    a.gaps = a.gaps.filter { $0.site == site }
                    a.sitesWithoutBlueprint = a.sitesWithoutBlueprint.filter { $0 == site }
                }
                let name = "blueprint-\(q.string("site") ?? live.model.enterprise)"
                switch kind {
                case "markdown":
                    return JSONText(
                        BlueprintReportMarkdown.analysis(a), contentType: "text/markdown; charset=utf-8",
                        attachment: name + ".md")
                case "gaps":
                    return JSONText(
                        BlueprintReportCSV.gaps(a), contentType: "text/csv; charset=utf-8", attachment: name + "-gaps.csv")
                default:
                    return JSONText(
                        BlueprintReportCSV.ownership(a), contentType: "text/csv; charset=utf-8",
                        attachment: name + "-ownership.csv")
                }
            }
        }
        router.get("/blueprint/diff") { request, context in
            let started = ContinuousClock.now
            let q = QueryParameters(request)
            var model = try await blueprintDiff(caller: context.caller, from: try q.requireTime("from"), to: try q.requireTime("to"))
            let s = await live.snapshot()
            model["nav"] = navigation(s, asOf: PageWindow.asOf(s))
            return try render(started, "blueprint-diff", model, caller: context.caller)
        }
    }
}
