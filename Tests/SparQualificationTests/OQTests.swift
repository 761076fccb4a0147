import Foundation
import SparLedgerIntegrity
import SparQualification
import Testing

/// One full OQ run, shared by the tests that read its report.
enum SharedRun {
    static let report = Task { () throws -> OQReport in
        let started = Date()
        let report = try await OQRunner.run(concurrency: 2)
        print("OQ run: \(report.summary.passed)/\(report.summary.checks) checks passed in "
            + String(format: "%.1f s", Date().timeIntervalSince(started)))
        for c in report.checks {
            print("  \(c.id) \(c.result) \(c.durationMilliseconds) ms: \(c.observed)")
            for line in c.evidence where line.hasPrefix("[FAIL]") { print("    \(line)") }
        }
        return report
    }
}

func scratchDirectory(_ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spar-oq-test-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

@Suite("Operational qualification")
struct OQTests {
    static let expectedChecks = (1...10).map { String(format: "OQ-%02d", $0) }

    @Test("the whole OQ passes on this build, every documented check present")
    func wholeOQ() async throws {
        let report = try await SharedRun.report.value
        #expect(report.checks.map(\.id) == Self.expectedChecks)
        for c in report.checks {
            #expect(c.result == "pass", "\(c.id) \(c.title): \(c.observed)\n\(c.evidence.filter { $0.hasPrefix("[FAIL]") }.joined(separator: "\n"))")
            #expect(c.expectationsChecked > 0 && c.expectationsFailed == 0, "\(c.id)")
            #expect(!c.procedure.isEmpty && !c.expected.isEmpty && !c.requirements.isEmpty, "\(c.id)")
        }
        #expect(report.result == "pass")
        #expect(report.summary.checks == 10 && report.summary.passed == 10 && report.summary.failed == 0)
        let tamper = try #require(report.checks.first { $0.id == "OQ-03" })
        #expect(tamper.evidence.contains("[ok] tamperings tried 120, detected 120"))
        let kpis = try #require(report.checks.first { $0.id == "OQ-01" })
        #expect(kpis.observed.hasPrefix("5 cases"))
        #expect(kpis.evidence.contains { $0.hasPrefix("[ok] p01-press-four-hours kpis.oee: expected 0.5791666666666666") })
        let covered = Set(report.checks.flatMap(\.requirements))
        for id in ["R1", "R3", "R3a", "R4", "S1", "S2", "S3", "S4", "A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3", "D1", "D2", "K1"] {
            #expect(covered.contains(id), "requirement \(id) is covered by no check")
        }
        #expect(report.requirements.first { $0.id == "R2" }?.result == "not covered")
        #expect(!report.environment.sqlite.isEmpty && report.environment.cpuCount > 0)
        #expect(report.tool.executableSHA256.count == 64)
    }

    @Test("a wrong expected KPI value makes OQ-01 fail with the evidence")
    func failingCheck() async throws {
        var cases = ReferenceCase.builtIn
        let i = try #require(cases.firstIndex { $0.name == "p01-press-four-hours" })
        cases[i].expectedJSON = cases[i].expectedJSON.replacingOccurrences(
            of: "\"oee\": 0.5791666666666666", with: "\"oee\": 0.58")
        #expect(cases[i].expectedJSON.contains("0.58,"))
        let report = try await OQRunner.run([OQCatalogue.referenceCases(cases)])
        let check = try #require(report.checks.first)
        #expect(check.id == "OQ-01")
        #expect(check.result == "fail")
        #expect(report.result == "fail" && report.summary.failed == 1)
        #expect(check.expectationsFailed == 1)
        let failures = check.evidence.filter { $0.hasPrefix("[FAIL]") }
        #expect(failures == ["[FAIL] p01-press-four-hours kpis.oee: expected 0.58, actual 0.5791666666666666, |Δ| = 8.3e-04"])
        #expect(check.observed.contains("1 outside"))
        #expect(report.requirements.first { $0.id == "K1" }?.result == "fail")
        let md = OQReportMarkdown.render(report)
        #expect(md.contains("**Result: FAIL**"))
        #expect(md.contains("[FAIL] p01-press-four-hours kpis.oee"))
    }

    @Test("the embedded reference cases are the test suite's cases, byte for byte")
    func embeddedCasesMatchTestSuite() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SparCLITests/Resources/kpi-cases")
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(ReferenceCase.builtIn.map(\.name) == names)
        for c in ReferenceCase.builtIn {
            let dir = root.appendingPathComponent(c.name)
            for (file, text) in [
                ("plant.yaml", c.plantYAML), ("events.jsonl", c.eventsJSONL), ("query.json", c.queryJSON),
                ("expected.json", c.expectedJSON), ("README.md", c.derivation),
            ] {
                let onDisk = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
                #expect(onDisk == text, "\(c.name)/\(file) differs from the copy in Sources/SparQualification/Resources")
            }
        }
    }

    @Test("a check that throws is reported as failed")
    func throwingCheck() async throws {
        struct Boom: Error {}
        let check = OQCheck(id: "OQ-99", title: "throws", requirements: ["C3"], procedure: ["throw"], expected: "nothing") { _ in
            throw Boom()
        }
        let report = try await OQRunner.run([check])
        #expect(report.checks.first?.result == "fail")
        #expect(report.checks.first?.evidence.first?.hasPrefix("[FAIL] the procedure stopped with an error") == true)
    }

    @Test("the signed report verifies, and a one-byte change in any file is detected")
    func signature() async throws {
        let report = try await SharedRun.report.value
        let key = CheckpointSigningKey()
        let signed = try OQReportSigning.sign(report, with: key)
        let sha = try #require(signed.signature?.sha256)
        #expect(sha == (try OQReportSigning.digest(report)))
        let dir = try scratchDirectory("sig")
        defer { try? FileManager.default.removeItem(at: dir) }
        let written = try OQReportSigning.write(signed, to: dir)
        #expect(written.count == 5)
        let ok = OQReportSigning.verify(dir, publicKey: key.publicKey)
        #expect(ok.isValid, "\(ok.problems)")
        #expect(ok.sha256 == sha)
        #expect(OQReportSigning.verify(dir.appendingPathComponent("report.json")).isValid)
        for name in ["report.json", "report.md", "report.html"] {
            let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            #expect(text.contains(sha), "\(name) shows the report's SHA-256")
        }

        for name in ["report.json", "report.md", "report.html", "report.sig", "report.pub"] {
            let copy = try scratchDirectory("flip")
            defer { try? FileManager.default.removeItem(at: copy) }
            for f in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
                try FileManager.default.copyItem(at: dir.appendingPathComponent(f), to: copy.appendingPathComponent(f))
            }
            let url = copy.appendingPathComponent(name)
            var bytes = try Data(contentsOf: url)
            let at = bytes.count / 2
            bytes[at] = bytes[at] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
            try bytes.write(to: url)
            let v = OQReportSigning.verify(copy, publicKey: key.publicKey)
            #expect(!v.isValid, "a changed byte in \(name) went unnoticed")
        }

        let other = CheckpointSigningKey()
        let wrongKey = OQReportSigning.verify(dir, publicKey: other.publicKey)
        #expect(!wrongKey.isValid)
        #expect(wrongKey.problems.contains { $0.contains("not the expected key") })
        let resigned = try OQReportSigning.sign(report, with: other)
        let dir2 = try scratchDirectory("resigned")
        defer { try? FileManager.default.removeItem(at: dir2) }
        try OQReportSigning.write(resigned, to: dir2)
        #expect(OQReportSigning.verify(dir2).isValid)
        #expect(!OQReportSigning.verify(dir2, publicKey: key.publicKey).isValid)

        var forged = signed
        forged.checks[0].result = "pass"
        forged.checks[0].observed += " (edited)"
        let dir3 = try scratchDirectory("forged")
        defer { try? FileManager.default.removeItem(at: dir3) }
        try OQReportSigning.write(forged, to: dir3)
        let v3 = OQReportSigning.verify(dir3, publicKey: key.publicKey)
        #expect(!v3.isValid && v3.problems.first?.contains("the report was altered") == true)
    }

    @Test("Markdown and HTML show every requirement id, every check and the environment")
    func renderings() async throws {
        let report = try OQReportSigning.sign(try await SharedRun.report.value, with: CheckpointSigningKey())
        let md = OQReportMarkdown.render(report)
        let html = OQReportHTML.render(report)
        for q in report.requirements {
            #expect(md.contains("| \(q.id) |"), "Markdown lacks requirement \(q.id)")
            #expect(html.contains("id=\"req-\(q.id)\""), "HTML lacks requirement \(q.id)")
        }
        for c in report.checks {
            #expect(md.contains("### \(c.id) "))
            #expect(html.contains("<h3 id=\"\(c.id)\">"))
        }
        for fact in [report.environment.sqlite, report.environment.hostName, report.tool.executableSHA256] {
            #expect(md.contains(fact) && html.contains(fact))
        }
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"))
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(md == OQReportMarkdown.render(report) && html == OQReportHTML.render(report))
    }
}
