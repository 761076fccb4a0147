import SparCore

/// The blueprint analysis as a GitHub-flavoured Markdown report, the form a plant attaches to a change request or
/// an audit response (`spar map analyze --format markdown`).
///
/// Every table cell and every value in running text is escaped: `|`, backslash and the inline Markdown
/// punctuation are backslash-escaped, and line breaks become `<br>`, so a system or object name cannot break a
/// table or inject markup.
public enum BlueprintReportMarkdown {
    /// The versions, the ranked gaps, then per site the activity grid, data ownership and KPI lineage health.
    public static func analysis(_ a: BlueprintAnalysis) -> String {
        var blocks: [[String]] = [header(a), gapTable(a)]
        for s in a.sites { blocks += site(s, gaps: a.gaps(site: s.site).count) }
        if !a.sitesWithoutBlueprint.isEmpty {
            blocks.append(["## Plant sites the blueprint does not describe"])
            blocks.append(a.sitesWithoutBlueprint.map { "- " + text($0) })
        }
        return blocks.map { $0.joined(separator: "\n") }.joined(separator: "\n\n") + "\n"
    }

    static func header(_ a: BlueprintAnalysis) -> [String] {
        var lines = ["# MOM blueprint analysis", ""]
        if let v = a.blueprintVersion { lines.append("- Blueprint version: " + text(v)) }
        if let v = a.plantModelVersion { lines.append("- Plant model version: " + text(v)) }
        lines.append(
            "- KPI definitions: " + (a.definitionVersion.map { text($0) + " over " } ?? "")
                + text("\(KPICatalogue.defaultVersion) (\(KPICatalogue.formulaVersion))"))
        lines.append(
            "- Suppliers: "
                + (a.observedEvents.map { "from the blueprint and the sources of \($0) ledger events" }
                    ?? "from the blueprint only (no ledger given)"))
        lines.append(
            "- Score = severity × exposure: severity 3 missing, 2 unvalidated or mis-owned, 1 to check; exposure = "
                + "safety + quality + regulatory, each 0–3")
        return lines
    }

    static func gapTable(_ a: BlueprintAnalysis) -> [String] {
        var lines = ["## Ranked gaps (\(a.gaps.count))", ""]
        if a.gaps.isEmpty {
            lines.append("No gaps.")
            return lines
        }
        lines += table(
            ["Rank", "Score", "Site", "Kind", "Subject", "Exposure S/Q/R", "Systems", "Recommendation"],
            align: [.right, .right],
            rows: a.gaps.enumerated().map { i, g in
                [
                    String(i + 1), String(g.score), g.site, BlueprintReportText.kindLabel(g.kind), g.subject,
                    "\(g.exposure.safety)/\(g.exposure.quality)/\(g.exposure.regulatory)", list(g.systems),
                    g.recommendation,
                ]
            })
        return lines
    }

    static func site(_ s: BlueprintSiteAnalysis, gaps: Int) -> [[String]] {
        let counted = s.activities.filter { $0.state != .outOfScope }
        let covered = counted.count { $0.state == .covered }
        var blocks: [[String]] = [
            [
                "## Site " + text(s.site), "",
                "\(covered) of \(counted.count) activities in scope covered by a validated system, "
                    + "\(gaps) gap\(gaps == 1 ? "" : "s").",
            ]
        ]
        blocks.append(["### Activity grid", ""] + grid(s))
        blocks.append(["### Data ownership", ""] + ownership(s))
        blocks.append(["### KPI lineage", ""] + lineage(s))
        blocks.append(["#### Element sources", ""] + elements(s))
        return blocks
    }

    static func grid(_ s: BlueprintSiteAnalysis) -> [String] {
        table(
            ["Category"] + MOMActivity.allCases.map(\.label),
            rows: OperationsCategory.allCases.map { category in
                [category.rawValue]
                    + MOMActivity.allCases.map { activity in
                        s.activity(BlueprintActivity(category, activity)).map(gridCell) ?? "not analysed"
                    }
            })
    }

    /// `covered: mes`, `partial: erp (partly), mes (partly)`, `unvalidated: xls (not validated)`, `uncovered`.
    static func gridCell(_ a: BlueprintSiteAnalysis.ActivityStatus) -> String {
        var seen = Set<String>()
        let systems = (a.full + a.partial).filter { seen.insert($0).inserted }.map { system in
            var notes: [String] = []
            if !a.full.contains(system) { notes.append("partly") }
            if a.unvalidated.contains(system) { notes.append("not validated") }
            return system + (notes.isEmpty ? "" : " (" + notes.joined(separator: ", ") + ")")
        }
        return coverageLabel(a.state) + (systems.isEmpty ? "" : ": " + systems.joined(separator: ", "))
    }

    static func coverageLabel(_ s: BlueprintSiteAnalysis.CoverageState) -> String {
        switch s {
        case .covered: "covered"
        case .partial: "partial"
        case .unvalidated: "unvalidated"
        case .uncovered: "uncovered"
        case .outOfScope: "out of scope"
        }
    }

    static func ownershipLabel(_ s: BlueprintSiteAnalysis.OwnershipState) -> String {
        switch s {
        case .owned: "owned"
        case .noSystemOfRecord: "no system of record"
        case .conflict: "conflict"
        case .outOfScope: "out of scope"
        }
    }

