import Foundation

/// Facts shown identically in the Markdown and HTML forms.
enum OQReportFacts {
    static func tool(_ r: OQReport) -> [(String, String)] {
        [
            ("Software", "\(r.tool.name) \(r.tool.version) (\(r.tool.buildConfiguration) build)"),
            ("Executable", r.tool.executable),
            ("Executable SHA-256", r.tool.executableSHA256),
            ("Check catalogue", r.catalogueVersion),
            ("Started (UTC)", r.startedAt),
            ("Finished (UTC)", r.finishedAt),
            ("Duration", seconds(r.durationMilliseconds)),
        ]
    }

    static func environment(_ r: OQReport) -> [(String, String)] {
        let e = r.environment
        return [
            ("Operating system", e.operatingSystem),
            ("Kernel", e.kernel),
            ("Architecture", e.architecture),
            ("Swift", e.swift),
            ("SQLite", e.sqlite),
            ("Host name", e.hostName),
            ("CPUs", "\(e.cpuCount)"),
            ("Memory", String(format: "%.1f GiB", Double(e.memoryBytes) / 1_073_741_824)),
            ("Executed by", e.user),
            ("Time zone of the host", e.timeZone),
            ("Scratch directory (removed)", e.scratchDirectory),
        ]
    }

    static func signature(_ r: OQReport) -> [(String, String)] {
        guard let s = r.signature else { return [("Signature", "not signed")] }
        return [
            ("Report SHA-256", s.sha256),
            ("Algorithm", s.algorithm),
            ("Signing key id", s.keyID),
            ("Public key (base64)", s.publicKey),
            ("Signature (base64)", s.signature),
            ("Digest", s.canonicalization),
        ]
    }

    static func seconds(_ ms: Int64) -> String { String(format: "%.2f s", Double(ms) / 1000) }

    static func verdict(_ result: String) -> String {
        switch result {
        case "pass": "PASS"
        case "fail": "FAIL"
        default: result.uppercased()
        }
    }

    static let verifyHint =
        "Verify this report with `spar oq verify-report DIR --public-key report.pub-you-trust`: it recomputes the "
        + "SHA-256 over the canonical JSON, checks the Ed25519 signature and compares this file with the rendering of "
        + "the signed JSON, so that any changed byte is detected."
}

/// The Markdown form of an evidence report.
public enum OQReportMarkdown {
    /// Renders the report; the output depends only on the report's content.
    public static func render(_ r: OQReport) -> String {
        var o = ""
        func line(_ s: String = "") { o += s + "\n" }
        func cell(_ s: String) -> String {
            s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
        }
        func table(_ rows: [(String, String)]) {
            line("| | |")
            line("|---|---|")
            for (k, v) in rows { line("| \(cell(k)) | \(cell(v)) |") }
            line()
        }
        line("# \(r.title)")
        line()
        line("**Result: \(OQReportFacts.verdict(r.result))** — \(r.summary.passed) of \(r.summary.checks) checks passed, "
            + "\(r.summary.failed) failed; \(r.summary.requirementsCovered) requirements covered, "
            + "\(r.summary.requirementsNotCovered) not covered by this OQ.")
        line()
        if let s = r.signature {
            line("Report SHA-256: `\(s.sha256)`  ")
            line("Signed (Ed25519) with key `\(s.keyID)`.")
            line()
        }
        line("## Software and run")
        line()
        table(OQReportFacts.tool(r))
        line("## Environment")
        line()
        table(OQReportFacts.environment(r))
        line("## Requirement traceability")
        line()
        line("| Requirement | Text | Checks | Result |")
        line("|---|---|---|---|")
        for q in r.requirements {
            let text = q.text + (q.scopeNote.map { " *Scope: \($0)*" } ?? "") + " (\(q.source))"
            line("| \(q.id) | \(cell(text)) | \(q.checks.isEmpty ? "—" : q.checks.joined(separator: ", ")) | "
                + "\(OQReportFacts.verdict(q.result)) |")
        }
        line()
        line("## Checks")
        line()
        line("| Check | Title | Requirements | Result | Duration |")
        line("|---|---|---|---|---|")
        for c in r.checks {
            line("| \(c.id) | \(cell(c.title)) | \(c.requirements.joined(separator: ", ")) | \(OQReportFacts.verdict(c.result)) | "
                + "\(OQReportFacts.seconds(c.durationMilliseconds)) |")
        }
        line()
        for c in r.checks {
            line("### \(c.id) \(c.title) — \(OQReportFacts.verdict(c.result))")
            line()
            line("Requirements: \(c.requirements.joined(separator: ", ")). Started \(c.startedAt), "
                + "took \(OQReportFacts.seconds(c.durationMilliseconds)); \(c.expectationsChecked) expectations checked, "
                + "\(c.expectationsFailed) not met.")
            line()
            line("**Procedure**")
            line()
            for (i, step) in c.procedure.enumerated() { line("\(i + 1). \(step)") }
            line()
            line("**Expected:** \(c.expected)")
            line()
            line("**Observed:** \(c.observed)")
            line()
            line("**Evidence**")
            line()
            line("```")
            for e in c.evidence { line(e.replacingOccurrences(of: "```", with: "'''")) }
            line("```")
            line()
        }
        line("## Signature")
        line()
        table(OQReportFacts.signature(r))
        line(OQReportFacts.verifyHint)
        return o
    }
}

