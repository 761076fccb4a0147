import Foundation

/// Schema validation with `xmllint` (libxml2-utils) as a subprocess, for tests of the XML exports.
public enum XMLLint {
    /// Why a document could not be validated at all.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// The KPI-ML test resources of the package (`Tests/SparCoreTests/Resources/kpi-ml/`), found from this file.
    public static var kpimlResources: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/SparCoreTests/Resources/kpi-ml")
    }

    /// `KPI-ML-V01.xsd` of the test resources.
    public static var kpimlSchema: URL { kpimlResources.appendingPathComponent("KPI-ML-V01.xsd") }

    /// `xmllint` on `PATH`.
    public static func executable() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let url = URL(fileURLWithPath: String(dir)).appendingPathComponent("xmllint")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw Unavailable(
            description: "xmllint is not on PATH: install libxml2-utils (apt-get install libxml2-utils) to validate XML exports")
    }

    /// Validates `document` against `schema`: nil when valid, else what xmllint said. Throws when xmllint is missing.
    public static func problems(_ document: Data, schema: URL) throws -> String? {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spar-xmllint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("document.xml")
        try document.write(to: file)
        let output = folder.appendingPathComponent("output")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let p = Process()
        p.executableURL = try executable()
        p.arguments = ["--noout", "--nonet", "--schema", schema.path, file.path]
        let handle = try FileHandle(forWritingTo: output)
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        p.waitUntilExit()
        try handle.close()
        if p.terminationStatus == 0 { return nil }
        return "xmllint exit \(p.terminationStatus): " + (try String(contentsOf: output, encoding: .utf8))
    }
}
