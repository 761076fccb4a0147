import Foundation
import SparConnectors
import Hummingbird
import Mustache
import SparCore
import SparEngine
import SparInterchange

/// The server-rendered pages: enterprise overview, scope (site … work unit), KPI catalogue and KPI pages, ingest, and
/// the operator pages of the execution record (``registerExecution(on:)``).
/// Templates are parsed once at start; charts are inline SVG from ``SVGChart``.
struct PageController {
    let live: LiveLedger
    let staleAfterSeconds: Int64
    let templates: MustacheLibrary
    /// The execution API's helpers (who records, who signs, refusals as problems), which the operator pages share.
    let executionAPI: ExecutionController

    static let headline = ["oee", "availability", "effectiveness", "qualityRatio"]

    init(live: LiveLedger, staleAfterSeconds: Int64, executionAPI: ExecutionController) throws {
        self.live = live
        self.staleAfterSeconds = staleAfterSeconds
        self.executionAPI = executionAPI
        templates = try Templates.library()
    }

    func register(on router: Router<SparRequestContext>) {
        // Every page shows only the caller's sites: the snapshot is scoped to them, a scope page of another site is
        // refused (403) and the enterprise rows need every site.
        router.get("/") { _, context in
            try context.caller.authorizeRead()
            let started = ContinuousClock.now
            let s = await live.snapshot().scoped(to: context.caller.sites)
            return try render(started, "overview", try await overview(s, caller: context.caller), caller: context.caller)
        }
        router.get("/scope/**") { request, context in
            let path = context.parameters.getCatchAll().joined(separator: "/")
            try context.caller.authorizeRead(scope: path, model: live.model)
            let started = ContinuousClock.now
            let s = await live.snapshot().scoped(to: context.caller.sites)
            return try render(
                started, "scope", try await scope(s, path: path, query: QueryParameters(request)), caller: context.caller)
        }
        router.get("/kpis") { _, context in
            try context.caller.authorizeRead()
            let started = ContinuousClock.now
            let s = await live.snapshot().scoped(to: context.caller.sites)
            return try render(started, "kpis", catalogue(s), caller: context.caller)
        }
        router.get("/kpis/:id") { _, context in
            try context.caller.authorizeRead()
            let id = context.parameters.get("id") ?? ""
            let started = ContinuousClock.now
            let s = await live.snapshot().scoped(to: context.caller.sites)
            return try render(started, "kpi", try await kpiPage(s, id: id, caller: context.caller), caller: context.caller)
        }
        registerBlueprint(on: router)
        registerExecution(on: router)
        router.get("/lineage") { request, context in
            let started = ContinuousClock.now
            let view = try await LineageView.read(
                QueryParameters(request), caller: context.caller, live: live, zone: { zone(of: $0) })
            let s = await live.snapshot()
            var model = lineagePage(view)
            model["nav"] = navigation(s, asOf: PageWindow.asOf(s))
            return try render(started, "lineage", model, caller: context.caller)
        }
        router.get("/audit/entries/:id") { _, context in
            try context.caller.authorizeRead()
            let id = context.parameters.get("id")?.removingPercentEncoding ?? ""
            let started = ContinuousClock.now
            var model = try await entryPage(id: id, caller: context.caller)
            let s = await live.snapshot()
            model["nav"] = navigation(s, asOf: PageWindow.asOf(s))
            return try render(started, "entry", model, caller: context.caller)
        }
        router.get("/ingest") { _, context in
            try context.caller.authorizeRead()
            let started = ContinuousClock.now
            let s = await live.snapshot().scoped(to: context.caller.sites)
            var model = ingest(s)
            let connectors = connectorRows(live.connectors.snapshot().filter { context.caller.mayRead(site: $0.site) })
            model["connectors"] = connectors
            model["hasConnectors"] = !connectors.isEmpty
            return try render(started, "ingest", model, caller: context.caller)
        }
        router.get("/assets/style.css") { _, _ in
            JSONText(String(decoding: PackageResources.style_css, as: UTF8.self), contentType: "text/css; charset=utf-8")
        }
        router.get("/assets/live.js") { _, _ in
            JSONText(
                String(decoding: PackageResources.live_js, as: UTF8.self),
                contentType: "text/javascript; charset=utf-8")
        }
    }