/// The HTML form of an evidence report: one self-contained page, no scripts or external assets.
public enum OQReportHTML {
    /// Renders the report; the output depends only on the report's content.
    public static func render(_ r: OQReport) -> String {
        var o = ""
        func esc(_ s: String) -> String {
            var out = ""
            for ch in s.unicodeScalars {
                switch ch {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&quot;"
                case "'": out += "&#39;"
                default: out.unicodeScalars.append(ch)
                }
            }
            return out
        }
        func badge(_ result: String) -> String {
            let cls = result == "pass" ? "pass" : result == "fail" ? "fail" : "none"
            return "<span class=\"badge \(cls)\">\(esc(OQReportFacts.verdict(result)))</span>"
        }
        func table(_ rows: [(String, String)]) {
            o += "<table class=\"facts\">\n"
            for (k, v) in rows { o += "<tr><th>\(esc(k))</th><td>\(esc(v))</td></tr>\n" }
            o += "</table>\n"
        }
        o += """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(esc(r.title)) — \(esc(OQReportFacts.verdict(r.result)))</title>
            <style>
            body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1d1d1f; }
            h1 { font-size: 1.6rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ccc; } h3 { margin-top: 1.6rem; }
            table { border-collapse: collapse; margin: .5rem 0 1rem; width: 100%; }
            th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
            table.facts th { width: 16rem; background: #f4f4f6; }
            code, pre { font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace; }
            pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
            .badge { font-weight: 700; padding: .05rem .45rem; border-radius: .3rem; }
            .pass { background: #d8f3dc; color: #1b5e20; } .fail { background: #ffd6d6; color: #8e0000; } .none { background: #eee; color: #555; }
            .fail-line { color: #8e0000; font-weight: 700; }
            @media print { body { margin: 0; max-width: none; } pre { white-space: pre-wrap; } }
            </style>
            </head>
            <body>

            """
        o += "<h1>\(esc(r.title))</h1>\n"
        o += "<p>Result: \(badge(r.result)) — \(r.summary.passed) of \(r.summary.checks) checks passed, \(r.summary.failed) "
            + "failed; \(r.summary.requirementsCovered) requirements covered, \(r.summary.requirementsNotCovered) not "
            + "covered by this OQ.</p>\n"
        if let s = r.signature {
            o += "<p>Report SHA-256: <code>\(esc(s.sha256))</code><br>Signed (Ed25519) with key <code>\(esc(s.keyID))</code>.</p>\n"
        }
        o += "<h2>Software and run</h2>\n"
        table(OQReportFacts.tool(r))
        o += "<h2>Environment</h2>\n"
        table(OQReportFacts.environment(r))
        o += "<h2>Requirement traceability</h2>\n<table>\n<tr><th>Requirement</th><th>Text</th><th>Checks</th><th>Result</th></tr>\n"
        for q in r.requirements {
            let checks = q.checks.map { "<a href=\"#\(esc($0))\">\(esc($0))</a>" }.joined(separator: ", ")
            o += "<tr id=\"req-\(esc(q.id))\"><td>\(esc(q.id))</td><td>\(esc(q.text))"
                + (q.scopeNote.map { "<br><em>Scope: \(esc($0))</em>" } ?? "") + " <small>(\(esc(q.source)))</small></td>"
                + "<td>\(checks.isEmpty ? "—" : checks)</td><td>\(badge(q.result))</td></tr>\n"
        }
        o += "</table>\n<h2>Checks</h2>\n<table>\n<tr><th>Check</th><th>Title</th><th>Requirements</th><th>Result</th><th>Duration</th></tr>\n"
        for c in r.checks {
            o += "<tr><td><a href=\"#\(esc(c.id))\">\(esc(c.id))</a></td><td>\(esc(c.title))</td>"
                + "<td>\(esc(c.requirements.joined(separator: ", ")))</td><td>\(badge(c.result))</td>"
                + "<td>\(esc(OQReportFacts.seconds(c.durationMilliseconds)))</td></tr>\n"
        }
        o += "</table>\n"
        for c in r.checks {
            o += "<h3 id=\"\(esc(c.id))\">\(esc(c.id)) \(esc(c.title)) \(badge(c.result))</h3>\n"
            o += "<p>Requirements: \(esc(c.requirements.joined(separator: ", "))). Started \(esc(c.startedAt)), took "
                + "\(esc(OQReportFacts.seconds(c.durationMilliseconds))); \(c.expectationsChecked) expectations checked, "
                + "\(c.expectationsFailed) not met.</p>\n"
            o += "<p><strong>Procedure</strong></p>\n<ol>\n"
            for step in c.procedure { o += "<li>\(esc(step))</li>\n" }
            o += "</ol>\n"
            o += "<p><strong>Expected:</strong> \(esc(c.expected))</p>\n"
            o += "<p><strong>Observed:</strong> \(esc(c.observed))</p>\n"
            o += "<p><strong>Evidence</strong></p>\n<pre>"
            for e in c.evidence {
                o += e.hasPrefix("[FAIL]") ? "<span class=\"fail-line\">\(esc(e))</span>\n" : "\(esc(e))\n"
            }
            o += "</pre>\n"
        }
        o += "<h2>Signature</h2>\n"
        table(OQReportFacts.signature(r))
        o += "<p>\(esc(OQReportFacts.verifyHint))</p>\n</body>\n</html>\n"
        return o
    }
}
