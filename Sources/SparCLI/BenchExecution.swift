import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif
import SparCore
import SparEngine
import SparGovernance
import SparSQLite

/// The execution record's figures: the backward trace of a serial with `ancestors` serials behind it (warm, and from
/// a cold replay of the ledger), and step completions through `spar serve`'s HTTP API, each a signature with
/// re-authentication (the password checked against its PBKDF2 hash). The server is started with the signing rate limit
/// lifted (by default a user signs at most 10 times a minute from one address).
struct BenchExecution {
    let dir: String
    let ancestors: Int
    let completions: Int

    static let password = "bench-password-correct-horse"

    static func plant() -> PlantModel {
        PlantModel(
            enterprise: "bench",
            sites: [
                Site(
                    id: "s", timeZone: "UTC",
                    areas: [
                        Area(id: "a", workCenters: [WorkCenter(id: "w", kind: .productionLine, workUnits: [WorkUnit(id: "u1")])])
                    ])
            ],
            reasons: [ReasonCode(code: "run", category: .production)],
            systems: [SourceSystem(id: "mes", kind: .MES, validated: true)])
    }

    func run() async throws {
        try await trace()
        try await api()
    }

    /// A parent with `ancestors` serials behind it: ten sub-assemblies, each with an equal share of components.
    func trace() async throws {
        let db = dir + "/execution-trace.sqlite"
        for suffix in ["", "-wal", "-shm", ".key"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        let store = try SQLiteLedgerStore(path: db)
        let execution = ExecutionLedger(store: store)
        let local = Principal.local("bench", station: "bench")
        let subs = min(10, ancestors)
        let components = ancestors - subs
        var watch = Stopwatch()
        for s in 0..<subs {
            let share = components / subs + (s < components % subs ? 1 : 0)
            for c in 0..<share {
                try await execution.assemble(SerialAssembled(parent: "SUB-\(s)", component: "C-\(s)-\(c)"), by: local)
            }
            try await execution.assemble(SerialAssembled(parent: "TOP", component: "SUB-\(s)"), by: local)
        }
        let appended = watch.lap()
        var warm: [Double] = []
        var found = 0
        for _ in 0..<20 {
            let t = Stopwatch()
            found = try await execution.traceBackward(.serial("TOP")).ancestors.count
            warm.append(t.elapsed)
        }
        let cold = Stopwatch()
        let fresh = try await ExecutionLedger(store: store).traceBackward(.serial("TOP"))
        let coldTime = cold.elapsed
        let p = BenchServing.percentiles(warm)
        Console.out(
            "  trace backward  serial with \(found) ancestors (\(fresh.edges.count) edges): warm p50 \(BenchServing.ms(p.p50)) ms, "
                + "from a cold replay of \(ancestors) execution entries \(BenchServing.ms(coldTime)) ms "
                + "(\(ancestors) assemblies appended one by one in \(String(format: "%.1f", appended)) s)")
    }

    /// A ledger with users and a routing of `completions` one-step operations, served by `spar serve`; the operator
    /// signs in and starts and completes every step over HTTP.
    func api() async throws {
        guard let spar = Bundle.main.executablePath else { return }
        let db = dir + "/execution-api.sqlite"
        for suffix in ["", "-wal", "-shm", ".key"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        let store = try SQLiteLedgerStore(path: db)
        _ = try await LedgerPlantModel.record(
            Self.plant(), in: store, allowNewVersion: false, recordedAt: .now, recordedBy: "local:bench")
        let g = Governance(store: store)
        let local = Principal.local("bench", station: "bench")
        try await g.enroll(user: "admin", printedName: "Admin", roles: [.admin], sites: .all, password: Self.password, by: local)
        let admin = try await g.authenticate(Credentials(user: "admin", password: Self.password), station: "bench")
        for (u, r) in [("eng", Role.engineer), ("qa", .quality), ("op", .operator)] {
            try await g.enroll(user: u, printedName: u, roles: [r], sites: .all, password: Self.password, by: admin)
        }
        let steps = (1...completions).map { RoutingStep(sequence: $0, instruction: "Step \($0)") }
        let routing = Routing(
            partNumber: "PN-B", revision: "1",
            operations: [RoutingOperation(sequence: 10, workCenter: EquipmentPath("bench/s/a/w/u1"), steps: steps)])
        let cr = try await g.propose(.routing(routing), reason: "bench", effectiveAt: .now, by: admin)
        for u in ["eng", "qa"] {
            _ = try await g.approve(cr.id, credentials: Credentials(user: u, password: Self.password), session: nil, station: "bench")
        }
        let op = try await g.authenticate(Credentials(user: "op", password: Self.password), station: "bench")
        try await ExecutionLedger(store: store).releaseTraveler(
            "T-B", workOrder: "WO-B", partNumber: "PN-B", item: .serial("SN-B"), by: op)

        let port = 20_000 + Int(UInt64(getpid()) % 2_000)
        let arguments = [
            spar, "serve", "--db", db, "--host", "127.0.0.1", "--port", String(port), "--login-attempts-per-minute",
            "1000000",
        ]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, dir + "/execution-serve.stdout", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, dir + "/execution-serve.stderr", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, spar, &actions, nil, argv, environ) == 0 else { return }
        defer {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        }
        let base = "http://127.0.0.1:\(port)"
        let session = URLSession(configuration: .ephemeral)
        let started = Stopwatch()
        var healthy = false
        while started.elapsed < 120 {
            if let (_, r) = try? await session.data(from: URL(string: base + "/health")!),
                (r as? HTTPURLResponse)?.statusCode == 200
            {
                healthy = true
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard healthy else {
            Console.err("  execution API   spar serve did not answer /health; see \(dir)/execution-serve.stderr")
            return
        }
        func post(_ path: String, _ body: String, cookie: String?) async throws -> (Int, HTTPURLResponse?) {
            var request = URLRequest(url: URL(string: base + path)!)
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue(base, forHTTPHeaderField: "Origin")
            if let cookie { request.setValue("__Host-spar-session=\(cookie)", forHTTPHeaderField: "Cookie") }
            let (_, r) = try await session.data(for: request)
            let http = r as? HTTPURLResponse
            return (http?.statusCode ?? 0, http)
        }
        let (status, login) = try await post(
            "/api/session", #"{"user":"op","password":"\#(Self.password)"}"#, cookie: nil)
        guard status == 200, let setCookie = login?.value(forHTTPHeaderField: "Set-Cookie"),
            let value = setCookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last
        else {
            Console.err("  execution API   sign-in failed (\(status))")
            return
        }
        let cookie = String(value)
        var completeTimes: [Double] = []
        var failures = 0
        let all = Stopwatch()
        for s in 1...completions {
            let (a, _) = try await post("/api/travelers/T-B/steps/10.\(s)/start", "{}", cookie: cookie)
            let t = Stopwatch()
            let user = s == 1 ? #","user":"op""# : ""
            let (b, _) = try await post(
                "/api/travelers/T-B/steps/10.\(s)/complete", #"{"password":"\#(Self.password)"\#(user)}"#, cookie: cookie)
            completeTimes.append(t.elapsed)
            if a != 201 || b != 201 { failures += 1 }
        }
        let total = all.elapsed
        let p = BenchServing.percentiles(completeTimes)
        let completeSum = completeTimes.reduce(0, +)
        Console.out(
            "  execution API   \(completions) steps started and completed over HTTP in \(String(format: "%.2f", total)) s: "
                + "\(String(format: "%.1f", Double(completions) / completeSum)) completions/s "
                + "(each a signature with re-authentication; p50 \(BenchServing.ms(p.p50)) ms, p99 \(BenchServing.ms(p.p99)) ms), "
                + "\(String(format: "%.1f", Double(completions) / total)) start+complete cycles/s; \(failures) refused")
    }
}