    /// Renders a page; the footer shows the server time since `started` (snapshot, numbers and template).
    func render(_ started: ContinuousClock.Instant, _ template: String, _ model: [String: Any], caller: Caller) throws
        -> HTMLPage
    {
        var model = model
        model["modelVersion"] = live.modelVersion
        if let who = caller.header { model["who"] = who }
        model["metricsLink"] = caller.readsEverySite
        let html = templates.render(model, withTemplate: template) ?? ""
        let ms = (ContinuousClock.now - started).milliseconds
        return HTMLPage(html.replacingOccurrences(of: "<!--render-ms-->", with: String(format: "%.1f", ms)))
    }

    // MARK: shared

    func zone(of scope: EquipmentPath) -> LocalTime {
        if scope.depth >= 2, let site = live.model.sites.first(where: { $0.id == scope.components[1] }),
            let z = LocalTime(identifier: site.timeZone)
        {
            return z
        }
        return LocalTime(identifier: "UTC")!
    }

    func zoneName(of scope: EquipmentPath) -> String {
        if scope.depth >= 2, let site = live.model.sites.first(where: { $0.id == scope.components[1] }) {
            return site.timeZone
        }
        return "UTC"
    }

    static func result(
        _ kpi: ProjectedKPI, _ scope: EquipmentPath, _ interval: Interval, _ definitions: KPIDefinitionPolicy
    ) async throws -> KPIResult? {
        try await results(kpi, scope, [interval], definitions)[0]
    }

    /// Results of one scope over many windows, each unit's buckets read once (nil for an empty window).
    static func results(
        _ kpi: ProjectedKPI, _ scope: EquipmentPath, _ windows: [Interval], _ definitions: KPIDefinitionPolicy
    ) async throws -> [KPIResult?] {
        let definition = (try? definitions.definition(for: scope)) ?? KPICatalogue.latest
        return try await kpi.results(in: scope, windows: windows, definition: definition)
    }

    static func href(_ path: EquipmentPath) -> String { "/scope/" + path.description }

    /// Headline KPI cells of one window, for a live block.
    static func headlineCells(_ r: KPIResult?) -> [[String: Any]] {
        headline.map { id in
            ["kpi": id, "name": KPICatalogue.definition(id)?.isoName ?? id, "value": Format.percent(r?.kpi(id)?.number)]
        }
    }

    static func liveBlock(_ scope: EquipmentPath, _ w: PageWindow, _ r: KPIResult?) -> [String: Any] {
        [
            "scope": scope.description, "from": w.from.rfc3339, "to": w.to.rfc3339, "follow": w.follows ? "1" : "",
            "slide": w.slideMilliseconds.map { String($0) } ?? "", "until": w.until?.rfc3339 ?? "",
            "cells": headlineCells(r),
        ]
    }

    func navigation(_ s: LiveSnapshot, asOf: Timestamp) -> [String: Any] {
        [
            "enterprise": live.model.enterprise,
            "asOf": Format.time(asOf, zone: nil),
            "latestEvent": s.latestEventTime.map { Format.time($0, zone: nil) } ?? "no events yet",
            "events": Format.grouped(Double(s.eventCount)),
        ]
    }

    // MARK: overview