    static func ownership(_ s: BlueprintSiteAnalysis) -> [String] {
        table(
            [
                "Object", "Name", "State", "System(s) of record", "Creates", "Updates", "Reads", "Non-owner updaters",
                "Unvalidated owners",
            ],
            rows: s.dataObjects.map { d in
                [
                    d.object, d.name, ownershipLabel(d.state), list(d.systemsOfRecord), list(d.use?.create ?? []),
                    list(d.use?.update ?? []), list(d.use?.read ?? []), list(d.nonOwnerUpdaters),
                    list(d.unvalidatedOwners),
                ]
            })
    }

    static func lineage(_ s: BlueprintSiteAnalysis) -> [String] {
        let computable = s.kpis.count { $0.isComputable }
        let summary =
            "\(computable) of \(s.kpis.count) canonical KPIs computable; \(s.kpis.count { $0.isFragmented }) "
            + "fragmented, \(s.kpis.count { $0.isUnreliable }) unreliable, \(s.kpis.count { $0.isUnsupported }) "
            + "unsupported."
        return [summary, ""]
            + table(
                ["KPI", "Catalogue", "Status", "Why", "Suppliers", "Elements", "Local names"],
                rows: s.kpis.map { l in
                    [
                        l.kpi.id, l.kpi.isISO ? "ISO 22400-2" : "local extension, not ISO", status(l), why(l),
                        list(l.suppliers), list(l.elements.map(\.element)), list(l.localNames),
                    ]
                })
    }

    /// `unsupported, unreliable, fragmented` (the flags that apply), or `ok`.
    static func status(_ l: BlueprintKPILineage) -> String {
        var flags: [String] = []
        if l.isUnsupported { flags.append("unsupported") }
        if l.isUnreliable { flags.append("unreliable") }
        if l.isFragmented { flags.append("fragmented") }
        return flags.isEmpty ? "ok" : flags.joined(separator: ", ")
    }

    /// The reason behind each flag of ``status(_:)``.
    static func why(_ l: BlueprintKPILineage) -> String {
        var reasons: [String] = []
        if l.isUnsupported { reasons.append("nobody supplies " + l.unsupportedElements.joined(separator: ", ")) }
        if l.isUnreliable {
            reasons.append("inputs from unvalidated " + l.unvalidatedSuppliers.joined(separator: ", "))
        }
        if l.isFragmented {
            reasons.append("inputs from \(l.suppliers.count) systems: " + l.suppliers.joined(separator: ", "))
        }
        if reasons.isEmpty, let only = l.suppliers.first { reasons.append("every input from " + only) }
        return reasons.joined(separator: "; ")
    }

    /// One row per base element the site's KPIs read, in the element map's order: declared against observed.
    static func elements(_ s: BlueprintSiteAnalysis) -> [String] {
        var supplies: [String: BlueprintKPILineage.ElementSupply] = [:]
        var readers: [String: [String]] = [:]
        var order: [String] = []
        for l in s.kpis {
            for e in l.elements {
                if supplies[e.element] == nil {
                    supplies[e.element] = e
                    order.append(e.element)
                }
                readers[e.element, default: []].append(l.kpi.id)
            }
        }
        let known = BlueprintElementMap.table.map(\.element)
        let meaning = Dictionary(BlueprintElementMap.table.map { ($0.element, $0.meaning) }) { first, _ in first }
        let sorted = known.filter { supplies[$0] != nil } + order.filter { !known.contains($0) }
        return table(
            ["Element", "Meaning", "Origins", "Declared", "Observed", "Declared in", "KPIs"],
            rows: sorted.compactMap { id in
                guard let e = supplies[id] else { return nil }
                return [
                    id, meaning[id] ?? "", list(e.origins.map(\.description)), list(e.declared), list(e.observed),
                    e.explicit ? "elementSources" : "coverage and ownership", list(readers[id] ?? []),
                ]
            })
    }

    enum Alignment { case left, right }

    /// A GitHub table; every header and cell is escaped with ``cell(_:)``.
    static func table(_ header: [String], align: [Alignment] = [], rows: [[String]]) -> [String] {
        func line(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }
        let rule = header.indices.map { i in i < align.count && align[i] == .right ? "---:" : "---" }
        return [line(header.map(cell)), "|" + rule.joined(separator: "|") + "|"] + rows.map { line($0.map(cell)) }
    }

    static func list(_ values: [String]) -> String { values.isEmpty ? "—" : values.joined(separator: ", ") }

    /// A table cell: ``text(_:)`` with CR, LF and CRLF as `<br>`.
    static func cell(_ value: String) -> String { escaped(value, lineBreak: "<br>") }

    /// Running text: `\`, `|` and the inline Markdown punctuation backslash-escaped, line breaks as spaces.
    static func text(_ value: String) -> String { escaped(value, lineBreak: " ") }

    static func escaped(_ value: String, lineBreak: String) -> String {
        let special: Set<Unicode.Scalar> = ["\\", "|", "`", "*", "_", "[", "]", "<", ">", "~", "&"]
        var out = ""
        var afterCR = false
        for scalar in value.unicodeScalars {
            defer { afterCR = scalar == "\r" }
            if scalar == "\n" && afterCR { continue }
            if scalar == "\r" || scalar == "\n" {
                out += lineBreak
            } else {
                if special.contains(scalar) { out.unicodeScalars.append("\\") }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
