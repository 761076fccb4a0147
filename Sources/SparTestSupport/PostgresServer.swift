import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A real PostgreSQL server on loopback for the tests: the one `SPAR_TEST_POSTGRES_URL` names (it must be a
/// loopback address), or else a throwaway cluster this process creates with the installed `initdb` in a temporary
/// directory and stops when it exits. Each test takes a fresh database of its own (``freshDatabase()``).
public final class PostgresServer: Sendable {
    /// `postgres://user@127.0.0.1:port` without a database.
    public let base: String
    public let host: String
    public let port: Int
    public let user: String
    /// A shell command that stops this process's own cluster at once (as a crash would) and starts it again on the
    /// same port; nil for a server named by `SPAR_TEST_POSTGRES_URL`.
    public let restartCommand: String?
    private let stopCommand: String?

    private static let shared = Mutex<Result<PostgresServer, PostgresServerError>?>(nil)

    /// The server every test of this process uses, started on first use.
    public static func start() throws -> PostgresServer {
        try shared.withLock { cached in
            if let cached { return try cached.get() }
            let result = Result { try PostgresServer.make() }.mapError {
                $0 as? PostgresServerError ?? PostgresServerError("\($0)")
            }
            cached = result
            return try result.get()
        }
    }

    init(host: String, port: Int, user: String, restartCommand: String? = nil, stopCommand: String? = nil) {
        self.restartCommand = restartCommand
        self.stopCommand = stopCommand
        self.host = host
        self.port = port
        self.user = user
        base = "postgres://\(user)@\(host):\(port)"
    }

    /// A new, empty database; its `postgres://` address (TLS off: loopback only).
    public func freshDatabase() throws -> String {
        let name = "spar_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try psql("CREATE DATABASE \(name)")
        return "\(base)/\(name)?sslmode=disable"
    }

    /// Runs one SQL command through `psql` against the `postgres` database (or `database`).
    public func psql(_ sql: String, database: String = "postgres") throws {
        let out = try Self.run(
            Self.psqlPath, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", "\(port)", "-U", user, "-d", database, "-c", sql])
        guard out.status == 0 else { throw PostgresServerError("psql \(sql): \(out.output)") }
    }

    static let psqlPath = "/usr/bin/psql"

    static func make() throws -> PostgresServer {
        if let url = ProcessInfo.processInfo.environment["SPAR_TEST_POSTGRES_URL"], !url.isEmpty {
            guard let u = URLComponents(string: url), let host = u.host else {
                throw PostgresServerError("SPAR_TEST_POSTGRES_URL '\(url)' is not a postgres:// address")
            }
            guard ["127.0.0.1", "localhost", "::1"].contains(host) else {
                throw PostgresServerError("SPAR_TEST_POSTGRES_URL names \(host); the tests use loopback servers only")
            }
            return PostgresServer(host: host, port: u.port ?? 5432, user: u.user ?? "postgres")
        }
        return try Cluster.create()
    }

    /// Starts `command` and waits for it; its status and what it printed.
    static func run(_ command: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: command)
        p.arguments = arguments
        p.standardInput = FileHandle.nullDevice
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A cluster of this process's own.
    enum Cluster {
        static let stopCommands = Mutex<[String]>([])
        static let registered = Mutex(false)

        static func binaries() throws -> String {
            let root = "/usr/lib/postgresql"
            let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
                .compactMap(Int.init).sorted()
            guard let v = versions.last, FileManager.default.isExecutableFile(atPath: "\(root)/\(v)/bin/initdb") else {
                throw PostgresServerError(
                    "PostgreSQL is not installed (apt-get install postgresql), and SPAR_TEST_POSTGRES_URL is not set; "
                        + "these tests need a real server")
            }
            return "\(root)/\(v)/bin"
        }

        static func create(durable: Bool = false) throws -> PostgresServer {
            let bin = try binaries()
            let dir = "/tmp/spar-pg-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let port = try MosquittoBroker.freePort()
            // initdb and postgres refuse to run as root: as root, the cluster belongs to the `postgres` user.
            var prefix: [String] = []
            if getuid() == 0 {
                guard let pw = getpwnam("postgres") else {
                    throw PostgresServerError("running as root, but there is no postgres user to own the test cluster")
                }
                guard chown(dir, pw.pointee.pw_uid, pw.pointee.pw_gid) == 0 else {
                    throw PostgresServerError("cannot hand \(dir) to the postgres user")
                }
                prefix = ["/usr/sbin/runuser", "-u", "postgres", "--"]
            }
            // Through system(3), which waits for its own child: Foundation's Process can miss the exit of a
            // command whose daemon outlives it.
            func sh(_ arguments: [String]) throws {
                let command = (prefix + arguments).map { "'\($0)'" }.joined(separator: " ") + " >>\(dir)/setup.log 2>&1"
                let status = system(command)
                guard status == 0 else {
                    let setup = (try? String(contentsOfFile: "\(dir)/setup.log", encoding: .utf8)) ?? ""
                    let log = (try? String(contentsOfFile: "\(dir)/log", encoding: .utf8)) ?? ""
                    throw PostgresServerError("\(arguments.joined(separator: " ")) failed (\(status)): \(setup)\(log)")
                }
            }
            try sh([
                "\(bin)/initdb", "-D", "\(dir)/data", "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8",
                "--no-sync",
            ])
            // The shared cluster trades durability for speed; one that a test crashes must keep every commit it
            // acknowledged, or the test would see the configuration lose them.
            let durability = durable ? "" : " -c fsync=off -c synchronous_commit=off"
            let options = "-h 127.0.0.1 -p \(port) -k \(dir)\(durability) -c max_connections=200"
            try sh(["\(bin)/pg_ctl", "-D", "\(dir)/data", "-o", options, "-l", "\(dir)/log", "-w", "-t", "60", "start"])
            let stop = (prefix + ["\(bin)/pg_ctl", "-D", "\(dir)/data", "-m", "immediate", "stop"]).map { "'\($0)'" }
                .joined(separator: " ") + " >/dev/null 2>&1"
            stopCommands.withLock { $0.append(stop) }
            if !registered.withLock({ was in defer { was = true }; return was }) {
                atexit {
                    for command in PostgresServer.Cluster.stopCommands.withLock({ $0 }) { _ = system(command) }
                }
            }
            let restart = (prefix + ["\(bin)/pg_ctl", "-D", "\(dir)/data", "-o", options, "-l", "\(dir)/log", "-m", "immediate", "-w", "restart"])
                .map { "'\($0)'" }.joined(separator: " ") + " >/dev/null 2>&1"
            return PostgresServer(host: "127.0.0.1", port: port, user: "postgres", restartCommand: restart, stopCommand: stop)
        }
    }

    /// A cluster of its own (not the shared one), for a test that restarts or stops its server while other tests
    /// run: durable (fsync and synchronous commit on), so that a crash loses no acknowledged commit; stopped by
    /// ``stop()`` or when the process exits.
    public static func privateCluster() throws -> PostgresServer {
        if let url = ProcessInfo.processInfo.environment["SPAR_TEST_POSTGRES_URL"], !url.isEmpty {
            throw PostgresServerError("a private cluster needs the installed initdb, not SPAR_TEST_POSTGRES_URL")
        }
        return try Cluster.create(durable: true)
    }

    /// Stops this process's own cluster at once (immediate shutdown).
    public func stop() {
        if let stopCommand { _ = system(stopCommand) }
    }
}

public struct PostgresServerError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}