    func overview(_ s: LiveSnapshot, caller: Caller) async throws -> [String: Any] {
        let asOf = PageWindow.asOf(s)
        let kpi = s.kpi
        let m = live.model
        func row(_ path: EquipmentPath, name: String, zoneName: String, calendar: String?, children: [[String: Any]])
            async throws -> [String: Any]
        {
            let zone = self.zone(of: path)
            let today = PageWindow.today(asOf: asOf, zone: zone)
            let week = PageWindow.days(7, asOf: asOf)
            let days = PageWindow.dailyBuckets(14, asOf: asOf, zone: zone)
            // This shift: the site calendar's instance at as-of (or the latest that ended), not for the enterprise.
            let shift =
                path.depth >= 2
                ? PageWindow.shift(
                    calendar: calendar.flatMap { id in m.calendars.first { $0.id == id } }, zone: zone, asOf: asOf)
                : nil
            let shiftWindows = shift.map { [$0.window.interval] } ?? []
            let r = try await Self.results(kpi, path, [today.interval, week.interval] + shiftWindows + days, s.definitions)
            let first = 2 + shiftWindows.count
            let spark = days.enumerated().map { i, b in
                (label: Format.day(b.start, zone: zone), value: r[i + first]?.kpi("oee")?.number)
            }
            var out: [String: Any] = [
                "name": name, "href": Self.href(path), "timeZone": zoneName,
                "offset": Format.offsetLabel(Int(zone.offsetSeconds(at: asOf))),
                "today": Self.liveBlock(path, today, r[0]),
                "todayFrom": Format.time(today.from, zone: zone),
                "week": Self.liveBlock(path, week, r[1]),
                "spark": SVGChart.sparkline(spark), "children": children,
                "units": kpi.engine.units(in: path).count,
            ]
            if let shift {
                var block = Self.liveBlock(path, shift.window, r[2])
                let start = Format.time(shift.planned.start, zone: zone)
                block["label"] =
                    shift.running
                    ? "shift \(shift.name) since \(start)"
                    : "no shift running; last: \(shift.name) \(start) to \(Format.time(shift.planned.end, zone: zone))"
                block["running"] = shift.running
                out["shift"] = block
            } else if path.depth >= 2 {
                out["noShift"] = calendar == nil ? "no shift running (no calendar: around the clock)" : "no shift running"
            }
            return out
        }
        let enterprise = EquipmentPath(components: [m.enterprise])
        var sites: [[String: Any]] = []
        for site in caller.readableSites(m) {
            let sp = enterprise.appending(site.id)
            let areas: [[String: Any]] = site.areas.map { ["name": $0.id, "href": Self.href(sp.appending($0.id))] }
            sites.append(try await row(sp, name: site.id, zoneName: site.timeZone, calendar: site.calendar, children: areas))
        }
        var out: [String: Any] = [
            "title": "\(m.enterprise) overview", "nav": navigation(s, asOf: asOf), "name": m.enterprise,
            "sites": sites, "asOfUTC": Format.time(asOf, zone: nil),
        ]
        if caller.readsEverySite {
            out["enterprise"] = try await row(enterprise, name: m.enterprise, zoneName: "UTC", calendar: nil, children: [])
        }
        return out
    }

    // MARK: scope page

