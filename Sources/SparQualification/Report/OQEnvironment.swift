import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Facts about the running software and machine, gathered without external tools (no git, no shell).
public enum OQEnvironment {
    /// Spar's release version, reported with the executable's SHA-256.
    public static let sparVersion = "0.1.0"

    /// The Swift compiler the binary was built with.
    public static var swiftVersion: String {
        #if compiler(>=6.4)
            let compiler = "6.4 or later"
        #elseif compiler(>=6.3)
            let compiler = "6.3"
        #elseif compiler(>=6.2)
            let compiler = "6.2"
        #else
            let compiler = "before 6.2"
        #endif
        #if os(Linux)
            let runtime = "Swift runtime for Linux"
        #elseif os(macOS)
            let runtime = "Swift runtime of macOS"
        #else
            let runtime = "Swift runtime"
        #endif
        return "built with Swift \(compiler), language mode 6; \(runtime)"
    }

    /// `debug` or `release`.
    public static var buildConfiguration: String {
        #if DEBUG
            "debug"
        #else
            "release"
        #endif
    }

    /// The path of the running executable.
    public static var executablePath: String {
        #if os(Linux)
            if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
                return resolved
            }
        #endif
        return Bundle.main.executablePath ?? CommandLine.arguments.first ?? "unknown"
    }

    /// Hex SHA-256 of a file, read in chunks; nil when it cannot be read.
    public static func sha256(ofFile path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The software description of this run.
    public static func tool() -> OQReport.Tool {
        let path = executablePath
        return OQReport.Tool(
            name: "spar", version: sparVersion, executable: path, executableSHA256: sha256(ofFile: path) ?? "unreadable",
            buildConfiguration: buildConfiguration)
    }

    /// The machine description of this run.
    public static func current(scratch: String) -> OQReport.Environment {
        var u = utsname()
        uname(&u)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        let kernel = [field(u.sysname), field(u.release), field(u.version)].joined(separator: " ")
        let info = ProcessInfo.processInfo
        return OQReport.Environment(
            operatingSystem: operatingSystem(), kernel: kernel, architecture: field(u.machine), swift: swiftVersion,
            sqlite: RawSQLite.sqliteVersion(), hostName: info.hostName, cpuCount: info.activeProcessorCount,
            memoryBytes: Int64(clamping: info.physicalMemory), user: user(), timeZone: TimeZone.current.identifier,
            scratchDirectory: scratch)
    }

    static func operatingSystem() -> String {
        #if os(Linux)
            if let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) {
                for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
                    return String(line.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
            }
        #endif
        return ProcessInfo.processInfo.operatingSystemVersionString
    }

    static func user() -> String {
        let uid = geteuid()
        var name = ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        if let pw = getpwuid(uid), let n = pw.pointee.pw_name { name = String(cString: n) }
        return "\(name) (uid \(uid))"
    }
}
