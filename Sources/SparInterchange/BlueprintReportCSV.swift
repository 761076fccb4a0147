import SparCore

/// The blueprint analysis as CSV tables a spreadsheet opens (`spar map analyze --format csv-gaps|csv-ownership`).
///
/// Written by ``CSVText`` (RFC 4180 with CRLF, fields guarded against formula evaluation); lists inside one field
/// are joined with `;`.
public enum BlueprintReportCSV {
    /// One row per ranked gap: rank, score, severity, site, kind, subject, safety, quality, regulatory, systems,
    /// elements, kpis, recommendation.
    public static func gaps(_ a: BlueprintAnalysis) -> String {
        var rows = [[
            "rank", "score", "severity", "site", "kind", "subject", "safety", "quality", "regulatory", "systems",
            "elements", "kpis", "recommendation",
        ]]
        for (i, g) in a.gaps.enumerated() {
            rows.append([
                String(i + 1), String(g.score), String(g.severity), g.site, g.kind.rawValue, g.subject,
                String(g.exposure.safety), String(g.exposure.quality), String(g.exposure.regulatory), list(g.systems),
                list(g.elements), list(g.kpis), g.recommendation,
            ])
        }
        return CSVText.table(rows)
    }

    /// One row per site and data object, in blueprint and object order: site, object, name, state, systems of
    /// record, creators, updaters, readers, non-owner updaters, unvalidated owners.
    public static func ownership(_ a: BlueprintAnalysis) -> String {
        var rows = [[
            "site", "object", "name", "state", "systemsOfRecord", "creators", "updaters", "readers",
            "nonOwnerUpdaters", "unvalidatedOwners",
        ]]
        for s in a.sites {
            for d in s.dataObjects {
                rows.append([
                    s.site, d.object, d.name, d.state.rawValue, list(d.systemsOfRecord), list(d.use?.create ?? []),
                    list(d.use?.update ?? []), list(d.use?.read ?? []), list(d.nonOwnerUpdaters),
                    list(d.unvalidatedOwners),
                ])
            }
        }
        return CSVText.table(rows)
    }

    static func list(_ values: [String]) -> String { values.joined(separator: ";") }
}
