import Foundation

/// Runs the built `spar` executable, as a user would.
public struct SparProcess {
    public struct Output {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public static var executable: URL? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
        ]
        for dir in candidates {
            let url = dir.appendingPathComponent("spar")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    public static func run(
        _ arguments: [String], stdin: String? = nil, cwd: URL? = nil, environment: [String: String] = [:]
    ) throws -> Output {
        guard let exe = executable else { throw CocoaError(.fileNoSuchFile) }
        let p = Process()
        p.executableURL = exe
        p.arguments = arguments
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        if let cwd { p.currentDirectoryURL = cwd }
        let scratch = try temporaryDirectory()
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        let inURL = scratch.appendingPathComponent("stdin")
        try Data((stdin ?? "").utf8).write(to: inURL)
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        p.standardInput = try FileHandle(forReadingFrom: inURL)
        try p.run()
        p.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: scratch) }
        return Output(
            status: p.terminationStatus, stdout: try String(contentsOf: outURL, encoding: .utf8),
            stderr: try String(contentsOf: errURL, encoding: .utf8))
    }

    /// Runs another program (a reference tool such as `sha256sum`) and returns its standard output.
    public static func runTool(_ path: String, _ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("spar-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
