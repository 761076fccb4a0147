import SparCore

/// The blueprint analysis, the KPI harmonisation view and blueprint diffs as readable text.
public enum BlueprintReportText {
    /// `spar map analyze`: a header, the ranked gaps with their recommendations, then one block per site.
    public static func analysis(_ a: BlueprintAnalysis, width: Int = 110) -> String {
        var lines = header(a, title: "MOM blueprint analysis")
        lines.append("")
        lines.append(
            "Ranked gaps: \(a.gaps.count) (score = severity × exposure; severity 3 missing, 2 unvalidated or mis-owned, 1 to check)"
        )
        if a.gaps.isEmpty { lines.append("  none") }
        let siteWidth = max(4, a.gaps.map(\.site.count).max() ?? 4)
        for (i, g) in a.gaps.enumerated() {
            lines.append(
                pad(String(i + 1), 4, right: true) + pad(String(g.score), 6, right: true) + "  "
                    + pad(g.site, siteWidth)
                    + "  " + pad(kindLabel(g.kind), 29) + " " + g.subject)
            lines += wrap(g.recommendation, indent: 12, width: width)
        }
        for s in a.sites {
            lines.append("")
            lines += site(s, gaps: a.gaps(site: s.site).count)
        }
        if !a.sitesWithoutBlueprint.isEmpty {
            lines.append("")
            lines.append(
                "Plant sites the blueprint does not describe: \(a.sitesWithoutBlueprint.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }

    /// `spar map kpis`: per site, which canonical KPIs are computable, from which systems, and where the local
    /// KPI names map.
    public static func kpis(_ a: BlueprintAnalysis) -> String {
        var lines = header(a, title: "KPI harmonisation")
        for s in a.sites {
            lines.append("")
            let computable = s.kpis.count { $0.isComputable }
            lines.append("\(s.site): \(computable) of \(s.kpis.count) canonical KPIs computable")
            let idWidth = max(3, s.kpis.map { $0.kpi.id.count + 2 }.max() ?? 3)
            let statusWidth = max(6, s.kpis.map { status($0).count }.max() ?? 6)
            let systemsWidth = max(7, s.kpis.map { $0.suppliers.joined(separator: ", ").count }.max() ?? 7)
            lines.append(
                "  " + pad("KPI", idWidth) + "  " + pad("status", statusWidth) + "  " + pad("systems", systemsWidth)
                    + "  local names")
            for l in s.kpis {
                let id = l.kpi.isISO ? l.kpi.id : l.kpi.id + " *"
                let row =
                    "  " + pad(id, idWidth) + "  " + pad(status(l), statusWidth) + "  "
                    + pad(l.suppliers.joined(separator: ", "), systemsWidth) + "  "
                    + l.localNames.map { "\"\($0)\"" }.joined(separator: ", ")
                lines.append(trimmed(row))
            }
            if s.kpis.contains(where: { !$0.kpi.isISO }) { lines.append("  * local extension, not ISO 22400-2") }
            if !s.mappings.isEmpty {
                lines.append("  local KPIs:")
                for m in s.mappings {
                    let target: String
                    if let c = m.canonical {
                        let iso = s.kpi(c)?.kpi.isISO == true ? "ISO 22400-2" : "local extension, not ISO"
                        target = "→ \(c) (\(iso))"
                    } else {
                        target = "not mapped: \(m.reason ?? "")"
                    }
                    lines.append("    \"\(m.local)\" \(target)" + (m.note.map { " — \($0)" } ?? ""))
                }
            }
            if let n = s.normalisation {
                var parts: [String] = []
                if let tz = n.timeZone { parts.append("time zone \(tz)") }
                if !n.reasonCodes.isEmpty {
                    parts.append(
                        "codes "
                            + n.reasonCodes.map {
                                "\($0.local)→\($0.category)\($0.failure == true ? " (failure)" : "")"
                            }
                            .joined(separator: ", "))
                }
                if !n.units.isEmpty {
                    parts.append(
                        "units "
                            + n.units.map { "\($0.local)=\(JSONValue.format($0.factor)) \($0.canonical)" }
                            .joined(separator: ", "))
                }
                if !n.shifts.isEmpty {
                    parts.append("shifts " + n.shifts.map { "\($0.local)→\($0.shift)" }.joined(separator: ", "))
                }
                lines.append("  normalisation: " + parts.joined(separator: "; "))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The changes of a diff, one a line (`+` added, `-` removed, `~` changed).
    public static func changes(_ d: BlueprintDiff) -> String {
        d.isEmpty ? "  no change" : d.changes.map { "  \($0)" }.joined(separator: "\n")
    }

    static func header(_ a: BlueprintAnalysis, title: String) -> [String] {
        var versions: [String] = []
        if let v = a.blueprintVersion { versions.append("blueprint \(v)") }
        if let v = a.plantModelVersion { versions.append("plant model \(v)") }
        versions.append(
            "KPI definitions \(a.definitionVersion.map { "\($0) over " } ?? "")\(KPICatalogue.defaultVersion) "
                + "(\(KPICatalogue.formulaVersion))")
        let sources =
            a.observedEvents.map { "suppliers from the blueprint and the sources of \($0) ledger events" }
            ?? "suppliers from the blueprint only (no ledger given)"
        return ["\(title) — " + versions.joined(separator: ", "), sources]
    }

    /// Plain words for a gap kind.
    public static func kindLabel(_ k: BlueprintGap.Kind) -> String {
        switch k {
        case .uncoveredActivity: "uncovered activity"
        case .missingSystemOfRecord: "no system of record"
        case .systemOfRecordConflict: "system-of-record conflict"
        case .unvalidatedActivity: "unvalidated activity"
        case .unvalidatedSystemOfRecord: "unvalidated system of record"
        case .nonOwnerUpdate: "non-owner update"
        case .unsupportedKPI: "unsupported KPIs"
        case .unreliableKPI: "unreliable KPIs"
        case .partialActivity: "partly covered activity"
        case .overlappingCoverage: "overlapping coverage"
        case .fragmentedKPI: "fragmented KPIs"
        case .undeclaredSource: "undeclared source"
        }
    }

    /// A KPI's lineage health in words: unsupported (with the elements nobody supplies), unreliable, fragmented.
    public static func status(_ l: BlueprintKPILineage) -> String {
        var flags: [String] = []
        if l.isUnsupported { flags.append("unsupported (\(l.unsupportedElements.joined(separator: ", ")))") }
        if l.isUnreliable { flags.append("unreliable") }
        if l.isFragmented { flags.append("fragmented") }
        return flags.isEmpty ? "ok" : flags.joined(separator: ", ")
    }

    /// One site: the activity grid, ownership problems, KPI counts.
    static func site(_ s: BlueprintSiteAnalysis, gaps: Int) -> [String] {
        let counted = s.activities.filter { $0.state != .outOfScope }
        let covered = counted.count { $0.state == .covered }
        var lines = [
            "\(s.site): \(covered) of \(counted.count) activities covered by a validated system, \(gaps) gap\(gaps == 1 ? "" : "s")"
        ]
        let columns: [(MOMActivity, String)] = [
            (.definitionManagement, "defn"), (.resourceManagement, "rsrc"), (.detailedScheduling, "schd"),
            (.dispatching, "disp"), (.executionManagement, "exec"), (.dataCollection, "data"), (.tracking, "trck"),
            (.performanceAnalysis, "perf"),
        ]
        lines.append(trimmed("  " + pad("", 13) + columns.map { pad($0.1, 6) }.joined()))
        for category in OperationsCategory.allCases {
            var row = "  " + pad(category.rawValue, 13)
            for (activity, _) in columns {
                let state = s.activity(BlueprintActivity(category, activity))?.state ?? .uncovered
                row += pad(symbol(state), 6)
            }
            lines.append(trimmed(row))
        }
        lines.append("  ● covered  ◐ partly  ! unvalidated  ○ uncovered  · out of scope")
        var ownership: [String] = []
        if !s.missingSystemOfRecord.isEmpty {
            ownership.append("no system of record: \(s.missingSystemOfRecord.joined(separator: ", "))")
        }
        for d in s.dataObjects where d.state == .conflict {
            ownership.append("\(d.object) owned by \(d.systemsOfRecord.joined(separator: " and "))")
        }
        for u in s.nonOwnerUpdates { ownership.append("\(u.object) updated by non-owner \(u.system)") }
        for d in s.dataObjects where !d.unvalidatedOwners.isEmpty {
            ownership.append("\(d.object) owned by unvalidated \(d.unvalidatedOwners.joined(separator: ", "))")
        }
        lines.append(
            "  data: "
                + (ownership.isEmpty ? "every data object has one system of record" : ownership.joined(separator: "; "))
        )
        let computable = s.kpis.count { $0.isComputable }
        let unreliable = s.kpis.filter(\.isUnreliable).map(\.kpi.id)
        let unsupported = s.kpis.filter(\.isUnsupported).map(\.kpi.id)
        lines.append(
            "  KPIs: \(computable) of \(s.kpis.count) computable, \(s.kpis.count { $0.isFragmented }) fragmented, "
                + "\(unreliable.count) unreliable, \(unsupported.count) unsupported")
        if !unsupported.isEmpty { lines.append("    unsupported: " + unsupported.joined(separator: ", ")) }
        if !unreliable.isEmpty { lines.append("    unreliable: " + unreliable.joined(separator: ", ")) }
        return lines
    }

    static func symbol(_ s: BlueprintSiteAnalysis.CoverageState) -> String {
        switch s {
        case .covered: "●"
        case .partial: "◐"
        case .unvalidated: "!"
        case .uncovered: "○"
        case .outOfScope: "·"
        }
    }

    /// `s` padded with spaces to `n` characters (never cut); callers put their own separators.
    static func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, n - s.count))
        return right ? fill + s : s + fill
    }

    static func trimmed(_ s: String) -> String {
        var t = s
        while t.last == " " { t.removeLast() }
        return t
    }

    /// Words wrapped to `width`, every line indented.
    static func wrap(_ text: String, indent: Int, width: Int) -> [String] {
        let prefix = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && prefix.count + line.count + 1 + word.count > width {
                lines.append(prefix + line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(prefix + line) }
        return lines
    }
}
