import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A real mosquitto broker on a free loopback port, with persistence in a temporary directory, that the test
/// can kill (SIGKILL) and start again on the same port with the same persistence.
public final class MosquittoBroker: Sendable {
    public static let executable = "/usr/sbin/mosquitto"
    public let port: Int
    public let directory: URL
    private let process = Mutex<Process?>(nil)

    /// `saveOnEveryChange`: mosquitto writes its persistence file after every change (`autosave_on_changes`)
    /// rather than every second; only then does a message it acknowledged survive a SIGKILL before it was
    /// delivered.
    public init(saveOnEveryChange: Bool = true) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw BrokerError("mosquitto is not installed at \(Self.executable) (apt-get install mosquitto); this test needs a real broker")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("spar-mqtt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try Self.freePort()
        let conf = """
            user \(String(cString: getpwuid(getuid()).pointee.pw_name))
            listener \(port) 127.0.0.1
            allow_anonymous true
            persistence true
            persistence_location \(directory.path)/
            autosave_interval 1
            autosave_on_changes \(saveOnEveryChange)
            max_queued_messages 0
            log_dest file \(directory.path)/mosquitto.log
            log_type all

            """
        try conf.write(to: directory.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
    }

    public struct BrokerError: Error, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }

    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BrokerError("socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0 else { throw BrokerError("bind() failed") }
        let named = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard named == 0 else { throw BrokerError("getsockname() failed") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Whether something accepts TCP connections on the port.
    public func accepting() -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let len = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, len) } } == 0
    }

    public func start() async throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.executable)
        p.arguments = ["-c", directory.appendingPathComponent("mosquitto.conf").path]
        try p.run()
        process.withLock { $0 = p }
        guard try await eventually(seconds: 10, { self.accepting() }) else {
            throw BrokerError("mosquitto did not listen on 127.0.0.1:\(port) (see \(directory.path)/mosquitto.log)")
        }
    }

    /// SIGKILL: no clean shutdown, no final save of the persistence file.
    public func kill9() {
        guard let p = process.withLock({ $0 }) else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process.withLock { $0 = nil }
    }

    deinit {
        if let p = process.withLock({ $0 }), p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Polls `condition` every 10 ms until it holds or `seconds` pass; whether it held.
public func eventually(seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}
