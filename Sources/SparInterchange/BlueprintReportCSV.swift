import SparCore

/// The blueprint analysis as CSV tables a spreadsheet opens (`spar map analyze --format csv-gaps|csv-ownership`).
///
/// RFC 4180: a header row, every record ended by CRLF, a field quoted when it contains a comma, a double quote, CR
/// or LF, and quotes inside a quoted field doubled. Lists inside one field are joined with `;`.
///
/// CSV injection guard: a field beginning with `=`, `+`, `-`, `@`, tab or CR is prefixed with a single quote (`'`)
/// so that a spreadsheet shows it as text instead of evaluating it as a formula. Such a field no longer reads back
/// byte for byte; strip one leading `'` to recover it.
public enum BlueprintReportCSV {
    /// One row per ranked gap: rank, score, severity, site, kind, subject, safety, quality, regulatory, systems,
    /// elements, kpis, recommendation.
    public static func gaps(_ a: BlueprintAnalysis) -> String {
        var out = record([
            "rank", "score", "severity", "site", "kind", "subject", "safety", "quality", "regulatory", "systems",
            "elements", "kpis", "recommendation",
        ])
        for (i, g) in a.gaps.enumerated() {
            out += record([
                String(i + 1), String(g.score), String(g.severity), g.site, g.kind.rawValue, g.subject,
                String(g.exposure.safety), String(g.exposure.quality), String(g.exposure.regulatory), list(g.systems),
                list(g.elements), list(g.kpis), g.recommendation,
            ])
        }
        return out
    }

    /// One row per site and data object, in blueprint and object order: site, object, name, state, systems of
    /// record, creators, updaters, readers, non-owner updaters, unvalidated owners.
    public static func ownership(_ a: BlueprintAnalysis) -> String {
        var out = record([
            "site", "object", "name", "state", "systemsOfRecord", "creators", "updaters", "readers",
            "nonOwnerUpdaters", "unvalidatedOwners",
        ])
        for s in a.sites {
            for d in s.dataObjects {
                out += record([
                    s.site, d.object, d.name, d.state.rawValue, list(d.systemsOfRecord), list(d.use?.create ?? []),
                    list(d.use?.update ?? []), list(d.use?.read ?? []), list(d.nonOwnerUpdaters),
                    list(d.unvalidatedOwners),
                ])
            }
        }
        return out
    }

    static func list(_ values: [String]) -> String { values.joined(separator: ";") }

    /// The fields as one record, CRLF included.
    static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    /// One field, guarded against formula evaluation, then quoted when RFC 4180 requires it.
    static func field(_ value: String) -> String {
        let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]
        var text = value
        if let first = text.unicodeScalars.first, formulaStarts.contains(first) { text = "'" + text }
        let needsQuotes = text.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }
        guard needsQuotes else { return text }
        var quoted = String.UnicodeScalarView()
        quoted.append("\"")
        for scalar in text.unicodeScalars {
            quoted.append(scalar)
            if scalar == "\"" { quoted.append("\"") }
        }
        quoted.append("\"")
        return String(quoted)
    }
}