    func scope(_ s: LiveSnapshot, path text: String, query: QueryParameters) async throws -> [String: Any] {
        let path = EquipmentPath(text)
        let kpi = s.kpi
        guard !text.isEmpty, path.components.first == live.model.enterprise, !kpi.engine.units(in: path).isEmpty else {
            throw ProblemDetails.notFound(
                "unknown-scope", "'\(text)' is not in the plant model (no work unit under it); see /api/equipment")
        }
        let zone = self.zone(of: path)
        let asOf = PageWindow.asOf(s)
        var window: PageWindow
        if let from = try query.time("from"), let to = try query.time("to") {
            window = PageWindow(kind: "custom", from: from, to: to, follows: false, slideMilliseconds: nil)
        } else if let w = PageWindow.named(query.string("window"), asOf: asOf, zone: zone) {
            window = w
        } else {
            throw ProblemDetails.badRequest(
                "invalid-parameter", "window must be today, 7d or 28d (or give from and to)", field: "window")
        }
        guard window.from < window.to else {
            throw ProblemDetails.badRequest("empty-window", "to must be after from", field: "to")
        }
        let result = try await APIController.result(
            kpi, KPIQuery(scope: path, from: window.from, to: window.to), definitions: s.definitions,
            requested: query.string("definition"))
        let el = result.elements

        // Breadcrumb and children.
        var crumbs: [[String: Any]] = []
        for i in 1...path.depth {
            let p = EquipmentPath(components: Array(path.components.prefix(i)))
            crumbs.append(["name": p.components.last ?? "", "href": i == 1 ? "/" : Self.href(p), "last": i == path.depth])
        }
        let childPaths = Array(
            Set(kpi.engine.units(in: path).compactMap { u -> EquipmentPath? in
                u.path.depth > path.depth ? EquipmentPath(components: Array(u.path.components.prefix(path.depth + 1))) : nil
            })
        ).sorted { a, b in
            let order = live.model.allPaths
            return (order.firstIndex(of: a) ?? 0) < (order.firstIndex(of: b) ?? 0)
        }
        var children: [[String: Any]] = []
        for c in childPaths {
            let r = try await Self.result(kpi, c, window.interval, s.definitions)
            let href = Self.href(c) + (window.kind == "custom" ? "" : "?window=\(window.kind)")
            let row: [String: Any] = [
                "name": c.components.last ?? "", "href": href,
                "cells": Self.headlineCells(r),
                "apt": r.map { Format.hours(milliseconds: $0.elements.apt) } ?? "–",
                "pbt": r.map { Format.hours(milliseconds: $0.elements.pbt) } ?? "–",
                "pq": r.map { Format.quantity($0.elements.pq) } ?? "–",
            ]
            children.append(row)
        }

        // Time model bar.
        let unscheduled = el.unscheduled.values.reduce(0, +)
        let segments: [SVGChart.Segment] = [
            .init(label: "APT (production)", milliseconds: el.apt, cssClass: "cat-production"),
            .init(label: "AUST (setup)", milliseconds: el.aust, cssClass: "cat-setup"),
            .init(label: "ADET (delay)", milliseconds: el.adet, cssClass: "cat-delay"),
            .init(label: "ADOT (down)", milliseconds: el.adot, cssClass: "cat-down"),
            .init(label: "idle", milliseconds: el.idle, cssClass: "cat-idle"),
            .init(label: "no state reported", milliseconds: max(0, el.unknown), cssClass: "cat-unknown"),
            .init(label: "PDOT (planned down)", milliseconds: el.pdot, cssClass: "cat-plannedDown"),
            .init(label: "unscheduled (state time outside POT)", milliseconds: unscheduled, cssClass: "cat-unscheduled"),
        ]
        let barTotal = segments.reduce(Int64(0)) { $0 + max(0, $1.milliseconds) }
        let legend: [[String: Any]] = segments.map { seg in
            [
                "label": seg.label, "css": seg.cssClass, "hours": Format.hours(milliseconds: seg.milliseconds),
                "share": barTotal > 0 ? Format.percent(Double(seg.milliseconds) / Double(barTotal)) : "–",
            ]
        }

        // OEE trend.
        let buckets = window.buckets(zone: zone)
        let bucketResults = try await Self.results(kpi, path, buckets, s.definitions)
        let trend = buckets.enumerated().map { i, b in
            (
                label: window.to.milliseconds - window.from.milliseconds <= 2 * 86_400_000
                    ? Format.shortTime(b.start, zone: zone).suffix(5).description : Format.day(b.start, zone: zone),
                value: bucketResults[i]?.kpi("oee")?.number
            )
        }

        // Losses and the state timeline (work centers and units: one strip per unit).
        let losses = try await kpi.losses(in: path, range: window.interval)
        let lossRows: [[String: Any]] = losses.prefix(15).map { l in
            [
                "reason": l.reason ?? "(no reason)", "category": l.category.rawValue,
                "hours": Format.hours(milliseconds: l.milliseconds),
            ]
        }
        var timeline = ""
        if path.depth >= 4 {
            var strips: [SVGChart.Strip] = []
            for u in kpi.engine.units(in: path) {
                strips.append(
                    SVGChart.Strip(
                        label: u.path.components.last ?? "", href: Self.href(u.path),
                        spans: try await kpi.stateSpans(of: u.path, in: window.interval)))
            }
            timeline = SVGChart.timeline(strips, range: window.interval, zone: zone)
        }

        // Every KPI.
        let elementValues: [String: Double] = Dictionary(result.elementValues, uniquingKeysWith: { a, _ in a })
        let lineageBase =
            "/lineage?scope=\(LineageView.encode(path.description))&from=\(LineageView.encode(window.from.rfc3339))&to=\(LineageView.encode(window.to.rfc3339))"
        let kpis: [[String: Any]] = result.definition.kpis.map { d in
            let value = result.kpi(d.id)
            return [
                "id": d.id, "name": d.isoName, "value": Format.kpi(value, unit: d.unit), "unit": d.unit,
                "formula": d.formula, "trend": d.trend.rawValue, "interpretation": d.interpretation ?? "",
                "elements": d.elements.map { (e: String) -> String in
                    let v = elementValues[e]
                    let text: String
                    if let v {
                        text = ["PQ", "GQ", "SQ", "RQ", "FE", "CM", "PL", "STL", "OL", "FGQ", "AI", "EC", "PSQ"].contains(e)
                            ? Format.quantity(v) : Format.hours(v / 3600)
                    } else {
                        text = e == "measurements" ? "\(el.measurements.values.reduce(0) { $0 + $1.count }) values" : "–"
                    }
                    return "\(e) = \(text)"
                }.joined(separator: ", "),
                "null": value?.number == nil,
                "lineageHref": lineageBase + "&kpi=\(d.id)",
            ]
        }

        let windows: [[String: Any]] = ["today", "7d", "28d"].map { k in
            ["kind": k, "href": Self.href(path) + "?window=\(k)", "current": k == window.kind]
        }
        let level = ["enterprise", "site", "area", "work center", "work unit"][min(path.depth, 5) - 1]
        return [
            "title": "\(path.components.last ?? "") · \(level)", "nav": navigation(s, asOf: asOf),
            "name": path.components.last ?? "", "path": path.description, "level": level, "crumbs": crumbs,
            "timeZone": zoneName(of: path), "offset": Format.offsetLabel(Int(zone.offsetSeconds(at: window.to))),
            "from": Format.time(window.from, zone: zone), "to": Format.time(window.to, zone: zone),
            "windows": windows,
            "definition": result.definition.id,
            "definitionPinned": path.components.count >= 2 && s.definitions.sitePins[path.components[1]] != nil,
            "headline": Self.liveBlock(path, window, result),
            "apiHref": "/api/kpi?scope=\(path.description)&from=\(window.from.rfc3339)&to=\(window.to.rfc3339)",
            "children": children, "hasChildren": !children.isEmpty,
            "childLevel": ["site", "area", "work center", "work unit", ""][min(path.depth, 5) - 1],
            "stacked": SVGChart.stackedBar(segments), "legend": legend,
            "trend": SVGChart.trend(trend), "trendBucket": window.to.milliseconds - window.from.milliseconds <= 2 * 86_400_000 ? "hour" : "day",
            "pareto": SVGChart.pareto(losses), "losses": lossRows,
            "timeline": timeline, "hasTimeline": !timeline.isEmpty,
            "quantities": [
                ["name": "PQ produced", "value": Format.quantity(el.pq)],
                ["name": "GQ good", "value": Format.quantity(el.gq)],
                ["name": "SQ scrap", "value": Format.quantity(el.sq)],
                ["name": "RQ rework", "value": Format.quantity(el.rq)],
                ["name": "counted outside POT", "value": Format.quantity(el.unscheduledQuantity)],
            ],
            "kpis": kpis, "lineageHref": lineageBase, "warnings": result.warnings, "hasWarnings": !result.warnings.isEmpty,
            "lineage": [
                "sources": result.lineage.sources.joined(separator: ", "),
                "events": Format.grouped(Double(result.lineage.events)), "units": result.lineage.units,
                "formulaVersion": result.lineage.formulaVersion,
                "definitionVersion": result.lineage.definitionVersion,
                "plantModelVersion": result.lineage.plantModelVersion ?? "–",
                "blueprintVersion": s.blueprintVersion ?? "none recorded",
            ],
        ]
    }

