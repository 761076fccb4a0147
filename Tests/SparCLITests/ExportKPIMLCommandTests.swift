import Foundation
import SparTestSupport

#if canImport(FoundationXML)
    import FoundationXML
#endif
import Testing

/// A demo ledger of two days (its users' passwords are `demo-<user>-pass`), built once for the suite.
private let demoLedger = Task<URL, any Error> {
    let dir = try SparProcess.temporaryDirectory()
    let db = dir.appendingPathComponent("demo.sqlite")
    let run = try SparProcess.run(["demo", "--db", db.path, "--days", "2"])
    guard run.status == 0 else { throw DemoFailed(stderr: run.stderr) }
    return db
}

private struct DemoFailed: Error { var stderr: String }

/// `xmllint --noout --schema KPI-ML-V01.xsd` over a file; fails (never skips) without xmllint.
private func expectValidKPIML(_ file: URL) throws {
    let problems = try XMLLint.problems(try Data(contentsOf: file), schema: XMLLint.kpimlSchema)
    #expect(problems == nil, "\(file.lastPathComponent): \(problems ?? "")")
}

private func user(_ id: String) -> [String: String] { ["SPAR_PASSWORD": "demo-\(id)-pass"] }

/// A copy of the demo ledger (and its key) for a test that writes.
private func demoCopy() async throws -> String {
    let db = try await demoLedger.value
    let dir = try SparProcess.temporaryDirectory()
    let copy = dir.appendingPathComponent("demo.sqlite")
    for suffix in ["", ".key", ".demo-tokens"] where FileManager.default.fileExists(atPath: db.path + suffix) {
        try FileManager.default.copyItem(atPath: db.path + suffix, toPath: copy.path + suffix)
    }
    return copy.path
}

@Suite("spar export kpi-ml and spar import kpi-ml, end to end", .serialized)
struct ExportKPIMLCommandTests {
    static let window = ["--from", "2026-09-07T00:00:00Z", "--to", "2026-09-09T00:00:00Z"]

