import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif
import SparCore
import SparEngine
import SparInterchange
import SparSQLite

/// Ingest as a plant runs it, each into a fresh ledger: a cold `spar ingest` process reading a JSON Lines file of
/// the events, and `POST /api/events` of 1,000-event `application/x-ndjson` batches to a running `spar serve`,
/// from one client and from four at once.
struct BenchIngest {
    let dir: String
    let model: PlantModel
    let events: [Event]

    static let batch = 1_000

    func run() async throws {
        guard let spar = Bundle.main.executablePath else { return }
        let jsonl = dir + "/events.jsonl"
        let plant = dir + "/plant.json"
        try Data(PlantModelFile.canonicalJSON(model).utf8).write(to: URL(fileURLWithPath: plant))
        let lines = try writeLines(to: jsonl)

        let cliDB = dir + "/ingest-cli.sqlite"
        Self.remove(ledger: cliDB)
        let run = try MeasuredProcess.run([spar, "ingest", "--db", cliDB, "--plant", plant, "--quiet", jsonl], dir: dir)
        guard run.status == 0 else {
            throw CLIError("spar ingest of \(jsonl) failed (exit \(run.status)): \(run.stderr.suffix(2_000))")
        }
        Console.out(
            "  spar ingest     cold process, \(lines) JSON Lines into a fresh ledger (hash chain, signed checkpoints, synchronous=FULL): \(BenchServing.ms(run.seconds)) ms = \(Int((Double(lines) / run.seconds).rounded())) events/s, peak RSS \(run.maxRSSKB / 1024) MB"
        )

        let bodies = batches()
        for clients in [1, 4] {
            let db = dir + "/ingest-http-\(clients).sqlite"
            Self.remove(ledger: db)
            let store = try SQLiteLedgerStore(path: db)
            _ = try await LedgerPlantModel.record(model, in: store, allowNewVersion: true, recordedAt: .now, recordedBy: "bench")
            let server = try BenchServer(spar: spar, db: db, dir: dir)
            defer { server.stop() }
            guard try await server.waitHealthy() else {
                Console.err("  POST /api/events spar serve did not answer /health; see \(dir)/serve.stderr")
                return
            }
            let (seconds, accepted, failures) = try await post(bodies, to: server.base, clients: clients)
            Console.out(
                "  POST /api/events \(clients) client\(clients == 1 ? "" : "s"), \(bodies.count) batches of \(Self.batch) NDJSON events (open loopback server, no token): \(accepted) accepted in \(BenchServing.ms(seconds)) ms = \(Int((Double(accepted) / seconds).rounded())) events/s, \(failures) failed requests; server peak RSS \(server.peakRSS())"
            )
        }
    }

    /// Writes every event's canonical JSON, one per line; returns the line count.
    func writeLines(to path: String) throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw CLIError("cannot write \(path)")
        }
        defer { try? h.close() }
        var buffer = ""
        for e in events {
            buffer += EventCoding.canonical(e)
            buffer += "\n"
            if buffer.utf8.count > 1 << 20 {
                h.write(Data(buffer.utf8))
                buffer = ""
            }
        }
        h.write(Data(buffer.utf8))
        return events.count
    }

    /// The events as NDJSON request bodies of ``batch`` lines.
    func batches() -> [Data] {
        stride(from: 0, to: events.count, by: Self.batch).map { i in
            var body = ""
            for e in events[i..<min(i + Self.batch, events.count)] {
                body += EventCoding.canonical(e)
                body += "\n"
            }
            return Data(body.utf8)
        }
    }

    /// Posts the batches in order, `clients` at a time (client `k` posts batches `k`, `k + clients`, …); returns the
    /// wall time, the events the server acknowledged as accepted and the requests that did not answer 200.
    func post(_ bodies: [Data], to base: String, clients: Int) async throws -> (Double, Int, Int) {
        let url = URL(string: base + "/api/events")!
        let started = Stopwatch()
        let totals = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for k in 0..<clients {
                group.addTask {
                    let session = URLSession(configuration: .ephemeral)
                    var accepted = 0
                    var failures = 0
                    for i in stride(from: k, to: bodies.count, by: clients) {
                        var request = URLRequest(url: url)
                        request.httpMethod = "POST"
                        request.setValue("application/x-ndjson", forHTTPHeaderField: "Content-Type")
                        request.timeoutInterval = 600
                        let (data, response) = try await session.upload(for: request, from: bodies[i])
                        guard (response as? HTTPURLResponse)?.statusCode == 200,
                            let report = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                            let n = report["accepted"] as? Int
                        else {
                            failures += 1
                            continue
                        }
                        accepted += n
                    }
                    return (accepted, failures)
                }
            }
            var sum = (0, 0)
            for try await (a, f) in group { sum = (sum.0 + a, sum.1 + f) }
            return sum
        }
        return (started.elapsed, totals.0, totals.1)
    }

    static func remove(ledger path: String) {
        for suffix in ["", "-wal", "-shm", ".key"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

/// A `spar serve` child process on loopback, its output in `dir/serve.stdout|stderr`; stopped with SIGTERM.
final class BenchServer: Sendable {
    let pid: pid_t
    let base: String
    let started = Stopwatch()

    init(spar: String, db: String, dir: String) throws {
        let port = 18_000 + Int(UInt64(getpid()) % 2_000)
        let arguments = [spar, "serve", "--db", db, "--host", "127.0.0.1", "--port", String(port)]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, dir + "/serve.stdout", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, dir + "/serve.stderr", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, spar, &actions, nil, argv, environ)
        guard rc == 0 else { throw CLIError("cannot start spar serve: error \(rc)") }
        self.pid = pid
        base = "http://127.0.0.1:\(port)"
    }

    /// Waits up to two minutes for `/health` to answer 200.
    func waitHealthy() async throws -> Bool {
        let session = URLSession(configuration: .ephemeral)
        while started.elapsed < 120 {
            if let (_, response) = try? await session.data(from: URL(string: base + "/health")!),
                (response as? HTTPURLResponse)?.statusCode == 200
            {
                return true
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// The server's peak resident memory so far (`VmHWM`).
    func peakRSS() -> String {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
            .map { $0.dropFirst("VmHWM:".count).trimmingCharacters(in: .whitespaces) } ?? "?"
    }

    func stop() {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    }
}