    // MARK: KPI pages

    func catalogue(_ s: LiveSnapshot) -> [String: Any] {
        [
            "title": "KPI catalogue", "nav": navigation(s, asOf: PageWindow.asOf(s)),
            "formulaVersion": KPICatalogue.formulaVersion, "definitionVersion": s.definitions.inForce,
            "kpis": (KPICatalogue.version(s.definitions.inForce) ?? KPICatalogue.latest).kpis.map { d in
                [
                    "id": d.id, "name": d.isoName, "formula": d.formula, "unit": d.unit, "trend": d.trend.rawValue,
                    "href": "/kpis/\(d.id)",
                ]
            },
        ]
    }

    func kpiPage(_ s: LiveSnapshot, id: String, caller: Caller) async throws -> [String: Any] {
        guard let d = (KPICatalogue.version(s.definitions.inForce) ?? KPICatalogue.latest).kpi(id) else {
            throw ProblemDetails.notFound(
                "unknown-kpi", "'\(id)' is not a KPI of the catalogue; see /kpis or /api/kpis")
        }
        let asOf = PageWindow.asOf(s)
        let kpi = s.kpi
        let m = live.model
        let enterprise = EquipmentPath(components: [m.enterprise])
        var rows: [[String: Any]] = []
        func row(_ path: EquipmentPath, name: String, timeZone: String, indent: Bool) async throws {
            let zone = self.zone(of: path)
            let today = PageWindow.today(asOf: asOf, zone: zone)
            let days = PageWindow.dailyBuckets(14, asOf: asOf, zone: zone)
            let windows = [today, PageWindow.days(7, asOf: asOf), PageWindow.days(28, asOf: asOf)].map(\.interval)
            let r = try await Self.results(kpi, path, windows + days, s.definitions)
            let spark = days.enumerated().map { i, b in
                (label: Format.day(b.start, zone: zone), value: r[i + 3]?.kpi(id)?.number)
            }
            let values = (0..<3).map { Format.kpi(r[$0]?.kpi(id), unit: d.unit) }
            rows.append([
                "name": name, "href": Self.href(path), "timeZone": timeZone, "indent": indent,
                "today": values[0], "week": values[1], "month": values[2],
                "spark": d.unit == "ratio" ? SVGChart.sparkline(spark) : "",
            ])
        }
        if caller.readsEverySite { try await row(enterprise, name: m.enterprise, timeZone: "UTC", indent: false) }
        for site in caller.readableSites(m) {
            try await row(enterprise.appending(site.id), name: site.id, timeZone: site.timeZone, indent: caller.readsEverySite)
        }
        return [
            "title": d.isoName, "nav": navigation(s, asOf: asOf), "id": d.id, "name": d.isoName, "formula": d.formula,
            "unit": d.unit, "trend": d.trend.rawValue,
            "trendText": d.trend == .higher ? "higher is better" : d.trend == .lower ? "lower is better" : "neither",
            "elements": d.elements.joined(separator: ", "), "interpretation": d.interpretation ?? "",
            "hasInterpretation": d.interpretation != nil,
            "formulaVersion": KPICatalogue.formulaVersion, "definitionVersion": s.definitions.inForce,
            "rows": rows, "asOfUTC": Format.time(asOf, zone: nil),
        ]
    }

