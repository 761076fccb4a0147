import Foundation
import SparCore
import SparInterchange
import Testing

/// Two sites: Toulouse (Europe/Paris) with a composite cell and a machining line, Wichita (America/Chicago) with a
/// machining line whose ids repeat Toulouse's (`mach/line-1/cnc-1`), so a bare `cnc-1` is ambiguous.
let b2mmlPlant = PlantModel(
    enterprise: "acme",
    sites: [
        Site(
            id: "tls", timeZone: "Europe/Paris",
            areas: [
                Area(
                    id: "comp",
                    workCenters: [
                        WorkCenter(id: "layup", kind: .workCell, workUnits: [WorkUnit(id: "cell-1"), WorkUnit(id: "cell-2")])
                    ]),
                Area(
                    id: "mach",
                    workCenters: [
                        WorkCenter(
                            id: "line-1", kind: .productionLine,
                            workUnits: [WorkUnit(id: "cnc-1", ratedRate: 30), WorkUnit(id: "cnc-2")])
                    ]),
            ]),
        Site(
            id: "wic", timeZone: "America/Chicago", calendar: "two-shift",
            areas: [
                Area(
                    id: "mach",
                    workCenters: [WorkCenter(id: "line-1", kind: .productionLine, workUnits: [WorkUnit(id: "cnc-1")])])
            ]),
    ],
    calendars: [
        WorkCalendar(
            id: "two-shift",
            shifts: [
                Shift(name: "A", days: [.mon, .tue, .wed, .thu, .fri], start: TimeOfDay("06:00")!, end: TimeOfDay("14:00")!)
            ])
    ],
    systems: [SourceSystem(id: "erp", kind: .ERP, validated: true), SourceSystem(id: "mes", kind: .MES, validated: true)]
)

enum Fixture {
    static func data(_ name: String, _ ext: String = "xml", in dir: String = "b2mml") throws -> Data {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Resources/\(dir)"))
        return try Data(contentsOf: url)
    }

    static func t(_ s: String) -> Timestamp { Timestamp(rfc3339: s)! }

    /// `xmllint --noout --schema XSD` on `document`: nil when it validates, else xmllint's complaint.
    static func schemaViolations(_ document: Data, schema: String) throws -> String? {
        let xsd = try #require(
            Bundle.module.url(forResource: schema, withExtension: "xsd", subdirectory: "Resources/schemas/b2mml"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spar-b2mml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("doc.xml")
        try document.write(to: file)
        let lint = ["/usr/bin/xmllint", "/usr/local/bin/xmllint", "/bin/xmllint"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        let path = try #require(lint, "xmllint is not installed: apt-get install libxml2-utils")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = ["--noout", "--nonet", "--schema", xsd.path, file.path]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        let out = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? nil : String(decoding: out, as: UTF8.self)
    }
}
