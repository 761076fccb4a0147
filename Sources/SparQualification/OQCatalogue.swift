import Foundation
import SparLedgerIntegrity
import SparSQLite

/// The documented operational qualification checks, in execution order.
public enum OQCatalogue {
    /// Version of the catalogue: changes whenever a check's procedure or acceptance criterion changes.
    public static let version = "spar-oq-1"

    /// The standard checks OQ-01…OQ-10.
    public static func standard() -> [OQCheck] {
        [
            referenceCases(), durability(), tamperEvidence(), merkleProofs(), passwords(), accessControl(), signatures(),
            changeControl(), auditTrail(), reportSigning(),
        ]
    }

    /// OQ-10: the evidence report's own digest and signature, on a sample report.
    public static func reportSigning() -> OQCheck {
        OQCheck(
            id: "OQ-10", title: "Evidence report hashing and signature",
            requirements: ["C3"],
            procedure: [
                "Sign a sample report with a fresh Ed25519 key and write it (JSON, Markdown, HTML, signature, public "
                    + "key) to a scratch directory.",
                "Verify the directory; then change one byte of each file in turn, sign with another key, and verify "
                    + "against a different expected key.",
            ],
            expected: "The untouched report verifies; every one-byte change, the foreign key and the wrong expected key "
                + "are reported."
        ) { context in
            var ev = OQEvidence()
            let key = CheckpointSigningKey()
            let sample = sampleReport(scratch: context.directory.path)
            let signed = try OQReportSigning.sign(sample, with: key)
            let dir = context.directory.appendingPathComponent("sample-report")
            try OQReportSigning.write(signed, to: dir)
            let intact = OQReportSigning.verify(dir, publicKey: key.publicKey)
            ev.expect(intact.isValid, "untouched sample report (SHA-256 \(signed.signature?.sha256 ?? "")): "
                + (intact.problems.first ?? "\(intact.confirmed.count) confirmations"))
            var detected = 0
            let names = [
                OQReportSigning.FileName.json, OQReportSigning.FileName.markdown, OQReportSigning.FileName.html,
                OQReportSigning.FileName.signature,
            ]
            for name in names {
                let copy = context.directory.appendingPathComponent("sample-\(name)")
                try? FileManager.default.removeItem(at: copy)
                try FileManager.default.copyItem(at: dir, to: copy)
                let url = copy.appendingPathComponent(name)
                var bytes = try Data(contentsOf: url)
                let text = String(decoding: bytes, as: UTF8.self)
                let offset = text.utf8.firstIndex(of: UInt8(ascii: "8")).map { text.utf8.distance(from: text.utf8.startIndex, to: $0) }
                    ?? bytes.count / 2
                bytes[offset] = bytes[offset] == UInt8(ascii: "9") ? UInt8(ascii: "8") : UInt8(ascii: "9")
                try bytes.write(to: url)
                let v = OQReportSigning.verify(copy, publicKey: key.publicKey)
                if !v.isValid { detected += 1 }
                ev.expect(!v.isValid, "\(name) with byte \(offset) changed: \(v.problems.first ?? "not detected")")
            }
            let foreign = try OQReportSigning.sign(sample, with: CheckpointSigningKey())
            let foreignDir = context.directory.appendingPathComponent("sample-foreign")
            try OQReportSigning.write(foreign, to: foreignDir)
            let f = OQReportSigning.verify(foreignDir, publicKey: key.publicKey)
            ev.expect(!f.isValid, "report signed with another key, checked against the expected key: \(f.problems.first ?? "accepted")")
            ev.observed = "untouched report verifies; \(detected)/\(names.count) one-byte changes detected; foreign key refused"
            return ev
        }
    }

    /// OQ-11 (only with a ledger given): `spar verify` of the customer's ledger, read-only.
    public static func customerLedger(path: String, publicKey: CheckpointPublicKey, keySource: String, kept: [SignedCheckpoint] = [])
        -> OQCheck
    {
        OQCheck(
            id: "OQ-11", title: "Verification of the production ledger",
            requirements: ["R3", "R3a"],
            procedure: [
                "Open the ledger \(path) read-only and run the verify audit with the public key from \(keySource)"
                    + (kept.isEmpty ? "." : " and \(kept.count) kept checkpoint(s).")
            ],
            expected: "Every chain hash, checkpoint root, frontier, link and signature verifies; the append-only triggers "
                + "are in place."
        ) { _ in
            var ev = OQEvidence()
            let report = try SQLiteLedgerAudit.run(path: path, publicKey: publicKey, kept: kept)
            ev.expect(
                report.isIntact,
                "\(path): \(report.entries) entries, \(report.checkpoints) checkpoints, key \(publicKey.keyID): "
                    + (report.findings.first.map { "TAMPERED: \($0)" } ?? "intact"))
            for f in report.findings.dropFirst().prefix(20) { ev.note("finding: \(f)") }
            if let last = report.lastCheckpoint?.checkpoint {
                ev.note("last checkpoint: tree size \(last.treeSize), root \(last.root.hex), signed \(last.signedAt.rfc3339)")
            }
            ev.observed = report.isIntact
                ? "\(report.entries) entries and \(report.checkpoints) checkpoints verified intact"
                : "\(report.findings.count) findings; first: \(report.findings.first.map { "\($0)" } ?? "")"
            return ev
        }
    }

    static func sampleReport(scratch: String) -> OQReport {
        OQReport(
            format: OQReport.formatName, title: "Sample report", catalogueVersion: version,
            tool: OQReport.Tool(name: "spar", version: "sample", executable: "/sample", executableSHA256: String(repeating: "0", count: 64), buildConfiguration: "sample"),
            environment: OQReport.Environment(
                operatingSystem: "sample", kernel: "sample", architecture: "sample", swift: "sample", sqlite: "3.x",
                hostName: "sample", cpuCount: 1, memoryBytes: 1 << 30, user: "sample", timeZone: "UTC", scratchDirectory: scratch),
            startedAt: "2026-06-10T08:00:00.000Z", finishedAt: "2026-06-10T08:00:01.000Z", durationMilliseconds: 1000,
            result: "pass", summary: .init(checks: 1, passed: 1, failed: 0, requirementsCovered: 1, requirementsNotCovered: 0),
            requirements: [.init(id: "C3", text: "sample", source: "sample", checks: ["OQ-00"], result: "pass", scopeNote: nil)],
            checks: [
                .init(
                    id: "OQ-00", title: "Sample <check> & \"quotes\"", requirements: ["C3"], procedure: ["step 1", "step 2"],
                    expected: "value 0.5791666666666666", observed: "value 0.5791666666666666", result: "pass",
                    evidence: ["[ok] value 0.5791666666666666 | 1e-9"], expectationsChecked: 1, expectationsFailed: 0,
                    startedAt: "2026-06-10T08:00:00.000Z", durationMilliseconds: 8)
            ],
            signature: nil)
    }
}