    @Test("definitions go to stdout or --out, validate, and hold the 34 KPIs; an unknown version is an error")
    func definitions() throws {
        let dir = try SparProcess.temporaryDirectory()
        let out = dir.appendingPathComponent("defs.xml")
        let run = try SparProcess.run(["export", "kpi-ml", "definitions", "--definition", "spar-kpi-1", "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "34 KPI definitions (spar-kpi-1) written to \(out.path)\n")
        try expectValidKPIML(out)
        let stdout = try SparProcess.run(["export", "kpi-ml", "definitions"])
        #expect(stdout.status == 0)
        #expect(stdout.stdout.components(separatedBy: "<KPIDefinition>").count - 1 == 34)
        #expect(stdout.stdout.contains("Spar KPI definition version spar-kpi-2"))
        let bad = try SparProcess.run(["export", "kpi-ml", "definitions", "--definition", "iso-9"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--definition 'iso-9' is not a KPI definition version; known: spar-kpi-1, spar-kpi-2"))
    }

    @Test("values of a demo site validate and equal what spar kpi prints for the same query; a foreign site is refused")
    func values() async throws {
        let db = try await demoLedger.value.path
        let dir = try SparProcess.temporaryDirectory()
        let out = dir.appendingPathComponent("values.xml")
        let scope = "aerostar/wichita"
        let run = try SparProcess.run(
            ["export", "kpi-ml", "values", "--db", db, "--scope", scope] + Self.window + ["--out", out.path, "--as", "auditor"],
            environment: user("auditor"))
        #expect(run.status == 0, "\(run.stderr)")
        try expectValidKPIML(out)
        let kpi = try SparProcess.run(
            ["kpi", "--db", db, "--scope", scope] + Self.window + ["--format", "json", "--as", "auditor"],
            environment: user("auditor"))
        #expect(kpi.status == 0, "\(kpi.stderr)")
        let kpis = try JSONDecoder().decode(KPIJSON.self, from: Data(kpi.stdout.utf8)).kpis
        let document = try kpiValues(out)
        // Every number spar kpi prints is a KPIValue of the document, to the digit.
        var compared = 0
        for (id, value) in kpis {
            switch value {
            case .number(let n):
                #expect(document[id].flatMap(Double.init) == n, "\(id)")
                compared += 1
            case .byCharacteristic(let byCharacteristic):
                // Capability indices: one KPIValue per characteristic with a value.
                for (c, v) in byCharacteristic {
                    guard let n = v else { continue }
                    #expect(document["\(id):\(c)"].flatMap(Double.init) == n, "\(id) \(c)")
                    compared += 1
                }
            case .null:
                #expect(document[id] == nil, "\(id)")
            }
        }
        // Nothing else in the document.
        #expect(document.count == compared)
        #expect(compared >= 29)
        #expect(run.stdout.contains("written to \(out.path)"))

        let operatorRun = try SparProcess.run(
            ["export", "kpi-ml", "values", "--db", db, "--scope", "aerostar/toulouse"] + Self.window + ["--as", "operator"],
            environment: user("operator"))
        #expect(operatorRun.status == 2)
        #expect(operatorRun.stderr.contains("operator may not read site toulouse"), "\(operatorRun.stderr)")
    }

    @Test("the MESA OLR100 example becomes a proposed local KPI of Toulouse, recorded in the audit trail")
    func importRealDocument() async throws {
        let db = try await demoCopy()
        let file = XMLLint.kpimlResources.appendingPathComponent("mesa-spec-OLR100.repaired.xml").path
        let run = try SparProcess.run(
            ["import", "kpi-ml", file, "--site", "toulouse", "--reason", "partner KPI from MESA", "--db", db, "--as", "engineer"],
            environment: user("engineer"))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains(" proposed: blueprint "), "\(run.stdout)")
        #expect(run.stdout.contains(#"adds local.toulouse.OLR100 "Other Loss Ratio": Other loss ratio = OL/CM (elements OL, CM)"#))
        #expect(run.stdout.contains("+ kpiExtension local.toulouse.OLR100: Other Loss Ratio: Other loss ratio = OL/CM [OL, CM], nearest ISO otherLossRatio"), "\(run.stdout)")
        #expect(run.stdout.contains("1 KPI definition: 1 proposed, 0 already in the blueprint, 0 refused"))
        let audit = try SparProcess.run(["audit", "--db", db, "--as", "auditor"], environment: user("auditor"))
        #expect(audit.status == 0, "\(audit.stderr)")
        // sha256 of the example, 1369 bytes.
        let sha = try SparProcess.runTool("/usr/bin/sha256sum", [file]).prefix(64)
        #expect(
            audit.stdout.contains(
                "imported mesa-spec-OLR100.repaired.xml (kpi-ml, SHA-256 \(sha)): 1 rows, 1 accepted, 0 duplicate, 0 rejected"),
            "\(audit.stdout.suffix(2000))")
    }

    @Test("an id the blueprint already has is refused, the other definitions are proposed, exit 1")
    func existingID() async throws {
        let db = try await demoCopy()
        let dir = try SparProcess.temporaryDirectory()
        let file = dir.appendingPathComponent("partner.xml")
        try Data(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <SyncKPIDefinition xmlns="http://www.mesa.org/xml/KPI-ML-V01" releaseID="V01">
            <ApplicationArea><CreationDateTime>2026-01-01T00:00:00Z</CreationDateTime></ApplicationArea>
            <DataArea><Sync/>
            <KPIDefinition><ID>umhPerformance</ID><Name>Performance</Name><Formula>PRUxPQ / (APT + ADET)</Formula></KPIDefinition>
            <KPIDefinition><ID>cureYield</ID><Name>Cure yield</Name><Formula>GQ / PQ</Formula></KPIDefinition>
            <KPIDefinition><Name>no id</Name></KPIDefinition>
            </DataArea>
            </SyncKPIDefinition>
            """.utf8
        ).write(to: file)
        let run = try SparProcess.run(
            ["import", "kpi-ml", file.path, "--site", "toulouse", "--reason", "partner KPIs", "--db", db, "--as", "engineer"],
            environment: user("engineer"))
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stdout.contains("adds local.toulouse.cureYield"))
        #expect(!run.stdout.contains("adds local.toulouse.umhPerformance"))
        #expect(run.stderr.contains("refused: line 5, /SyncKPIDefinition/DataArea/KPIDefinition: local.toulouse.umhPerformance already exists in the blueprint in force"), "\(run.stderr)")
        #expect(run.stderr.contains("refused: line 7, /SyncKPIDefinition/DataArea/KPIDefinition[3]: the definition has no ID"), "\(run.stderr)")
        #expect(run.stdout.contains("3 KPI definitions: 1 proposed, 1 already in the blueprint, 1 refused"))

        let unknownSite = try SparProcess.run(
            ["import", "kpi-ml", file.path, "--site", "paris", "--reason", "x", "--db", db, "--as", "engineer"],
            environment: user("engineer"))
        #expect(unknownSite.status == 2)
        #expect(unknownSite.stderr.contains("--site 'paris' is not a site of the blueprint in force"))
        let notKPIML = try SparProcess.run(
            ["import", "kpi-ml", XMLLint.kpimlSchema.path, "--site", "toulouse", "--reason", "x", "--db", db, "--as", "engineer"],
            environment: user("engineer"))
        #expect(notKPIML.status == 2)
        #expect(notKPIML.stderr.contains("not a KPI-ML V01 document"), "\(notKPIML.stderr)")
    }

    @Test("Spar's own export imported back: the 29 KPIs with ISO elements are proposed, the 5 without are named")
    func roundTrip() async throws {
        let db = try await demoCopy()
        let dir = try SparProcess.temporaryDirectory()
        let file = dir.appendingPathComponent("spar.xml")
        #expect(try SparProcess.run(["export", "kpi-ml", "definitions", "--out", file.path]).status == 0)
        let run = try SparProcess.run(
            ["import", "kpi-ml", file.path, "--site", "nagoya", "--reason", "compare", "--db", db, "--as", "engineer"],
            environment: user("engineer"))
        #expect(run.status == 1)
        #expect(run.stdout.contains("34 KPI definitions: 29 proposed, 0 already in the blueprint, 5 refused"), "\(run.stdout)")
        #expect(run.stdout.contains(#"adds local.nagoya.availability "Availability": APT / PBT (elements APT, PBT)"#))
        #expect(run.stderr.contains("oee: the formula 'availability × effectiveness × qualityRatio' names no ISO 22400-2 element"))
    }
}

/// The `kpis` of `spar kpi --format json`.
private struct KPIJSON: Decodable {
    enum Value: Decodable {
        case number(Double)
        case byCharacteristic([String: Double?])
        case null

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() {
                self = .null
            } else if let n = try? c.decode(Double.self) {
                self = .number(n)
            } else {
                self = .byCharacteristic(try c.decode([String: Double?].self))
            }
        }
    }

    var kpis: [String: Value]
}

/// The `Value` of each `KPIValue` of a values document by its `ID` up to the `@` (`kpi` or `kpi:characteristic`).
private func kpiValues(_ file: URL) throws -> [String: String] {
    let document = try XMLDocument(contentsOf: file, options: [])
    var out: [String: String] = [:]
    for node in try document.nodes(forXPath: "//*[local-name()='KPIValue']") {
        guard let e = node as? XMLElement else { continue }
        func text(_ name: String) -> String? { e.children?.first { $0.localName == name }?.stringValue }
        guard let id = text("ID"), let value = text("Value") else { continue }
        out[String(id.prefix { $0 != "@" })] = value
    }
    return out
}