    // MARK: ingest page

    func ingest(_ s: LiveSnapshot) -> [String: Any] {
        let asOf = PageWindow.asOf(s)
        let batches: [[String: Any]] = s.batches.reversed().map { b in
            [
                "batch": b.batch, "at": Format.time(b.receivedAt, zone: nil), "contentType": b.contentType,
                "lines": b.lines, "accepted": b.accepted, "duplicates": b.duplicates, "rejected": b.rejected,
                "ms": String(format: "%.1f", b.milliseconds), "hasRejections": b.rejected > 0,
            ]
        }
        let rejections: [[String: Any]] = s.rejections.reversed().prefix(100).map { r in
            [
                "batch": r.batch, "at": Format.time(r.receivedAt, zone: nil), "line": r.line.line,
                "id": r.line.id ?? "–", "field": r.line.field ?? "–", "reason": r.line.reason ?? "",
            ]
        }
        var ids = live.model.systems.map(\.id)
        for id in s.sources.keys.sorted() where !ids.contains(id) { ids.append(id) }
        let sources: [[String: Any]] = ids.map { id in
            let a = s.sources[id] ?? SourceActivity()
            let system = live.model.systems.first { $0.id == id }
            let stale = APIController.isStale(a, latest: s.latestEventTime, staleAfterSeconds: staleAfterSeconds)
            return [
                "id": id, "kind": system?.kind.rawValue ?? "not in the plant model",
                "validated": system?.validated ?? false, "events": Format.grouped(Double(a.events)),
                "last": a.lastEventTime.map { Format.time($0, zone: nil) } ?? "never",
                "lag": both(a.lastEventTime, s.latestEventTime).map { Format.duration(milliseconds: $1.milliseconds - $0.milliseconds) } ?? "–",
                "stale": stale,
            ]
        }
        let totals = s.batches.reduce(into: (0, 0, 0)) { acc, b in
            acc.0 += b.accepted
            acc.1 += b.duplicates
            acc.2 += b.rejected
        }
        return [
            "title": "Ingest", "nav": navigation(s, asOf: asOf), "batches": batches, "hasBatches": !batches.isEmpty,
            "rejections": rejections, "hasRejections": !rejections.isEmpty, "sources": sources,
            "staleAfter": Format.duration(milliseconds: staleAfterSeconds * 1000),
            "startedAt": Format.time(s.startedAt, zone: nil),
            "accepted": totals.0, "duplicates": totals.1, "rejected": totals.2,
            "rebuildMs": String(format: "%.0f", s.lastRebuildMilliseconds),
            "events": Format.grouped(Double(s.eventCount)),
        ]
    }
}

extension PageController {
    /// The connectors table of the ingest page: silence and staleness by the server's wall clock.
    func connectorRows(_ list: [ConnectorHealth]) -> [[String: Any]] {
        let now = live.now()
        return list.map { h -> [String: Any] in
            var row: [String: Any] = [
                "id": h.id, "kind": h.kind, "site": h.site, "source": h.source, "endpoint": h.endpoint,
                "connected": h.connected, "stale": h.isStale(now: now),
            ]
            row["last"] = h.lastMessageAt.map { Format.time($0, zone: nil) } ?? "never"
            row["silence"] = h.silence(now: now).map { Format.duration(milliseconds: $0) } ?? "–"
            row["lag"] = h.lagMilliseconds.map { Format.duration(milliseconds: max(0, $0)) } ?? "–"
            row["lagSequences"] = h.lagSequences.map { Format.grouped(Double($0)) } ?? "–"
            row["accepted"] = h.accepted
            row["duplicates"] = h.duplicates
            row["rejected"] = h.rejected
            row["hasRejected"] = h.rejected > 0
            row["error"] = h.lastError ?? ""
            row["hasError"] = h.lastError != nil
            row["retry"] = h.nextAttemptAt.map { Format.time($0, zone: nil) } ?? ""
            row["staleAfter"] = Format.duration(milliseconds: h.staleAfter)
            let notices: [[String: String]] = h.notices.suffix(5).reversed().map { n in
                ["at": Format.time(n.at, zone: nil), "text": n.text]
            }
            row["notices"] = notices
            return row
        }
    }
}

private func both<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
